import type { JobOptions } from '../domain/job.js';
import type { LibraryEntry, LoadedLibrary } from '../domain/library.js';

/** A library's blocks, read when it has to be indexed. */
export type OpenLibrary = (lib: LibraryEntry) => Promise<LoadedLibrary>;

export interface SyncOptions extends JobOptions {
  open?: OpenLibrary;
  /** The stamp of the library folders these libraries were read at, kept in the index (IndexMeta.catalogue). */
  catalogueStamp?: string;
}
import type { SearchQuery, SearchResult } from '../domain/search.js';
import type { CosineThresholds } from './ranking/fusion.js';

/** What a text is to the embedder: models trained for retrieval prefix queries and documents differently. */
export type EmbedRole = 'query' | 'document';

export interface Embedder {
  /** Model id, or "hashing-<dim>" for the offline fallback; recorded in the index. */
  readonly id: string;
  readonly dim: number;
  /** False for the lexical fallback. */
  readonly neural: boolean;
  /** The cosine similarities that mean a medium and a strong match for this model, when it knows them. */
  readonly cosineThresholds?: CosineThresholds;
  /** Vectors for these texts, as documents (blocks) unless `role` says they are queries. */
  embed(texts: string[], role?: EmbedRole): Promise<Float32Array[]>;
}

/**
 * A cross-encoder that reads a query and a candidate together and says how well the candidate answers it: more
 * accurate than comparing two vectors, and too slow for more than the top few candidates.
 */
export interface Reranker {
  /** Model id or local folder. */
  readonly id: string;
  /** Relevance of each text to the query, each in [0, 1], in the order given. */
  score(query: string, texts: string[]): Promise<number[]>;
}


/** Library names by what a sync did with them. */
export interface SyncResult {
  indexed: string[];
  removed: string[];
  unchanged: string[];
}

export interface SearchIndex {
  /**
   * Make the index match these libraries: add new or changed ones, drop the ones gone. Reports progress as the
   * stage 'index' (blocks embedded of those to index) and stops with a `cancelled` error when the signal aborts.
   * Only the libraries to index are opened (with their blocks), through `opts.open`; without it, the libraries
   * given must be loaded ones.
   *
   * Callers in several processes sharing the index hold one lock around reading the libraries and this call: a
   * sync starts from what the index on disk holds, whoever wrote it.
   */
  sync(libraries: LibraryEntry[], opts?: SyncOptions): Promise<SyncResult>;
  search(q: SearchQuery): Promise<SearchResult>;
  /**
   * The folders' stamp the index was last synced at (SyncOptions.catalogueStamp) and the libraries it holds, as
   * the index on disk has them now; null when it holds nothing searchable.
   */
  synced(): Promise<{ catalogueStamp: string | null; libraries: ReadonlySet<string> } | null>;
  /** Do the reads a process's first searches make (the full-text index's pages, the columns' metadata), so that the caller's first search finds them done. Optional. */
  warm?(): Promise<void>;
  close(): Promise<void>;
}
