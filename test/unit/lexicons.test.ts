import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { FIELD_NAMES, type FieldName } from '../../src/search/fields.js';
import { expandTokens, SAME_WEIGHT, type Expansion } from '../../src/search/lexicon.js';
import { DEFAULT_SOURCES, expandWith, handwrittenLexicon, type Lexicon } from '../../src/search/lexicons.js';
import { DEFAULT_QUERY_OPTIONS, parseQuery } from '../../src/search/query.js';
import type { CorpusStats } from '../../src/search/terms.js';
import { stem, STOP_WORDS, tokenize } from '../../src/search/tokens.js';
import { DEFAULT_WORDNET_LEXICON, WordnetLexicon } from '../../src/search/wordnet-lexicon.js';
import { bundledWordnetDir, WordNet } from '../../src/search/wordnet.js';

const wn = new WordNet(bundledWordnetDir());
after(() => wn.close());
const wordnet = new WordnetLexicon(wn);
const expand = (text: string, lexicon: Lexicon = wordnet) => lexicon.expand({ text, tokens: tokenize(text) });
/** The expansion to `words` (as written) for the query word `source` (as written). */
const find = (xs: readonly Expansion[], words: string, source: string) =>
  xs.find((e) => e.words.join(' ') === tokenize(words).join(' ') && e.source === stem(source));

const QUERIES = [
  'pressure loss through a pipe',
  'smooth a noisy spectrum',
  'radioactive decay chain',
  'sensitivity of model output to inputs',
  'sun position in the sky',
  'spheres settling in a fluid',
];

describe('WordNet lexicon', () => {
  test('synonyms of a sense at the same weight, the synsets it points to at the related weight', () => {
    const out = expand('radioactive decay');
    // radioactive_decay is one collocation: its synset (decay, radioactive_decay, disintegration) stands in for
    // both query words, its hypernym nuclear_reaction is a related phrase, its hyponyms related words.
    assert.deepEqual(find(out, 'disintegration', 'radioactive'), { words: ['disintegr'], weight: 0.7, relation: 'same', source: 'radioactiv' });
    assert.equal(find(out, 'disintegration', 'decay')?.relation, 'same');
    assert.deepEqual(find(out, 'nuclear reaction', 'decay'), { words: ['nuclear', 'reaction'], weight: 0.4, relation: 'related', source: 'decay' });
    assert.equal(find(out, 'alpha decay', 'radioactive')?.weight, 0.4);
    assert.ok(DEFAULT_WORDNET_LEXICON.same < SAME_WEIGHT, 'WordNet is worth less than the hand-written list');
  });

  test('an inflected word is expanded from its lemma, under its own stem', () => {
    const out = expand('spheres');
    assert.ok(out.length > 0);
    assert.ok(out.every((e) => e.source === stem('spheres')));
    assert.ok(find(out, 'spherical', 'spheres'), 'the adjective derived from sphere');
    assert.ok(find(expand('settling'), 'settle down', 'settling'));
  });

  test('no expansion is stop words only, one or two letters only, or the query\'s own words', () => {
    assert.deepEqual(expand('the of and with from'), []);
    for (const q of QUERIES) {
      const own = new Set(tokenize(q));
      for (const e of expand(q)) {
        assert.ok(own.has(e.source), `${q}: ${e.source} is a query token`);
        assert.ok(e.words.length > 0 && e.words.some((w) => w.length > 2), `${q}: ${e.words.join(' ')}`);
        assert.ok(!e.words.every((w) => own.has(w)), `${q}: ${e.words.join(' ')} is the query's own`);
        assert.ok(e.words.every((w) => !STOP_WORDS.has(w)));
        assert.ok(e.weight === 0.7 ? e.relation === 'same' : e.weight === 0.4 && e.relation === 'related');
      }
    }
  });

  test('senses WordNet\'s tagged corpus rarely saw are left out', () => {
    // "sky" the verb (to toss: never seen in tagged text) next to "sky" the noun (49 times).
    assert.equal(find(expand('sky'), 'toss', 'sky'), undefined);
    assert.ok(find(expand('sky'), 'atmosphere', 'sky'));
    assert.ok(find(expand('sky', new WordnetLexicon(wn, { minShare: 0 })), 'toss', 'sky'));
  });

  test('weights, senses and relations follow its options', () => {
    const synonymsOnly = new WordnetLexicon(wn, { relations: [], same: 0.5 });
    const out = expand('radioactive decay chain', synonymsOnly);
    assert.ok(out.length > 0 && out.every((e) => e.relation === 'same' && e.weight === 0.5));
    const more = expand('decay', new WordnetLexicon(wn, { senses: 3 })).length;
    assert.ok(more > expand('decay', new WordnetLexicon(wn, { senses: 1 })).length);
    const related = (fanOut: number) => expand('noisy', new WordnetLexicon(wn, { fanOut })).filter((x) => x.relation === 'related').length;
    assert.ok(related(20) > related(3), 'noisy has many similar adjectives');
  });

  test('each result is one expansion per query word and form', () => {
    for (const q of QUERIES) {
      const keys = expand(q).map((e) => `${e.source}|${e.words.join(' ')}`);
      assert.equal(new Set(keys).size, keys.length);
    }
  });
});

