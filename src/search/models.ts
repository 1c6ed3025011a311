/**
 * What each sentence-embedding model needs that its weights do not say: the prefix its queries and documents
 * were trained with, how its token vectors are pooled, and the cosine similarities that mean a medium and a
 * strong match for it (models differ widely: e5's similarities fall between about 0.7 and 1.0, MiniLM's spread
 * down to 0).
 *
 * One table, keyed by the model's name without its organisation, so "BAAI/bge-small-en-v1.5",
 * "Xenova/bge-small-en-v1.5" and a local folder ".../bge-small-en-v1.5" find the same entry. A model not in the
 * table is embedded as MiniLM is: no prefixes, mean pooling, MiniLM's thresholds. The README's search section
 * gives the code-retrieval figures behind the default.
 *
 * An index records only the model id, so changing an existing entry's prefixes or pooling leaves indexes built
 * with the old vectors in place: such a change must come with a TEXT_VERSION bump (search/fields.ts).
 */
import { DEFAULT_COSINE_THRESHOLDS, type CosineThresholds } from './ranking/fusion.js';

export type Pooling = 'mean' | 'cls';

export interface ModelProfile {
  /** Put before a query (an agent's question or pasted code) before it is embedded. */
  queryPrefix: string;
  /** Put before a block's text before it is embedded. */
  documentPrefix: string;
  pooling: Pooling;
  /** Cosine similarities (query to block) that count as a medium and a strong semantic match. */
  cosineThresholds: CosineThresholds;
}

const PLAIN: ModelProfile = { queryPrefix: '', documentPrefix: '', pooling: 'mean', cosineThresholds: DEFAULT_COSINE_THRESHOLDS };

/**
 * Thresholds other than MiniLM's are set from where each model's query-to-passage similarities fall (its model
 * card, the spread its authors report), not from runs of this eval: only the hashing path could be measured on
 * the machine this was written on. Re-tune them with `npm run eval` before relying on them.
 */
const PROFILES: Record<string, ModelProfile> = {
  'all-minilm-l6-v2': PLAIN,
  'all-minilm-l12-v2': PLAIN,
  'bge-small-en-v1.5': {
    queryPrefix: 'Represent this sentence for searching relevant passages: ',
    documentPrefix: '',
    pooling: 'cls',
    cosineThresholds: { medium: 0.62, high: 0.76 },
  },
  'bge-base-en-v1.5': {
    queryPrefix: 'Represent this sentence for searching relevant passages: ',
    documentPrefix: '',
    pooling: 'cls',
    cosineThresholds: { medium: 0.62, high: 0.76 },
  },
  'gte-small': { queryPrefix: '', documentPrefix: '', pooling: 'mean', cosineThresholds: { medium: 0.8, high: 0.88 } },
  'gte-base': { queryPrefix: '', documentPrefix: '', pooling: 'mean', cosineThresholds: { medium: 0.8, high: 0.88 } },
  'multilingual-e5-small': { queryPrefix: 'query: ', documentPrefix: 'passage: ', pooling: 'mean', cosineThresholds: { medium: 0.8, high: 0.87 } },
  'e5-small-v2': { queryPrefix: 'query: ', documentPrefix: 'passage: ', pooling: 'mean', cosineThresholds: { medium: 0.8, high: 0.87 } },
  'snowflake-arctic-embed-xs': {
    queryPrefix: 'Represent this sentence for searching relevant passages: ',
    documentPrefix: '',
    pooling: 'cls',
    cosineThresholds: { medium: 0.35, high: 0.5 },
  },
  'snowflake-arctic-embed-s': {
    queryPrefix: 'Represent this sentence for searching relevant passages: ',
    documentPrefix: '',
    pooling: 'cls',
    cosineThresholds: { medium: 0.35, high: 0.5 },
  },
  'nomic-embed-text-v1.5': {
    queryPrefix: 'search_query: ',
    documentPrefix: 'search_document: ',
    pooling: 'mean',
    cosineThresholds: { medium: 0.5, high: 0.68 },
  },
  'jina-embeddings-v2-small-en': PLAIN,
  'jina-embeddings-v2-base-code': PLAIN,
};

/** The profile of a model id or local folder; the plain MiniLM-style profile for a model the table lacks. */
export function modelProfile(model: string): ModelProfile {
  const name = model.replace(/[\\/]+$/, '').split(/[\\/]/).pop()!.toLowerCase();
  return PROFILES[name] ?? PLAIN;
}
