/**
 * BM25F over the separate fields of a block, per query concept: term frequencies are weighted and length-normalised
 * per field before one saturation, so a word in the name counts more than the same word deep in a docstring, and
 * many repeats of one word cannot outweigh meeting another. Normalised by the query's total idf, so a score means
 * the same for a short and a long query.
 */
import { FIELD_NAMES, type FieldBag, type FieldName } from '../fields.js';
import type { QueryConcept } from '../query.js';
import type { CorpusStats } from '../terms.js';
import { conceptCoverage } from './coverage.js';
import { conceptMean, fieldEvidence, totalIdf, type FieldEvidence } from './evidence.js';

export interface Bm25fParams {
  /** Per-field multiplier of term frequency: a word in the name says more than one in an example. */
  weight: Readonly<Record<FieldName, number>>;
  /** Per-field length normalisation (0: none, 1: full). */
  b: Readonly<Record<FieldName, number>>;
  /** Saturation: how fast repeated evidence for one word stops adding up. */
  k1: number;
}

export interface FieldScore {
  /**
   * Saturated BM25F evidence per concept, idf-weighted and divided by the total idf of the query: in [0, 1),
   * comparable across queries of any length.
   */
  score: number;
  /**
   * Share of the query (idf-weighted) the block meets at all, a related word counting its weight: what the
   * confidence of a hit is judged on (see coverage.ts).
   */
  coverage: number;
}

/** Saturated, field-weighted evidence for one term, in [0, 1). */
function saturation(ev: FieldEvidence, term: string, stats: CorpusStats, p: Bm25fParams): number {
  const row = ev.tf.get(term);
  if (!row) return 0;
  let x = 0;
  for (const f of FIELD_NAMES) {
    const n = row[f];
    if (!n) continue;
    const avg = stats.avgLength[f] || 1;
    x += (p.weight[f] * n) / (1 - p.b[f] + (p.b[f] * (ev.len[f] ?? 0)) / avg);
  }
  return x / (p.k1 + x);
}

/**
 * The BM25F score of a block's evidence. Each concept counts once, through its best form, so a query word and
 * its synonyms cannot add up to more than the word itself, and a related word stands in for a missing one at its
 * (lower) weight. A phrase is as weak as its weakest word.
 */
export function bm25fScore(ev: FieldEvidence, concepts: readonly QueryConcept[], stats: CorpusStats, p: Bm25fParams): number {
  return conceptMean(concepts, stats, (w) => saturation(ev, w, stats, p));
}

/** Score a block's fields against the query concepts: its BM25F score and how much of the query it covers. */
export function scoreFields(bag: FieldBag, concepts: readonly QueryConcept[], stats: CorpusStats, p: Bm25fParams): FieldScore {
  if (totalIdf(concepts) === 0) return { score: 0, coverage: 0 };
  const ev = fieldEvidence(bag, concepts);
  return { score: bm25fScore(ev, concepts, stats, p), coverage: conceptCoverage(ev, concepts, stats, p.weight) };
}
