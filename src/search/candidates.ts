/**
 * Candidates for a query, read from the blocks table: BM25 over the weighted full-text column and vector search,
 * under the same filter, merged by id with the similarity of each to the query. Ranking (ranking/rank.ts) then
 * scores and orders them without the table.
 */
import * as lancedb from '@lancedb/lancedb';
import type { BlockKind } from '../domain/block.js';
import type { Logger } from '../kernel/log.js';
import { decodeFields } from './fields.js';
import { cosine } from './ranking/fusion.js';
import type { Candidate } from './ranking/rank.js';
import { HIT_COLUMNS, sqlString, toFloats, tuneVectorQuery, type AnnInfo } from './table.js';

/** A candidate with the row it was read from, and its place in the vector list when it was on it. */
export interface RowCandidate extends Candidate {
  row: Record<string, unknown>;
  vecRank?: number;
}

function rowCandidate(row: Record<string, unknown>, cos: number | undefined): RowCandidate {
  return {
    id: String(row.id),
    library: String(row.library),
    name: String(row.name ?? ''),
    kind: row.kind as BlockKind,
    validated: row.validation === 'passed',
    centrality: Number(row.centrality ?? 0) || 0,
    fields: decodeFields(String(row.fields ?? '{}')),
    cosine: cos,
    row,
  };
}

/**
 * The best `n` rows for these tokens by BM25, or none when the table has no full-text index yet. A failing
 * full-text search leaves the vector list to answer alone.
 */
export async function fullTextRows(
  table: lancedb.Table,
  hasFts: boolean,
  logger: Logger,
  tokens: readonly string[],
  where: string | null,
  n: number,
  withVectors: boolean,
): Promise<Record<string, unknown>[]> {
  if (tokens.length === 0 || n <= 0 || !hasFts) return [];
  try {
    // A MatchQuery takes the tokens as data, so nothing in a pasted query can be read as query syntax.
    let query = table
      .query()
      .fullTextSearch(new lancedb.MatchQuery(tokens.join(' '), 'text'))
      .select(withVectors ? [...HIT_COLUMNS, 'vector', '_score'] : [...HIT_COLUMNS, '_score'])
      .limit(n);
    if (where) query = query.where(where);
    return (await query.toArray()) as Record<string, unknown>[];
  } catch (e) {
    logger.debug(`full-text search failed, using vectors only: ${(e as Error).message}`);
    return [];
  }
}

/**
 * The rows of the libraries the full-text index does not cover yet (IndexMeta.unindexed) that hold any of these
 * tokens as a word, at most `n`. LanceDB's own search of such rows misses most of them, so they are matched here by
 * a scan of those libraries' rows only; ranking scores them like any other candidate. The tokens come from
 * tokens.ts (lowercase words); anything else is left out rather than put in a pattern.
 */
export async function tailRows(
  table: lancedb.Table,
  libraries: readonly string[],
  tokens: readonly string[],
  where: string | null,
  n: number,
  withVectors: boolean,
): Promise<Record<string, unknown>[]> {
  const words = [...new Set(tokens.filter((t) => /^[a-z0-9_]+$/.test(t)))];
  if (libraries.length === 0 || words.length === 0 || n <= 0) return [];
  const own = `library IN (${libraries.map(sqlString).join(', ')}) AND regexp_like(text, ${sqlString(`(^| )(${words.join('|')})( |$)`)})`;
  const query = table
    .query()
    .where(where ? `(${where}) AND ${own}` : own)
    .select(withVectors ? [...HIT_COLUMNS, 'vector'] : [...HIT_COLUMNS])
    .limit(n);
  return (await query.toArray()) as Record<string, unknown>[];
}

/** The `n` rows nearest to the vector, through the approximate index when the table has one. */
export async function vectorRows(
  table: lancedb.Table,
  ann: AnnInfo | null,
  v: Float32Array,
  where: string | null,
  n: number,
): Promise<Record<string, unknown>[]> {
  // The vector comes back so that similarity is computed here: with an HNSW_SQ index LanceDB's _distance is
  // not 1 - cosine (measured: about 2 (1 - cosine), a squared L2 over quantised vectors), so it would read as
  // "unrelated" exactly for the strongest matches once a table passes the ANN threshold.
  let query = table.vectorSearch(v).distanceType('cosine').select([...HIT_COLUMNS, 'vector', '_distance']).limit(n);
  query = tuneVectorQuery(query, ann, n);
  if (where) query = query.where(where);
  return (await query.toArray()) as Record<string, unknown>[];
}

/**
 * Candidates by id: the full-text rows in their order, then the vector rows, which also record their rank in the
 * vector list. Similarity is computed from the vectors themselves (see vectorRows for why not from _distance).
 */
export function gatherCandidates(
  textRows: Record<string, unknown>[],
  vectorRows: Record<string, unknown>[],
  qvec: Float32Array | null,
): Map<string, RowCandidate> {
  const byId = new Map<string, RowCandidate>();
  for (const row of textRows) {
    if (byId.has(String(row.id))) continue;
    const vec = qvec ? toFloats(row.vector) : null;
    byId.set(String(row.id), rowCandidate(row, vec && qvec ? cosine(vec, qvec) : undefined));
  }
  vectorRows.forEach((row, i) => {
    const id = String(row.id);
    const vec = toFloats(row.vector);
    const cos = vec && qvec ? cosine(vec, qvec) : 1 - Number(row._distance);
    const c = byId.get(id);
    if (c) {
      c.vecRank = i + 1;
      c.cosine = cos;
    } else byId.set(id, { ...rowCandidate(row, cos), vecRank: i + 1 });
  });
  return byId;
}
