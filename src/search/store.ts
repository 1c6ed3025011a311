/**
 * The search index: one LanceDB table of blocks with a full-text index over code-aware tokens and a vector
 * column, kept in step with the library folders (the source of truth) by fingerprint.
 *
 * Search has two stages. Candidates come from BM25 over one weighted full-text column (one query of the query's
 * words, a smaller one of the related words the lexicon adds) and from vector search, under the same filter.
 * They are then ranked by BM25F over the separate fields of each block, per query concept (a word of the query,
 * met by itself or by a related word at less credit), normalised by the query's total idf so a score means the
 * same for a short and a long query; vector similarity, naming the block, a passed validation and the kind of
 * block add small amounts. Confidence is judged on how much of the query the top hit covers and by how far it
 * leads the next one: a query whose words occur nowhere, or that a block meets only in part, must not come back
 * 'high'.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as lancedb from '@lancedb/lancedb';
import { Bool, FixedSizeList, Field, Float32, Schema, Utf8 } from 'apache-arrow';
import { LRUCache } from 'lru-cache';
import type { Block, BlockKind } from '../domain/block.js';
import { SearchQuery, type SearchFilters, type SearchHit, type SearchResult } from '../domain/search.js';
import { CodedistillError, fromZod } from '../kernel/errors.js';
import type { Logger } from '../kernel/log.js';
import { expandTokens, type Expansion } from './lexicon.js';
import {
  blockEmbedText,
  blockSearchText,
  FIELD_NAMES,
  ftsQueryTokens,
  matchedFields,
  queryConcepts,
  queryTerms,
  scoreFields,
  splitWords,
  purposeTokens,
  TEXT_VERSION,
  tokenize,
  type Bm25fParams,
  type BlockContext,
  type BlockSearchText,
  type CorpusStats,
  type FieldName,
  type FieldTokens,
} from './text.js';
import type { SearchIndex, Embedder } from './types.js';
import type { LoadedLibrary } from '../domain/library.js';
import { ensureLanceComputeThreads } from '../config.js';

// LanceDB's compute pool deadlocks on small machines unless configured before first use (see config.ts).
ensureLanceComputeThreads();

/** Bump when the table layout changes: an index written by another version is then rebuilt. */
export const INDEX_SCHEMA_VERSION = 2;
export const TABLE_NAME = 'blocks';
export const META_FILE = 'codedistill-index.json';
/** Per-library term statistics (document frequencies, field lengths) that BM25F ranking needs. */
export const TERMS_FILE = 'codedistill-terms.json';

/**
 * How search ranks and judges candidates. The defaults were tuned on eval/queries.json (the dev set) and checked on
 * eval/queries-holdout.json, which was written before tuning and never tuned on; see eval/README.md.
 */
export interface RankingOptions {
  bm25f: Bm25fParams;
  /**
   * Multiplies the lexicon's weights for words of the same meaning and for related words (0 turns that kind of
   * query expansion off; both 0, no expansion at all).
   */
  expansion: { same: number; related: number };
  /**
   * Candidates found through related words only: a second full-text query over at most `words` of them (of the
   * given relations, strongest first) adds up to `candidates` blocks that share no word with the query. It is a
   * query of its own, not a boosted clause of the first: LanceDB 0.31's BooleanQuery doubled full-text time at
   * 100k blocks, and this way the query's own words pick their candidates undisturbed.
   */
  candidateExpansion: { relations: readonly Expansion['relation'][]; words: number; candidates: number };
  /**
   * How much the score depends on the share of the query a block covers: the score is multiplied by
   * (1 - coverageFactor + coverageFactor * coverage), so a block that meets the query's rare words strongly but
   * misses others ranks and reads below one that meets them all.
   */
  coverageFactor: number;
  /** Share of the score that comes from vector similarity; the rest is BM25F. */
  vector: { neural: number; hashing: number };
  /** Added when the query spells the block's identifier (pasted code, a quoted name). */
  name: number;
  /**
   * Added when every word of a multi-word name is in the query ("pressure drop in a pipe" for
   * pressure_drop_pipe): strong for ranking, but not proof the block is meant, so confidence ignores it.
   */
  nameWords: number;
  /** Added for a block whose examples ran and passed: between near-equals, prefer what is known to run. */
  validated: number;
  /** Added per kind, so that on a near tie the self-contained function or class comes before a method or script. */
  kind: Readonly<Record<BlockKind, number>>;
  confidence: {
    /** Coverage of the query (idf-weighted, related words at their weight) a top hit needs to be 'high'... */
    high: number;
    /** ...and the lead over the next hit, as a share of its score, it needs as well. */
    highMargin: number;
    /** Coverage for 'medium'; below it a hit is 'low'. */
    medium: number;
  };
}