describe('expansion sources', () => {
  const fixed = (id: string, xs: Expansion[]): Lexicon => ({ id, expand: () => xs.map((e) => ({ ...e })) });
  const e = (words: string, weight: number, relation: Expansion['relation'] = 'same'): Expansion => ({ words: [words], weight, relation, source: 'a' });
  const q = { text: 'a', tokens: ['a'] };

  test('a source is scaled by its multiplier; one missing from the multipliers, or at 0, is never asked', () => {
    const boom: Lexicon = { id: 'boom', expand: () => assert.fail('a source switched off was asked') };
    const out = expandWith([fixed('x', [e('b', 0.8)]), boom], q, { x: 0.5, boom: 0 });
    assert.deepEqual(out, [e('b', 0.4)]);
    assert.deepEqual(expandWith([boom], q, {}), []);
  });

  test('where two sources offer the same form for the same word, the stronger offer counts', () => {
    const out = expandWith([fixed('x', [e('b', 0.4, 'related'), e('c', 0.9)]), fixed('y', [e('b', 0.7)])], q, { x: 1, y: 1 });
    assert.deepEqual(out, [e('b', 0.7, 'same'), e('c', 0.9)]);
  });

  test('by default only the hand-written list is used, exactly as before', () => {
    assert.deepEqual(DEFAULT_SOURCES, { handwritten: 1, wordnet: 0 });
    const df = new Map([['pressur', 10], ['loss', 5], ['drop', 20]]);
    const stats: CorpusStats = { docs: 100, df, avgLength: Object.fromEntries(FIELD_NAMES.map((f) => [f, 3])) as Record<FieldName, number> };
    for (const text of [...QUERIES, 'heat loss', 'fourier transform', 'zorblax', '']) {
      const plain = parseQuery(text, stats);
      assert.deepEqual(parseQuery(text, stats, DEFAULT_QUERY_OPTIONS, [handwrittenLexicon, wordnet]), plain);
      assert.deepEqual(plain.expansions, expandTokens(tokenize(text)));
    }
  });

  test('switched on, WordNet adds its words next to the hand-written ones', () => {
    const opts = { ...DEFAULT_QUERY_OPTIONS, expansion: { same: 1, related: 1, sources: { handwritten: 1, wordnet: 1 } } };
    const both = parseQuery('spheres settling in a fluid', undefined, opts, [handwrittenLexicon, wordnet]);
    const hand = parseQuery('spheres settling in a fluid');
    assert.ok(both.expansions.length > hand.expansions.length);
    assert.ok(find(both.expansions, 'settle down', 'settling'));
    for (const h of hand.expansions) assert.ok(both.expansions.some((b) => b.source === h.source && b.words.join(' ') === h.words.join(' ') && b.weight >= h.weight));
    // WordNet alone, its related words off through the relation multiplier.
    const wnSame = parseQuery('spheres settling', undefined, { ...opts, expansion: { same: 1, related: 0, sources: { wordnet: 1 } } }, [handwrittenLexicon, wordnet]);
    assert.ok(wnSame.expansions.length > 0 && wnSame.expansions.every((x) => x.relation === 'same' && x.weight === 0.7));
  });
});
