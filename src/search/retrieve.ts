/**
 * Answering a search from what the index holds: the input checked (the index is what knows which libraries are
 * indexed), the query read once, candidates gathered from the table (candidates.ts), ranked (ranking/rank.ts),
 * the best of them reordered by a cross-encoder when one is configured (ranking/rerank.ts), and the top ones
 * turned into hits.
 */
import { performance } from 'node:perf_hooks';
import type { LRUCache } from 'lru-cache';
import { SearchQuery, type SearchFilters, type SearchHit, type SearchResult } from '../domain/search.js';
import { CodedistillError, fromZod } from '../kernel/errors.js';
import type { Logger } from '../kernel/log.js';
import { fullTextRows, gatherCandidates, tailRows, vectorRows, type RowCandidate } from './candidates.js';
import { matchedFields } from './fields.js';
import type { Lexicon } from './lexicons.js';
import { parseQuery } from './query.js';
import { judgeTop, reportedScore } from './ranking/confidence.js';
import type { CosineThresholds } from './ranking/fusion.js';
import { vectorWeight, type RankingOptions } from './ranking/options.js';
import { feedbackConcepts } from './ranking/feedback.js';
import { rank, type Judged, type RankContext, type Scored } from './ranking/rank.js';
import { blendReranked } from './ranking/rerank.js';
import type { IndexState } from './sync.js';
import { buildWhere, rowToHit } from './table.js';
import type { Embedder, Reranker } from './types.js';

export interface RetrieveDeps {
  embedder: Embedder;
  logger: Logger;
  /** Candidates taken from each of the full-text and vector lists before fusion. */
  candidates: number;
  cosineThresholds: CosineThresholds;
  ranking: RankingOptions;
  /** Search the demo libraries even when the user has libraries of their own. */
  showDemos: boolean;
  /** The query expansion sources available; ranking.expansion.sources says which are used. */
  lexicons: readonly Lexicon[];
  /** Query vectors by trimmed query text: an agent repeats and refines queries. */
  queryVectors: LRUCache<string, Float32Array>;
  /** A cross-encoder that reorders the best `top` candidates, blended at `weight` (ranking/rerank.ts); null for none. */
  rerank: { reranker: Reranker; top: number; weight: number } | null;
}

/** The search input checked against the libraries the index holds. */
export function checkSearch(input: SearchQuery, known: readonly string[]): SearchQuery {
  const parsed = SearchQuery.safeParse(input);
  if (!parsed.success) {
    throw fromZod('Invalid search', parsed.error, 'Pass a non-empty query of at most 2000 characters and a limit of 1-50.');
  }
  const q = parsed.data;
  if (q.library !== undefined && !known.includes(q.library)) {
    throw new CodedistillError(
      'unknown_library',
      `No library named "${q.library}" is indexed.`,
      known.length ? `Indexed libraries: ${known.join(', ')}. Leave library out to search all of them.` : 'No library is indexed yet: distill a repository first.',
    );
  }
  return q;
}

