/**
 * Sources of query expansion behind one interface, so that a run can weigh each on its own: the hand-written
 * vocabulary of lexicon.ts, WordNet (wordnet-lexicon.ts), or any other. Each gives its expansions at its own
 * weights; QueryOptions.expansion.sources multiplies them per source (0 leaves a source out without asking it),
 * and where two sources offer the same words for the same query word the stronger offer counts.
 */
import { expandTokens, type Expansion } from './lexicon.js';

/** A query as a lexicon reads it: the text as given and its content tokens as tokenize() gives them. */
export interface LexiconQuery {
  text: string;
  /** Stemmed content tokens in order; an expansion's `source` is one of these. */
  tokens: readonly string[];
}

export interface Lexicon {
  /** The key of its multiplier in QueryOptions.expansion.sources. */
  readonly id: string;
  expand(query: LexiconQuery): Expansion[];
}

/** The hand-written vocabulary of lexicon.ts. */
export const handwrittenLexicon: Lexicon = {
  id: 'handwritten',
  expand: ({ tokens }) => expandTokens(tokens),
};

/** Multipliers per source: the hand-written list alone, as search was tuned. */
export const DEFAULT_SOURCES: Readonly<Record<string, number>> = { handwritten: 1, wordnet: 0 };

/**
 * The expansions of every lexicon whose multiplier is above 0 (a source missing from `sources` is off), their
 * weights multiplied by it; one expansion per query word and form, at the strongest weight offered.
 */
export function expandWith(
  lexicons: readonly Lexicon[],
  query: LexiconQuery,
  sources: Readonly<Record<string, number>> = DEFAULT_SOURCES,
): Expansion[] {
  const out = new Map<string, Expansion>();
  for (const lexicon of lexicons) {
    const scale = sources[lexicon.id] ?? 0;
    if (!(scale > 0)) continue;
    for (const e of lexicon.expand(query)) {
      const weight = e.weight * scale;
      const key = `${e.source}|${e.words.join(' ')}`;
      const seen = out.get(key);
      if (!seen) out.set(key, { ...e, weight });
      else if (weight > seen.weight) out.set(key, { ...e, weight });
    }
  }
  return [...out.values()];
}
