/**
 * What a block's fields say about each word of a query: the counts BM25F and coverage both read, and what a
 * form of a concept is worth standing in for it. Taken once per block and shared, so the two agree on what
 * matched.
 */
import { FIELD_NAMES, type FieldBag, type FieldName } from '../fields.js';
import type { ConceptForm, QueryConcept } from '../query.js';
import { idf, type CorpusStats } from '../terms.js';

export interface FieldEvidence {
  /** term -> per-field count, for the query's words (all forms of all concepts) only */
  tf: Map<string, Partial<Record<FieldName, number>>>;
  /** Tokens per field of the block. */
  len: Partial<Record<FieldName, number>>;
}

/** Per-field counts of the words the concepts can be met by. */
export function fieldEvidence(bag: FieldBag, concepts: readonly QueryConcept[]): FieldEvidence {
  const needed = new Set<string>();
  for (const c of concepts) for (const f of c.forms) for (const w of f.words) needed.add(w);
  const tf = new Map<string, Partial<Record<FieldName, number>>>();
  const len: Partial<Record<FieldName, number>> = {};
  for (const f of FIELD_NAMES) {
    const toks = bag[f];
    if (!toks) continue;
    len[f] = toks.length;
    for (const t of toks) {
      if (!needed.has(t)) continue;
      let row = tf.get(t);
      if (!row) tf.set(t, (row = {}));
      row[f] = (row[f] ?? 0) + 1;
    }
  }
  return { tf, len };
}

/** The query's total idf: what scores and coverage are divided by, so they mean the same for any query length. */
export function totalIdf(concepts: readonly QueryConcept[]): number {
  let total = 0;
  for (const c of concepts) total += c.idf;
  return total;
}

/**
 * What meeting `form` is worth towards its concept: the form's weight, reduced when the form is commoner in the
 * corpus than the concept (a phrase is as telling as its rarest word), never more than the word itself.
 */
export function formCredit(form: ConceptForm, concept: QueryConcept, stats: CorpusStats): number {
  let formIdf = 0;
  for (const w of form.words) formIdf = Math.max(formIdf, idf(stats.df.get(w) ?? 0, stats.docs));
  return form.weight * Math.min(1, formIdf / concept.idf);
}

/**
 * The idf-weighted mean, over the query's concepts, of how strongly a block meets each one: through its best
 * form, a form only as strong as its weakest word (`perWord`), credited at the form's weight. 0 without concepts.
 */
export function conceptMean(concepts: readonly QueryConcept[], stats: CorpusStats, perWord: (word: string) => number): number {
  const total = totalIdf(concepts);
  if (total === 0) return 0;
  let sum = 0;
  for (const c of concepts) {
    let best = 0;
    for (const form of c.forms) {
      let weakest = Infinity;
      for (const w of form.words) weakest = Math.min(weakest, perWord(w));
      if (!(weakest > 0)) continue;
      best = Math.max(best, formCredit(form, c, stats) * weakest);
    }
    sum += c.idf * best;
  }
  return sum / total;
}
