import { DEFAULT_RANKING, type RankingOptions } from '../../src/search/ranking/options.js';

/**
 * Each idea of the ranking switched off on its own, to show what it contributes. Query expansion, BM25F field
 * weights, vector share, coverage scaling, name bonus and priors are search-time settings; stemming, stop
 * words and the context field are index-time and are not switched here (see eval/README.md for their effect).
 */
export const ABLATIONS: { label: string; ranking: Partial<RankingOptions> }[] = [
  { label: 'full (defaults)', ranking: {} },
  { label: 'no lexicon expansion', ranking: { expansion: { same: 0, related: 0 } } },
  { label: 'lexicon: synonyms only', ranking: { expansion: { same: 1, related: 0 } } },
  { label: 'lexicon: related only', ranking: { expansion: { same: 0, related: 1 } } },
  { label: 'no coverage scaling', ranking: { coverageFactor: 0 } },
  { label: 'no vector share', ranking: { vector: { ...DEFAULT_RANKING.vector, hashing: 0 } } },
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
  { label: 'no pseudo-relevance feedback', ranking: { feedback: { ...DEFAULT_RANKING.feedback, docs: 0 } } },
  { label: 'no centrality prior', ranking: { centrality: { ...DEFAULT_RANKING.centrality, weight: 0 } } },
  { label: 'no validated / kind priors', ranking: { validated: 0, kind: { function: 0, class: 0, method: 0, workflow: 0 } } },
];