export async function retrieve(deps: RetrieveDeps, state: IndexState, input: SearchQuery): Promise<SearchResult> {
  const { embedder, logger, ranking } = deps;
  const t0 = performance.now();
  const known = state.meta ? Object.keys(state.meta.libraries).sort() : [];
  const q = checkSearch(input, known);
  const mode = embedder.neural ? 'hybrid' : 'lexical';
  const demos = new Set(state.meta?.demos ?? []);
  // A demo library is made-up fixture code: it must not answer a question about the user's own repositories.
  const hidden = q.library !== undefined || deps.showDemos || known.every((l) => demos.has(l)) ? [] : known.filter((l) => demos.has(l));
  const libraries = q.library !== undefined ? [q.library] : known.filter((l) => !hidden.includes(l));
  const result = (results: SearchHit[]): SearchResult => ({
    results,
    mode,
    embedder: embedder.id,
    libraries,
    tookMs: Math.round((performance.now() - t0) * 10) / 10,
  });
  const { table, corpus, sums } = state;
  if (!table || state.rows === 0) return result([]);

  const query = parseQuery(q.query, corpus, ranking, deps.lexicons);
  const { where, list } = hiding(q, hidden);
  const n = Math.max(deps.candidates, q.limit);
  // Vectors that carry no weight (the hashing fallback's, at its default of 0) are not read at all: the vector list
  // and the vector column are LanceDB's largest random reads (measured at 200k blocks: +117 MB resident and most of
  // the first search), and the candidates they add cannot score.
  const withVectors = vectorWeight(embedder.neural, ranking) > 0;
  const qvec = withVectors ? await queryVector(deps, q.query) : null;

  const tLists = performance.now();
  // Rows written since the full-text index last covered the table: without a full-text index at all, the index is
  // being built and the vector list answers alone, as before.
  const tail = state.hasFts ? (state.meta?.unindexed ?? []).filter((l) => libraries.includes(l)) : [];
  const tailCap = n + ranking.candidateExpansion.candidates;
  const related = ranking.candidateExpansion.candidates;
  const [ftsRows, relatedRows, vecRows, newRows] = await Promise.all([
    timed(list((w, k) => fullTextRows(table, state.hasFts, logger, query.ftsTokens, w, k, withVectors), n)),
    list((w, k) => fullTextRows(table, state.hasFts, logger, query.relatedWords, w, k, withVectors), related),
    timed(qvec ? list((w, k) => vectorRows(table, state.meta?.ann ?? null, qvec, w, k), n) : Promise.resolve([])),
    // The tail is read by library, the visible ones only.
    tailRows(table, tail, [...query.ftsTokens, ...query.relatedWords], where, tailCap, withVectors),
  ]);
  const tRank = performance.now();

  const candidates = gatherCandidates([...ftsRows.value, ...relatedRows, ...newRows], vecRows.value, qvec);
  const ctx: RankContext = {
    query,
    corpus,
    purpose: (library) => sums.libraries[library]?.purpose,
    neural: embedder.neural,
    cosineThresholds: deps.cosineThresholds,
    options: ranking,
  };
  const first = rank(candidates.values(), ctx, q.limit);
  let scored = first;
  const feedback = feedbackConcepts(
    first.ranked.map((s) => ({ fields: s.candidate.fields, score: s.score })),
    query.terms,
    corpus,
    ranking.feedback,
  );
  if (feedback.length) {
    // The feedback words may bring in blocks that share none of the query's words: read them as candidates too.
    const words = feedback.map((c) => c.term);
    const [indexed, unindexed] = await Promise.all([
      list((w, k) => fullTextRows(table, state.hasFts, logger, words, w, k, withVectors), related),
      tailRows(table, tail, words, where, related, withVectors),
    ]);
    const more = [...indexed, ...unindexed];
    for (const [id, c] of gatherCandidates(more, [], qvec)) if (!candidates.has(id)) candidates.set(id, c);
    scored = rank(candidates.values(), { ...ctx, feedback }, q.limit);
  }
  const tRerank = performance.now();
  let top: Judged<RowCandidate>[] = scored.top;
  if (deps.rerank && scored.ranked.length > 1) {
    const reordered = await reranked(deps.rerank, logger, q.query, scored.ranked);
    if (reordered) top = judgeTop(reordered, q.limit, query.terms.length, ranking.confidence);
  }
  const rerankMs = performance.now() - tRerank;
  if (top[0]) {
    logger.debug(
      `search ${JSON.stringify(q.query.slice(0, 80))}: top ${top[0].id} score ${top[0].score.toFixed(3)} ` +
        `coverage ${top[0].coverage.toFixed(3)} lead ${top[0].lead.toFixed(3)} (${candidates.size} candidates, ` +
        `${query.concepts.length} concepts, ${query.expansions.length} related words; full text ${ftsRows.ms.toFixed(1)} ms, ` +
        `vectors ${vecRows.ms.toFixed(1)} ms, both ${(tRank - tLists).toFixed(1)} ms, ranking ${(tRerank - tRank).toFixed(1)} ms, ` +
        `reranking ${rerankMs.toFixed(1)} ms)`,
    );
  }

  const matchTokens = [...query.ftsTokens, ...query.relatedWords];
  return result(
    top.map(({ candidate: c, score, confidence }) => {
      const matched: string[] = matchedFields(c.fields, matchTokens);
      if (c.vecRank) matched.push('vector');
      return rowToHit(c.row, reportedScore(score), confidence, matched, demos.has(c.library));
    }),
  );
}

