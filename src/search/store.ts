/**
 * The search index: one LanceDB table of blocks with a full-text index over code-aware tokens and a vector
 * column, kept in step with the library folders (the source of truth) by fingerprint.
 *
 * This file opens and closes the index and holds what it knows (IndexState): syncs run one at a time through
 * sync.ts, which returns the state they leave; searches read the state they start with through retrieve.ts
 * (candidates from the table, then ranking/).
 */
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { LRUCache } from 'lru-cache';
import type { LibraryEntry, LoadedLibrary } from '../domain/library.js';
import { SearchQuery, type SearchResult } from '../domain/search.js';
import { CodedistillError, errorMessage } from '../kernel/errors.js';
import type { Logger } from '../kernel/log.js';
import { ensureLanceComputeThreads } from '../config.js';
import type { Lexicon } from './lexicons.js';
import { DEFAULT_LEXICONS } from './query.js';
import { DEFAULT_COSINE_THRESHOLDS, type CosineThresholds } from './ranking/fusion.js';
import { rankingOptions, type RankingOptions } from './ranking/options.js';
import { DEFAULT_RERANK_WEIGHT } from './ranking/rerank.js';
import { retrieve, type RetrieveDeps } from './retrieve.js';
import { compatible, emptyState, loadCorpus, syncIndex, type IndexState, type SyncDeps } from './sync.js';
import { corpusStats } from './terms.js';
import { META_FILE, readMeta, TABLE_NAME, type AnnType } from './table.js';
import type { Embedder, Reranker, SearchIndex, SyncOptions, SyncResult } from './types.js';

export interface OpenIndexOptions {
  dir: string;
  /**
   * Memory LanceDB may keep for this index, in bytes: three quarters for its index cache, the rest for metadata.
   * Default: LanceDB's own (6 GB and 1 GB).
   */
  cacheBytes?: number;
  embedder: Embedder;
  logger: Logger;
  /**
   * Rows from which vector search uses an approximate index instead of a flat scan. Default 10 000: LanceDB's flat
   * scan of 384-dim vectors took 20-30 ms at 10k rows on 2 cores (p95 over 40 ms with BM25 alongside), while
   * HNSW_SQ answers in ~5 ms at 100k with recall@10 0.96-0.98.
   */
  annThreshold?: number;
  /**
   * Which approximate index to build. Default auto: hnsw_sq (faster to build, better recall) up to IVF_FROM_ROWS
   * rows, ivf_pq (a fraction of the memory) from there.
   */
  annType?: AnnType | 'auto';
  /** Candidates taken from each of the full-text and vector lists before fusion. Default 50. */
  candidates?: number;
  /**
   * Cosine similarities that count as a medium and a strong semantic match (see ranking/fusion.ts). Default: the
   * embedder's own (search/models.ts), else MiniLM's.
   */
  cosineThresholds?: CosineThresholds;
  /** Search the demo libraries even when others are indexed (default false: demos answer only when they are all there is). */
  showDemos?: boolean;
  /** Ranking and confidence settings, for evaluation; anything left out keeps its default. */
  ranking?: Partial<RankingOptions>;
  /** The query expansion sources available (ranking.expansion.sources picks among them). Default: the hand-written list. */
  lexicons?: readonly Lexicon[];
  /** A cross-encoder that reorders the best hits of every search; none by default. */
  reranker?: Reranker | null;
  /** How many of the best candidates it reorders. Default 20. */
  rerankTop?: number;
  /** Share of its relevance in a reranked score (ranking/rerank.ts). Default 0.5. */
  rerankWeight?: number;
}

/** The opener of libraries given whole. */
async function openLoaded(lib: LibraryEntry): Promise<LoadedLibrary> {
  if ('blocks' in lib && Array.isArray((lib as LoadedLibrary).blocks)) return lib as LoadedLibrary;
  throw new CodedistillError('internal', `Library "${lib.name}" was given to the index without its blocks.`, 'Pass an opener (SyncOptions.open).');
}

export async function openIndex(opts: OpenIndexOptions): Promise<SearchIndex> {
  // LanceDB's compute pool deadlocks on small machines unless configured before its first use (see config.ts).
  ensureLanceComputeThreads();
  await mkdir(opts.dir, { recursive: true });
  const session = opts.cacheBytes
    ? new lancedb.Session(BigInt(Math.floor(opts.cacheBytes * 0.75)), BigInt(Math.floor(opts.cacheBytes * 0.25)))
    : undefined;
  const db = await lancedb.connect(opts.dir, {}, session);
  const index = new LanceSearchIndex(db, opts);
  await index.init();
  return index;
}

class LanceSearchIndex implements SearchIndex {
  private readonly sync_: SyncDeps;
  private readonly retrieve_: RetrieveDeps;
  private state: IndexState = emptyState();
  private syncing: Promise<unknown> = Promise.resolve();
  private stamp = '';
  private reopening: Promise<void> | null = null;
  private closed = false;
  /** Searches callers made (the warm-up's own are not counted). */
  private searches = 0;

  constructor(
    private readonly db: lancedb.Connection,
    private readonly opts: OpenIndexOptions,
  ) {
    const { dir, embedder, logger } = opts;
    this.sync_ = { db, dir, embedder, logger, annThreshold: opts.annThreshold ?? 10_000, annType: opts.annType ?? 'auto' };
    this.retrieve_ = {
      embedder,
      logger,
      candidates: opts.candidates ?? 50,
      cosineThresholds: opts.cosineThresholds ?? embedder.cosineThresholds ?? DEFAULT_COSINE_THRESHOLDS,
      ranking: rankingOptions(opts.ranking),
      showDemos: opts.showDemos ?? false,
      lexicons: opts.lexicons ?? DEFAULT_LEXICONS,
      queryVectors: new LRUCache<string, Float32Array>({ max: 512 }),
      rerank: opts.reranker
        ? { reranker: opts.reranker, top: Math.max(1, opts.rerankTop ?? 20), weight: opts.rerankWeight ?? DEFAULT_RERANK_WEIGHT }
        : null,
    };
  }

