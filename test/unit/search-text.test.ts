import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Block } from '../../src/domain/block.js';
import { blockEmbedText, blockSearchText, FIELD_NAMES, matchedFields, purposeTokens, type FieldName, type FieldTokens } from '../../src/search/fields.js';
import { parseQuery, queryConcepts } from '../../src/search/query.js';
import { scoreFields, type Bm25fParams } from '../../src/search/ranking/bm25f.js';
import { termCoverage } from '../../src/search/ranking/coverage.js';
import { idf, type CorpusStats } from '../../src/search/terms.js';
import { splitWords, stem, tokenize } from '../../src/search/tokens.js';

const queryTerms = (query: string) => parseQuery(query).terms;
const ftsQueryTokens = (query: string) => parseQuery(query).ftsTokens;

test('splitWords splits snake_case, camelCase, dotted paths and digits', () => {
  assert.deepEqual(splitWords('dP_packedBed2'), ['dp', 'packed', 'bed', '2']);
  assert.deepEqual(splitWords('ergun_pressure_drop('), ['ergun', 'pressure', 'drop']);
  assert.deepEqual(splitWords('HTTPServer.getURL'), ['http', 'server', 'get', 'url']);
  assert.deepEqual(splitWords('np.linalg.norm'), ['np', 'linalg', 'norm']);
  assert.deepEqual(splitWords('xValue'), ['x', 'value']);
  assert.deepEqual(splitWords('  '), []);
});

test('splitWords and stem answer the same the second time, and what a caller does with an answer changes nothing', () => {
  const first = splitWords('dP_packedBed2 HTTPServer');
  first.push('mutated');
  first[0] = 'x';
  assert.deepEqual(splitWords('dP_packedBed2 HTTPServer'), ['dp', 'packed', 'bed', '2', 'http', 'server']);
  assert.equal(stem('computations'), stem('computations'));
  assert.equal(stem('computations'), stem('compute'));
});

test('stem maps inflections of one word to one key', () => {
  const forms = ['compute', 'computes', 'computed', 'computing', 'computation'];
  assert.equal(new Set(forms.map(stem)).size, 1, forms.map(stem).join(','));
  assert.equal(stem('densities'), stem('density'));
  assert.equal(stem('dropping'), stem('drop'));
  assert.equal(stem('normalization'), stem('normalize'));
  assert.equal(stem('integrator'), stem('integrate'));
  assert.equal(stem('integrated'), stem('integration'));
  assert.equal(stem('updated'), stem('update'));
  assert.notEqual(stem('format'), stem('form'));
  // Short words and numbers are left alone: stemming "gas" or "2d" would only merge unrelated terms.
  assert.equal(stem('gas'), 'gas');
  assert.equal(stem('2d'), '2d');
  assert.equal(stem('class'), 'class');
});

test('stem maps British and American spellings and Latin plurals to one key', () => {
  const same = (...words: string[]) => assert.equal(new Set(words.map(stem)).size, 1, words.map(stem).join(','));
  same('fluidisation', 'fluidization', 'fluidise', 'fluidized', 'fluidizing');
  same('centre', 'center', 'centred', 'centered');
  same('vapour', 'vapor');
  same('modelling', 'modeling', 'modelled', 'model');
  same('analyse', 'analyze', 'analysed');
  same('standardise', 'standardize', 'standardization');
  same('maxima', 'maximum');
  same('spectra', 'spectrum');
  same('lives', 'life');
  same('relationship', 'related', 'relation');
  // ...without merging words that only look alike: short words keep their letters.
  assert.equal(stem('four'), 'four');
  assert.equal(stem('hour'), 'hour');
  assert.equal(stem('small'), 'small');
  assert.notEqual(stem('noise'), stem('nose'));
  assert.notEqual(stem('analysis'), stem('analyse'));
});