export const DEFAULT_RANKING: RankingOptions = {
  bm25f: {
    weight: {
      name: 3,
      qualifiedName: 0.6,
      signature: 0.6,
      summary: 2,
      docstring: 1,
      parameters: 0.8,
      tags: 0.5,
      examples: 0.3,
      context: 0.5,
      purpose: 0.2,
    },
    b: {
      name: 0.3,
      qualifiedName: 0.3,
      signature: 0.3,
      summary: 0.5,
      docstring: 0.75,
      parameters: 0.6,
      tags: 0.3,
      examples: 0.5,
      context: 0.5,
      purpose: 0,
    },
    k1: 1.2,
  },
  expansion: { same: 1, related: 1 },
  candidateExpansion: { relations: ['same', 'related'], words: 32, candidates: 20 },
  coverageFactor: 1,
  vector: { neural: 0.5, hashing: 0.2 },
  name: 0.15,
  nameWords: 0.05,
  validated: 0.01,
  kind: { function: 0.01, class: 0.01, method: 0, workflow: 0 },
  confidence: { high: 0.7, highMargin: 0.1, medium: 0.35 },
};

const LEVEL: Record<SearchHit['confidence'], number> = { low: 0, medium: 1, high: 2 };

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
  /** Ranking and confidence settings, for evaluation; anything left out keeps its default. */
  ranking?: Partial<RankingOptions>;
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
  data_files: boolean;
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
const FILTER_COLUMNS = ['library', 'language', 'kind', 'licence', 'validated', 'gpu', 'network', 'data_files'] as const;

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
    b('data_files'),
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
  if (f.dataFiles !== undefined) parts.push(`data_files = ${f.dataFiles ? 'true' : 'false'}`);
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

/**
 * What the rest of its library says about each block: a method gets its class's summary, a class the names and
 * summaries of its methods.
 */
export function libraryContexts(lib: Pick<LoadedLibrary, 'blocks'>): Map<string, BlockContext> {
  const byName = new Map(lib.blocks.map((b) => [b.qualifiedName, b]));
  const members = new Map<string, Block[]>();
  for (const b of lib.blocks) {
    if (b.kind !== 'method') continue;
    const owner = b.qualifiedName.slice(0, b.qualifiedName.lastIndexOf('.'));
    const list = members.get(owner) ?? [];
    list.push(b);
    members.set(owner, list);
  }
  const out = new Map<string, BlockContext>();
  for (const b of lib.blocks) {
    let context = '';
    if (b.kind === 'method') {
      const owner = byName.get(b.qualifiedName.slice(0, b.qualifiedName.lastIndexOf('.')));
      if (owner && owner.kind === 'class') context = owner.summary;
    } else if (b.kind === 'class') {
      context = (members.get(b.qualifiedName) ?? []).map((m) => `${m.name} ${m.summary}`).join(' \n ');
    }
    out.set(b.id, { context });
  }
  return out;
}

