/**
 * The blend of lexical and vector evidence into one relevance: BM25F and calibrated cosine similarity at a set
 * share, plus a bonus when the query names the block. Scaled by coverage afterwards (see rank.ts).
 */
import { splitWords, tokenize } from '../tokens.js';

/**
 * Cosine similarities (query to block) that count as a medium and a strong semantic match for a neural model.
 * The defaults suit MiniLM-style sentence encoders; models with compressed cosine ranges need others.
 */
export interface CosineThresholds {
  medium: number;
  high: number;
}
export const DEFAULT_COSINE_THRESHOLDS: CosineThresholds = { medium: 0.45, high: 0.65 };

export function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

/** Cosine similarity of two vectors (0 when either is all zeros). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  let na = 0;
  let nb = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    s += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na > 0 && nb > 0 ? s / Math.sqrt(na * nb) : 0;
}

/**
 * Cosine mapped to [0, 1]: for a neural model 0.5 at the medium threshold and 1 at the high one; hashing
 * vectors of related texts rarely pass 0.6, and unrelated ones sit near 0.
 */
export function calibrateCosine(cos: number, neural: boolean, t: CosineThresholds): number {
  if (!neural) return clamp01((cos - 0.05) / 0.55);
  const lo = 2 * t.medium - t.high;
  return clamp01((cos - lo) / (t.high - lo));
}

/** How the query names a block: it spells its identifier ('exact'), uses every word of a multi-word name ('words'). */
export type NameMatch = 'exact' | 'words' | null;

/**
 * 'exact' when the query spells the block's identifier rather than merely using its words: the joined compound of
 * a multi-word name (`pressure_drop_pipe`, `pressureDropPipe`), or a one-word name asked for on its own.
 * "pressure drop in a pipe" uses every word of `pressure_drop_pipe` ('words') and still says nothing about
 * whether that block is meant.
 */
export function nameMatch(name: string, ftsTokens: ReadonlySet<string>, terms: ReadonlySet<string>): NameMatch {
  const words = splitWords(name);
  const stems = tokenize(name);
  const exact = words.length > 1 ? ftsTokens.has(words.join('')) : stems.length === 1 && terms.size <= 2 && terms.has(stems[0]!);
  if (exact) return 'exact';
  return stems.length > 1 && stems.every((s) => terms.has(s)) ? 'words' : null;
}

export interface FusionWeights {
  /** Share of vector similarity; the rest is BM25F. */
  vector: number;
  /** Added when the query spells the block's identifier. */
  name: number;
  /** Added when the query holds every word of the block's multi-word name. */
  nameWords: number;
}

/** Relevance before coverage scaling and priors. */
export function fuse(lexical: number, calibratedCosine: number, name: NameMatch, w: FusionWeights): number {
  return (1 - w.vector) * lexical + w.vector * calibratedCosine + (name === 'exact' ? w.name : name === 'words' ? w.nameWords : 0);
}

/**
 * The score scaled by the share of the query a block covers: (1 - factor + factor * coverage), so a block that
 * meets the query's rare words strongly but misses others ranks and reads below one that meets them all.
 */
export function coverageScale(coverage: number, factor: number): number {
  return 1 - factor + factor * coverage;
}