/** Rows more than a list needs that it asks for, so that the hidden libraries' rows can be dropped from it. */
const HIDDEN_SLACK = 8;

type Rows = Record<string, unknown>[];
/** A list of candidate rows: at most `n`, filtered by `where`. */
type Fetch = (where: string | null, n: number) => Promise<Rows>;

/**
 * How a search leaves out the hidden (demo) libraries. A `library NOT IN (...)` filter makes every query a filtered
 * one, and LanceDB then evaluates it over the whole table first: measured at 100k rows, a full-text query's median
 * went from 8 to 17 ms and its slowest from 16 to 113 ms. So each list asks for a few rows more than it needs, with no
 * filter, and drops the hidden ones; only when those crowded it (fewer than `n` left of a full list) is it asked
 * again with the filter. Either way the rows kept are exactly the filter's: the order of the others is the same.
 */
export function hiding(q: SearchFilters, hidden: readonly string[]): { where: string | null; list: (fetch: Fetch, n: number) => Promise<Rows> } {
  const filtered = buildWhere(q, hidden);
  if (hidden.length === 0) return { where: filtered, list: (fetch, n) => fetch(filtered, n) };
  const drop = new Set(hidden);
  const open = buildWhere(q);
  return {
    where: filtered,
    async list(fetch, n) {
      const rows = await fetch(open, n + HIDDEN_SLACK);
      const kept = rows.filter((x) => !drop.has(String(x.library)));
      if (kept.length >= n || rows.length < n + HIDDEN_SLACK) return kept.slice(0, n);
      return fetch(filtered, n);
    },
  };
}

/**
 * The ranked candidates with the best `top` reordered by the cross-encoder, or null when it fails (the search
 * then answers with the ranking it has). It reads a block's name, signature and summary: short texts keep a
 * cross-encoder over 20 pairs within a search's budget.
 */
async function reranked(
  rr: NonNullable<RetrieveDeps['rerank']>,
  logger: Logger,
  query: string,
  ranked: Scored<RowCandidate>[],
): Promise<Scored<RowCandidate>[] | null> {
  const head = ranked.slice(0, rr.top);
  const texts = head.map(({ candidate: { row } }) => `${String(row.qualified_name)}\n${String(row.signature)}\n${String(row.summary)}`);
  try {
    return blendReranked(ranked, await rr.reranker.score(query.trim(), texts), rr.weight);
  } catch (e) {
    logger.warn(`reranker ${rr.reranker.id} failed (${(e as Error).message.split('\n')[0]}); this search is not reranked`);
    return null;
  }
}

async function queryVector({ embedder, queryVectors }: RetrieveDeps, query: string): Promise<Float32Array> {
  const key = query.trim();
  const hit = queryVectors.get(key);
  if (hit) return hit;
  const [v] = await embedder.embed([key], 'query');
  if (!v || v.length !== embedder.dim) throw new CodedistillError('internal', 'The embedder returned no vector for the query.', 'Restart the server; if it persists, set CODEDISTILL_MODEL=none.');
  queryVectors.set(key, v);
  return v;
}

async function timed<T>(p: Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await p;
  return { value, ms: performance.now() - t0 };
}