/** Term statistics of one library as indexed: summed over its blocks, so libraries add up. */
export interface LibraryTermStats {
  fingerprint: string;
  docs: number;
  /** Total tokens per field. */
  length: Partial<Record<FieldName, number>>;
  /** token -> number of blocks containing it in any field */
  df: Record<string, number>;
  /** Tokens of the library's description, the `purpose` field of each of its blocks. */
  purpose: string[];
}

interface TermsFile {
  textVersion: number;
  libraries: Record<string, LibraryTermStats>;
}

export function addToStats(stats: LibraryTermStats, bag: Partial<FieldTokens>): void {
  stats.docs++;
  const seen = new Set<string>();
  for (const f of FIELD_NAMES) {
    // The library's purpose is in every one of its blocks: counted, its words would look common and lose their
    // weight in every query that names the domain. Its length is accounted for per library (combineStats).
    const toks = bag[f];
    if (!toks || f === 'purpose') continue;
    stats.length[f] = (stats.length[f] ?? 0) + toks.length;
    for (const t of toks) seen.add(t);
  }
  for (const t of seen) stats.df[t] = (stats.df[t] ?? 0) + 1;
}

export function emptyStats(fingerprint: string, purpose: string[] = []): LibraryTermStats {
  return { fingerprint, docs: 0, length: {}, df: Object.create(null) as Record<string, number>, purpose };
}

/** Corpus statistics of the given libraries together. */
export function combineStats(parts: LibraryTermStats[]): CorpusStats {
  const df = new Map<string, number>();
  const length: Partial<Record<FieldName, number>> = {};
  let docs = 0;
  for (const p of parts) {
    docs += p.docs;
    for (const f of FIELD_NAMES) length[f] = (length[f] ?? 0) + (f === 'purpose' ? p.docs * (p.purpose?.length ?? 0) : (p.length[f] ?? 0));
    for (const t in p.df) df.set(t, (df.get(t) ?? 0) + p.df[t]!);
  }
  const avgLength = {} as Record<FieldName, number>;
  for (const f of FIELD_NAMES) avgLength[f] = docs ? (length[f] ?? 0) / docs : 0;
  return { docs, df, avgLength };
}

async function readTerms(dir: string): Promise<TermsFile | null> {
  try {
    const t = JSON.parse(await readFile(path.join(dir, TERMS_FILE), 'utf8')) as TermsFile;
    if (typeof t !== 'object' || t === null || t.textVersion !== TEXT_VERSION || typeof t.libraries !== 'object') return null;
    return t;
  } catch {
    return null;
  }
}

async function writeTerms(dir: string, terms: TermsFile): Promise<void> {
  const file = path.join(dir, TERMS_FILE);
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, JSON.stringify(terms), 'utf8');
  await rename(tmp, file);
}

function blockToRow(block: Block, vector: Float32Array, st: BlockSearchText): Row {
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
    data_files: block.compute.dataFiles,
    text: st.text,
    fields: encodeFields(st.bag),
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

/** Cosine similarity, computed from the vectors themselves (see vectorList for why not from _distance). */
function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
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
  vecRank?: number;
  cos?: number;
}

export async function openIndex(opts: OpenIndexOptions): Promise<SearchIndex> {
  await mkdir(opts.dir, { recursive: true });
  const db = await lancedb.connect(opts.dir);
  const index = new LanceSearchIndex(db, opts);
  await index.init();
  return index;
}

