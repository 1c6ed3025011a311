/**
 * `codedistill domain` offline, end to end, as a user runs it: the built CLI against a loopback stand-in for
 * GitHub's GraphQL API (recorded search and repository answers, test/fixtures/discover/field.json) and local
 * bare git repositories of the field fixtures (test/fixtures/field: specta, spectb, solvc, sharing numpy and
 * scipy idioms) reached through CODEDISTILL_GITHUB_GIT_URL. discover → batch of child distills → patterns →
 * <home>/domains/<name>.json, valid per its schema; then `codedistill report` shows the Domain section. One
 * repository's metadata answer is a recorded 502: its child resolves it with git and it is still done.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { DomainSummary } from '../../src/domain/domain-summary.js';
import { loadRecorded, startFakeGithub, type FakeGithub } from '../helpers/fake-github.js';
import { fixture, repoRoot, tempDir, testEnv } from '../helpers/tmp.js';

const cliJs = path.join(repoRoot, 'dist', 'cli', 'main.js');
const NAMES = ['specta', 'spectb', 'solvc'] as const;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 'test@example.org', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 'test@example.org' },
  }).trim();
}

function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [cliJs, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
}

describe('codedistill domain offline: fake GitHub, local git, the report page', { timeout: 900_000 }, () => {
  const dir = tempDir();
  const home = path.join(dir, 'home');
  const server = path.join(dir, 'server');
  let gh: FakeGithub;
  let env: Record<string, string>;
  let run: { code: number | null; out: string; err: string };
  let summary: DomainSummary;
  const commits: Record<string, string> = {};

  before(async () => {
    assert.ok(existsSync(cliJs), 'dist/ is missing: npm test builds it first (pretest)');
    for (const name of NAMES) {
      const work = path.join(dir, 'work', name);
      cpSync(fixture(path.join('field', name)), work, { recursive: true, filter: (s) => !s.includes('__pycache__') });
      git(work, 'init', '-q', '-b', 'main');
      git(work, 'add', '.');
      git(work, 'commit', '-q', '-m', `${name} fixture`);
      commits[`COMMIT_${name.toUpperCase()}`] = git(work, 'rev-parse', 'HEAD');
      mkdirSync(path.join(server, 'fieldlab'), { recursive: true });
      git(dir, 'clone', '-q', '--bare', work, path.join(server, 'fieldlab', `${name}.git`));
    }
    const recorded = loadRecorded(fixture('discover/field.json'), commits);
    // solvc's metadata is unavailable: a recorded bad gateway, as GitHub answers when it is having a bad day.
    const repositories = { ...recorded.repositories, 'fieldlab/solvc': { status: 502, headers: { 'content-type': 'application/json' }, body: { message: 'Server Error' } } };
    gh = await startFakeGithub(recorded.pages, undefined, repositories);
    env = testEnv(home, {
      CODEDISTILL_MODEL: 'none',
      CODEDISTILL_ENVIRONMENTS: '0',
      GITHUB_TOKEN: 'recorded',
      CODEDISTILL_GITHUB_API_URL: gh.url,
      CODEDISTILL_GITHUB_GIT_URL: pathToFileURL(server).href,
      CODEDISTILL_LOG_LEVEL: 'info',
    });
    run = await cli(['domain', 'spectro', 'spectra', '--stars', '10', '--workers', '2', '--json'], env);
    summary = DomainSummary.parse(JSON.parse(run.out));
  });
  after(async () => {
    await gh?.close();
  });

  it('writes the domain summary, valid per its schema, with every repository done at the commit discovery pinned', () => {
    assert.equal(run.code, 0, run.err.slice(-2000));
    const file = path.join(home, 'domains', 'spectro.json');
    assert.equal(summary.path, file);
    const onDisk = DomainSummary.parse(JSON.parse(readFileSync(file, 'utf8')));
    assert.deepEqual(onDisk, summary);
    assert.deepEqual(
      onDisk.repositories.map((r) => [r.repo, r.state, r.library, r.commit]),
      NAMES.map((n) => [`fieldlab/${n}`, 'done', n, commits[`COMMIT_${n.toUpperCase()}`]]),
    );
    assert.ok(onDisk.repositories.every((r) => (r.blocks ?? 0) >= 2), JSON.stringify(onDisk.repositories));
    assert.deepEqual(onDisk.licences, { MIT: 1, 'BSD-3-Clause': 1, 'Apache-2.0': 1 });
    assert.equal(onDisk.batch.byState.done, 3);
  });

  it('asked GitHub for each repository; the one whose metadata failed was resolved with git', () => {
    const asked = gh.requests.filter((r) => /\brepository\s*\(/.test(r.query)).map((r) => `${String(r.variables.owner)}/${String(r.variables.name)}`);
    assert.deepEqual([...new Set(asked)].sort(), NAMES.map((n) => `fieldlab/${n}`).sort());
    assert.ok(gh.requests.every((r) => r.authorization === 'bearer recorded'));
    assert.equal(summary.repositories.find((r) => r.repo === 'fieldlab/solvc')?.state, 'done');
  });

  it('finds the patterns the repositories share through their common dependency', () => {
    assert.ok(summary.patterns, 'the patterns step ran');
    const rfft = summary.patterns.find((p) => p.id.endsWith('numpy.fft.rfft'));
    assert.ok(rfft, JSON.stringify(summary.patterns.map((p) => p.id)));
    assert.equal(rfft.repos, 3);
    assert.ok(summary.patterns.every((p) => p.repos >= 2));
    assert.ok(!summary.patterns.some((p) => /butter|filtfilt/.test(p.id + p.template)), 'an idiom of one repository is no pattern');
  });

  it('the report page shows the Domain section', async () => {
    const out = path.join(dir, 'specta-report.html');
    const r = await cli(['report', 'specta', '--out', out, '--json'], env);
    assert.equal(r.code, 0, r.err.slice(-2000));
    assert.deepEqual((JSON.parse(r.out) as { domains: string[] }).domains, ['spectro']);
    const html = readFileSync(out, 'utf8');
    assert.match(html, /<section class="domain" id="domain-0">\s*<h2>Domain: spectro<\/h2>/);
    assert.ok(html.includes('<tr class="this"><td class="name">fieldlab/specta</td><td>MIT</td>'), 'its own repository marked');
    assert.ok(html.includes('<td class="name">fieldlab/solvc</td><td>Apache-2.0</td>'));
    assert.ok(html.includes(`<code>${summary.patterns!.find((p) => p.id.endsWith('numpy.fft.rfft'))!.id}</code>`));
  });
});
