import { handwrittenLexicon, type Lexicon } from '../../src/search/lexicons.js';
import { DEFAULT_RANKING, type RankingOptions } from '../../src/search/ranking/options.js';
import { WordnetLexicon, type WordnetLexiconOptions } from '../../src/search/wordnet-lexicon.js';
import { bundledWordnetDir, WordNet } from '../../src/search/wordnet.js';

/** The expansion sources every eval index is given (ranking.expansion.sources decides which are used). */
export function evalLexicons(wordnet: Partial<WordnetLexiconOptions> = {}): Lexicon[] {
  return [handwrittenLexicon, new WordnetLexicon(new WordNet(bundledWordnetDir()), wordnet)];
}

/**
 * Each idea of the ranking switched off on its own, to show what it contributes. Query expansion, BM25F field
 * weights, vector share, coverage scaling, name bonus and priors are search-time settings; stemming, stop
 * words and the context field are index-time and are not switched here (see eval/README.md for their effect).
 */
export interface Ablation {
  label: string;
  ranking: Partial<RankingOptions>;
  /** WordNet adapter settings, when the variant changes them. */
  wordnet?: Partial<WordnetLexiconOptions>;
}

export const ABLATIONS: Ablation[] = [
  { label: 'full (defaults)', ranking: {} },
  { label: 'no lexicon expansion', ranking: { expansion: { same: 0, related: 0 } } },
  { label: 'lexicon: synonyms only', ranking: { expansion: { same: 1, related: 0 } } },
  { label: 'lexicon: related only', ranking: { expansion: { same: 0, related: 1 } } },
  { label: 'lexicon: WordNet instead', ranking: { expansion: { ...DEFAULT_RANKING.expansion, sources: { handwritten: 0, wordnet: 1 } } } },
  { label: 'lexicon: hand-written + WordNet', ranking: { expansion: { ...DEFAULT_RANKING.expansion, sources: { handwritten: 1, wordnet: 1 } } } },
  {
    label: 'lexicon: hand-written + WordNet synonyms',
    ranking: { expansion: { ...DEFAULT_RANKING.expansion, sources: { handwritten: 1, wordnet: 1 } } },
    wordnet: { relations: [] },
  },
  { label: 'no coverage scaling', ranking: { coverageFactor: 0 } },
  { label: 'with hashing vectors at 20% of the score', ranking: { vector: { ...DEFAULT_RANKING.vector, hashing: 0.2 } } },
  {
    label: 'no context / purpose fields',
    ranking: { bm25f: { ...DEFAULT_RANKING.bm25f, weight: { ...DEFAULT_RANKING.bm25f.weight, context: 0, purpose: 0 } } },
  },
  {
    label: 'flat field weights (all 1, b 0.75)',
    ranking: {
      bm25f: {
        k1: DEFAULT_RANKING.bm25f.k1,
        weight: Object.fromEntries(Object.keys(DEFAULT_RANKING.bm25f.weight).map((f) => [f, 1])) as RankingOptions['bm25f']['weight'],
        b: Object.fromEntries(Object.keys(DEFAULT_RANKING.bm25f.b).map((f) => [f, 0.75])) as RankingOptions['bm25f']['b'],
      },
    },
  },
  { label: 'no exact-name bonus', ranking: { name: 0 } },
  { label: 'with pseudo-relevance feedback (RM3)', ranking: { feedback: { ...DEFAULT_RANKING.feedback, docs: 3 } } },
  { label: 'no term proximity', ranking: { proximity: { ...DEFAULT_RANKING.proximity, weight: 0 } } },
  { label: 'no centrality prior', ranking: { centrality: { ...DEFAULT_RANKING.centrality, weight: 0 } } },
  { label: 'no validated / kind priors', ranking: { validated: 0, kind: { function: 0, class: 0, method: 0, workflow: 0, pattern: 0 } } },
];

