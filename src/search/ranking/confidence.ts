/**
 * Confidence of a hit: judged on how much of the query it covers and how far it leads the next hit. Raw scores are
 * not comparable across queries; these shares are. A query whose words occur nowhere, or that a block meets only
 * in part, must not come back 'high'.
 */
import type { SearchHit } from '../../domain/search.js';
import { clamp01 } from './fusion.js';

export type Confidence = SearchHit['confidence'];

export interface ConfidenceThresholds {
  /** Coverage of the query (idf-weighted, related words at their weight) a top hit needs to be 'high'... */
  high: number;
  /** ...and the lead over the next hit, as a share of its score, it needs as well. */
  highMargin: number;
  /** Coverage for 'medium'; below it a hit is 'low'. */
  medium: number;
  /**
   * The score a hit needs for 'medium' or 'high' besides its coverage: a question nothing answers often shares
   * its common words with some block (coverage), but rarely meets any block strongly (score). 0 turns it off.
   */
  minScore: number;
}

const LEVEL: Record<Confidence, number> = { low: 0, medium: 1, high: 2 };

/** The lead of a score over the next one, as a share of it (0 for a score of 0). */
export function lead(score: number, next: number): number {
  return score > 0 ? (score - next) / score : 0;
}

/**
 * 'high' needs a clear lead over the next hit as well: two blocks that meet a query equally well mean the query
 * did not say enough to pick one. A query that spells the block's identifier (pasted code) is taken at its word
 * even with other words around it. A query with no content words is never more than 'low'.
 */
export function judge(
  coverage: number,
  leadShare: number,
  exactName: boolean,
  nTerms: number,
  c: ConfidenceThresholds,
  score = Infinity,
): Confidence {
  if (nTerms === 0) return 'low';
  if (score < c.minScore && !exactName) return 'low';
  if (coverage >= c.high && (leadShare >= c.highMargin || exactName)) return 'high';
  if (coverage >= c.medium || (exactName && coverage >= c.medium / 2)) return 'medium';
  return 'low';
}

export interface Judgeable {
  score: number;
  coverage: number;
  exactName: boolean;
}

/**
 * The first `limit` of `ranked` (best first) with their confidence and lead over the next (the one after the
 * last is read from `ranked` too). No hit is more confident than the first: the first is the one an agent acts on.
 */
export function judgeTop<T extends Judgeable>(
  ranked: readonly T[],
  limit: number,
  nTerms: number,
  c: ConfidenceThresholds,
): (T & { confidence: Confidence; lead: number })[] {
  let ceiling: Confidence = 'high';
  return ranked.slice(0, limit).map((r, i) => {
    const l = lead(r.score, ranked[i + 1]?.score ?? 0);
    let confidence = judge(r.coverage, l, r.exactName, nTerms, c, r.score);
    if (i === 0) ceiling = confidence;
    else if (LEVEL[confidence] > LEVEL[ceiling]) confidence = ceiling;
    return { ...r, confidence, lead: l };
  });
}

/** The score an agent reads: in [0, 1], four decimals. */
export function reportedScore(score: number): number {
  return Math.round(clamp01(score) * 10_000) / 10_000;
}
