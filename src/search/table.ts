/**
 * The layout of the index on disk: the LanceDB table of blocks (its columns, a block as a row, a row as a hit),
 * the SQL of search filters, the meta file that says what the table holds, and the search-time settings of the
 * approximate vector index.
 */
import { readJsonFile, writeJsonFileAtomic } from '../kernel/json-file.js';
import path from 'node:path';
import type * as lancedb from '@lancedb/lancedb';
import { createRequire } from 'node:module';
import type * as Arrow from 'apache-arrow';
import type { Block } from '../domain/block.js';
import type { SearchFilters, SearchHit } from '../domain/search.js';
import { levelOf, ValidationLevel } from '../domain/validation.js';
import { encodeFields, type BlockSearchText } from './fields.js';

// LanceDB loads Arrow's CommonJS build; an `import` would load its ES build too, a second copy of Arrow that took
// 230 ms of a server's first search to load. This is the copy LanceDB itself uses.
const { Bool, FixedSizeList, Field, Float32, Schema, Utf8 } = createRequire(import.meta.url)('apache-arrow') as typeof Arrow;

/** Bump when the table layout changes: an index written by another version is then rebuilt. */
export const INDEX_SCHEMA_VERSION = 5;
export const TABLE_NAME = 'blocks';
export const META_FILE = 'codedistill-index.json';

export interface IndexMeta {
  schemaVersion: number;
  textVersion: number;
  embedder: { id: string; dim: number };
  /** library name -> fingerprint of its folder when it was indexed */
  libraries: Record<string, string>;
  /** The indexed libraries that are shipped demos (absent in an index written before demos were told apart). */
  demos?: string[];
  /** The approximate vector index, when the table is large enough to have one. */
  ann: AnnInfo | null;
  /**
   * Libraries with rows written since the full-text index last covered the table (absent: none). LanceDB's own
   * search of such rows misses most of them (0.31: rows holding a word the index already knows are not returned),
   * so retrieve.ts reads them itself (candidates.ts, tailRows) until maintenance folds them in. Absent in an index
   * written before it was kept: the next sync folds every row in (sync.ts).
   */
  unindexed?: string[];
  /**
   * The stamp of the library folders (Catalogue.stamp) that the last sync read them at. A server whose first search
   * finds the folders at the same stamp searches at once and checks the libraries afterwards (app.ts).
   */
  catalogue?: string;
  updatedAt: string;
}

export type AnnType = 'ivf_pq' | 'hnsw_sq';
export interface AnnInfo {
  type: AnnType;
  /** Rows when the index was trained. */
  rows: number;
  partitions: number;
}

/**
 * Search-time settings of the approximate index. HNSW partitions are each a small graph, so all of them are
 * probed; IVF_PQ probes a share of its partitions and re-ranks with exact distances to recover what PQ loses.
 * Measured on 100k hashing vectors: HNSW_SQ recall@10 0.98 at ~6 ms; IVF_PQ 0.88 at ~12 ms (see bench/).
 */
export function tuneVectorQuery(query: lancedb.VectorQuery, ann: AnnInfo | null, candidates: number): lancedb.VectorQuery {
  if (!ann) return query;
  if (ann.type === 'hnsw_sq') return query.nprobes(ann.partitions).ef(Math.max(100, candidates * 2));
  return query.nprobes(Math.min(ann.partitions, 100)).refineFactor(4);
}

export interface Row {
  id: string;
  library: string;
  language: string;
  kind: string;
  qualified_name: string;
  name: string;
  path: string;
  signature: string;
  summary: string;
  validation: string;
  /** The best record's validation level ('' when never run). */
  level: string;
  validated: boolean;
  licence: string;
  gpu: boolean;
  network: boolean;
  data_files: boolean;
  /** How central the block is in its repository (Block.rank): a ranking prior. */
  centrality: number;
  text: string;
  fields: string;
  row_hash: string;
  vector: Float32Array;
}

/** Columns read back for a hit (everything but the indexed text). */
export const HIT_COLUMNS = [
  'id',
  'library',
  'language',
  'kind',
  'qualified_name',
  'name',
  'path',
  'signature',
  'summary',
  'validation',
  'level',
  'centrality',
  'fields',
] as const;

/** Low-cardinality columns that search filters test. */
export const FILTER_COLUMNS = ['library', 'language', 'kind', 'licence', 'validated', 'level', 'gpu', 'network', 'data_files'] as const;

