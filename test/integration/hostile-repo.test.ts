/**
 * A repository that tries to pull files from outside itself into the library through symlinks (git carries
 * them, absolute ones too): metadata, requirements folders, citation, licence, README, docs, notebooks. A canary
 * string outside the repository must reach neither the manifest nor a block; each link is named as skipped.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { detectCitation } from '../../src/ingest/citation.js';
import { GuardedReader } from '../../src/ingest/guarded-read.js';
import { detectLicence } from '../../src/ingest/licence.js';
import { readRepoMetadata } from '../../src/ingest/repo-metadata.js';
import { distillRepo } from '../../src/jobs/distill.js';
import { silentLogger } from '../../src/kernel/log.js';
import { createParser } from '../../src/parse/parser.js';
import type { CodeParser } from '../../src/parse/types.js';
import type { Runner } from '../../src/validate/types.js';
import { tempDir } from '../helpers/tmp.js';

const CANARY = 'CANARY-7f3e-password=hunter2';
const MIT = 'MIT License\n\nPermission is hereby granted, free of charge, to any person obtaining a copy of this software';

const noRunner: Runner = {
  run: async () => {
    throw new Error('not run');
  },
  info: async () => ({ sandbox: 'none', interpreter: null, available: false, reason: 'not needed here' }),
};

/** Every file under `dir` as text (links not followed: the library writes none). */
function allText(dir: string): string {
  let out = '';
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out += allText(p);
    else if (e.isFile()) out += readFileSync(p, 'utf8');
  }
  return out;
}

function hostileRepo(): { repo: string; outside: string } {
  const base = tempDir('cd-hostile-');
  const outside = path.join(base, 'outside');
  const repo = path.join(base, 'canarypkg');
  mkdirSync(path.join(outside, 'reqs'), { recursive: true });
  mkdirSync(path.join(repo, 'canarypkg'), { recursive: true });
  writeFileSync(path.join(outside, 'README.md'), `# ${CANARY}\n\n@misc{canary, title={${CANARY}}}\n`);
  writeFileSync(path.join(outside, 'cite.cff'), `cff-version: 1.2.0\ntitle: "${CANARY}"\nauthors:\n  - family-names: Canary\n`);
  writeFileSync(path.join(outside, 'pyproject.toml'), `[project]\nname = "canarypkg"\ndescription = "${CANARY}"\ndependencies = ["canaryreq-pyproject"]\n`);
  writeFileSync(path.join(outside, 'reqs', 'requirements.txt'), 'canaryreq-folder\n');
  writeFileSync(path.join(outside, 'requirements.txt'), 'canaryreq-top\n');
  writeFileSync(path.join(outside, 'LICENSE'), `${MIT}\n${CANARY}\n`);
  writeFileSync(path.join(outside, 'environment.yml'), `name: x\ndependencies:\n  - canaryconda\n`);
  writeFileSync(path.join(outside, 'guide.md'), `${CANARY}\n\n\`\`\`python\nfrom canarypkg import scale\nscale(2)\n\`\`\`\n`);
  writeFileSync(path.join(outside, 'nb.ipynb'), JSON.stringify({ cells: [{ cell_type: 'markdown', source: [CANARY] }], metadata: {}, nbformat: 4, nbformat_minor: 5 }));
  writeFileSync(path.join(repo, 'canarypkg', '__init__.py'), 'def scale(x, factor=2.0):\n    """Scale a value by a factor.\n\n    >>> scale(2)\n    4.0\n    """\n    return x * factor\n');
  // Absolute and relative links out, a folder link out, a link into /proc, a loop, a dangling link.
  symlinkSync(path.join(outside, 'README.md'), path.join(repo, 'README.md'));
  symlinkSync('../outside/cite.cff', path.join(repo, 'CITATION.cff'));
  symlinkSync('/proc/self/environ', path.join(repo, 'pyproject.toml'));
  symlinkSync(path.join(outside, 'reqs'), path.join(repo, 'requirements'));
  symlinkSync('../outside/requirements.txt', path.join(repo, 'requirements.txt'));
  symlinkSync(path.join(outside, 'LICENSE'), path.join(repo, 'LICENSE'));
  symlinkSync(path.join(outside, 'environment.yml'), path.join(repo, 'environment.yml'));
  symlinkSync(outside, path.join(repo, 'docs'));
  symlinkSync(path.join(outside, 'nb.ipynb'), path.join(repo, 'tour.ipynb'));
  symlinkSync('setup.cfg.b', path.join(repo, 'setup.cfg'));
  symlinkSync('setup.cfg', path.join(repo, 'setup.cfg.b'));
  symlinkSync(path.join(base, 'nowhere'), path.join(repo, 'DESCRIPTION'));
  // A FIFO where a metadata file would be: opening it for reading would hang without the guard.
  execFileSync('mkfifo', [path.join(repo, 'requirements-dev.txt')]);
  return { repo, outside };
}

