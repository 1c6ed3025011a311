/**
 * The search index: one LanceDB table of blocks with a full-text index over code-aware tokens and a vector
 * column, kept in step with the library folders (the source of truth) by fingerprint.
 *
 * This file is the LanceDB side only: opening the index, syncing libraries into the table (rows, term
 * statistics, full-text and approximate vector indexes) and gathering candidates for a query. Candidates come
 * from BM25 over one weighted full-text column (one query of the query's words, a smaller one of the related
 * words the lexicon adds) and from vector search, under the same filter; ranking/ then scores, orders and judges
 * them without the index.
 */
import { mkdir } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import * as lancedb from '@lancedb/lancedb';
import { LRUCache } from 'lru-cache';
import type { BlockKind } from '../domain/block.js';
import type { JobOptions } from '../domain/job.js';
import type { LoadedLibrary } from '../domain/library.js';
import { SearchQuery, type SearchHit, type SearchResult } from '../domain/search.js';
import { CodedistillError, fromZod, throwIfAborted } from '../kernel/errors.js';
import type { Logger } from '../kernel/log.js';
import { ensureLanceComputeThreads } from '../config.js';
import { blockEmbedText, blockSearchText, decodeFields, libraryContexts, matchedFields, purposeTokens, TEXT_VERSION } from './fields.js';
import { parseQuery } from './query.js';
import { reportedScore } from './ranking/confidence.js';
import { cosine, DEFAULT_COSINE_THRESHOLDS, type CosineThresholds } from './ranking/fusion.js';
import { rankingOptions, type RankingOptions } from './ranking/options.js';
import { rank, type Candidate } from './ranking/rank.js';
import {
  addToStats,
  combineStats,
  emptyStats,
  readTerms,
  reusableStats,
  writeTerms,
  type CorpusStats,
  type LibraryTermStats,
  type TermsFile,
} from './terms.js';
import {
  blockToRow,
  buildWhere,
  FILTER_COLUMNS,
  HIT_COLUMNS,
  INDEX_SCHEMA_VERSION,
  readMeta,
  rowToHit,
  sqlString,
  TABLE_NAME,
  tableSchema,
  toFloats,
  tuneVectorQuery,
  writeMeta,
  type AnnType,
  type IndexMeta,
  type Row,
} from './table.js';
import type { Embedder, SearchIndex, SyncResult } from './types.js';

const ADD_CHUNK = 4096;
const EMBED_CHUNK = 256;

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
  /** Cosine similarities that count as a medium and a strong semantic match (see ranking/fusion.ts). */
  cosineThresholds?: CosineThresholds;
  /** Ranking and confidence settings, for evaluation; anything left out keeps its default. */
  ranking?: Partial<RankingOptions>;
}

/** A candidate with the row it was read from, and its place in the vector list when it was on it. */
interface RowCandidate extends Candidate {
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
    fields: decodeFields(String(row.fields ?? '{}')),
    cosine: cos,
    row,
  };
}

