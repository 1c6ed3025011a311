/**
 * A search query read once: its tokens, the words ranking measures it by, the tokens sent to the full-text index,
 * what the lexicon adds, and the concepts BM25F scores. Candidate retrieval and every ranking function take this
 * one reading, so a query cannot be tokenised one way for candidates and another for ranking.
 */
import type { Expansion } from './lexicon.js';
import { DEFAULT_SOURCES, expandWith, handwrittenLexicon, type Lexicon } from './lexicons.js';
import { combineStats, idf, type CorpusStats } from './terms.js';
import { compounds, tokenize } from './tokens.js';

/** Tokens sent to the full-text index at most: a pasted file must not become a thousand-term OR query. */
export const MAX_FTS_TOKENS = 64;

/** How a query is read: what the lexicon may add, and which of its words may bring in candidates. */
export interface QueryOptions {
  /**
   * Multiplies the lexicons' weights for words of the same meaning and for related words (0 turns that kind of
   * query expansion off; both 0, no expansion at all), and each lexicon's weights by its id in `sources` (a lexicon
   * missing there, or at 0, is not asked; left out, DEFAULT_SOURCES: the hand-written list alone).
   */
  expansion: { same: number; related: number; sources?: Readonly<Record<string, number>> };
  /**
   * Candidates found through related words only: a second full-text query over at most `words` of them (of the
   * given relations, strongest first) adds up to `candidates` blocks that share no word with the query. It is a
   * query of its own, not a boosted clause of the first: LanceDB 0.31's BooleanQuery doubled full-text time at
   * 100k blocks, and this way the query's own words pick their candidates undisturbed.
   */
  candidateExpansion: { relations: readonly Expansion['relation'][]; words: number; candidates: number };
}

/** Tuned with the rest of the ranking (see ranking/options.ts). */
export const DEFAULT_QUERY_OPTIONS: QueryOptions = {
  expansion: { same: 1, related: 1, sources: DEFAULT_SOURCES },
  candidateExpansion: { relations: ['same', 'related'], words: 32, candidates: 20 },
};

/**
 * One way a query concept can be matched: the word itself (weight 1), or a synonym or related word or phrase from
 * the lexicon. A phrase counts only where all its words are.
 */
export interface ConceptForm {
  words: string[];
  weight: number;
}

/** A distinct content word of the query and the forms that count as meeting it. */
export interface QueryConcept {
  term: string;
  /** Its importance: the idf of the word, or of its rarest known form when the corpus has never seen it. */
  idf: number;
  /** forms[0] is the word itself. */
  forms: ConceptForm[];
}

export interface Query {
  /** The query as given. */
  readonly text: string;
  /** Content tokens in order, duplicates kept: split, stop words dropped, stemmed (what the lexicon reads). */
  readonly tokens: readonly string[];
  /**
   * Distinct content tokens without compounds: what coverage and ranking are measured over. Bare numbers are left
   * out: in a task ("50 m of pipe", "from 20 to 80 degrees") they are data, not what is asked for.
   */
  readonly terms: readonly string[];
  /**
   * Sent to the full-text index: content tokens plus compounds of quoted identifiers (so a pasted name matches its
   * block's compound), deduplicated and capped at MAX_FTS_TOKENS.
   */
  readonly ftsTokens: readonly string[];
  /** The lexicon's words for the query, of the relations not switched off. */
  readonly expansions: readonly Expansion[];
  /** Related words for the second, candidates-only full-text query (see QueryOptions.candidateExpansion). */
  readonly relatedWords: readonly string[];
  /** What BM25F scores: one concept per term, with the forms that meet it. */
  readonly concepts: readonly QueryConcept[];
}

/** The lexicons a query is expanded from when none are passed: the hand-written list. */
export const DEFAULT_LEXICONS: readonly Lexicon[] = [handwrittenLexicon];

/**
 * Read a query against the statistics of the corpus it will search (concepts are weighted by idf). Without a
 * corpus every word weighs the same, which is enough for everything but scoring. `lexicons` are the expansion
 * sources available; `opts.expansion.sources` says which of them are used and how much they count.
 */
export function parseQuery(
  text: string,
  corpus: CorpusStats = combineStats([]),
  opts: QueryOptions = DEFAULT_QUERY_OPTIONS,
  lexicons: readonly Lexicon[] = DEFAULT_LEXICONS,
): Query {
  const tokens = tokenize(text);
  const terms = [...new Set(tokens.filter((t) => !/^[0-9]+$/.test(t)))];
  const ftsTokens = [...new Set([...tokens, ...compounds(text)])].slice(0, MAX_FTS_TOKENS);
  const expansions = (opts.expansion.same > 0 || opts.expansion.related > 0 ? expandWith(lexicons, { text, tokens }, opts.expansion.sources) : []).filter(
    (e) => opts.expansion[e.relation] > 0,
  );
  return {
    text,
    tokens,
    terms,
    ftsTokens,
    expansions,
    relatedWords: candidateWords(expansions, ftsTokens, opts.candidateExpansion),
    concepts: queryConcepts(terms, expansions, corpus, opts.expansion),
  };
}

/**
 * Related words for the candidate query: of the allowed relations, strongest first, not already in the query,
 * at most `opts.words`. Ranking still sees every expansion; this only decides what can become a candidate.
 */
function candidateWords(
  expansions: readonly Expansion[],
  own: readonly string[],
  opts: QueryOptions['candidateExpansion'],
): string[] {
  const mine = new Set(own);
  const out = new Set<string>();
  const sorted = expansions.filter((e) => opts.relations.includes(e.relation)).sort((a, b) => b.weight - a.weight);
  for (const e of sorted) {
    for (const w of e.words) {
      if (out.size >= opts.words) return [...out];
      if (!mine.has(w)) out.add(w);
    }
  }
  return [...out];
}

/** Weight from which a form counts as another name for the word (a synonym), not a related idea. */
const SYNONYM_WEIGHT = 0.75;

/**
 * The query's distinct words with their idf and the forms that meet them: the word itself, and the lexicon's
 * related words for it at their weight times `expansionScale` of their relation. A word the corpus has never seen
 * but whose synonyms it has is weighed like the rarest of those: at its own idf (the maximum) a synonym could never
 * make up for it, and a right answer phrased in other words would look like a poor match.
 */
export function queryConcepts(
  terms: readonly string[],
  expansions: readonly Expansion[],
  stats: CorpusStats,
  expansionScale: Readonly<Record<Expansion['relation'], number>> = { same: 1, related: 1 },
): QueryConcept[] {
  const { docs, df } = stats;
  return terms.map((term) => {
    const forms: ConceptForm[] = [{ words: [term], weight: 1 }];
    for (const e of expansions) {
      const weight = Math.min(1, e.weight * expansionScale[e.relation]);
      if (e.source === term && weight > 0) forms.push({ words: e.words, weight });
    }
    let w = idf(df.get(term) ?? 0, docs);
    if (!df.get(term)) {
      // Only a synonym makes an unseen word known under another name; a merely related word does not.
      const known = forms.slice(1).filter((f) => f.weight >= SYNONYM_WEIGHT && f.words.every((x) => df.get(x)));
      if (known.length) w = Math.max(...known.flatMap((f) => f.words.map((x) => idf(df.get(x)!, docs))));
    }
    return { term, idf: w, forms };
  });
}
