/**
 * The search index: one LanceDB table of blocks with a full-text index over code-aware tokens and a vector
 * column, kept in step with the library folders (the source of truth) by fingerprint.
 *
 * Search runs BM25 and vector search separately under the same filter and fuses them by reciprocal rank, then
 * scales each hit by how much of the query it actually covers, so scores and confidence mean something across
 * queries (a query whose words occur nowhere must not come back with a confident top hit).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as lancedb from '@lancedb/lancedb';
import { Bool, FixedSizeList, Field, Float32, Schema, Utf8 } from 'apache-arrow';
import { LRUCache } from 'lru-cache';
import type { Block } from '../domain/block.js';
import { SearchQuery, type SearchFilters, type SearchHit, type SearchResult } from '../domain/search.js';
import { CodedistillError } from '../errors.js';
import type { Logger } from '../log.js';
import {
  blockEmbedText,
  blockSearchText,
  FIELD_NAMES,
  ftsQueryTokens,
  matchedFields,
  queryTerms,
  splitWords,
  termCoverage,
  TEXT_VERSION,
  tokenize,
  type FieldTokens,
} from './text.js';
import type { BlockIndex, Embedder, LoadedLibrary } from './types.js';
import { ensureLanceComputeThreads } from '../config.js';

// LanceDB's compute pool deadlocks on small machines unless configured before first use (see config.ts).
ensureLanceComputeThreads();

/** Bump when the table layout changes: an index written by another version is then rebuilt. */
export const INDEX_SCHEMA_VERSION = 1;
export const TABLE_NAME = 'blocks';
export const META_FILE = 'codedistill-index.json';

/** Reciprocal-rank-fusion constant: the usual 60 keeps one list's top hit from drowning the other list. */
const RRF_K = 60;
const W_FTS = 1;
/** Hashing vectors repeat much of what BM25 already says, so they get less say than neural ones. */
const W_VEC_NEURAL = 1;
const W_VEC_HASHING = 0.5;
/** A query that names a block exactly (pasted code, an identifier) is a strong signal of its own. */
const W_NAME = 0.75;

const ADD_CHUNK = 4096;
const EMBED_CHUNK = 256;

export interface IndexMeta {
  schemaVersion: number;
  textVersion: number;
  embedder: { id: string; dim: number };
  /** library name -> fingerprint of its folder when it was indexed */
  libraries: Record<string, string>;
  /** The approximate vector index, when the table is large enough to have one. */
  ann: AnnInfo | null;
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

export interface OpenIndexOptions {
  dir: string;
  embedder: Embedder;
  logger: Logger;
  /**
   * Rows from which vector search uses an approximate index instead of a flat scan. Default 10 000: LanceDB's flat
   * scan of 384-dim vectors took 20-30 ms at 10k rows on 2 cores (p95 over 40 ms with BM25 alongside), while
   * HNSW_SQ answers in ~5 ms at 100k with recall@10 0.96-0.98.
   */
  annThreshold?: number;
  /** Which approximate index to build. Default hnsw_sq: faster to build and better recall than ivf_pq here. */
  annType?: AnnType;
  /** Candidates taken from each of the full-text and vector lists before fusion. Default 50. */
  candidates?: number;
  /**
   * Cosine similarities (query to block) that count as a medium and a strong semantic match for a neural
   * model. The defaults suit MiniLM-style sentence encoders; models with compressed cosine ranges need others.
   */
  cosineThresholds?: { medium: number; high: number };
}

interface Row {
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
  validated: boolean;
  licence: string;
  gpu: boolean;
  network: boolean;
  text: string;
  fields: string;
  vector: Float32Array;
}

/** Columns read back for a hit (everything but the indexed text). */
const HIT_COLUMNS = [
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
  'fields',
] as const;

/** Low-cardinality columns that search filters test. */
const FILTER_COLUMNS = ['library', 'language', 'kind', 'licence', 'validated', 'gpu', 'network'] as const;

function tableSchema(dim: number): Schema {
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
    b('validated'),
    s('licence'),
    b('gpu'),
    b('network'),
    s('text'),
    // Per-field token lists as JSON, so a hit can say which fields matched without re-reading the library.
    s('fields'),
    new Field('vector', new FixedSizeList(dim, new Field('item', new Float32(), true)), false),
  ]);
}

