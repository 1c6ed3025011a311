import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { testBlock } from '../helpers/block.js';
import { SearchQuery } from '../../src/domain/search.js';
import { silentLogger, type Logger } from '../../src/kernel/log.js';
import { openIndex } from '../../src/search/store.js';
import type { LoadedLibrary } from '../../src/domain/library.js';
import { createEmbedder } from '../../src/search/embedder.js';
import { HASHING_ID } from '../../src/search/hashing.js';
import { repoRoot, tempDir } from '../helpers/tmp.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(repoRoot, 'test', 'fixtures', 'models', 'make-tiny-model.py');
const TINY = 'codedistill-test/tiny-bert';

function recordingLogger(): Logger & { lines: { level: string; msg: string }[] } {
  const lines: { level: string; msg: string }[] = [];
  return {
    lines,
    debug: (msg) => lines.push({ level: 'debug', msg }),
    info: (msg) => lines.push({ level: 'info', msg }),
    warn: (msg) => lines.push({ level: 'warn', msg }),
    error: (msg) => lines.push({ level: 'error', msg }),
  };
}

/** Why the tiny model cannot be generated here, or null when it can. */
function onnxUnavailable(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const r = spawnSync(PYTHON, ['-c', 'import onnx, numpy'], { encoding: 'utf8' });
  return r.status === 0 ? null : `${PYTHON} lacks onnx or numpy (apt-get install python3-onnx python3-numpy)`;
}

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe('createEmbedder', () => {
  const skip = onnxUnavailable();

  test('loads a local model through transformers.js', { skip: skip ?? false }, async () => {
    const modelDir = tempDir('codedistill-model-');
    execFileSync(PYTHON, [SCRIPT, modelDir], { stdio: ['ignore', 'ignore', 'inherit'] });
    const log = recordingLogger();
    const e = await createEmbedder({ model: TINY, modelDir, cacheDir: tempDir('codedistill-cache-'), allowRemote: false, logger: log });
    assert.equal(e.neural, true, log.lines.map((l) => l.msg).join('\n'));
    assert.equal(e.id, TINY);
    assert.equal(e.dim, 384);
    assert.deepEqual(log.lines.filter((l) => l.level === 'warn'), []);

    // More texts than one batch, with a repeat, so batching and the content cache are both exercised.
    const texts = Array.from({ length: 70 }, (_, i) => `pressure drop number ${i} through a packed bed`);
    texts.push(texts[3]!);
    const vs = await e.embed(texts);
    assert.equal(vs.length, texts.length);
    for (const v of vs) {
      assert.equal(v.length, 384);
      assert.ok(Math.abs(norm(v) - 1) < 1e-4, String(norm(v)));
    }
    assert.deepEqual(Array.from(vs[70]!), Array.from(vs[3]!));
    assert.notDeepEqual(Array.from(vs[0]!), Array.from(vs[1]!));
    // A second call must give the same vectors (from the cache or the model, it cannot tell).
    const [again] = await e.embed([texts[5]!]);
    assert.deepEqual(Array.from(again!), Array.from(vs[5]!));
    assert.deepEqual(await e.embed([]), []);
  });

  test("a profile's prefixes set queries and documents apart, and its pooling and thresholds are the ones used", { skip: skip ?? false }, async () => {
    const modelDir = tempDir('codedistill-model-');
    execFileSync(PYTHON, [SCRIPT, modelDir], { stdio: ['ignore', 'ignore', 'inherit'] });
    const common = { model: TINY, modelDir, cacheDir: tempDir(), allowRemote: false, logger: silentLogger };
    const cosineThresholds = { medium: 0.8, high: 0.9 };
    const prefixed = await createEmbedder({ ...common, profile: { queryPrefix: 'query: ', documentPrefix: 'passage: ', pooling: 'mean', cosineThresholds } });
    const plain = await createEmbedder(common);
    const cls = await createEmbedder({ ...common, profile: { queryPrefix: '', documentPrefix: '', pooling: 'cls', cosineThresholds } });
    assert.deepEqual(prefixed.cosineThresholds, cosineThresholds);
    const text = 'pressure drop through a packed bed';
    const [asQuery] = await prefixed.embed([text], 'query');
    const [asDoc] = await prefixed.embed([text]);
    assert.notDeepEqual(Array.from(asQuery!), Array.from(asDoc!));
    assert.deepEqual(Array.from(asQuery!), Array.from((await plain.embed([`query: ${text}`]))[0]!));
    assert.deepEqual(Array.from(asDoc!), Array.from((await plain.embed([`passage: ${text}`]))[0]!));
    // The plain profile embeds a query as it is.
    assert.deepEqual(Array.from((await plain.embed([text], 'query'))[0]!), Array.from((await plain.embed([text]))[0]!));
    const [pooledCls] = await cls.embed([text]);
    assert.notDeepEqual(Array.from(pooledCls!), Array.from((await plain.embed([text]))[0]!));
    assert.ok(Math.abs(norm(pooledCls!) - 1) < 1e-4);
  });

  test('the tiny model drives a hybrid index end to end', { skip: skip ?? false }, async () => {
    const modelDir = tempDir('codedistill-model-');
    execFileSync(PYTHON, [SCRIPT, modelDir], { stdio: ['ignore', 'ignore', 'inherit'] });
    const e = await createEmbedder({ model: TINY, modelDir, cacheDir: tempDir(), allowRemote: false, logger: silentLogger });
    const index = await openIndex({ dir: tempDir('codedistill-index-'), embedder: e, logger: silentLogger });
    try {
      const block = testBlock({
        name: 'ergun_pressure_drop',
        module: 'lib.beds',
        signature: 'def ergun_pressure_drop(d_p, eps):',
        docstring: 'Pressure drop through a packed bed.',
        summary: 'Pressure drop through a packed bed.',
        code: 'def ergun_pressure_drop(d_p, eps):\n    return 0\n',
      });
      const manifest = { name: 'lib', counts: { blocks: 1 } } as LoadedLibrary['manifest'];
      const lib: LoadedLibrary = { name: 'lib', dir: '/x', readonly: true, manifest, blocks: [block], fingerprint: 'f1', packages: [] };
      await index.sync([lib]);
      const res = await index.search(SearchQuery.parse({ query: 'pressure drop packed bed' }));
      assert.equal(res.mode, 'hybrid');
      assert.equal(res.embedder, TINY);
      // The random model carries no meaning, so only the lexical side is trusted to find the block.
      assert.equal(res.results[0]?.id, 'lib:lib.beds.ergun_pressure_drop');
    } finally {
      await index.close();
    }
  });

  test('an unknown model offline falls back to hashing with exactly one warning', async () => {
    const log = recordingLogger();
    const modelDir = tempDir('codedistill-nomodel-');
    const e = await createEmbedder({
      model: 'nobody/no-such-model',
      modelDir,
      cacheDir: tempDir('codedistill-cache-'),
      allowRemote: false,
      logger: log,
    });
    assert.equal(e.neural, false);
    assert.equal(e.id, HASHING_ID);
    assert.equal(e.dim, 384);
    const warns = log.lines.filter((l) => l.level === 'warn');
    assert.equal(warns.length, 1, JSON.stringify(log.lines));
    // The one line must say what failed, what is used instead and how to get neural search.
    assert.match(warns[0]!.msg, /nobody\/no-such-model/);
    assert.match(warns[0]!.msg, /hashing-v1-384/);
    assert.match(warns[0]!.msg, /local copy|put a copy/);
    assert.doesNotMatch(warns[0]!.msg, /\n/);
    assert.equal(log.lines.filter((l) => l.level === 'error').length, 0);
  });

  test('model "none" selects the fallback without touching transformers, and without a warning (the user asked for it)', async () => {
    const log = recordingLogger();
    const e = await createEmbedder({ model: 'none', modelDir: null, cacheDir: tempDir(), allowRemote: true, logger: log });
    assert.equal(e.id, HASHING_ID);
    assert.equal(log.lines.filter((l) => l.level === 'warn').length, 0);
    assert.equal(log.lines.filter((l) => l.level === 'debug' && /neural embeddings are off/.test(l.msg)).length, 1);
  });

  test('a model that cannot run falls back instead of failing later', { skip: skip ?? false }, async () => {
    // A folder with config and tokenizer but a corrupt ONNX file: loading or the probe must fail, not search.
    const modelDir = tempDir('codedistill-badmodel-');
    execFileSync(PYTHON, [SCRIPT, modelDir], { stdio: ['ignore', 'ignore', 'inherit'] });
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(modelDir, TINY, 'onnx', 'model.onnx'), 'not an onnx model');
    const log = recordingLogger();
    const e = await createEmbedder({ model: TINY, modelDir, cacheDir: tempDir(), allowRemote: false, logger: log });
    assert.equal(e.neural, false);
    assert.equal(log.lines.filter((l) => l.level === 'warn').length, 1);
  });
});
