/** The per-model table (prefixes, pooling, cosine thresholds), the reranker's blend and its logit calibration. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_MODEL, DEFAULT_RERANK_TOP, loadConfig } from '../../src/config.js';
import { modelProfile } from '../../src/search/models.js';
import { DEFAULT_COSINE_THRESHOLDS } from '../../src/search/ranking/fusion.js';
import { blendReranked } from '../../src/search/ranking/rerank.js';
import { relevance } from '../../src/search/reranker.js';

test('a model is found by its name whatever the organisation or folder, and an unknown one is embedded like MiniLM', () => {
  const bge = modelProfile('BAAI/bge-small-en-v1.5');
  assert.deepEqual(modelProfile('Xenova/bge-small-en-v1.5'), bge);
  assert.deepEqual(modelProfile('/models/Xenova/BGE-small-en-v1.5/'), bge);
  assert.equal(bge.pooling, 'cls');
  assert.match(bge.queryPrefix, /^Represent this sentence/);
  assert.equal(bge.documentPrefix, '');
  const e5 = modelProfile('Xenova/multilingual-e5-small');
  assert.deepEqual([e5.queryPrefix, e5.documentPrefix, e5.pooling], ['query: ', 'passage: ', 'mean']);
  assert.deepEqual([modelProfile('nomic-ai/nomic-embed-text-v1.5').queryPrefix, modelProfile('nomic-ai/nomic-embed-text-v1.5').documentPrefix], ['search_query: ', 'search_document: ']);
  const plain = modelProfile('someone/unknown-encoder');
  assert.deepEqual(plain, { queryPrefix: '', documentPrefix: '', pooling: 'mean', cosineThresholds: DEFAULT_COSINE_THRESHOLDS });
  assert.deepEqual(modelProfile('Xenova/all-MiniLM-L6-v2'), plain);
});

test('the default model has an entry, and models with a compressed cosine range have thresholds of their own', () => {
  const d = modelProfile(DEFAULT_MODEL);
  assert.notDeepEqual(d.cosineThresholds, DEFAULT_COSINE_THRESHOLDS, `${DEFAULT_MODEL} is not in the table`);
  for (const m of [DEFAULT_MODEL, 'BAAI/bge-small-en-v1.5', 'intfloat/multilingual-e5-small', 'Snowflake/snowflake-arctic-embed-xs']) {
    const t = modelProfile(m).cosineThresholds;
    assert.ok(t.medium > 0 && t.medium < t.high && t.high < 1, m);
  }
});

test('CODEDISTILL_RERANKER turns the reranker on with 20 candidates unless CODEDISTILL_RERANK_TOP says otherwise', () => {
  const base = { CODEDISTILL_HOME: '/tmp/cd-config-test' };
  assert.equal(loadConfig(base).reranker, null);
  assert.deepEqual(loadConfig({ ...base, CODEDISTILL_RERANKER: 'Xenova/ms-marco-MiniLM-L-6-v2' }).reranker, { model: 'Xenova/ms-marco-MiniLM-L-6-v2', top: DEFAULT_RERANK_TOP });
  assert.equal(DEFAULT_RERANK_TOP, 20);
  assert.deepEqual(loadConfig({ ...base, CODEDISTILL_RERANKER: '/m/r', CODEDISTILL_RERANK_TOP: '5' }).reranker, { model: '/m/r', top: 5 });
  assert.throws(() => loadConfig({ ...base, CODEDISTILL_RERANKER: '/m/r', CODEDISTILL_RERANK_TOP: 'all' }), /CODEDISTILL_RERANK_TOP/);
});

const s = (id: string, score: number) => ({ id, score });

test('blendReranked reorders the reranked head by the blend and keeps the lexical share in it', () => {
  const ranked = [s('a', 0.9), s('b', 0.6), s('c', 0.5), s('d', 0.4)];
  // b is judged far more relevant than a; with half the weight on each, b (0.3 + 0.5) passes a (0.45 + 0.05).
  const out = blendReranked(ranked, [0.1, 1, 0.2], 0.5);
  assert.deepEqual(out.map((r) => r.id), ['b', 'a', 'c', 'd']);
  assert.ok(Math.abs(out[0]!.score - 0.8) < 1e-9);
  assert.ok(Math.abs(out[1]!.score - 0.5) < 1e-9);
  // The lexical score still counts: a near tie in relevance leaves the lexically stronger first.
  assert.deepEqual(blendReranked(ranked, [0.5, 0.6], 0.5).map((r) => r.id), ['a', 'b', 'c', 'd']);
  // Weight 0 is the ranking as it was; weight 1 is the cross-encoder's order alone.
  assert.deepEqual(blendReranked(ranked, [0.1, 0.2, 0.9], 0).map((r) => r.id), ['a', 'b', 'c', 'd']);
  assert.deepEqual(blendReranked(ranked, [0.1, 0.2, 0.9], 1).map((r) => r.id), ['c', 'b', 'a', 'd']);
});

test('blendReranked never lets a candidate the cross-encoder did not read overtake one it did', () => {
  const out = blendReranked([s('a', 0.9), s('b', 0.8), s('c', 0.7)], [0, 0], 0.5);
  assert.deepEqual(out.map((r) => r.id), ['a', 'b', 'c']);
  assert.ok(out[2]!.score <= out[1]!.score, JSON.stringify(out));
  assert.equal(out[2]!.score, out[1]!.score);
  // Fewer scores than candidates, or none, is fine; relevance outside [0, 1] is clamped.
  assert.deepEqual(blendReranked([s('a', 0.2)], [], 0.5), [s('a', 0.2)]);
  assert.equal(blendReranked([s('a', 0.2)], [7], 0.5)[0]!.score, 0.6);
});

test('relevance: the sigmoid of a single logit, the last class of several, and a wrong shape is an error', () => {
  const one = relevance({ data: [0, 2, -2], dims: [3, 1] }, 3);
  assert.deepEqual(one.map((x) => Number(x.toFixed(4))), [0.5, 0.8808, 0.1192]);
  const two = relevance({ data: [0, 0, 0, Math.log(3)], dims: [2, 2] }, 2);
  assert.deepEqual(two.map((x) => Number(x.toFixed(4))), [0.5, 0.75]);
  assert.throws(() => relevance({ data: [1, 2], dims: [2] }, 2), /shape \[2\]/);
  assert.throws(() => relevance({ data: [1, 2], dims: [1, 2] }, 2), /not \[2, classes\]/);
});
