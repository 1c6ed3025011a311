/**
 * How much of the query a block covers: the share of the query's idf that the block meets at all, a related
 * word counting at its weight and a word found only in a weak field (an example's code, the library's
 * description) counting less. Confidence is judged on it; ranking scales scores by it.
 */
import { FIELD_NAMES, type FieldBag, type FieldName } from '../fields.js';
import type { QueryConcept } from '../query.js';
import type { CorpusStats } from '../terms.js';
import { conceptMean, type FieldEvidence } from './evidence.js';

/** How fully a query word found in a field counts as covered. */
const COVER_STRENGTH: Readonly<Record<FieldName, number>> = {
  name: 1,
  qualifiedName: 1,
  signature: 1,
  summary: 1,
  docstring: 1,
  parameters: 1,
  tags: 0.7,
  context: 0.7,
  prose: 0.7,
  examples: 0.5,
  purpose: 0.3,
};

/**
 * How well a term found in the block speaks for it: a word of the library's description or of an example's code
 * says less about what the block itself does than a word of its name or docstring. Fields switched off (weight 0)
 * do not count.
 */
function strength(ev: FieldEvidence, term: string, weight: Readonly<Record<FieldName, number>>): number {
  const row = ev.tf.get(term);
  if (!row) return 0;
  let best = 0;
  for (const f of FIELD_NAMES) if (row[f] && weight[f] > 0) best = Math.max(best, COVER_STRENGTH[f]);
  return best;
}

/**
 * Idf-weighted share of the query the block meets, in [0, 1]: each concept through its best form, a phrase
 * only as strongly as its weakest word.
 */
export function conceptCoverage(
  ev: FieldEvidence,
  concepts: readonly QueryConcept[],
  stats: CorpusStats,
  weight: Readonly<Record<FieldName, number>>,
): number {
  return conceptMean(concepts, stats, (w) => strength(ev, w, weight));
}

/** Neural similarity can stand in for missing words (that is its point); hashing similarity cannot. */
export function blendCoverage(lexical: number, calibratedCosine: number, neural: boolean): number {
  return neural ? Math.max(lexical, calibratedCosine) : lexical;
}

/** Share of the query's distinct content terms that occur anywhere in the block (0 when the query has none). */
export function termCoverage(terms: readonly string[], fields: FieldBag): number {
  if (terms.length === 0) return 0;
  const all = new Set<string>();
  for (const f of FIELD_NAMES) for (const t of fields[f] ?? []) all.add(t);
  let hit = 0;
  for (const t of terms) if (all.has(t)) hit++;
  return hit / terms.length;
}
