/**
 * Pseudo-relevance feedback (RM3): the words the best first-pass hits share, that the query did not use, are
 * added as extra concepts at a lower weight, and the candidates are scored again. A question phrased in the words
 * of a task ("checkpoint a long sampling run to disk") meets the right block's vocabulary ("backend", "hdf5")
 * through the blocks that matched it first. The added words only rerank and bring in candidates; they never count
 * towards coverage, so confidence is still judged on the words the caller used.
 */
import type { FieldBag, FieldName } from '../fields.js';
import type { QueryConcept } from '../query.js';
import { idf, type CorpusStats } from '../terms.js';

export interface FeedbackOptions {
  /** First-pass hits the feedback words are read from (0 turns feedback off). */
  docs: number;
  /** Feedback words added at most. */
  terms: number;
  /** Share of the lexical score that comes from the feedback words (RM3's 1 - lambda). */
  weight: number;
  /** A word in more than this share of all blocks says nothing about any of them. */
  maxDf: number;
}

/** Fields a block's feedback words are read from: what the block says it does, not its example code. */
const FEEDBACK_FIELDS: readonly FieldName[] = ['name', 'summary', 'docstring', 'parameters', 'prose'];

interface Weighted {
  fields: FieldBag;
  score: number;
}

/**
 * The feedback concepts for a query from its first-pass hits (best first): each word weighted by the hits'
 * scores and its share of each hit's text (the relevance model), times its idf; the query's own words, numbers,
 * one-letter words and words too common to tell blocks apart left out.
 */
export function feedbackConcepts(
  hits: readonly Weighted[],
  queryTerms: readonly string[],
  corpus: CorpusStats,
  opts: FeedbackOptions,
): QueryConcept[] {
  if (opts.docs <= 0 || opts.terms <= 0 || corpus.docs === 0) return [];
  const top = hits.slice(0, opts.docs).filter((h) => h.score > 0);
  if (top.length === 0) return [];
  const own = new Set(queryTerms);
  const total = top.reduce((s, h) => s + h.score, 0);
  const weight = new Map<string, number>();
  for (const h of top) {
    const counts = new Map<string, number>();
    let len = 0;
    for (const f of FEEDBACK_FIELDS) {
      for (const t of h.fields[f] ?? []) {
        counts.set(t, (counts.get(t) ?? 0) + 1);
        len++;
      }
    }
    if (len === 0) continue;
    for (const [t, n] of counts) weight.set(t, (weight.get(t) ?? 0) + (h.score / total) * (n / len));
  }
  const out: { concept: QueryConcept; w: number }[] = [];
  for (const [term, w] of weight) {
    if (own.has(term) || term.length < 2 || /^[0-9]+$/.test(term)) continue;
    const df = corpus.df.get(term) ?? 0;
    if (df === 0 || df / corpus.docs > opts.maxDf) continue;
    const i = idf(df, corpus.docs);
    out.push({ concept: { term, idf: i, forms: [{ words: [term], weight: 1 }] }, w: w * i });
  }
  return out
    .sort((a, b) => b.w - a.w || a.concept.term.localeCompare(b.concept.term))
    .slice(0, opts.terms)
    .map((x) => x.concept);
}
