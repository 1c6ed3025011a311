/**
 * Ranking as pure functions over hand-made candidates: no index, no vectors from a model. What each part of the
 * ranking promises (fusion, BM25F, coverage, confidence, tie-breaks) and that the whole orders and judges a small
 * corpus as search should.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FIELD_NAMES, type FieldBag, type FieldName } from '../../src/search/fields.js';
import { MAX_FTS_TOKENS, parseQuery } from '../../src/search/query.js';
import { bm25fScore, scoreFields } from '../../src/search/ranking/bm25f.js';
import { judge, judgeTop, lead, reportedScore } from '../../src/search/ranking/confidence.js';
import { blendCoverage, conceptCoverage, termCoverage } from '../../src/search/ranking/coverage.js';
import { centralityFactor } from '../../src/search/ranking/centrality.js';
import { fieldEvidence, formCredit } from '../../src/search/ranking/evidence.js';
import { feedbackConcepts } from '../../src/search/ranking/feedback.js';
import { calibrateCosine, cosine, coverageScale, DEFAULT_COSINE_THRESHOLDS, fuse, nameMatch } from '../../src/search/ranking/fusion.js';
import { DEFAULT_RANKING, rankingOptions } from '../../src/search/ranking/options.js';
import { rank, rankCandidates, type Candidate, type RankContext } from '../../src/search/ranking/rank.js';
import { byScoreThenId, kindPrior, validatedPrior } from '../../src/search/ranking/ties.js';
import { addToStats, combineStats, emptyStats, idf, type CorpusStats } from '../../src/search/terms.js';
import { tokenize } from '../../src/search/tokens.js';

function fields(f: Partial<Record<FieldName, string>>): FieldBag {
  return Object.fromEntries(Object.entries(f).map(([k, text]) => [k, tokenize(text!, { compounds: true })]));
}

function cand(id: string, name: string, f: Partial<Record<FieldName, string>>, over: Partial<Candidate> = {}): Candidate {
  return { id, library: 'lib', name, kind: 'function', validated: false, fields: fields({ name, ...f }), ...over };
}

const CORPUS: Candidate[] = [
  cand('lib:pressure_drop_pipe', 'pressure_drop_pipe', { summary: 'Frictional pressure drop in a straight pipe.', docstring: 'Darcy-Weisbach.' }),
  cand('lib:pump_power', 'pump_power', { summary: 'Shaft power needed to push a flow through a pipe.' }),
  cand('lib:decay_constant', 'decay_constant', { summary: 'Decay constant of a nuclide from its half-life.' }),
  cand('lib:reynolds_number', 'reynolds_number', { summary: 'Reynolds number of pipe flow.', examples: 'reynolds_number(1.0, 0.1)' }),
  cand('lib:moving_average', 'moving_average', { summary: 'Smooth a signal with a sliding window mean.' }),
];

function corpusOf(cands: readonly Candidate[]): CorpusStats {
  const stats = emptyStats('fp');
  for (const c of cands) addToStats(stats, c.fields);
  return combineStats([stats]);
}
const STATS = corpusOf(CORPUS);

function ctx(query: string, over: Partial<RankContext> = {}, corpus = STATS): RankContext {
  return {
    query: parseQuery(query, corpus, DEFAULT_RANKING),
    corpus,
    purpose: () => undefined,
    neural: false,
    cosineThresholds: DEFAULT_COSINE_THRESHOLDS,
    options: DEFAULT_RANKING,
    ...over,
  };
}

describe('query', () => {
  test('is read once into tokens, terms, full-text tokens, expansions and concepts', () => {
    const q = parseQuery('pressure_drop_pipe(50 m) pressure loss', STATS);
    assert.deepEqual(q.tokens, ['pressur', 'drop', 'pipe', '50', 'm', 'pressur', 'loss']);
    assert.deepEqual(q.terms, ['pressur', 'drop', 'pipe', 'm', 'loss'], 'distinct, no bare numbers');
    assert.ok(q.ftsTokens.includes('pressuredroppipe') && q.ftsTokens.includes('50'));
    assert.equal(new Set(q.ftsTokens).size, q.ftsTokens.length);
    assert.deepEqual(q.concepts.map((c) => c.term), q.terms);
    assert.ok(q.expansions.length > 0);
    for (const w of q.relatedWords) assert.ok(!q.ftsTokens.includes(w), `${w} is the query's own`);
  });

  test('expansion scales switch expansions off, and the candidate words are capped', () => {
    const off = parseQuery('pressure loss', STATS, { ...DEFAULT_RANKING, expansion: { same: 0, related: 0 } });
    assert.deepEqual(off.expansions, []);
    assert.deepEqual(off.relatedWords, []);
    for (const c of off.concepts) assert.equal(c.forms.length, 1);
    const few = parseQuery('smooth signal frequency spectrum', STATS, {
      ...DEFAULT_RANKING,
      candidateExpansion: { ...DEFAULT_RANKING.candidateExpansion, words: 3 },
    });
    assert.equal(few.relatedWords.length, 3);
    const sameOnly = parseQuery('smooth signal', STATS, { ...DEFAULT_RANKING, expansion: { same: 1, related: 0 } });
    for (const e of sameOnly.expansions) assert.equal(e.relation, 'same');
  });

  test('a pasted file is capped before it reaches the full-text index', () => {
    const q = parseQuery(Array.from({ length: 500 }, (_, i) => `word${i}x`).join(' '));
    assert.equal(q.ftsTokens.length, MAX_FTS_TOKENS);
  });
});

describe('fusion', () => {
  test('cosine similarity, and a zero vector is unrelated', () => {
    assert.equal(cosine([1, 2, 3], [2, 4, 6]).toFixed(12), '1.000000000000');
    assert.equal(cosine([1, 0], [0, 1]), 0);
    assert.equal(cosine([0, 0], [1, 1]), 0);
  });

  test('cosine is calibrated: 0.5 at the neural medium threshold, 1 at the high one; hashing on its own scale', () => {
    const t = { medium: 0.45, high: 0.65 };
    assert.ok(Math.abs(calibrateCosine(0.45, true, t) - 0.5) < 1e-12);
    assert.ok(Math.abs(calibrateCosine(0.65, true, t) - 1) < 1e-12);
    assert.equal(calibrateCosine(0.2, true, t), 0);
    assert.equal(calibrateCosine(0.05, false, t), 0);
    assert.ok(Math.abs(calibrateCosine(0.6, false, t) - 1) < 1e-12);
    assert.equal(calibrateCosine(0.9, false, t), 1, 'clamped');
  });

  test('a name spelled is exact, a name\'s words used are not', () => {
    const fts = (q: string) => new Set(parseQuery(q).ftsTokens);
    const terms = (q: string) => new Set(parseQuery(q).terms);
    const m = (name: string, q: string) => nameMatch(name, fts(q), terms(q));
    assert.equal(m('pressure_drop_pipe', 'pressure_drop_pipe(dp, L)'), 'exact');
    assert.equal(m('pressure_drop_pipe', 'pressureDropPipe'), 'exact');
    assert.equal(m('pressure_drop_pipe', 'pressure drop in a pipe'), 'words');
    assert.equal(m('pressure_drop_pipe', 'pressure drop'), null);
    assert.equal(m('rms', 'rms'), 'exact');
    assert.equal(m('rms', 'rms of an ac voltage signal'), null, 'a one-word name among many words is only a word');
  });

  test('fuse blends lexical and vector evidence at the vector share and adds the name bonus', () => {
    const w = { vector: 0.2, name: 0.15, nameWords: 0.05 };
    assert.ok(Math.abs(fuse(0.5, 1, null, w) - (0.8 * 0.5 + 0.2)) < 1e-12);
    assert.ok(fuse(0.5, 0, 'exact', w) > fuse(0.5, 0, 'words', w));
    assert.ok(fuse(0.5, 0, 'words', w) > fuse(0.5, 0, null, w));
    assert.equal(coverageScale(0.4, 1), 0.4);
    assert.equal(coverageScale(0.4, 0), 1);
  });
});

describe('bm25f and coverage', () => {
  const q = (text: string) => parseQuery(text, STATS).concepts;
  const P = DEFAULT_RANKING.bm25f;

  test('a word in the name counts more than the same word in the docstring', () => {
    const concepts = q('pressure');
    const inName = scoreFields(fields({ name: 'pressure' }), concepts, STATS, P);
    const inDoc = scoreFields(fields({ docstring: 'pressure' }), concepts, STATS, P);
    assert.ok(inName.score > inDoc.score, `${inName.score} ${inDoc.score}`);
    assert.equal(inName.coverage, inDoc.coverage, 'both fields fully cover a word');
  });

  test('repeated evidence for one word saturates', () => {
    const concepts = q('pressure');
    const once = scoreFields(fields({ name: 'pressure' }), concepts, STATS, P);
    const many = scoreFields(fields({ name: 'pressure '.repeat(40).trim() }), concepts, STATS, P);
    assert.ok(many.score > once.score && many.score < 2 * once.score, `${once.score} ${many.score}`);
    assert.ok(many.score < 1);
  });

  test('a weak field covers less, and a field switched off covers nothing', () => {
    const concepts = q('reynolds');
    const ev = fieldEvidence(fields({ examples: 'reynolds' }), concepts);
    // The examples field is off by default (fitted on the real eval's dev split); switched on, it is a weak one.
    const weak = conceptCoverage(ev, concepts, STATS, { ...P.weight, examples: 0.15 });
    assert.equal(weak, 0.5);
    const off = { ...P.weight, examples: 0 };
    assert.equal(conceptCoverage(ev, concepts, STATS, off), 0);
    assert.equal(bm25fScore(ev, concepts, STATS, { ...P, weight: off }), 0);
  });

  test('a synonym is worth its weight, and no more than the word it stands for', () => {
    const [concept] = q('loss');
    const form = concept!.forms.find((f) => f.words.join(' ') === 'drop');
    assert.ok(form, concept!.forms.map((f) => f.words.join(' ')).join(', '));
    assert.ok(formCredit(form, concept!, STATS) <= form.weight);
    assert.equal(formCredit(concept!.forms[0]!, concept!, STATS), 1);
    const own = scoreFields(fields({ summary: 'loss' }), q('loss'), STATS, P);
    const syn = scoreFields(fields({ summary: 'drop' }), q('loss'), STATS, P);
    assert.ok(own.coverage > syn.coverage && syn.coverage > 0, `${own.coverage} ${syn.coverage}`);
  });

  test('a query with no content words scores and covers nothing', () => {
    assert.deepEqual(scoreFields(fields({ name: 'anything' }), q('the of a'), STATS, P), { score: 0, coverage: 0 });
  });

  test('neural similarity can stand in for missing words; hashing similarity cannot', () => {
    assert.equal(blendCoverage(0.2, 0.9, true), 0.9);
    assert.equal(blendCoverage(0.2, 0.9, false), 0.2);
    assert.equal(termCoverage(['pressur', 'zzz'], fields({ name: 'pressure' })), 0.5);
  });
});

describe('confidence and tie-breaks', () => {
  const T = DEFAULT_RANKING.confidence;

  test('high needs coverage and a lead (or the name spelled); medium needs some coverage', () => {
    assert.equal(judge(0.9, 0.5, false, 2, T), 'high');
    assert.equal(judge(0.9, 0.01, false, 2, T), 'medium', 'a tie is not high');
    assert.equal(judge(0.9, 0.01, true, 2, T), 'high', 'unless the query spells the name');
    assert.equal(judge(0.2, 0.5, false, 2, T), 'low');
    assert.equal(judge(0.2, 0.5, true, 2, T), 'medium');
    assert.equal(judge(1, 1, true, 0, T), 'low', 'no content words');
    assert.equal(lead(0, 0), 0);
    assert.equal(lead(1, 0.25), 0.75);
  });

  test('no hit is more confident than the first, and the last one\'s lead is over the first left out', () => {
    const ranked = [
      { score: 0.5, coverage: 0.5, exactName: false },
      { score: 0.45, coverage: 1, exactName: false },
      { score: 0.2, coverage: 1, exactName: false },
      { score: 0.19, coverage: 1, exactName: false },
    ];
    const top = judgeTop(ranked, 3, 2, T);
    assert.equal(top.length, 3);
    assert.deepEqual(top.map((h) => h.confidence), ['medium', 'medium', 'medium']);
    assert.ok(Math.abs(top[2]!.lead - 0.05) < 1e-12, String(top[2]!.lead));
    assert.equal(reportedScore(1.23456), 1);
    assert.equal(reportedScore(0.123456), 0.1235);
  });

  test('equal scores are ordered by id; priors prefer validated functions', () => {
    const list = [
      { id: 'b', score: 0.5 },
      { id: 'a', score: 0.5 },
      { id: 'c', score: 0.7 },
    ].sort(byScoreThenId);
    assert.deepEqual(list.map((x) => x.id), ['c', 'a', 'b']);
    assert.ok(validatedPrior(true, DEFAULT_RANKING) > validatedPrior(false, DEFAULT_RANKING));
    assert.ok(kindPrior('function', DEFAULT_RANKING) > kindPrior('method', DEFAULT_RANKING));
  });

  test('options keep their defaults for what is not set', () => {
    const o = rankingOptions({ name: 0 });
    assert.equal(o.name, 0);
    assert.deepEqual(o.bm25f, DEFAULT_RANKING.bm25f);
    for (const f of FIELD_NAMES) assert.ok(o.bm25f.weight[f] >= 0);
  });
});

describe('rank', () => {
  test('the block that meets the whole query comes first, with high confidence', () => {
    const { top } = rank(CORPUS, ctx('frictional pressure drop in a pipe'), 3);
    assert.equal(top[0]!.id, 'lib:pressure_drop_pipe');
    assert.equal(top[0]!.confidence, 'high');
    assert.ok(top[0]!.score > top[1]!.score);
  });

  test('words that occur nowhere come back low', () => {
    const { top } = rank(CORPUS, ctx('zorblax quintessence'), 3);
    for (const h of top) assert.equal(h.confidence, 'low');
  });

  test('the order does not depend on the order candidates arrive in', () => {
    const c = ctx('pipe flow power');
    const a = rankCandidates(CORPUS, c).map((s) => [s.id, s.score]);
    const b = rankCandidates([...CORPUS].reverse(), c).map((s) => [s.id, s.score]);
    assert.deepEqual(a, b);
  });

  test('the lexicon bridges other words: "smooth" finds the moving average, and without expansion it does not', () => {
    const withLexicon = rank(CORPUS, ctx('sliding window smoothing of a signal'), 1).top[0]!;
    assert.equal(withLexicon.id, 'lib:moving_average');
    const related = rank(CORPUS, ctx('running mean filter'), 5).ranked.find((s) => s.id === 'lib:moving_average')!;
    const options = { ...DEFAULT_RANKING, expansion: { same: 0, related: 0 } };
    const plain = rank(CORPUS, { ...ctx('running mean filter'), options, query: parseQuery('running mean filter', STATS, options) }, 5)
      .ranked.find((s) => s.id === 'lib:moving_average')!;
    assert.ok(related.score > plain.score, `${related.score} ${plain.score}`);
  });

  test('spelling the name makes the block exact and confident even beside a near tie', () => {
    const twins = [
      cand('lib:reynolds_number', 'reynolds_number', { summary: 'Reynolds number of pipe flow.' }),
      cand('lib:reynolds_number_duct', 'reynolds_number_duct', { summary: 'Reynolds number of duct flow.' }),
    ];
    const { top } = rank(twins, ctx('reynolds_number', {}, corpusOf(twins)), 2);
    assert.equal(top[0]!.id, 'lib:reynolds_number');
    assert.ok(top[0]!.exactName && !top[1]!.exactName);
    assert.equal(top[0]!.confidence, 'high');
    // The same words without the identifier spelled leave the two blocks too close to call.
    const words = rank(twins, ctx('reynolds number', {}, corpusOf(twins)), 2).top;
    assert.notEqual(words[0]!.confidence, 'high');
  });

  test('between otherwise equal blocks the validated one comes first', () => {
    const twins = [
      cand('lib:a', 'decay_rate', { summary: 'Decay rate of a nuclide.' }),
      cand('lib:b', 'decay_rate', { summary: 'Decay rate of a nuclide.' }, { validated: true }),
    ];
    const { top } = rank(twins, ctx('decay rate', {}, corpusOf(twins)), 2);
    assert.equal(top[0]!.id, 'lib:b');
    const indifferent = rank(twins, ctx('decay rate', { options: { ...DEFAULT_RANKING, validated: 0 } }, corpusOf(twins)), 2);
    assert.equal(indifferent.top[0]!.id, 'lib:a', 'ties then go by id');
  });

  test('the library purpose counts, weakly', () => {
    const c = [cand('lib:helper', 'helper', { summary: 'Internal helper.' }), ...CORPUS];
    const without = rank(c, ctx('zeolite'), 10).ranked.find((s) => s.id === 'lib:helper')!;
    const withPurpose = rank(c, ctx('zeolite', { purpose: () => ['zeolit'] }), 10).ranked.find((s) => s.id === 'lib:helper')!;
    assert.ok(withPurpose.score > without.score);
    assert.ok(withPurpose.coverage <= 0.3 + 1e-9, String(withPurpose.coverage));
  });

  test('a neural similarity lifts coverage and score; a hashing one only the score', () => {
    const c = [cand('lib:x', 'x_func', { summary: 'Unrelated words.' }, { cosine: 0.7 })];
    const stats = corpusOf(c);
    const neural = rank(c, ctx('heat exchanger effectiveness', { neural: true }, stats), 1).top[0]!;
    const hashing = rank(c, ctx('heat exchanger effectiveness', { neural: false }, stats), 1).top[0]!;
    assert.equal(neural.coverage, 1);
    assert.equal(hashing.coverage, 0);
    assert.ok(neural.score > 0 && hashing.score === 0 + DEFAULT_RANKING.kind.function);
  });

  test('an idf is never negative, and an unseen word weighs the most', () => {
    assert.ok(idf(STATS.docs, STATS.docs) > 0);
    assert.ok(idf(0, STATS.docs) > idf(1, STATS.docs));
  });
});

test('feedback words are what the best first-pass hits share and the query did not say, rare enough to tell blocks apart', () => {
  const corpus = { docs: 100, df: new Map([['backend', 3], ['hdf5', 2], ['sampler', 20], ['chain', 4], ['value', 80], ['disk', 2]]), avgLength: {} as CorpusStats['avgLength'] };
  const hits = [
    { fields: { name: ['hdf', 'backend'], summary: ['backend', 'save', 'chain', 'hdf5'], docstring: ['value', 'value'] }, score: 0.6 },
    { fields: { summary: ['backend', 'chain', 'disk'] }, score: 0.3 },
    { fields: { summary: ['sampler'] }, score: 0.1 },
  ];
  const opts = { docs: 2, terms: 3, weight: 0.3, maxDf: 0.5 };
  const terms = feedbackConcepts(hits, ['disk', 'checkpoint'], corpus, opts).map((c) => c.term);
  // "disk" is the query's own, "value" is in most blocks, "sampler" only in the third hit, "save"/"hdf" unknown to the corpus.
  assert.deepEqual(terms, ['backend', 'chain', 'hdf5']);
  assert.deepEqual(feedbackConcepts(hits, [], corpus, { ...opts, docs: 0 }), []);
});

test('the centrality prior lifts what the repository shows its users and lowers its internals, within its weight', () => {
  const p = { weight: 0.5, half: 10 };
  assert.equal(centralityFactor(10, p), 1);
  assert.ok(centralityFactor(30, p) > centralityFactor(12, p) && centralityFactor(12, p) > 1);
  assert.equal(centralityFactor(0, p), 0.75);
  assert.ok(centralityFactor(1e9, p) < 1.25);
  assert.equal(centralityFactor(0, { ...p, weight: 0 }), 1);
});

test('a hit that covers the query but meets no block strongly is low, unless the query spells its name', () => {
  const c = { high: 0.7, highMargin: 0.1, medium: 0.35, minScore: 0.2 };
  assert.equal(judge(0.9, 0.5, false, 3, c, 0.5), 'high');
  assert.equal(judge(0.9, 0.5, false, 3, c, 0.1), 'low', 'common words covered, nothing met strongly');
  assert.equal(judge(0.9, 0.5, true, 3, c, 0.1), 'high', 'pasted identifier');
  assert.equal(judge(0.9, 0.5, false, 3, { ...c, minScore: 0 }, 0.1), 'high');
});
