/**
 * The blend of a cross-encoder's judgement into the ranking: the top candidates, as ranked, get a score that is
 * part their own (BM25F, vectors, coverage, priors) and part the cross-encoder's relevance, and are ordered by it.
 * The lexical evidence stays in: a cross-encoder reads a truncated text and can miss the exact identifier a
 * pasted query names.
 */
import { clamp01 } from './fusion.js';
import { byScoreThenId } from './ties.js';

/** Share of the cross-encoder's relevance in a reranked candidate's score. */
export const DEFAULT_RERANK_WEIGHT = 0.5;

/**
 * `ranked` (best first) with its first `relevance.length` entries rescored as (1 - weight) * score + weight *
 * relevance and reordered. The rest keep their order below them, their scores capped at the lowest reranked
 * one: a candidate the cross-encoder did not read cannot overtake one it did.
 */
export function blendReranked<T extends { score: number; id: string }>(
  ranked: readonly T[],
  relevance: readonly number[],
  weight: number = DEFAULT_RERANK_WEIGHT,
): T[] {
  const w = clamp01(weight);
  const n = Math.min(relevance.length, ranked.length);
  const head = ranked.slice(0, n).map((r, i) => ({ ...r, score: (1 - w) * r.score + w * clamp01(relevance[i] ?? 0) }));
  head.sort(byScoreThenId);
  const floor = head.length ? head[head.length - 1]!.score : Infinity;
  const tail = ranked.slice(n).map((r) => (r.score > floor ? { ...r, score: floor } : r));
  return [...head, ...tail];
}