  /**
   * Read what the index on disk holds now. Other processes sharing the home sync it too; each sync ends by
   * rewriting the meta file, so its stamp tells a reader when to look again.
   */
  async init(): Promise<void> {
    this.stamp = await this.metaStamp();
    const meta = await readMeta(this.opts.dir);
    const names = await this.db.tableNames();
    // A table written with another embedder or layout cannot be searched with this one; it stays invisible
    // until sync rebuilds it, rather than being dropped by a process that merely opened the index.
    if (meta && compatible(meta, this.opts.embedder) && names.includes(TABLE_NAME)) {
      const table = await this.db.openTable(TABLE_NAME);
      const rows = await table.countRows();
      const hasFts = (await table.listIndices()).some((i) => i.columns.includes('text') && i.indexType === 'FTS');
      const { sums } = await loadCorpus(this.opts.logger, this.opts.dir, table, meta.libraries);
      this.state = { meta, table, rows, hasFts, sums, corpus: corpusStats(sums) };
    } else {
      this.state = emptyState();
    }
  }

  private async metaStamp(): Promise<string> {
    const st = await stat(path.join(this.opts.dir, META_FILE)).catch(() => null);
    return st ? `${st.ino}:${st.size}:${st.mtimeMs}` : '-';
  }

  /** Reopen when another process synced since this one last looked (or `force`: a read failed). */
  private current(force = false): Promise<void> {
    if (!this.reopening) {
      this.reopening = (async () => {
        if (!force && (await this.metaStamp()) === this.stamp) return;
        this.opts.logger.debug('the search index changed on disk; reopening it');
        await this.init();
      })().finally(() => (this.reopening = null));
    }
    return this.reopening;
  }

  sync(libraries: LibraryEntry[], { open = openLoaded, ...opts }: SyncOptions = {}): Promise<SyncResult> {
    // Two syncs interleaving their deletes and adds would duplicate rows; run them one after the other (and, across
    // processes, under the caller's lock), each starting from what the index on disk holds.
    const run = this.syncing.then(async () => {
      this.assertOpen();
      await this.current();
      const { state, result } = await syncIndex(this.sync_, this.state, (s) => (this.state = s), libraries, open, opts);
      this.state = state;
      this.stamp = await this.metaStamp();
      return result;
    });
    this.syncing = run.catch(() => {});
    return run;
  }

  async synced(): Promise<{ catalogueStamp: string | null; libraries: ReadonlySet<string> } | null> {
    this.assertOpen();
    await this.current();
    const { meta, table } = this.state;
    if (!meta || !table) return null;
    return { catalogueStamp: meta.catalogue ?? null, libraries: new Set(Object.keys(meta.libraries)) };
  }

  async warm(): Promise<void> {
    this.assertOpen();
    await this.current();
    const { table, hasFts, corpus } = this.state;
    if (!table || !hasFts) return;
    // The first searches of a process read what every later one finds cached: the full-text index's document
    // lengths and posting pages, the columns' page metadata, and the ranking's code before the JIT has seen it
    // (measured at a million rows: the same query took 123, 84, then 8 ms). Two searches for words as common as a
    // query's (in 0.01-0.1% of the blocks) do that before the agent's first search: the first six such words met,
    // as the vocabulary of a large home is millions of words, not to be copied or sorted.
    const words: string[] = [];
    for (const [w, df] of corpus.df) {
      if (df >= corpus.docs / 10_000 && df <= corpus.docs / 1000 && /^[a-z]{4,}$/.test(w) && words.push(w) >= 6) break;
    }
    // A caller's search that came first does that itself: the warm-up then only competes with it.
    for (const some of [words.slice(0, 3), words.slice(3)]) {
      if (this.searches > 0) return;
      if (some.length) await this.retrieveOnce(SearchQuery.parse({ query: some.join(' '), limit: 10 })).catch(() => {});
    }
  }

  async search(input: SearchQuery): Promise<SearchResult> {
    this.searches++;
    return this.retrieveOnce(input);
  }

  /** A search, read again from the latest version once if the version it read was compacted away meanwhile. */
  private async retrieveOnce(input: SearchQuery): Promise<SearchResult> {
    this.assertOpen();
    await this.current();
    try {
      return await retrieve(this.retrieve_, this.state, input);
    } catch (e) {
      if (e instanceof CodedistillError) throw e;
      // Another process's sync may have compacted away files of the version this one read: read the latest, once.
      this.opts.logger.debug(`search failed (${errorMessage(e)}); reopening the index and trying again`);
      await this.current(true);
      try {
        return await retrieve(this.retrieve_, this.state, input);
      } catch (again) {
        if (again instanceof CodedistillError) throw again;
        throw new CodedistillError(
          'internal',
          `The search index could not be read: ${errorMessage(again).slice(0, 300)}`,
          `Call again; if it keeps failing, delete ${this.opts.dir} and it is rebuilt from the library files on the next search.`,
          { cause: again },
        );
      }
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new CodedistillError('internal', 'The search index is closed.', 'Open it again.');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.syncing;
    this.state.table?.close();
    this.db.close();
  }
}