describe('hostile repository: symlinks out', { timeout: 120_000 }, () => {
  let parser: CodeParser;
  before(async () => {
    parser = await createParser();
  });

  it('the guarded reader refuses links out (absolute, relative, folders, /proc), loops, special files, long names', async () => {
    const { repo } = hostileRepo();
    const r = new GuardedReader(repo);
    for (const rel of ['README.md', 'CITATION.cff', 'pyproject.toml', 'requirements/requirements.txt', 'docs/guide.md', 'setup.cfg', 'DESCRIPTION', 'requirements-dev.txt', '../outside/LICENSE', '/etc/passwd', `${'x'.repeat(300)}.txt`]) {
      assert.equal(await r.text(rel, { limit: 1 << 20 }), null, rel);
    }
    assert.deepEqual(await r.names('docs'), []);
    assert.deepEqual(await r.names('requirements'), []);
    const reasons = Object.fromEntries(r.skipped.map((s) => [s.path, s.reason]));
    assert.match(reasons['README.md']!, /outside the repository/);
    assert.match(reasons['CITATION.cff']!, /outside the repository/);
    assert.match(reasons['pyproject.toml']!, /outside the repository/);
    assert.match(reasons['docs/guide.md']!, /outside the repository/);
    assert.match(reasons['setup.cfg']!, /loop/);
    assert.match(reasons['DESCRIPTION']!, /missing target/);
    assert.match(reasons['requirements-dev.txt']!, /not a regular file/);
    assert.match(reasons['../outside/LICENSE']!, /outside the repository/);
    assert.match(reasons[`${'x'.repeat(300)}.txt`]!, /too long/);
    // What stays inside is read, within its cap.
    assert.match((await r.text('canarypkg/__init__.py', { limit: 1 << 20 }))!, /def scale/);
    assert.equal(await r.text('canarypkg/__init__.py', { limit: 10 }), null);
    assert.equal((await r.text('canarypkg/__init__.py', { limit: 10, head: true }))!.length, 10);
  });

  it('metadata, licence and citation read without the walk never see the canary', async () => {
    const { repo } = hostileRepo();
    const meta = await readRepoMetadata(repo);
    assert.doesNotMatch(JSON.stringify(meta), /CANARY|canaryreq|canaryconda/);
    assert.equal((await detectLicence(repo)).spdx, 'NOASSERTION');
    assert.equal(await detectCitation(repo), null);
  });

  it('a distill keeps the canary out of the manifest and every block, and names the links as skipped', async () => {
    const { repo } = hostileRepo();
    const home = tempDir();
    const config = loadConfig({ PATH: process.env.PATH, CODEDISTILL_HOME: home });
    const report = await distillRepo(
      { source: repo, validate: false, force: false },
      { config, logger: silentLogger, parser, runner: noRunner, llm: null, existingLibrary: async () => null, libraries: () => [], libraryParentDir: path.join(home, 'libraries') },
    );
    assert.ok(report.counts.blocks >= 1, 'the real code is still distilled');
    assert.ok(statSync(report.libraryPath).isDirectory());
    const written = allText(report.libraryPath);
    assert.doesNotMatch(written, /CANARY|hunter2|canaryreq|canaryconda/);
    assert.doesNotMatch(written, /^PATH=/m);
    const skipped = new Map(report.skipped.map((s) => [s.path, s.reason]));
    for (const p of ['README.md', 'CITATION.cff', 'pyproject.toml', 'LICENSE', 'tour.ipynb']) assert.ok(skipped.has(p), `${p} is not named as skipped`);
  });
});
