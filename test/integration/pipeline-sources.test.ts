/**
 * The pipeline's other ways in: a GitHub-style owner/name resolved and fetched with git (a local bare
 * repository stands in for GitHub, no token, no network), and an LLM provider (a scripted OpenAI-compatible
 * server on loopback) filling in a summary for an undocumented block.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { loadConfig, type Config } from '../../src/config.js';
import { createLlmClient } from '../../src/enrich/client.js';
import { distillRepo } from '../../src/jobs/distill.js';
import { loadLibrary } from '../../src/library/files.js';
import { silentLogger } from '../../src/kernel/log.js';
import { createParser } from '../../src/parse/parser.js';
import type { CodeParser } from '../../src/parse/types.js';
import type { Runner } from '../../src/validate/types.js';
import { fixture, tempDir } from '../helpers/tmp.js';

const noRunner: Runner = {
  run: async () => {
    throw new Error('not run');
  },
  info: async () => ({ sandbox: 'none', interpreter: null, available: false, reason: 'not needed here' }),
};

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8' }).trim();
}

describe('pipeline sources', { timeout: 120_000 }, () => {
  let parser: CodeParser;
  before(async () => {
    parser = await createParser();
  });
  const distill = (config: Config, source: string, name?: string) =>
    distillRepo(
      { source, name, validate: false, force: false },
      { config, logger: silentLogger, parser, runner: noRunner, llm: config.llm ? createLlmClient(config.llm, { logger: silentLogger }) : null, existingLibrary: async () => null, libraries: () => [], libraryParentDir: path.join(config.home, 'libraries') },
    );

  it('owner/name is fetched with git at the resolved commit, and provenance links to the exact lines', async () => {
    const base = tempDir();
    const work = path.join(base, 'work');
    cpSync(fixture('sigproc'), work, { recursive: true, filter: (s) => !s.includes('__pycache__') });
    git(work, 'init', '-q');
    git(work, 'add', '-A');
    git(work, 'commit', '-qm', 'first');
    const head = git(work, 'rev-parse', 'HEAD');
    mkdirSync(path.join(base, 'server', 'acme'), { recursive: true });
    git(base, 'clone', '-q', '--bare', work, path.join(base, 'server', 'acme', 'sigproc.git'));

    const home = tempDir();
    const config = loadConfig({ PATH: process.env.PATH, HOME: process.env.HOME, CODEDISTILL_HOME: home, CODEDISTILL_GITHUB_GIT_URL: pathToFileURL(path.join(base, 'server')).href });
    const report = await distill(config, 'acme/sigproc');
    assert.equal(report.repo, 'acme/sigproc');
    assert.equal(report.commit, head);
    assert.equal(report.library, 'sigproc');
    const lib = await loadLibrary(report.libraryPath, false);
    const b = lib.blocks.find((x) => x.name === 'moving_average')!;
    assert.equal(b.provenance.commit, head);
    assert.match(b.provenance.url ?? '', new RegExp(`/acme/sigproc/blob/${head}/sigproc/filters\\.py#L${b.provenance.startLine}-L${b.provenance.endLine}$`));
    assert.equal(lib.manifest.source.kind, 'github');
  });

  describe('with an LLM provider', () => {
    let server: http.Server;
    const prompts: string[] = [];
    before(async () => {
      server = http.createServer((req, res) => {
        let body = '';
        req.on('data', (d) => (body += d));
        req.on('end', () => {
          prompts.push(body);
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: 'Converts a temperature from Rankine to Kelvin.' } }] }));
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    });
    after(() => server.close());

    it('an undocumented public function gets a model-written summary, marked as such', async () => {
      const repo = path.join(tempDir(), 'thermo_units');
      mkdirSync(path.join(repo, 'thermo_units'), { recursive: true });
      writeFileSync(path.join(repo, 'thermo_units', '__init__.py'), 'def rankine_to_kelvin(t_r):\n    k = t_r * 5.0 / 9.0\n    return k\n');
      const port = (server.address() as AddressInfo).port;
      const config = loadConfig({ PATH: process.env.PATH, CODEDISTILL_HOME: tempDir(), CODEDISTILL_LLM_BASE_URL: `http://127.0.0.1:${port}/v1`, CODEDISTILL_LLM_API_KEY: 'sk-test' });
      const report = await distill(config, repo);
      const lib = await loadLibrary(report.libraryPath, false);
      const b = lib.blocks.find((x) => x.name === 'rankine_to_kelvin')!;
      assert.equal(b.summary, 'Converts a temperature from Rankine to Kelvin.');
      assert.ok(b.tags.includes('summary:llm'));
      assert.ok(prompts.some((p) => p.includes('rankine_to_kelvin')));
    });
  });
});
