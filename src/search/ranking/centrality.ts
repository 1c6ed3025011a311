/**
 * What a block is to its repository's users, as a ranking prior: Block.rank (distill/centrality.ts) counts
 * whether the authors export and document it and how many of their own tests, docs, examples and notebooks use
 * it. Among blocks that match a query equally well, the one the repository itself shows users comes first, and
 * an internal helper or command-line glue that happens to share the words comes later.
 */

export interface CentralityPrior {
  /** How much the prior can move a score: a block at the top of its repository keeps (1 + weight / 2) of it, one at 0 (1 - weight / 2). */
  weight: number;
  /** The rank at which a block counts as half-way central (centralityScore: an exported, documented function used by one file is ~7.5). */
  half: number;
}

/** Rank mapped to [0, 1): rank / (rank + half), so a few more referencing files matter less the more there are. */
export function centralityShare(rank: number, half: number): number {
  return rank > 0 ? rank / (rank + half) : 0;
}

/** The factor a score is multiplied by: 1 at half-way central, in [1 - weight / 2, 1 + weight / 2). */
export function centralityFactor(rank: number, p: CentralityPrior): number {
  return 1 + p.weight * (centralityShare(rank, p.half) - 0.5);
}
