/**
 * The cross-encoder adapter on a generated model whose scores are known (test/fixtures/models/make-tiny-reranker.py:
 * logit = words the query and the text share - 1), loaded through transformers.js from a folder or by id, and
 * reordering the hits of a real index.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { Block } from '../../src/domain/block.js';
import { testBlock } from '../helpers/block.js';
import type { LoadedLibrary } from '../../src/domain/library.js';
import { SearchQuery } from '../../src/domain/search.js';
import { silentLogger, type Logger } from '../../src/kernel/log.js';
import { HashingEmbedder } from '../../src/search/hashing.js';
import { createReranker } from '../../src/search/reranker.js';
import { openIndex } from '../../src/search/store.js';
import { repoRoot, tempDir } from '../helpers/tmp.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(repoRoot, 'test', 'fixtures', 'models', 'make-tiny-reranker.py');
const TINY = 'codedistill-test/tiny-reranker';

function onnxUnavailable(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const r = spawnSync(PYTHON, ['-c', 'import onnx, numpy'], { encoding: 'utf8' });
  return r.status === 0 ? null : `${PYTHON} lacks onnx or numpy (apt-get install python3-onnx python3-numpy)`;
}

function warnings(): Logger & { warns: string[] } {
  const warns: string[] = [];
  return { warns, debug: () => {}, info: () => {}, warn: (m) => warns.push(m), error: (m) => warns.push(`error: ${m}`) };
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const close = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => Math.abs(x - b[i]!) < 1e-6);

function makeModel(): string {
  const dir = tempDir('codedistill-reranker-');
  execFileSync(PYTHON, [SCRIPT, dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  return dir;
}

function block(name: string, summary: string, docstring: string): Block {
  return testBlock({ name, summary, docstring });
}

describe('createReranker', () => {
  const skip = onnxUnavailable();

  test('loads a cross-encoder from a folder or by id and scores pairs as its logits say', { skip: skip ?? false }, async () => {
    const dir = makeModel();
    const log = warnings();
    const byFolder = await createReranker({ model: path.join(dir, TINY), modelDir: null, cacheDir: tempDir(), allowRemote: false, logger: log });
    const byId = await createReranker({ model: TINY, modelDir: dir, cacheDir: tempDir(), allowRemote: false, logger: log });
    assert.deepEqual(log.warns, []);
    assert.ok(byFolder && byId);
    const texts = ['pressure drop in a packed bed', 'noise filter', 'the pressure', ''];
    // Shared words with "pressure drop through a bed": pressure, drop, bed; none; pressure; none.
    const want = [sigmoid(2), sigmoid(-1), sigmoid(0), sigmoid(-1)];
    assert.ok(close(await byFolder.score('pressure drop through a bed', texts), want));
    assert.ok(close(await byId.score('pressure drop through a bed', texts), want));
    assert.deepEqual(await byId.score('anything', []), []);
    // Concurrent calls are queued, not interleaved, and each gets its own answer.
    const [a, b] = await Promise.all([byId.score('noise', ['noise filter']), byId.score('noise', ['packed bed'])]);
    assert.ok(close(a!, [sigmoid(0)]) && close(b!, [sigmoid(-1)]));
  });

  test('a reranker that cannot be loaded is none, with one warning that says how to fix it', { skip: skip ?? false }, async () => {
    const log = warnings();
    assert.equal(await createReranker({ model: 'nobody/no-reranker', modelDir: tempDir(), cacheDir: tempDir(), allowRemote: false, logger: log }), null);
    assert.equal(await createReranker({ model: '/no/such/folder', modelDir: null, cacheDir: tempDir(), allowRemote: false, logger: log }), null);
    const dir = makeModel();
    writeFileSync(path.join(dir, TINY, 'onnx', 'model.onnx'), 'not an onnx model');
    assert.equal(await createReranker({ model: path.join(dir, TINY), modelDir: null, cacheDir: tempDir(), allowRemote: false, logger: log }), null);
    assert.equal(log.warns.length, 3, log.warns.join('\n'));
    for (const w of log.warns) {
      assert.match(w, /^reranker .* could not be loaded \(.+\); searching without it\. Set CODEDISTILL_RERANKER/);
      assert.doesNotMatch(w, /\n/);
    }
    assert.match(log.warns[1]!, /\/no\/such\/folder holds no config\.json/);
  });

  test('in an index it reorders the best hits by blending its relevance with the ranking, lexical evidence kept', { skip: skip ?? false }, async () => {
    const dir = makeModel();
    const reranker = await createReranker({ model: path.join(dir, TINY), modelDir: null, cacheDir: tempDir(), allowRemote: false, logger: silentLogger });
    assert.ok(reranker);
    // "ergun" says it all in its docstring, which the cross-encoder does not read; "loss" says it in its summary.
    const blocks = [
      block('ergun', 'Ergun correlation.', 'Pressure drop through a packed bed: pressure drop of a fluid through a packed bed of particles.'),
      block('loss', 'Pressure drop of a fluid through a packed bed.', 'See the summary.'),
      block('unrelated', 'Filter a noisy signal.', 'A low pass filter.'),
    ];
    const lib: LoadedLibrary = { name: 'lib', dir: '/x', readonly: true, manifest: { name: 'lib' } as LoadedLibrary['manifest'], blocks, fingerprint: 'f1', packages: [] };
    const query = SearchQuery.parse({ query: 'ergun pressure drop through a packed bed' });
    const ids = async (opts: { reranker?: typeof reranker; rerankWeight?: number }) => {
      const index = await openIndex({ dir: tempDir('codedistill-index-'), embedder: new HashingEmbedder(), logger: silentLogger, ...opts });
      try {
        await index.sync([lib]);
        return (await index.search(query)).results.map((h) => h.id.split('.').pop());
      } finally {
        await index.close();
      }
    };
    const plain = await ids({});
    assert.equal(plain[0], 'ergun', `without a reranker the name and docstring put ergun first: ${plain.join(', ')}`);
    // The cross-encoder reads "lib.m.loss / def loss(x): / Pressure drop of a fluid through a packed bed." and
    // shares five words with the query (pressure, drop, through, packed, bed), ergun's text none (its name is no
    // vocabulary word): loss comes first.
    assert.deepEqual((await ids({ reranker, rerankWeight: 1 })).slice(0, 2), ['loss', 'ergun']);
    assert.equal((await ids({ reranker }))[0], 'loss');
    // With no weight on it, the reranker changes nothing.
    assert.deepEqual(await ids({ reranker, rerankWeight: 0 }), plain);
  });
});