/** SQL string literal: quotes doubled, so filter values can never end the string. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** The SQL predicate for the search filters, or null when there are none. */
export function buildWhere(f: SearchFilters): string | null {
  const parts: string[] = [];
  if (f.library !== undefined) parts.push(`library = ${sqlString(f.library)}`);
  if (f.language !== undefined) parts.push(`language = ${sqlString(f.language)}`);
  if (f.kind !== undefined) parts.push(`kind = ${sqlString(f.kind)}`);
  if (f.validatedOnly) parts.push('validated = true');
  if (f.licence !== undefined) parts.push(`licence = ${sqlString(f.licence)}`);
  if (f.gpu !== undefined) parts.push(`gpu = ${f.gpu ? 'true' : 'false'}`);
  if (f.network !== undefined) parts.push(`network = ${f.network ? 'true' : 'false'}`);
  return parts.length ? parts.join(' AND ') : null;
}

function encodeFields(fields: FieldTokens): string {
  const o: Record<string, string> = {};
  for (const f of FIELD_NAMES) if (fields[f].length) o[f] = fields[f].join(' ');
  return JSON.stringify(o);
}

function decodeFields(json: string): Partial<FieldTokens> {
  try {
    const o = JSON.parse(json) as Record<string, string>;
    const out: Partial<FieldTokens> = {};
    for (const f of FIELD_NAMES) if (typeof o[f] === 'string') out[f] = o[f].split(' ');
    return out;
  } catch {
    return {};
  }
}

function blockToRow(block: Block, vector: Float32Array): Row {
  const st = blockSearchText(block);
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
    validated: status === 'passed',
    licence: block.licence,
    gpu: block.compute.gpu,
    network: block.compute.network,
    text: st.text,
    fields: encodeFields(st.fields),
    vector,
  };
}

async function readMeta(dir: string): Promise<IndexMeta | null> {
  try {
    const m = JSON.parse(await readFile(path.join(dir, META_FILE), 'utf8')) as IndexMeta;
    if (typeof m !== 'object' || m === null || typeof m.libraries !== 'object' || !m.embedder) return null;
    return m;
  } catch {
    return null;
  }
}

async function writeMeta(dir: string, meta: IndexMeta): Promise<void> {
  const file = path.join(dir, META_FILE);
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, JSON.stringify(meta, null, 2) + '\n', 'utf8');
  await rename(tmp, file);
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) s += a[i]! * b[i]!;
  return s;
}

function toFloats(v: unknown): Float32Array | null {
  if (v instanceof Float32Array) return v;
  if (v && typeof (v as { toArray?: unknown }).toArray === 'function') {
    const arr = (v as { toArray(): ArrayLike<number> }).toArray();
    return arr instanceof Float32Array ? arr : Float32Array.from(arr);
  }
  if (Array.isArray(v)) return Float32Array.from(v as number[]);
  return null;
}

interface Candidate {
  row: Record<string, unknown>;
  ftsRank?: number;
  vecRank?: number;
  cos?: number;
}

export async function openIndex(opts: OpenIndexOptions): Promise<BlockIndex> {
  await mkdir(opts.dir, { recursive: true });
  const db = await lancedb.connect(opts.dir);
  const index = new LanceBlockIndex(db, opts);
  await index.init();
  return index;
}

