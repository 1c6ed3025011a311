/**
 * Ranking of search candidates, with no index behind it: each candidate is scored by BM25F over its fields
 * (per query concept), blended with its vector similarity, given a bonus when the query names it, scaled by how
 * much of the query it covers, and nudged by small priors; then sorted, best first. retrieve.ts gathers the
 * candidates (full text, vectors, filters: candidates.ts) and calls this; the eval and unit tests can call it
 * on their own.
 */
import type { BlockKind } from '../../domain/block.js';
import type { FieldBag } from '../fields.js';
import type { Query, QueryConcept } from '../query.js';
import type { CorpusStats } from '../terms.js';
import { scoreFields } from './bm25f.js';
import { judgeTop, type Confidence } from './confidence.js';
import { blendCoverage } from './coverage.js';
import { calibrateCosine, coverageScale, fuse, nameMatch, type CosineThresholds } from './fusion.js';
import { vectorWeight, type RankingOptions } from './options.js';
import { centralityFactor } from './centrality.js';
import { proximityScore, queryPairs } from './proximity.js';
import { byScoreThenId, kindPrior, validatedPrior } from './ties.js';

/** What ranking needs to know of a block found by the full-text or the vector search. */
export interface Candidate {
  id: string;
  library: string;
  /** The block's own name (its identifier). */
  name: string;
  kind: BlockKind;
  /** Its examples ran and passed. */
  validated: boolean;
  /** How central it is in its repository (Block.rank: exported, documented, used by the repository's own tests, docs and examples). */
  centrality?: number;
  /** Its field tokens as indexed (the library's purpose is added from RankContext). */
  fields: FieldBag;
  /** Cosine similarity of its vector to the query's; unknown counts as 0. */
  cosine?: number;
}

export interface RankContext {
  query: Query;
  corpus: CorpusStats;
  /** Tokens of a library's description, when known: the `purpose` field of each of its blocks. */
  purpose: (library: string) => readonly string[] | undefined;
  /** Whether the vectors come from a neural model (similarity then counts for more, and can stand in for words). */
  neural: boolean;
  cosineThresholds: CosineThresholds;
  options: RankingOptions;
  /** Words of the first-pass hits the query did not use (feedback.ts): they rerank, and never count as coverage. */
  feedback?: readonly QueryConcept[];
}

export interface Scored<C extends Candidate = Candidate> {
  candidate: C;
  id: string;
  score: number;
  /** Share of the query the block covers (see coverage.ts), vector similarity included for a neural model. */
  coverage: number;
  /** The query spells the block's identifier. */
  exactName: boolean;
}

/** A scorer for the candidates of one query (what all of them share is worked out once). */
export function candidateScorer(ctx: RankContext): <C extends Candidate>(c: C) => Scored<C> {
  const R = ctx.options;
  const { query } = ctx;
  const ftsTokens = new Set(query.ftsTokens);
  const terms = new Set(query.terms);
  const feedback = ctx.feedback ?? [];
  const pairs = R.proximity.weight > 0 ? queryPairs(query.tokens, ctx.corpus) : [];
  const weights = { vector: vectorWeight(ctx.neural, R), name: R.name, nameWords: R.nameWords };
  return <C extends Candidate>(c: C): Scored<C> => {
    const purpose = ctx.purpose(c.library);
    const name = nameMatch(c.name, ftsTokens, terms);
    const bag = purpose ? { ...c.fields, purpose } : c.fields;
    const lex = scoreFields(bag, query.concepts, ctx.corpus, R.bm25f);
    const direct = pairs.length ? (1 - R.proximity.weight) * lex.score + R.proximity.weight * proximityScore(bag, pairs, R.proximity.window) : lex.score;
    const lexical = feedback.length ? (1 - R.feedback.weight) * direct + R.feedback.weight * scoreFields(bag, feedback, ctx.corpus, R.bm25f).score : direct;
    const cosCal = calibrateCosine(c.cosine ?? 0, ctx.neural, ctx.cosineThresholds);
    const coverage = blendCoverage(lex.coverage, cosCal, ctx.neural);
    const relevance = fuse(lexical, cosCal, name, weights);
    const score =
      relevance * coverageScale(coverage, R.coverageFactor) * centralityFactor(c.centrality ?? 0, R.centrality) +
      validatedPrior(c.validated, R) +
      kindPrior(c.kind, R);
    return { candidate: c, id: c.id, score, coverage, exactName: name === 'exact' };
  };
}

/** Every candidate scored, best first. */
export function rankCandidates<C extends Candidate>(candidates: Iterable<C>, ctx: RankContext): Scored<C>[] {
  const score = candidateScorer(ctx);
  const out: Scored<C>[] = [];
  for (const c of candidates) out.push(score(c));
  return out.sort(byScoreThenId);
}

export type Judged<C extends Candidate = Candidate> = Scored<C> & { confidence: Confidence; lead: number };

/** The best `limit` candidates, with confidence: what a search returns. */
export function rank<C extends Candidate>(candidates: Iterable<C>, ctx: RankContext, limit: number): { ranked: Scored<C>[]; top: Judged<C>[] } {
  const ranked = rankCandidates(candidates, ctx);
  return { ranked, top: judgeTop(ranked, limit, ctx.query.terms.length, ctx.options.confidence) };
}