test('tokenize drops stop words and code noise, keeps order', () => {
  assert.deepEqual(tokenize('the pressure drops through a packed bed'), ['pressur', 'drop', 'through', 'pack', 'bed']);
  assert.deepEqual(tokenize('def f(self, x): return None'), ['f', 'x']);
  // How an agent frames a task is not what it asks for.
  assert.deepEqual(tokenize('how much would I need to calculate the pressure itself, if possible'), ['pressur']);
});

test('queryTerms leaves out bare numbers: in a task they are data', () => {
  assert.deepEqual(queryTerms('warm water from 20 to 80 degrees'), ['warm', 'water', 'degre']);
  // They still reach the full-text index, where a pasted formula's constants can match its docstring.
  assert.ok(ftsQueryTokens('Nu = 0.023 * Re**0.8').includes('023'));
});

test('compounds let an exact identifier match its snake or camel spelling', () => {
  const snake = tokenize('ergun_pressure_drop(dp, eps)', { compounds: true });
  const camel = tokenize('ergunPressureDrop', { compounds: true });
  assert.ok(snake.includes('ergunpressuredrop'));
  assert.ok(camel.includes('ergunpressuredrop'));
  // Coverage is over words only: a compound must not count as an extra query word.
  assert.deepEqual(queryTerms('ergun_pressure_drop('), ['ergun', 'pressur', 'drop']);
});

test('ftsQueryTokens of pasted code are plain words, safe for the FTS parser', () => {
  const toks = ftsQueryTokens('x = ergun_pressure_drop(d_p=1e-3, eps=0.4) AND "quoted" OR (NOT) [1]:{}*');
  for (const t of toks) assert.match(t, /^[a-z0-9]+$/, t);
  assert.ok(toks.includes('ergunpressuredrop'));
  assert.equal(new Set(toks).size, toks.length, 'deduplicated');
  assert.ok(ftsQueryTokens('word '.repeat(10) + Array.from({ length: 500 }, (_, i) => `w${i}x`).join(' ')).length <= 64);
});

function block(over: Partial<Block> = {}): Block {
  return Block.parse({
    id: 'flowkit:flowkit.beds.ergun_pressure_drop',
    library: 'flowkit',
    language: 'python',
    kind: 'function',
    name: 'ergun_pressure_drop',
    qualifiedName: 'flowkit.beds.ergun_pressure_drop',
    module: 'flowkit.beds',
    signature: 'def ergun_pressure_drop(d_p, eps, mu, rho, u, length):',
    docstring: 'Pressure gradient across a packed bed of spheres by the Ergun equation.',
    summary: 'Pressure drop through a packed bed (Ergun).',
    code: 'def ergun_pressure_drop(d_p, eps, mu, rho, u, length):\n    return 0\n',
    decorators: [],
    parameters: [
      { name: 'd_p', annotation: 'float', default: null, kind: 'positional', description: 'Particle diameter in metres.' },
      { name: 'eps', annotation: 'float', default: null, kind: 'positional', description: 'Void fraction of the bed.' },
    ],
    returns: 'float',
    imports: [],
    calls: [],
    requirements: [],
    licence: 'MIT',
    citation: null,
    provenance: { repo: 'x/flowkit', url: null, commit: 'abc', path: 'src/flowkit/beds.py', startLine: 1, endLine: 3 },
    examples: [
      {
        code: 'from flowkit.beds import ergun_pressure_drop\nprint(ergun_pressure_drop(1e-3, 0.4, 1e-3, 1000, 0.01, 1.0))  # "viscous" regime',
        source: 'doctest',
        path: null,
        startLine: null,
        expectedOutput: null,
        run: null,
      },
    ],
    validation: null,
    compute: { gpu: false, network: false },
    rank: 1,
    tags: ['reactor'],
    ...over,
  });
}

