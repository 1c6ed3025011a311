/**
 * The core services with fakes of the index and the runner: what the tools promise about errors and
 * library resolution, without LanceDB, a model or Python.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
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
  // What the fake index was last synced at, as an index on disk keeps it between processes.
  const order: string[] = [];
  const disk: { stamp: string | null; libraries: Set<string> } = { stamp: null, libraries: new Set() };
  const services: AppServices = {
    parser: () => createParser(),
    runner: {
      run: async (req) => (runs.push(req), record),
      info: async () => ({ sandbox: 'bwrap', interpreter: 'python3', available: true, reason: null }),
    },
    index: async () => ({
      sync: async (libs: LoadedLibrary[], opts) => {
        synced.push(libs.map((l) => l.name));
        order.push('sync');
        disk.stamp = opts?.catalogueStamp ?? null;
        disk.libraries = new Set(libs.map((l) => l.name));
        return { indexed: [], removed: [], unchanged: [] };
      },
      search: async (q) => (searched.push(q), order.push('search'), { results: [], mode: 'lexical', embedder: 'fake', libraries: [], tookMs: 0 }),
      synced: async () => (disk.stamp === null ? null : { catalogueStamp: disk.stamp, libraries: disk.libraries }),
      warm: async () => void order.push('warm'),
      close: async () => {},
    }),
    llm: null,
  };
  return { services, synced, searched, runs, disk, order };
}

function appWith(services: AppServices, home = tempDir()) {
  const config = loadConfig({ CODEDISTILL_HOME: home, PATH: process.env.PATH });
  return createApp(config, silentLogger, services);
}

describe('app core', () => {
  it("a restart's first search answers from an index synced at the folders' stamp, then checks the libraries", async () => {
    const f = fakes();
    const home = tempDir();
    await appWith(f.services, home).warmUp();
    assert.ok(f.disk.stamp, 'the sync records the stamp it read the folders at');
    f.order.length = 0;
    const restarted = appWith(f.services, home);
    // What a server does once its client is connected: here it finds the index current and syncs nothing yet.
    await restarted.start();
    assert.deepEqual(f.order, ['warm'], 'the index read ahead of the first search');
    await restarted.search({ query: 'pressure drop' });
    assert.equal(f.order[1], 'search', 'searched before the libraries were read again');
    await restarted.warmUp();
    assert.deepEqual(f.order, ['warm', 'search', 'sync']);
    await restarted.close();
  });

  it('a first search waits for the sync when a library came or went since the index was synced', async () => {
    const f = fakes();
    const home = tempDir();
    await appWith(f.services, home).warmUp();
    const before = f.disk.stamp;
    // Writers add a library by renaming its folder into the libraries folder, which is what changes the stamp.
    await mkdir(path.join(home, 'libraries', 'newcomer'), { recursive: true });
    f.order.length = 0;
    const restarted = appWith(f.services, home);
    await restarted.start();
    assert.deepEqual(f.order, ['sync', 'warm'], 'a server whose index is behind its folders brings it up to date at start');
    await restarted.search({ query: 'pressure drop' });
    assert.deepEqual(f.order, ['sync', 'warm', 'search']);
    assert.notEqual(f.disk.stamp, before);
  });

  it('a first search filtered to a library the index does not hold goes the usual way, and names the libraries', async () => {
    const f = fakes();
    const home = tempDir();
    await appWith(f.services, home).warmUp();
    await assert.rejects(appWith(f.services, home).search({ query: 'x', library: 'nowhere' }), (e: unknown) => e instanceof CodedistillError && e.code === 'unknown_library');
  });

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

  it('a snippet run without a library that misses a module a distilled library provides is told to name it', async () => {
    const f = fakes();
    const skipped: RunRecord = {
      status: 'skipped', exitCode: 1, durationMs: 1, stdout: '', stderr: '', error: null, missingModule: 'flowcalc',
      message: 'missing dependency flowcalc (install name flowcalc); install it in python3 to run this code.', sandbox: 'bwrap', ranAt: new Date(0).toISOString(),
    };
    const app = appWith({ ...f.services, runner: { ...f.services.runner, run: async () => ({ ...skipped }) } });
    const res = await app.validateSnippet({ code: 'import flowcalc' });
    assert.match(res.message, /The library flowcalc provides flowcalc: run it with validate_snippet with library "flowcalc"\.$/);
    const other = await appWith({ ...f.services, runner: { ...f.services.runner, run: async () => ({ ...skipped, missingModule: 'nowhere_pkg' }) } }).validateSnippet({ code: 'import nowhere_pkg' });
    assert.equal(other.message, skipped.message, 'no library provides it: nothing added');
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
