/**
 * Query expansion from WordNet: for each content word of the query (and each pair of adjacent ones that WordNet
 * knows as a collocation, "radioactive decay"), its lemma's most frequent senses in each part of speech; the other
 * words of those synsets count as the same word, and the words of the synsets they point to (hypernyms, hyponyms,
 * derivationally related forms, similar adjectives, the nouns an adjective pertains to) as related words. Senses
 * are kept by how often WordNet's tagged corpus saw them, so a word brings its usual meanings only. Weights
 * sit below the hand-written list's: WordNet is general English, and a word's senses there are often not the
 * scientific one.
 */
import type { Expansion } from './lexicon.js';
import type { Lexicon, LexiconQuery } from './lexicons.js';
import { splitWords, stem, STOP_WORDS, tokenize } from './tokens.js';
import { WORDNET_POS, type Pointer, type Synset, type WordNet } from './wordnet.js';

export interface WordnetLexiconOptions {
  /** Senses taken per part of speech, most frequent first (and never past the senses seen in tagged text). */
  senses: number;
  /**
   * A sense is taken only when it was seen in WordNet's tagged corpus at least this share as often as the word's
   * most frequent sense in any part of speech: "sky" the verb (never seen) is left out next to "sky" the noun
   * (49 times). 0 takes the first senses of every part of speech. A word with no tagged sense keeps the first sense
   * of each part of speech it has.
   */
  minShare: number;
  /** Weight of a word from the same synset. */
  same: number;
  /** Weight of a word from a synset pointed to. */
  related: number;
  /** Pointer symbols followed for related words. */
  relations: readonly string[];
  /**
   * Synsets taken per sense through each one-to-many relation (hyponyms, similar adjectives): a general word has
   * dozens, in no useful order.
   */
  fanOut: number;
  /** Words taken from each related synset (its first are its usual names). */
  wordsPerRelated: number;
}

export const DEFAULT_WORDNET_LEXICON: WordnetLexiconOptions = {
  senses: 2,
  minShare: 0.2,
  same: 0.7,
  related: 0.4,
  // hypernym, instance hypernym, hyponym, derivationally related, similar to, pertainym
  relations: ['@', '@i', '~', '+', '&', '\\'],
  fanOut: 3,
  wordsPerRelated: 2,
};

/** The relations that lead from one synset to many. */
const FAN_OUT = new Set(['~', '&']);

export class WordnetLexicon implements Lexicon {
  readonly id = 'wordnet';
  private readonly opts: WordnetLexiconOptions;

  constructor(
    private readonly wordnet: WordNet,
    opts: Partial<WordnetLexiconOptions> = {},
  ) {
    this.opts = { ...DEFAULT_WORDNET_LEXICON, ...opts };
  }

  expand(query: LexiconQuery): Expansion[] {
    const own = new Set(query.tokens);
    const out = new Map<string, Expansion>();
    const add = (sources: readonly string[], word: string, weight: number, relation: Expansion['relation']) => {
      const words = tokenize(word);
      if (!words.length || words.every((w) => w.length <= 2) || words.every((w) => own.has(w))) return;
      for (const source of sources) {
        const key = `${source}|${words.join(' ')}`;
        const seen = out.get(key);
        if (!seen) out.set(key, { words, weight, relation, source });
        else if (weight > seen.weight) Object.assign(seen, { weight, relation });
      }
    };

    const words = contentWords(query.text);
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      this.expandLemmas(w, [stem(w)], add);
      const next = words[i + 1];
      if (next !== undefined) this.expandLemmas(`${w}_${next}`, [stem(w), stem(next)], add);
    }
    return [...out.values()];
  }

  private expandLemmas(
    word: string,
    sources: readonly string[],
    add: (sources: readonly string[], word: string, weight: number, relation: Expansion['relation']) => void,
  ): void {
    const o = this.opts;
    const found = WORDNET_POS.flatMap((pos) =>
      this.wordnet.lemmas(word, pos).map((lemma) => ({ pos, lemma, entry: this.wordnet.lookup(lemma, pos)!, counts: this.wordnet.tagCounts(lemma) })),
    );
    const most = Math.max(0, ...found.flatMap((f) => [...f.counts.values()]));
    for (const { pos, lemma, entry, counts } of found) {
      // Past the senses seen in tagged text WordNet's order says nothing about frequency.
      let offsets = entry.offsets.slice(0, Math.max(1, entry.taggedSenses));
      if (most > 0 && o.minShare > 0) offsets = offsets.filter((off) => (counts.get(`${pos}:${off}`) ?? 0) >= o.minShare * most);
      for (const off of offsets.slice(0, o.senses)) {
        const synset = this.wordnet.synset(pos, off);
        for (const w of synset.words) if (w.toLowerCase() !== lemma) add(sources, w, o.same, 'same');
        for (const w of this.relatedWords(synset, lemma)) add(sources, w, o.related, 'related');
      }
    }
  }

  /** Words of the synsets `synset` points to through the followed relations, for the sense of `lemma`. */
  private relatedWords(synset: Synset, lemma: string): string[] {
    const o = this.opts;
    const mine = synset.words.findIndex((w) => w.toLowerCase() === lemma) + 1;
    const out: string[] = [];
    const taken = new Map<string, number>();
    for (const p of synset.pointers) {
      if (!o.relations.includes(p.symbol)) continue;
      // A lexical pointer (derivation, pertainym) belongs to one word of the synset: only the query's counts.
      if (p.source !== 0 && p.source !== mine) continue;
      const n = (taken.get(p.symbol) ?? 0) + 1;
      taken.set(p.symbol, n);
      if (FAN_OUT.has(p.symbol) && n > o.fanOut) continue;
      out.push(...this.targetWords(p));
    }
    return out;
  }

  private targetWords(p: Pointer): string[] {
    const target = this.wordnet.synset(p.pos, p.offset);
    if (p.target !== 0) {
      const w = target.words[p.target - 1];
      return w ? [w] : [];
    }
    return target.words.slice(0, this.opts.wordsPerRelated);
  }
}

/** The query's words as typed (split, lowercased), without stop words, numbers and one- or two-letter words. */
function contentWords(text: string): string[] {
  return splitWords(text).filter((w) => !STOP_WORDS.has(w) && w.length > 2 && !/[0-9]/.test(w));
}