class LanceSearchIndex implements SearchIndex {
  private readonly embedder: Embedder;
  private readonly logger: Logger;
  private readonly annThreshold: number;
  private readonly annType: AnnType;
  private readonly candidates: number;
  private readonly cos: { medium: number; high: number };
  private readonly ranking: RankingOptions;
  private readonly queryCache = new LRUCache<string, Float32Array>({ max: 512 });
  private meta: IndexMeta | null = null;
  /** Term statistics per library, as on disk. */
  private terms: TermsFile = { textVersion: TEXT_VERSION, libraries: {} };
  /** The same, combined over the indexed libraries: what ranking reads. */
  private corpus: CorpusStats = combineStats([]);
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
    this.ranking = { ...DEFAULT_RANKING, ...opts.ranking };
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
      this.terms = (await this.loadTerms(this.table, Object.entries(meta.libraries), await readTerms(this.opts.dir))).terms;
      this.corpus = combineStats(Object.values(this.terms.libraries));
    }
  }

  /**
   * Term statistics for these libraries: from `known` where it has them at the right fingerprint, else counted
   * again from the table (a terms file lost, or left behind by an interrupted sync). A library's purpose comes
   * from `purposes` when the caller has its manifest; a process that only opened the index goes without it until
   * the next sync.
   */
  private async loadTerms(
    table: lancedb.Table,
    libraries: [string, string][],
    known: TermsFile | null,
    purposes: ReadonlyMap<string, string[]> = new Map(),
  ): Promise<{ terms: TermsFile; recounted: boolean }> {
    const terms: TermsFile = { textVersion: TEXT_VERSION, libraries: {} };
    let recounted = false;
    for (const [name, fingerprint] of libraries) {
      const have = known?.libraries[name];
      if (have && have.fingerprint === fingerprint && Array.isArray(have.purpose)) {
        terms.libraries[name] = have;
        continue;
      }
      this.logger.debug(`counting term statistics of ${name} from the index`);
      recounted = true;
      const stats = emptyStats(fingerprint, purposes.get(name) ?? []);
      const rows = (await table.query().where(`library = ${sqlString(name)}`).select(['fields']).toArray()) as { fields: string }[];
      for (const r of rows) addToStats(stats, decodeFields(String(r.fields)));
      terms.libraries[name] = stats;
    }
    return { terms, recounted };
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

    const fresh: Record<string, LibraryTermStats> = {};
    for (const lib of toIndex) {
      const t1 = performance.now();
      if ((await table.countRows(`library = ${sqlString(lib.name)}`)) > 0) {
        await table.delete(`library = ${sqlString(lib.name)}`);
      }
      let added = 0;
      const contexts = libraryContexts(lib);
      const stats = emptyStats(lib.fingerprint, purposeTokens(lib.manifest.description));
      fresh[lib.name] = stats;
      for (let s = 0; s < lib.blocks.length; s += ADD_CHUNK) {
        const chunk = lib.blocks.slice(s, s + ADD_CHUNK);
        const rows: Row[] = [];
        for (let e = 0; e < chunk.length; e += EMBED_CHUNK) {
          const part = chunk.slice(e, e + EMBED_CHUNK);
          const vectors = await this.embedder.embed(part.map(blockEmbedText));
          part.forEach((b, i) => {
            const st = blockSearchText(b, contexts.get(b.id));
            addToStats(stats, st.bag);
            rows.push(blockToRow(b, vectors[i]!, st));
          });
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
    const reuse: TermsFile = { textVersion: TEXT_VERSION, libraries: { ...this.terms.libraries, ...fresh } };
    const purposes = new Map(libraries.map((l) => [l.name, purposeTokens(l.manifest.description)]));
    const { terms, recounted } = await this.loadTerms(table, Object.entries(meta.libraries), reuse, purposes);
    // Statistics carry the fingerprint they were counted at, so a crash between these two writes is repaired on
    // open (loadTerms counts again whatever does not match).
    if (changed || removed.length || recounted) await writeTerms(this.opts.dir, terms);
    if (changed || !this.meta || this.meta !== meta || removed.length) await writeMeta(this.opts.dir, meta);
    this.terms = terms;
    this.corpus = combineStats(Object.values(terms.libraries));

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
      throw fromZod('Invalid search', parsed.error, 'Pass a non-empty query of at most 2000 characters and a limit of 1-50.');
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
    const expansions = expandTokens(tokenize(q.query)).filter((e) => this.ranking.expansion[e.relation] > 0);
    const concepts = queryConcepts(terms, expansions, this.corpus, this.ranking.expansion);
    const related = candidateWords(expansions, ftsTokens, this.ranking.candidateExpansion);
    const where = buildWhere(q);
    const n = Math.max(this.candidates, q.limit);
    const qvec = await this.queryVector(q.query);

    const tLists = performance.now();
    const [ftsRows, relatedRows, vecRows] = await Promise.all([
      this.timed(this.fullText(table, ftsTokens, where, n)),
      this.fullText(table, related, where, this.ranking.candidateExpansion.candidates),
      this.timed(this.vectorList(table, qvec, where, n)),
    ]);
    const tRank = performance.now();

    const byId = new Map<string, Candidate>();
    for (const row of [...ftsRows.value, ...relatedRows]) {
      if (byId.has(String(row.id))) continue;
      const vec = toFloats(row.vector);
      byId.set(String(row.id), { row, cos: vec ? cosine(vec, qvec) : undefined });
    }
    vecRows.value.forEach((row, i) => {
      const id = String(row.id);
      const vec = toFloats(row.vector);
      const cos = vec ? cosine(vec, qvec) : 1 - Number(row._distance);
      const c = byId.get(id);
      if (c) {
        c.vecRank = i + 1;
        c.cos = cos;
      } else byId.set(id, { row, vecRank: i + 1, cos });
    });

    const R = this.ranking;
    const qset = new Set(ftsTokens);
    const termSet = new Set(terms);
    const matchTokens = [...ftsTokens, ...related];
    const wVec = this.embedder.neural ? R.vector.neural : R.vector.hashing;
    const ranked = [...byId.values()].map((c) => {
      const fields = decodeFields(String(c.row.fields ?? '{}'));
      const purpose = this.terms.libraries[String(c.row.library)]?.purpose;
      const exactName = namesExactly(String(c.row.name ?? ''), qset, termSet);
      const nameWords = !exactName && hasNameWords(String(c.row.name ?? ''), termSet);
      const lex = scoreFields(purpose ? { ...fields, purpose } : fields, concepts, this.corpus, R.bm25f);
      const cos = c.cos ?? 0;
      const cosCal = this.calibrateCosine(cos);
      const kind = c.row.kind as BlockKind;
      const validated = c.row.validation === 'passed';
      // Neural similarity can stand in for missing words (that is its point); hashing similarity cannot.
      const coverage = this.embedder.neural ? Math.max(lex.coverage, cosCal) : lex.coverage;
      const relevance = (1 - wVec) * lex.score + wVec * cosCal + (exactName ? R.name : nameWords ? R.nameWords : 0);
      const score =
        relevance * (1 - R.coverageFactor + R.coverageFactor * coverage) + (validated ? R.validated : 0) + (R.kind[kind] ?? 0);
      return { c, fields, exactName, score, coverage };
    });
    ranked.sort((a, b) => b.score - a.score || String(a.c.row.id).localeCompare(String(b.c.row.id)));
    const top = ranked.slice(0, q.limit);
    if (top[0]) {
      const lead = top[0].score > 0 ? (top[0].score - (ranked[1]?.score ?? 0)) / top[0].score : 0;
      this.logger.debug(
        `search ${JSON.stringify(q.query.slice(0, 80))}: top ${String(top[0].c.row.id)} score ${top[0].score.toFixed(3)} ` +
          `coverage ${top[0].coverage.toFixed(3)} lead ${lead.toFixed(3)} (${byId.size} candidates, ${concepts.length} concepts, ` +
          `${expansions.length} related words; full text ${ftsRows.ms.toFixed(1)} ms, vectors ${vecRows.ms.toFixed(1)} ms, ` +
          `both ${(tRank - tLists).toFixed(1)} ms, ranking ${(performance.now() - tRank).toFixed(1)} ms)`,
      );
    }

    let ceiling: SearchHit['confidence'] = 'high';
    const hits = top.map(({ c, fields, exactName, score, coverage }, i) => {
      const next = ranked[i + 1]?.score ?? 0;
      const lead = score > 0 ? (score - next) / score : 0;
      let confidence = this.confidence(coverage, lead, exactName, terms.length);
      // No hit is more confident than the first: the first is the one an agent acts on.
      if (i === 0) ceiling = confidence;
      else if (LEVEL[confidence] > LEVEL[ceiling]) confidence = ceiling;
      const matched: string[] = matchedFields(fields, matchTokens);
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
        confidence,
        validation: c.row.validation as SearchHit['validation'],
        matched,
      };
      return hit;
    });
    return result(hits);
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
   * Judged on how much of the query the block covers (idf-weighted, a related word counting at its weight) and,
   * for 'high', on a clear lead over the next hit: two blocks that meet a query equally well mean the query did
   * not say enough to pick one. Raw BM25 values are not comparable across queries; these shares are. A query
   * that spells the block's identifier (pasted code) is taken at its word even with other words around it.
   */
  private confidence(coverage: number, lead: number, exactName: boolean, nTerms: number): SearchHit['confidence'] {
    if (nTerms === 0) return 'low';
    const c = this.ranking.confidence;
    if (coverage >= c.high && (lead >= c.highMargin || exactName)) return 'high';
    if (coverage >= c.medium || (exactName && coverage >= c.medium / 2)) return 'medium';
    return 'low';
  }

  private async fullText(table: lancedb.Table, tokens: string[], where: string | null, n: number): Promise<Record<string, unknown>[]> {
    if (tokens.length === 0 || n <= 0 || !this.hasFts) return [];
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
    // The vector comes back so that similarity is computed here: with an HNSW_SQ index LanceDB's _distance is
    // not 1 - cosine (measured: about 2 (1 - cosine), a squared L2 over quantised vectors), so it would read as
    // "unrelated" exactly for the strongest matches once a table passes the ANN threshold.
    let query = table.vectorSearch(v).distanceType('cosine').select([...HIT_COLUMNS, 'vector', '_distance']).limit(n);
    query = tuneVectorQuery(query, this.meta?.ann ?? null, n);
    if (where) query = query.where(where);
    return (await query.toArray()) as Record<string, unknown>[];
  }

  private async timed<T>(p: Promise<T>): Promise<{ value: T; ms: number }> {
    const t0 = performance.now();
    const value = await p;
    return { value, ms: performance.now() - t0 };
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
 * True when the query spells the block's identifier rather than merely using its words: the joined compound of a
 * multi-word name (`pressure_drop_pipe`, `pressureDropPipe`), or a one-word name asked for on its own. "pressure drop
 * in a pipe" uses every word of `pressure_drop_pipe` and still says nothing about whether that block is meant.
 */
function namesExactly(name: string, queryTokens: Set<string>, terms: Set<string>): boolean {
  const words = splitWords(name);
  if (words.length > 1) return queryTokens.has(words.join(''));
  const stems = tokenize(name);
  return stems.length === 1 && terms.size <= 2 && terms.has(stems[0]!);
}

/** True when every word of a multi-word name is among the query's words, in any order. */
function hasNameWords(name: string, terms: Set<string>): boolean {
  const stems = tokenize(name);
  return stems.length > 1 && stems.every((s) => terms.has(s));
}

/**
 * Related words for the candidate query: of the allowed relations, strongest first, not already in the query,
 * at most `opts.words`. Ranking still sees every expansion; this only decides what can become a candidate.
 */
function candidateWords(
  expansions: readonly Expansion[],
  own: readonly string[],
  opts: RankingOptions['candidateExpansion'],
): string[] {
  const mine = new Set(own);
  const out = new Set<string>();
  const sorted = expansions.filter((e) => opts.relations.includes(e.relation)).sort((a, b) => b.weight - a.weight);
  for (const e of sorted) {
    for (const w of e.words) {
      if (out.size >= opts.words) return [...out];
      if (!mine.has(w)) out.add(w);
    }
  }
  return [...out];
}