export async function openIndex(opts: OpenIndexOptions): Promise<SearchIndex> {
  // LanceDB's compute pool deadlocks on small machines unless configured before its first use (see config.ts).
  ensureLanceComputeThreads();
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
  private readonly cos: CosineThresholds;
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
    this.cos = opts.cosineThresholds ?? DEFAULT_COSINE_THRESHOLDS;
    this.ranking = rankingOptions(opts.ranking);
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
      const have = reusableStats(known, name, fingerprint);
      if (have) {
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

  sync(libraries: LoadedLibrary[], opts: JobOptions = {}): Promise<SyncResult> {
    // Two syncs interleaving their deletes and adds would duplicate rows; run them one after the other.
    const run = this.syncing.then(() => this.doSync(libraries, opts));
    this.syncing = run.catch(() => {});
    return run;
  }

  /**
   * A cancelled sync stops between chunks of blocks. What it wrote is repaired by the next sync: the meta file
   * still records the fingerprints of before, so every library it touched is indexed again.
   */
  private async doSync(libraries: LoadedLibrary[], { onProgress, signal }: JobOptions): Promise<SyncResult> {
    this.assertOpen();
    throwIfAborted(signal);
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
      if (names.includes(TABLE_NAME)) {
        await this.db.dropTable(TABLE_NAME);
        // Searches until this sync ends must not read the dropped table.
        this.table = null;
        this.rows = 0;
        this.hasFts = false;
      }
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
    const total = toIndex.reduce((n, l) => n + l.blocks.length, 0);
    let done = 0;
    if (toIndex.length) onProgress?.({ stage: 'index', done, total });
    for (const lib of toIndex) {
      throwIfAborted(signal);
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
          throwIfAborted(signal);
          const part = chunk.slice(e, e + EMBED_CHUNK);
          const vectors = await this.embedder.embed(part.map(blockEmbedText));
          part.forEach((b, i) => {
            const st = blockSearchText(b, contexts.get(b.id));
            addToStats(stats, st.bag);
            rows.push(blockToRow(b, vectors[i]!, st));
          });
          done += part.length;
          onProgress?.({ stage: 'index', done, total, message: lib.name });
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
            // The text is already tokenised, lowercased and stemmed by tokens.ts; LanceDB must keep it as is.
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

    const query = parseQuery(q.query, this.corpus, this.ranking);
    const where = buildWhere(q);
    const n = Math.max(this.candidates, q.limit);
    const qvec = await this.queryVector(q.query);

    const tLists = performance.now();
    const [ftsRows, relatedRows, vecRows] = await Promise.all([
      this.timed(this.fullText(table, query.ftsTokens, where, n)),
      this.fullText(table, query.relatedWords, where, this.ranking.candidateExpansion.candidates),
      this.timed(this.vectorList(table, qvec, where, n)),
    ]);
    const tRank = performance.now();

    const candidates = gatherCandidates([...ftsRows.value, ...relatedRows], vecRows.value, qvec);
    const { top } = rank(
      candidates.values(),
      {
        query,
        corpus: this.corpus,
        purpose: (library) => this.terms.libraries[library]?.purpose,
        neural: this.embedder.neural,
        cosineThresholds: this.cos,
        options: this.ranking,
      },
      q.limit,
    );
    if (top[0]) {
      this.logger.debug(
        `search ${JSON.stringify(q.query.slice(0, 80))}: top ${top[0].id} score ${top[0].score.toFixed(3)} ` +
          `coverage ${top[0].coverage.toFixed(3)} lead ${top[0].lead.toFixed(3)} (${candidates.size} candidates, ` +
          `${query.concepts.length} concepts, ${query.expansions.length} related words; full text ${ftsRows.ms.toFixed(1)} ms, ` +
          `vectors ${vecRows.ms.toFixed(1)} ms, both ${(tRank - tLists).toFixed(1)} ms, ranking ${(performance.now() - tRank).toFixed(1)} ms)`,
      );
    }

    const matchTokens = [...query.ftsTokens, ...query.relatedWords];
    return result(
      top.map(({ candidate: c, score, confidence }) => {
        const matched: string[] = matchedFields(c.fields, matchTokens);
        if (c.vecRank) matched.push('vector');
        return rowToHit(c.row, reportedScore(score), confidence, matched);
      }),
    );
  }

  private async fullText(table: lancedb.Table, tokens: readonly string[], where: string | null, n: number): Promise<Record<string, unknown>[]> {
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
 * Candidates by id: the full-text rows in their order, then the vector rows, which also record their rank in the
 * vector list. Similarity is computed from the vectors themselves (see vectorList for why not from _distance).
 */
function gatherCandidates(
  textRows: Record<string, unknown>[],
  vectorRows: Record<string, unknown>[],
  qvec: Float32Array,
): Map<string, RowCandidate> {
  const byId = new Map<string, RowCandidate>();
  for (const row of textRows) {
    if (byId.has(String(row.id))) continue;
    const vec = toFloats(row.vector);
    byId.set(String(row.id), rowCandidate(row, vec ? cosine(vec, qvec) : undefined));
  }
  vectorRows.forEach((row, i) => {
    const id = String(row.id);
    const vec = toFloats(row.vector);
    const cos = vec ? cosine(vec, qvec) : 1 - Number(row._distance);
    const c = byId.get(id);
    if (c) {
      c.vecRank = i + 1;
      c.cosine = cos;
    } else byId.set(id, { ...rowCandidate(row, cos), vecRank: i + 1 });
  });
  return byId;
}
