/**
 * Term proximity (ranking/proximity.ts): query words that stand together count when a block has them close
 * together, and only then.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { near, proximityScore, queryPairs } from '../../src/search/ranking/proximity.js';
import { DEFAULT_COSINE_THRESHOLDS } from '../../src/search/ranking/fusion.js';
import { DEFAULT_RANKING, rankingOptions } from '../../src/search/ranking/options.js';
import { rankCandidates, type Candidate, type RankContext } from '../../src/search/ranking/rank.js';
import { parseQuery } from '../../src/search/query.js';
import { addToStats, combineStats, emptyStats } from '../../src/search/terms.js';
import { tokenize } from '../../src/search/tokens.js';

const t = (s: string) => tokenize(s);
/** A word as the index holds it (stemmed). */
const w = (s: string) => t(s)[0]!;

test('two words are near within the window, in either order, and not beyond it', () => {
  const toks = t('solar position of the sun from the observer location');
  assert.equal(near(toks, w('solar'), w('position'), 1), true);
  assert.equal(near(toks, w('position'), w('solar'), 1), true);
  assert.equal(near(toks, w('solar'), w('location'), 3), false);
  assert.equal(near(toks, w('solar'), w('location'), 4), true);
  assert.equal(near(toks, w('solar'), w('absent'), 5), false);
});

test('query pairs are adjacent content words, numbers and words the corpus lacks left out, each pair once', () => {
  const stats = emptyStats('fp');
  addToStats(stats, { summary: t('solar position angle terminal velocity') });
  const corpus = combineStats([stats]);
  const pairs = queryPairs(t('solar position, 15 position solar, terminal velocity of a zebra'), corpus);
  assert.deepEqual(
    pairs.map((p) => `${p.a} ${p.b}`),
    [`${w('solar')} ${w('position')}`, `${w('solar')} ${w('terminal')}`, `${w('terminal')} ${w('velocity')}`],
  );
});

test('the score is the idf-weighted share of pairs met close together in one field', () => {
  const pairs = [
    { a: w('solar'), b: w('position'), idf: 3 },
    { a: w('terminal'), b: w('velocity'), idf: 1 },
  ];
  assert.equal(proximityScore({ summary: t('solar position') }, pairs, 2), 0.75);
  assert.equal(proximityScore({ summary: t('solar'), docstring: t('position') }, pairs, 2), 0);
  assert.equal(proximityScore({ summary: t('solar position'), docstring: t('terminal fall velocity') }, pairs, 2), 1);
  assert.equal(proximityScore({}, [], 2), 0);
});

test('in ranking, the block with the query\'s phrase together comes before one with its words apart', () => {
  const cand = (id: string, summary: string): Candidate => ({
    id,
    library: 'lib',
    name: id,
    kind: 'function',
    validated: false,
    fields: { name: t(id), summary: t(summary) },
  });
  const cands = [
    cand('apart', 'Position of the moon relative to a solar panel'),
    cand('together', 'Solar position of the moon relative to a panel'),
  ];
  const stats = emptyStats('fp');
  for (const c of cands) addToStats(stats, c.fields);
  const corpus = combineStats([stats]);
  const ctx = (options = DEFAULT_RANKING): RankContext => ({
    query: parseQuery('solar position', corpus, options),
    corpus,
    purpose: () => undefined,
    neural: false,
    cosineThresholds: DEFAULT_COSINE_THRESHOLDS,
    options,
  });
  const on = rankCandidates(cands, ctx(rankingOptions({ proximity: { weight: 0.1, window: 2 } })));
  assert.equal(on[0]!.id, 'together');
  assert.ok(on[0]!.score > on[1]!.score);
  const off = rankCandidates(cands, ctx(rankingOptions({ proximity: { weight: 0, window: 2 } })));
  assert.equal(off[0]!.score, off[1]!.score);
});