test('blockSearchText weights the name and keeps per-field pieces', () => {
  const st = blockSearchText(block());
  const count = (t: string) => st.text.split(' ').filter((x) => x === t).length;
  // The name appears in name (x3), qualified name and signature; a docstring-only word appears once.
  assert.ok(count('ergun') > count(stem('spheres')), st.text);
  assert.equal(count(stem('spheres')), 1);
  assert.ok(st.fields.name.includes('ergunpressuredrop'));
  assert.ok(st.fields.parameters.includes(stem('diameter')));
  assert.ok(st.fields.docstring.includes(stem('spheres')));
  assert.ok(st.fields.qualifiedName.includes('flowkit'));
  assert.ok(st.fields.tags.includes('reactor'));
  assert.ok(st.fields.examples.includes('print'));
  // Strings and comments of examples are data, not API names.
  assert.ok(!st.fields.examples.includes('viscou'), st.fields.examples.join(' '));
  assert.equal(new Set(st.fields.name).size, st.fields.name.length, 'fields are distinct tokens');
});

test('matchedFields and termCoverage report which parts of a block a query hits', () => {
  const st = blockSearchText(block());
  const q = ftsQueryTokens('pressure loss in a bed of spheres');
  const m = matchedFields(st.fields, q);
  assert.ok(m.includes('name'));
  assert.ok(m.includes('docstring'));
  assert.ok(!m.includes('tags'));
  assert.equal(termCoverage(queryTerms('pressure loss in a bed of spheres'), st.fields), 3 / 4);
  assert.equal(termCoverage(queryTerms('zorblax quintessence'), st.fields), 0);
  assert.equal(termCoverage([], st.fields), 0);
});

test('context is a field of its own; the library purpose is kept per library, not in the block text', () => {
  const st = blockSearchText(block(), { context: 'Packed bed of catalyst pellets.' });
  assert.ok(st.fields.context.includes(stem('pellets')));
  assert.ok(st.text.split(' ').includes(stem('pellets')));
  // The library description is the same for all its blocks: stored with each it would only cost space, and in the
  // full-text column it would make every block of a large library a candidate for its words.
  assert.deepEqual(st.bag.purpose, []);
  assert.deepEqual(purposeTokens('Correlations for zeolite reactors.'), ['correl', 'zeolit', 'reactor']);
  assert.ok(purposeTokens('word '.repeat(500)).length < 500, 'capped like any field');
  // The bag keeps repeats (term frequency), fields are distinct.
  const withRepeats = blockSearchText(block({ docstring: 'Bed bed bed.' }));
  assert.equal(withRepeats.bag.docstring.filter((t) => t === 'bed').length, 3);
  assert.equal(withRepeats.fields.docstring.filter((t) => t === 'bed').length, 1);
});

// ---------------------------------------------------------------- BM25F over query concepts

const P: Bm25fParams = {
  weight: Object.fromEntries(FIELD_NAMES.map((f) => [f, f === 'name' ? 3 : f === 'purpose' ? 0.2 : 1])) as Record<FieldName, number>,
  b: Object.fromEntries(FIELD_NAMES.map((f) => [f, 0.5])) as Record<FieldName, number>,
  k1: 1.2,
};

function bag(fields: Partial<Record<FieldName, string>>): Partial<FieldTokens> {
  return Object.fromEntries(Object.entries(fields).map(([f, text]) => [f, tokenize(text!)]));
}

/** A small corpus: df counts the blocks a token occurs in. */
function corpus(bags: Partial<FieldTokens>[]): CorpusStats {
  const df = new Map<string, number>();
  const len: Record<string, number> = {};
  for (const b of bags) {
    const seen = new Set<string>();
    for (const f of FIELD_NAMES) {
      len[f] = (len[f] ?? 0) + (b[f]?.length ?? 0);
      for (const t of b[f] ?? []) seen.add(t);
    }
    for (const t of seen) df.set(t, (df.get(t) ?? 0) + 1);
  }
  const avgLength = Object.fromEntries(FIELD_NAMES.map((f) => [f, (len[f] ?? 0) / bags.length])) as Record<FieldName, number>;
  return { docs: bags.length, df, avgLength };
}

