import assert from 'node:assert/strict';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import type { IndexSettings } from '../../src/config.js';
import type { LoadedLibrary } from '../../src/domain/library.js';
import type { SearchQuery } from '../../src/domain/search.js';
import { CodedistillError } from '../../src/kernel/errors.js';
import { silentLogger } from '../../src/kernel/log.js';
import { openConfiguredIndex } from '../../src/search/open.js';
import { spawnSearchWorker, ThreadedSearchIndex } from '../../src/search/threaded.js';
import { testBlock } from '../helpers/block.js';
import { testManifest } from '../helpers/manifest.js';
import { tempDir } from '../helpers/tmp.js';

function settings(indexDir: string): IndexSettings {
  return {
    indexDir,
    indexCacheMb: 64,
    model: 'none',
    modelDir: null,
    modelCacheDir: path.join(indexDir, '..', 'models'),
    allowRemoteModels: false,
    reranker: null,
    showDemos: true,
    logLevel: 'silent',
  };
}

function library(name: string, blocks: Parameters<typeof testBlock>[0][]): LoadedLibrary {
  const bs = blocks.map((b) => testBlock({ ...b, library: name }));
  return { name, dir: `/libs/${name}`, readonly: false, manifest: testManifest(name), blocks: bs, fingerprint: `fp-${name}-${bs.length}`, packages: [] };
}

const q = (query: string): SearchQuery => ({ query, limit: 5 }) as SearchQuery;
const flow = library('flowkit', [
  { name: 'darcy_friction', summary: 'Darcy friction factor of turbulent pipe flow by the Colebrook equation.' },
  { name: 'reynolds_number', summary: 'Reynolds number of flow in a circular pipe.' },
]);
const orbit = library('orbits', [{ name: 'kepler_solve', summary: 'Solve Kepler equation for the eccentric anomaly of an orbit.' }]);

describe('the search index on a thread of its own', () => {
  const opened: ThreadedSearchIndex[] = [];
  after(async () => {
    for (const i of opened) await i.close();
  });
  // The thread keeps the searches unless a test asks for the hand-over.
  const never = { quietMs: 1e9, maxMs: 1e9 };
  const threaded = (dir: string, started?: ReturnType<typeof spawnSearchWorker>, handOver = never) => {
    const s = settings(dir);
    const i = new ThreadedSearchIndex(s, silentLogger, () => openConfiguredIndex(s, silentLogger, { quiet: true }), started, handOver);
    opened.push(i);
    return i;
  };

  test('searches read what the main thread synced, and see each later sync', async () => {
    const index = threaded(path.join(tempDir(), 'index')).start();
    assert.equal(await index.synced(), null, 'nothing is indexed yet');
    assert.deepEqual((await index.search(q('friction factor'))).results, []);

    await index.sync([flow], { catalogueStamp: 'one' });
    const first = await index.search(q('friction factor turbulent pipe'));
    assert.equal(first.results[0]?.id, 'flowkit:flowkit.m.darcy_friction');
    const synced = await index.synced();
    assert.equal(synced?.catalogueStamp, 'one');
    assert.deepEqual([...(synced?.libraries ?? [])], ['flowkit']);

    // The thread's index learns of the main thread's syncs as it does of another process's: by the meta file.
    await index.sync([orbit], { catalogueStamp: 'two' });
    assert.equal((await index.search(q('eccentric anomaly orbit'))).results[0]?.id, 'orbits:orbits.m.kepler_solve');
    assert.deepEqual((await index.search(q('friction factor turbulent pipe'))).results, [], 'the removed library is gone');
    assert.deepEqual([...((await index.synced())?.libraries ?? [])], ['orbits']);
    await index.warm();
  });

  test("a search's typed error reaches the caller whole, and the thread keeps serving", async () => {
    const index = threaded(path.join(tempDir(), 'index'));
    await index.sync([flow]);
    await assert.rejects(index.search(q('')), (e: unknown) => {
      assert.ok(e instanceof CodedistillError);
      assert.equal(e.code, 'invalid_input');
      assert.match(e.hint, /non-empty query/);
      return true;
    });
    assert.equal((await index.search(q('reynolds number'))).results[0]?.id, 'flowkit:flowkit.m.reynolds_number');
  });

  test('an index that cannot be opened is an error that says so, not a hang', async () => {
    const root = tempDir();
    const file = path.join(root, 'not-a-folder');
    writeFileSync(file, 'x');
    const index = threaded(path.join(file, 'index'));
    await assert.rejects(index.search(q('friction')), (e: unknown) => e instanceof CodedistillError && e.code === 'internal' && /search failed/.test(e.message));
  });

  test('a thread that stopped fails what it was asked, and the next call starts another', async () => {
    const dir = path.join(tempDir(), 'index');
    const worker = spawnSearchWorker(settings(dir));
    const index = threaded(dir, worker);
    await index.sync([flow]);
    const pending = index.search(q('friction factor'));
    await worker.terminate();
    await assert.rejects(pending, (e: unknown) => e instanceof CodedistillError && /search thread stopped/.test(e.message));
    assert.equal((await index.search(q('friction factor turbulent pipe'))).results[0]?.id, 'flowkit:flowkit.m.darcy_friction');
  });

  test('in a pause the main thread takes the searches over, and they answer as before', async () => {
    const index = threaded(path.join(tempDir(), 'index'), undefined, { quietMs: 20, maxMs: 200 });
    await index.sync([flow]);
    assert.equal((await index.search(q('friction factor turbulent pipe'))).results[0]?.id, 'flowkit:flowkit.m.darcy_friction');
    for (let waited = 0; index.threaded && waited < 30_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    assert.equal(index.threaded, false, 'the main thread took over');
    assert.equal((await index.search(q('friction factor turbulent pipe'))).results[0]?.id, 'flowkit:flowkit.m.darcy_friction');
    await index.sync([orbit]);
    assert.equal((await index.search(q('eccentric anomaly orbit'))).results[0]?.id, 'orbits:orbits.m.kepler_solve');
    assert.deepEqual([...((await index.synced())?.libraries ?? [])], ['orbits']);
  });
});
