import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expandTokens, lexiconSize, RELATED_WEIGHT, SAME_WEIGHT, type Expansion } from '../../src/search/lexicon.js';
import { FIELD_NAMES, type FieldName } from '../../src/search/fields.js';
import { parseQuery, queryConcepts } from '../../src/search/query.js';
import { scoreFields } from '../../src/search/ranking/bm25f.js';
import type { CorpusStats } from '../../src/search/terms.js';
import { stem, tokenize } from '../../src/search/tokens.js';

/** The expansion to `words` (a word or a phrase, as written), optionally for one query word. */
const find = (xs: readonly Expansion[], words: string, source?: string) =>
  xs.find((e) => e.words.join(' ') === tokenize(words).join(' ') && (source === undefined || e.source === stem(source)));

test('a synonym comes at the synonym weight, a related word at the lower related weight', () => {
  const loss = parseQuery('heat loss').expansions;
  // loss | drop | ...: the same thing named differently.
  assert.equal(find(loss, 'drop', 'loss')?.weight, SAME_WEIGHT);
  assert.equal(find(loss, 'drop', 'loss')?.relation, 'same');
  // smooth is related to filter, not the same thing.
  const smooth = parseQuery('smooth').expansions;
  assert.equal(find(smooth, 'filter', 'smooth')?.weight, RELATED_WEIGHT);
  assert.equal(find(smooth, 'filter', 'smooth')?.relation, 'related');
  assert.ok(RELATED_WEIGHT < SAME_WEIGHT && SAME_WEIGHT < 1, 'a related word is never worth the query word itself');
});

test('the query keeps its own words: no expansion is made of them alone', () => {
  const q = 'pressure drop and pressure loss in a pipe';
  const own = new Set(tokenize(q));
  const out = parseQuery(q).expansions;
  assert.ok(out.length > 0);
  for (const e of out) assert.ok(!e.words.every((w) => own.has(w)), e.words.join(' '));
  // A phrase may include a query word: "pressure loss" -> "head loss" keeps "loss" inside the phrase.
  assert.ok(find(parseQuery('pressure loss').expansions, 'head loss', 'pressure'));
});

test('a phrase matches only as consecutive words of the query', () => {
  // "pressure loss" is the phrase; "loss of pressure" has the words in the other order.
  assert.ok(find(parseQuery('pressure loss through a bed').expansions, 'dp'));
  assert.equal(find(parseQuery('loss of pressure through a bed').expansions, 'dp'), undefined);
  // A phrase expands every word of it as a source, so each query word gets the credit.
  const ft = parseQuery('fourier transform').expansions;
  assert.ok(find(ft, 'fft', 'fourier') && find(ft, 'fft', 'transform'));
});

test('a multi-word alternative is one expansion, which counts only where all its words are', () => {
  const smooth = parseQuery('smooth').expansions;
  assert.equal(find(smooth, 'moving average')?.weight, RELATED_WEIGHT);
  assert.equal(find(smooth, 'moving'), undefined, 'never a word of the phrase on its own');
  // In a block, "golay" without "savitzky" does not meet "smooth" through "savitzky golay"...
  const words = ['smooth', 'savitzky', 'golay', 'polynomial'];
  const df = new Map(words.map((w) => [stem(w), 1]));
  const stats: CorpusStats = { docs: 4, df, avgLength: Object.fromEntries(FIELD_NAMES.map((f) => [f, 3])) as Record<FieldName, number> };
  const p = { weight: Object.fromEntries(FIELD_NAMES.map((f) => [f, 1])) as Record<FieldName, number>, b: Object.fromEntries(FIELD_NAMES.map((f) => [f, 0])) as Record<FieldName, number>, k1: 1.2 };
  const concepts = queryConcepts(parseQuery('smooth').terms, smooth, stats, { same: 0, related: 1 });
  const half = scoreFields({ summary: tokenize('golay polynomial') }, concepts, stats, p);
  const whole = scoreFields({ summary: tokenize('savitzky golay polynomial') }, concepts, stats, p);
  // ...only the whole phrase does, at the related weight.
  assert.equal(half.coverage, 0);
  assert.ok(whole.coverage > 0.5 && whole.coverage <= RELATED_WEIGHT + 1e-9, String(whole.coverage));
});

test('expansion is one step: related words of related words are not added', () => {
  // isotope -> radionuclide (same); radionuclide -> radium (related). radium is two steps from isotope.
  const out = parseQuery('isotope').expansions;
  assert.ok(find(out, 'radionuclide'));
  assert.equal(find(out, 'radium'), undefined);
  assert.ok(find(parseQuery('radionuclide').expansions, 'radium'));
});

test('expansions are stemmed as the index stems, so they can meet indexed words', () => {
  const out = expandTokens(tokenize('standardise the samples'));
  // British and American spellings meet before the lexicon is consulted.
  assert.deepEqual(tokenize('standardise'), tokenize('standardize'));
  assert.ok(find(out, 'normalize'), out.map((e) => e.words.join(' ')).join(', '));
  for (const e of out) for (const w of e.words) assert.equal(w, stem(w.toLowerCase()), w);
});

test('a word reached through several groups keeps its strongest weight', () => {
  // frequency -> hz (same: frequency | hz | hertz) and frequency -> spectrum (related) among others.
  const hz = parseQuery('frequency').expansions.filter((e) => e.words.join(' ') === stem('hz'));
  assert.equal(hz.length, 1);
  assert.equal(hz[0]!.weight, SAME_WEIGHT);
});

test('the vocabulary is a few hundred groups, most of them synonyms', () => {
  const { same, related } = lexiconSize();
  assert.ok(same >= 200, String(same));
  assert.ok(related >= 150, String(related));
});

test('words the lexicon does not know expand to nothing', () => {
  assert.deepEqual(parseQuery('zorblax quintessential').expansions, []);
  assert.deepEqual(parseQuery('').expansions, []);
});