class LanceBlockIndex implements BlockIndex {
  private readonly embedder: Embedder;
  private readonly logger: Logger;
  private readonly annThreshold: number;
  private readonly annType: AnnType;
  private readonly candidates: number;
  private readonly cos: { medium: number; high: number };
  private readonly queryCache = new LRUCache<string, Float32Array>({ max: 512 });
  private meta: IndexMeta | null = null;
  private table: lancedb.Table | null = null;
  private rows = 0;
  private hasFts = false;
  private syncing: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly db: lancedb.Connection,
    private readonly opts: OpenIndexOptions,
  ) {
    this.embedder = opts.embedder;
    this.logger = opts.logger;
    this.annThreshold = opts.annThreshold ?? 10_000;
    this.annType = opts.annType ?? 'hnsw_sq';
    this.candidates = opts.candidates ?? 50;
    this.cos = opts.cosineThresholds ?? { medium: 0.45, high: 0.65 };
  }

  async init(): Promise<void> {
    const meta = await readMeta(this.opts.dir);
    const names = await this.db.tableNames();
    // A table written with another embedder or layout cannot be searched with this one; it stays invisible
    // until sync rebuilds it, rather than being dropped by a process that merely opened the index.
    if (meta && this.compatible(meta) && names.includes(TABLE_NAME)) {
      this.meta = meta;
      this.table = await this.db.openTable(TABLE_NAME);
      this.rows = await this.table.countRows();
      this.hasFts = (await this.table.listIndices()).some((i) => i.columns.includes('text') && i.indexType === 'FTS');
    }
  }

  private compatible(meta: IndexMeta): boolean {
    return (
      meta.schemaVersion === INDEX_SCHEMA_VERSION &&
      meta.textVersion === TEXT_VERSION &&
      meta.embedder.id === this.embedder.id &&
      meta.embedder.dim === this.embedder.dim
    );
  }

  sync(libraries: LoadedLibrary[]): Promise<{ indexed: string[]; removed: string[]; unchanged: string[] }> {
    // Two syncs interleaving their deletes and adds would duplicate rows; run them one after the other.
    const run = this.syncing.then(() => this.doSync(libraries));
    this.syncing = run.catch(() => {});
    return run;
  }

  private async doSync(libraries: LoadedLibrary[]): Promise<{ indexed: string[]; removed: string[]; unchanged: string[] }> {
    this.assertOpen();
    const t0 = performance.now();
    const seen = new Set<string>();
    for (const lib of libraries) {
      if (seen.has(lib.name)) {
        throw new CodedistillError(
          'invalid_input',
          `Library "${lib.name}" was given twice to the index.`,
          'Rename one of the library folders so every library name is unique.',
        );
      }
      seen.add(lib.name);
    }

    let meta = this.meta;
    let table = this.table;
    const names = await this.db.tableNames();
    if (!meta || !this.compatible(meta) || !names.includes(TABLE_NAME)) {
      if (meta && !this.compatible(meta)) {
        this.logger.info(`search index was built with ${meta.embedder.id}; re-embedding every library with ${this.embedder.id}`);
      }
      if (names.includes(TABLE_NAME)) await this.db.dropTable(TABLE_NAME);
      table = null;
      meta = {
        schemaVersion: INDEX_SCHEMA_VERSION,
        textVersion: TEXT_VERSION,
        embedder: { id: this.embedder.id, dim: this.embedder.dim },
        libraries: {},
        ann: null,
        updatedAt: new Date().toISOString(),
      };
    }
    const known = meta.libraries;
    const toIndex = libraries.filter((l) => known[l.name] !== l.fingerprint);
    const unchanged = libraries.filter((l) => known[l.name] === l.fingerprint).map((l) => l.name);
    const removed = Object.keys(known).filter((n) => !seen.has(n));

    if (!table) table = await this.db.createEmptyTable(TABLE_NAME, tableSchema(this.embedder.dim));
    let changed = false;

    // Rows of libraries that are no longer given, including any left behind by an interrupted sync that never
    // reached its meta write.
    const keep = libraries.map((l) => sqlString(l.name));
    const stray = keep.length ? `library NOT IN (${keep.join(', ')})` : 'true';
    if ((await table.countRows(stray)) > 0) {
      await table.delete(stray);
      changed = true;
    }

    for (const lib of toIndex) {
      const t1 = performance.now();
      if ((await table.countRows(`library = ${sqlString(lib.name)}`)) > 0) {
        await table.delete(`library = ${sqlString(lib.name)}`);
      }
      let added = 0;
      for (let s = 0; s < lib.blocks.length; s += ADD_CHUNK) {
        const chunk = lib.blocks.slice(s, s + ADD_CHUNK);
        const rows: Row[] = [];
        for (let e = 0; e < chunk.length; e += EMBED_CHUNK) {
          const part = chunk.slice(e, e + EMBED_CHUNK);
          const vectors = await this.embedder.embed(part.map(blockEmbedText));
          part.forEach((b, i) => rows.push(blockToRow(b, vectors[i]!)));
        }
        if (rows.length) await table.add(rows as unknown as Record<string, unknown>[]);
        added += rows.length;
      }
      changed = true;
      this.logger.info(`indexed ${lib.name}: ${added} blocks in ${Math.round(performance.now() - t1)} ms`);
    }

    const rowCount = await table.countRows();
    let hasFts = this.table === table ? this.hasFts : false;
    if (changed || (!hasFts && rowCount > 0)) {
      // Compaction merges the many small fragments written above; stale versions are kept a while for readers
      // in other processes that still hold an older snapshot.
      this.logger.debug(`optimizing the blocks table (${rowCount} rows)`);
      await table.optimize({ cleanupOlderThan: new Date(Date.now() - 10 * 60_000) });
      if (rowCount > 0) {
        this.logger.debug('building the full-text index');
        await table.createIndex('text', {
          config: lancedb.Index.fts({
            // The text is already tokenised, lowercased and stemmed by text.ts; LanceDB must keep it as is.
            baseTokenizer: 'whitespace',
            lowercase: false,
            stem: false,
            removeStopWords: false,
            asciiFolding: false,
            withPosition: false,
            maxTokenLength: 64,
          }),
          replace: true,
        });
        hasFts = true;
        // Bitmap indexes on the filter columns halve filtered search time at 100k rows (the prefilter no longer
        // scans the columns) and cost about 70 ms to build there.
        for (const column of FILTER_COLUMNS) {
          await table.createIndex(column, { config: lancedb.Index.bitmap(), replace: true });
        }
      }
      meta.ann = await this.maintainAnn(table, rowCount, meta.ann);
    }

    meta.libraries = Object.fromEntries(libraries.map((l) => [l.name, l.fingerprint]));
    meta.updatedAt = new Date().toISOString();
    if (changed || !this.meta || this.meta !== meta || removed.length) await writeMeta(this.opts.dir, meta);

    this.meta = meta;
    this.table = table;
    this.rows = rowCount;
    this.hasFts = hasFts;
    if (changed) {
      this.logger.info(
        `search index synced in ${Math.round(performance.now() - t0)} ms: ${rowCount} blocks ` +
          `(${toIndex.length} indexed, ${removed.length} removed, ${unchanged.length} unchanged)`,
      );
    }
    return { indexed: toIndex.map((l) => l.name), removed, unchanged };
  }

  /**
   * Flat search is exact and fast enough below the threshold; above it an approximate index keeps p95 low. The
   * index is retrained when the table has doubled or halved since training, otherwise optimize() (run by the
   * caller) folds new rows into it.
   */
  private async maintainAnn(table: lancedb.Table, rows: number, ann: IndexMeta['ann']): Promise<IndexMeta['ann']> {
    if (rows < this.annThreshold) {
      if (ann) {
        for (const i of await table.listIndices()) if (i.columns.includes('vector')) await table.dropIndex(i.name);
      }
      return null;
    }
    if (ann && ann.type === this.annType && ann.partitions && rows <= ann.rows * 2 && rows >= ann.rows / 2) return ann;
    const t0 = performance.now();
    this.logger.debug(`building the ${this.annType} vector index over ${rows} rows`);
    // HNSW: one graph per ~25k rows keeps training memory bounded and lets partitions build in parallel (4
    // partitions built 4x faster than one at 100k rows, same recall). IVF: the usual sqrt(rows) partitions.
    const partitions =
      this.annType === 'hnsw_sq' ? Math.max(1, Math.round(rows / 25_000)) : Math.max(16, Math.round(Math.sqrt(rows)));
    const config =
      this.annType === 'hnsw_sq'
        ? lancedb.Index.hnswSq({ distanceType: 'cosine', numPartitions: partitions })
        : lancedb.Index.ivfPq({
            distanceType: 'cosine',
            numPartitions: partitions,
            // 16 dims per sub-vector keeps the SIMD path; exact re-ranking (refineFactor) recovers precision.
            numSubVectors: this.embedder.dim % 16 === 0 ? this.embedder.dim / 16 : this.embedder.dim / 8,
            maxIterations: 20,
          });
    await table.createIndex('vector', { config, replace: true });
    this.logger.info(`built ${this.annType} vector index over ${rows} rows in ${Math.round(performance.now() - t0)} ms`);
    return { type: this.annType, rows, partitions };
  }

  async search(input: SearchQuery): Promise<SearchResult> {
    this.assertOpen();
    const t0 = performance.now();
    const parsed = SearchQuery.safeParse(input);
    if (!parsed.success) {
      const msg = parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
      throw new CodedistillError('invalid_input', `Invalid search: ${msg}.`, 'Pass a non-empty query of at most 2000 characters and a limit of 1-50.');
    }
    const q = parsed.data;
    const meta = this.meta;
    const known = meta ? Object.keys(meta.libraries).sort() : [];
    if (q.library !== undefined && !known.includes(q.library)) {
      throw new CodedistillError(
        'unknown_library',
        `No library named "${q.library}" is indexed.`,
        known.length ? `Indexed libraries: ${known.join(', ')}. Leave library out to search all of them.` : 'No library is indexed yet: distill a repository first.',
      );
    }
    const mode = this.embedder.neural ? 'hybrid' : 'lexical';
    const libraries = q.library !== undefined ? [q.library] : known;
    const result = (results: SearchHit[]): SearchResult => ({
      results,
      mode,
      embedder: this.embedder.id,
      libraries,
      tookMs: Math.round((performance.now() - t0) * 10) / 10,
    });
    const table = this.table;
    if (!table || this.rows === 0) return result([]);

    const ftsTokens = ftsQueryTokens(q.query);
    const terms = queryTerms(q.query);
    const where = buildWhere(q);
    const n = Math.max(this.candidates, q.limit);
    const qvec = await this.queryVector(q.query);

    const [ftsRows, vecRows] = await Promise.all([
      this.fullText(table, ftsTokens, where, n),
      this.vectorList(table, qvec, where, n),
    ]);

    const byId = new Map<string, Candidate>();
    ftsRows.forEach((row, i) => {
      const vec = toFloats(row.vector);
      byId.set(String(row.id), { row, ftsRank: i + 1, cos: vec ? dot(vec, qvec) : undefined });
    });
    vecRows.forEach((row, i) => {
      const id = String(row.id);
      const cos = 1 - Number(row._distance);
      const c = byId.get(id);
      if (c) {
        c.vecRank = i + 1;
        c.cos = cos;
      } else byId.set(id, { row, vecRank: i + 1, cos });
    });

    const qset = new Set(ftsTokens);
    const termSet = new Set(terms);
    const wVec = this.embedder.neural ? W_VEC_NEURAL : W_VEC_HASHING;
    const scored = [...byId.values()].map((c) => {
      const fields = decodeFields(String(c.row.fields ?? '{}'));
      const nameHit = namesQuery(String(c.row.name ?? ''), qset, termSet);
      return { c, fields, nameHit };
    });
    const anyName = scored.some((s) => s.nameHit);
    const maxRrf = (W_FTS + wVec + (anyName ? W_NAME : 0)) / (RRF_K + 1);

    const hits = scored.map(({ c, fields, nameHit }) => {
      let rrf = 0;
      if (c.ftsRank) rrf += W_FTS / (RRF_K + c.ftsRank);
      if (c.vecRank) rrf += wVec / (RRF_K + c.vecRank);
      if (nameHit) rrf += W_NAME / (RRF_K + 1);
      const coverage = termCoverage(terms, fields);
      const cos = c.cos ?? 0;
      const cosCal = this.calibrateCosine(cos);
      // Neural similarity can stand in for missing words (that is its point); hashing similarity cannot.
      const quality = this.embedder.neural ? Math.max(coverage, cosCal) : 0.75 * coverage + 0.25 * cosCal;
      const score = (rrf / maxRrf) * (0.5 + 0.5 * quality);
      const matched: string[] = matchedFields(fields, ftsTokens);
      if (c.vecRank) matched.push('vector');
      const hit: SearchHit = {
        id: String(c.row.id),
        qualifiedName: String(c.row.qualified_name),
        kind: c.row.kind as SearchHit['kind'],
        library: String(c.row.library),
        language: c.row.language as SearchHit['language'],
        path: String(c.row.path),
        signature: String(c.row.signature),
        summary: String(c.row.summary),
        score: Math.round(clamp01(score) * 10_000) / 10_000,
        confidence: this.confidence(coverage, cos, nameHit, terms.length),
        validation: c.row.validation as SearchHit['validation'],
        matched,
      };
      return hit;
    });
    hits.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
    return result(hits.slice(0, q.limit));
  }

  /**
   * Cosine mapped to [0, 1]: for a neural model 0.5 at the medium threshold and 1 at the high one; hashing
   * vectors of related texts rarely pass 0.6, and unrelated ones sit near 0.
   */
  private calibrateCosine(cos: number): number {
    if (!this.embedder.neural) return clamp01((cos - 0.05) / 0.55);
    const lo = 2 * this.cos.medium - this.cos.high;
    return clamp01((cos - lo) / (this.cos.high - lo));
  }

  /**
   * Calibrated against two facts rather than raw scores: how many of the query's words the block contains, and
   * (neural only) how close its meaning is. Raw BM25 and RRF values are not comparable across queries.
   */
  private confidence(coverage: number, cos: number, nameHit: boolean, nTerms: number): SearchHit['confidence'] {
    if (nTerms === 0) return this.embedder.neural && cos >= this.cos.high ? 'medium' : 'low';
    const neural = this.embedder.neural;
    if (coverage >= 0.75 || (neural && cos >= this.cos.high) || (nameHit && coverage >= 0.5)) return 'high';
    if (coverage >= 0.5 || nameHit || (neural && cos >= this.cos.medium)) return 'medium';
    return 'low';
  }

  private async fullText(table: lancedb.Table, tokens: string[], where: string | null, n: number): Promise<Record<string, unknown>[]> {
    if (tokens.length === 0 || !this.hasFts) return [];
    try {
      // A MatchQuery takes the tokens as data, so nothing in a pasted query can be read as query syntax.
      let query = table
        .query()
        .fullTextSearch(new lancedb.MatchQuery(tokens.join(' '), 'text'))
        .select([...HIT_COLUMNS, 'vector', '_score'])
        .limit(n);
      if (where) query = query.where(where);
      return (await query.toArray()) as Record<string, unknown>[];
    } catch (e) {
      this.logger.debug(`full-text search failed, using vectors only: ${(e as Error).message}`);
      return [];
    }
  }

  private async vectorList(table: lancedb.Table, v: Float32Array, where: string | null, n: number): Promise<Record<string, unknown>[]> {
    let query = table.vectorSearch(v).distanceType('cosine').select([...HIT_COLUMNS, '_distance']).limit(n);
    query = tuneVectorQuery(query, this.meta?.ann ?? null, n);
    if (where) query = query.where(where);
    return (await query.toArray()) as Record<string, unknown>[];
  }

  private async queryVector(query: string): Promise<Float32Array> {
    const key = query.trim();
    const hit = this.queryCache.get(key);
    if (hit) return hit;
    const [v] = await this.embedder.embed([key]);
    if (!v || v.length !== this.embedder.dim) throw new CodedistillError('internal', 'The embedder returned no vector for the query.', 'Restart the server; if it persists, set CODEDISTILL_MODEL=none.');
    this.queryCache.set(key, v);
    return v;
  }

  private assertOpen(): void {
    if (this.closed) throw new CodedistillError('internal', 'The search index is closed.', 'Open it again.');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.syncing;
    this.table?.close();
    this.db.close();
  }
}

/**
 * True when the query names this block: its identifier appears whole (as pasted code would), or every word of a
 * multi-word name is in the query, or a one- or two-word query is exactly a one-word name.
 */
function namesQuery(name: string, queryTokens: Set<string>, terms: Set<string>): boolean {
  const words = splitWords(name);
  if (words.length === 0) return false;
  if (words.length > 1 && queryTokens.has(words.join(''))) return true;
  const stems = tokenize(name);
  if (stems.length > 1) return stems.every((s) => terms.has(s));
  return stems.length === 1 && terms.size <= 2 && terms.has(stems[0]!);
}
