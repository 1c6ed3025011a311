/**
 * The core services with fakes of the index and the runner: what the tools promise about errors and
 * library resolution, without LanceDB, a model or Python.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createApp, type AppServices } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { SearchQuery } from '../../src/domain/search.js';
import type { RunRecord } from '../../src/domain/validation.js';
import { CodedistillError } from '../../src/kernel/errors.js';
import type { LoadedLibrary } from '../../src/domain/library.js';
import { silentLogger } from '../../src/kernel/log.js';
import { createParser } from '../../src/parse/parser.js';
import type { RunRequest } from '../../src/validate/types.js';
import { copyFixture, repoRoot, tempDir } from '../helpers/tmp.js';

function fakes() {
  const synced: string[][] = [];
  const searched: SearchQuery[] = [];
  const runs: RunRequest[] = [];
  const record: RunRecord = {
    status: 'passed', exitCode: 0, durationMs: 1, stdout: 'ok\n', stderr: '', error: null,
    message: 'ok', sandbox: 'bwrap', ranAt: new Date(0).toISOString(),
  };
  const services: AppServices = {
    parser: () => createParser(),
    runner: {
      run: async (req) => (runs.push(req), record),
      info: async () => ({ sandbox: 'bwrap', interpreter: 'python3', available: true, reason: null }),
    },
    index: async () => ({
      sync: async (libs: LoadedLibrary[]) => (synced.push(libs.map((l) => l.name)), { indexed: [], removed: [], unchanged: [] }),
      search: async (q) => (searched.push(q), { results: [], mode: 'lexical', embedder: 'fake', libraries: [], tookMs: 0 }),
      close: async () => {},
    }),
    llm: null,
  };
  return { services, synced, searched, runs };
}

function appWith(services: AppServices, home = tempDir()) {
  const config = loadConfig({ CODEDISTILL_HOME: home, PATH: process.env.PATH });
  return createApp(config, silentLogger, services);
}

describe('app core', () => {
  it('serves the shipped libraries and indexes them on warm-up', async () => {
    const f = fakes();
    const app = appWith(f.services);
    const libs = await app.libraries();
    assert.ok(libs.some((l) => l.name === 'flowcalc' && l.shipped));
    await app.warmUp();
    assert.ok(f.synced[0]?.includes('flowcalc'));
  });

  it('an unknown block id suggests ids with the same name', async () => {
    const app = appWith(fakes().services);
    await assert.rejects(app.getPattern('flowcalc:ergun_pressure_drop'), (e: unknown) => {
      assert.ok(e instanceof CodedistillError && e.code === 'unknown_block');
      assert.match(e.hint, /flowcalc:flowcalc\.beds\.ergun_pressure_drop/);
      return true;
    });
  });

  it('an unknown library names the known ones, for search and for snippets', async () => {
    const app = appWith(fakes().services);
    await assert.rejects(app.search({ query: 'x', library: 'nope' }), /No library named "nope"/);
    await assert.rejects(app.validateSnippet({ code: 'print(1)', library: 'nope' }), (e: unknown) => {
      assert.ok(e instanceof CodedistillError);
      assert.match(e.hint, /flowcalc/);
      return true;
    });
  });

  it('a snippet with a library gets that library\'s source snapshot on the import path, and the timeout is capped', async () => {
    const f = fakes();
    const app = appWith(f.services);
    await app.validateSnippet({ code: 'import flowcalc', library: 'flowcalc', timeoutMs: 600_000 });
    const req = f.runs[0]!;
    assert.deepEqual(req.importRoots, [path.join(repoRoot, 'libraries', 'flowcalc', 'source')]);
    assert.equal(req.timeoutMs, app.config.maxTimeoutMs);
  });

  it('search input is validated before the index is asked', async () => {
    const f = fakes();
    const app = appWith(f.services);
    await assert.rejects(app.search({ query: '  ' }), /query is empty/);
    await app.search({ query: 'reynolds number' });
    assert.equal(f.searched[0]?.limit, 10);
  });

  it('distills into the user library folder, re-indexes, and refuses to overwrite another repo under the same name', async () => {
    const f = fakes();
    const home = tempDir();
    const app = appWith(f.services, home);
    const repo = copyFixture('sigproc');
    const report = await app.distill({ source: repo, name: 'mine' });
    assert.equal(report.libraryPath, path.join(home, 'libraries', 'mine'));
    assert.ok(f.synced.at(-1)?.includes('mine'));
    assert.ok(f.runs.length > 0, 'examples were run through the runner');
    const other = copyFixture('messy');
    await assert.rejects(app.distill({ source: other, name: 'mine' }), /already holds/);
  });
});
