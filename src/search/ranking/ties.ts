/**
 * What decides between near-equals: small priors for a block known to run and for a self-contained kind, and a
 * total order so the same query always lists the same blocks in the same order.
 */
import type { BlockKind } from '../../domain/block.js';

export interface Priors {
  /** Added for a block whose examples ran and passed: between near-equals, prefer what is known to run. */
  validated: number;
  /** Added per kind, so that on a near tie the self-contained function or class comes before a method or script. */
  kind: Readonly<Record<BlockKind, number>>;
}

export function validatedPrior(validated: boolean, p: Priors): number {
  return validated ? p.validated : 0;
}

export function kindPrior(kind: BlockKind, p: Priors): number {
  return p.kind[kind] ?? 0;
}

/** Best score first; equal scores by id, so the order never depends on which list a candidate came from. */
export function byScoreThenId(a: { score: number; id: string }, b: { score: number; id: string }): number {
  return b.score - a.score || a.id.localeCompare(b.id);
}