export function tableSchema(dim: number): Arrow.Schema {
  const s = (name: string) => new Field(name, new Utf8(), false);
  const b = (name: string) => new Field(name, new Bool(), false);
  return new Schema([
    s('id'),
    s('library'),
    s('language'),
    s('kind'),
    s('qualified_name'),
    s('name'),
    s('path'),
    s('signature'),
    s('summary'),
    s('validation'),
    s('level'),
    b('validated'),
    s('licence'),
    b('gpu'),
    b('network'),
    b('data_files'),
    new Field('centrality', new Float32(), false),
    s('text'),
    // Per-field token lists as JSON, so a hit can say which fields matched without re-reading the library.
    s('fields'),
    // What the row was made from (rowHash): a re-distill re-embeds only the blocks whose hash changed.
    s('row_hash'),
    new Field('vector', new FixedSizeList(dim, new Field('item', new Float32(), true)), false),
  ]);
}

/** SQL string literal: quotes doubled, so filter values can never end the string. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** The SQL predicate for the search filters, or null when there are none. */
export function buildWhere(f: SearchFilters, excludeLibraries: readonly string[] = []): string | null {
  const parts: string[] = [];
  if (f.library !== undefined) parts.push(`library = ${sqlString(f.library)}`);
  else if (excludeLibraries.length) parts.push(`library NOT IN (${excludeLibraries.map(sqlString).join(', ')})`);
  if (f.language !== undefined) parts.push(`language = ${sqlString(f.language)}`);
  if (f.kind !== undefined) parts.push(`kind = ${sqlString(f.kind)}`);
  if (f.validatedOnly) parts.push('validated = true');
  if (f.checkedOnly) parts.push(`level = ${sqlString('checked')}`);
  if (f.licence !== undefined) parts.push(`licence = ${sqlString(f.licence)}`);
  if (f.gpu !== undefined) parts.push(`gpu = ${f.gpu ? 'true' : 'false'}`);
  if (f.network !== undefined) parts.push(`network = ${f.network ? 'true' : 'false'}`);
  if (f.dataFiles !== undefined) parts.push(`data_files = ${f.dataFiles ? 'true' : 'false'}`);
  return parts.length ? parts.join(' AND ') : null;
}

export function blockToRow(block: Block, vector: Float32Array, st: BlockSearchText, rowHash: string): Row {
  const status = block.validation?.status ?? 'not_run';
  return {
    id: block.id,
    library: block.library,
    language: block.language,
    kind: block.kind,
    qualified_name: block.qualifiedName,
    name: block.name,
    path: block.provenance.path,
    signature: block.signature,
    summary: block.summary,
    validation: status,
    level: levelOf(block.validation) ?? '',
    validated: status === 'passed',
    licence: block.licence,
    // Every column set, whatever the block: a row without one makes LanceDB infer a narrower schema and refuse
    // the append ("Append with different schema: missing=[data_files]", from blocks built without Block.parse).
    gpu: block.compute.gpu === true,
    network: block.compute.network === true,
    data_files: block.compute.dataFiles === true,
    centrality: Number.isFinite(block.rank) ? block.rank : 0,
    text: st.text,
    fields: encodeFields(st.bag),
    row_hash: rowHash,
    vector,
  };
}

export async function readMeta(dir: string): Promise<IndexMeta | null> {
  const m = (await readJsonFile(path.join(dir, META_FILE))) as IndexMeta | null;
  if (typeof m !== 'object' || m === null || typeof m.libraries !== 'object' || !m.embedder) return null;
  return m;
}

export async function writeMeta(dir: string, meta: IndexMeta): Promise<void> {
  await writeJsonFileAtomic(path.join(dir, META_FILE), meta, true);
}

export function toFloats(v: unknown): Float32Array | null {
  if (v instanceof Float32Array) return v;
  if (v && typeof (v as { toArray?: unknown }).toArray === 'function') {
    const arr = (v as { toArray(): ArrayLike<number> }).toArray();
    return arr instanceof Float32Array ? arr : Float32Array.from(arr);
  }
  if (Array.isArray(v)) return Float32Array.from(v as number[]);
  return null;
}

/** A row read back by a search as the hit it reports. */
export function rowToHit(
  row: Record<string, unknown>,
  score: number,
  confidence: SearchHit['confidence'],
  matched: string[],
  demo = false,
): SearchHit {
  return {
    id: String(row.id),
    qualifiedName: String(row.qualified_name),
    kind: row.kind as SearchHit['kind'],
    library: String(row.library),
    language: row.language as SearchHit['language'],
    path: String(row.path),
    signature: String(row.signature),
    summary: String(row.summary),
    score,
    confidence,
    validation: row.validation as SearchHit['validation'],
    level: ValidationLevel.safeParse(row.level).data ?? null,
    matched,
    ...(demo ? { demo } : {}),
  };
}