const drop = bag({ name: 'pressure_drop_pipe', summary: 'Frictional pressure drop in a straight pipe.' });
const pump = bag({ name: 'pump_power', summary: 'Shaft power needed to push a flow through a pipe.' });
const decay = bag({ name: 'decay_constant', summary: 'Decay constant of a nuclide from its half-life.' });
const onlyPurpose = bag({ name: 'helper', summary: 'Internal helper.', purpose: 'Pressure drop in pipes.' });
const stats = corpus([drop, pump, decay, onlyPurpose]);
const score = (b: Partial<FieldTokens>, q: string) => scoreFields(b, queryConcepts(queryTerms(q), parseQuery(q).expansions, stats), stats, P);

test('scoreFields: the query\'s own word counts more than a synonym of it, and both more than nothing', () => {
  const own = score(drop, 'pressure drop');
  const synonym = score(drop, 'pressure loss');
  const none = score(decay, 'pressure loss');
  assert.ok(own.score > synonym.score && synonym.score > none.score, `${own.score} ${synonym.score} ${none.score}`);
  assert.ok(own.coverage > synonym.coverage && synonym.coverage > 0.5, `${own.coverage} ${synonym.coverage}`);
  assert.equal(none.coverage, 0);
  for (const s of [own, synonym, none]) assert.ok(s.score >= 0 && s.score < 1 && s.coverage <= 1);
});

test('scoreFields: coverage is weighted by idf, so missing the rare word costs more than missing a common one', () => {
  // "pipe" is in two blocks, "frictional" in one: a block with only the rare word covers more of the query.
  const rare = score(bag({ summary: 'frictional' }), 'frictional pipe');
  const common = score(bag({ summary: 'pipe' }), 'frictional pipe');
  assert.ok(rare.coverage > 0.5 && common.coverage < 0.5, `${rare.coverage} ${common.coverage}`);
});

test('scoreFields: a word only in the library description covers less than in the block\'s own text', () => {
  const weak = score(onlyPurpose, 'pressure drop');
  const strong = score(drop, 'pressure drop');
  assert.ok(weak.coverage > 0 && weak.coverage < 0.5, String(weak.coverage));
  assert.ok(strong.coverage > 0.99, String(strong.coverage));
  assert.ok(weak.score < strong.score / 2, `${weak.score} ${strong.score}`);
});

test('queryConcepts: an unseen word is weighed by its known synonym, but not by a merely related word', () => {
  const max = idf(0, stats.docs);
  // "lose" never occurs, but its synonym "drop" does: the word is known under another name.
  const [lose] = queryConcepts(['lose'], parseQuery('lose').expansions, stats);
  assert.equal(lose!.idf, idf(stats.df.get('drop')!, stats.docs));
  assert.ok(lose!.idf < max);
  // "radium" is only related to "nuclide" (which occurs): it stays an unknown, maximally weighted word.
  const [radium] = queryConcepts(['radium'], parseQuery('radium').expansions, stats);
  assert.ok(radium!.forms.length > 1);
  assert.equal(radium!.idf, max);
  // With expansion switched off only the word itself is a form.
  const [off] = queryConcepts(['lose'], parseQuery('lose').expansions, stats, { same: 0, related: 0 });
  assert.equal(off!.forms.length, 1);
});

test('blockEmbedText is readable words, not stems', () => {
  const t = blockEmbedText(block());
  assert.match(t, /^ergun pressure drop \(flowkit\.beds\.ergun_pressure_drop\): Pressure drop/);
  assert.match(t, /Particle diameter in metres/);
  assert.match(t, /Tags: reactor/);
  assert.ok(blockEmbedText(block({ docstring: 'x'.repeat(10_000) })).length < 2500);
});
