import type { JobOptions } from '../domain/job.js';
import type { LoadedLibrary } from '../domain/library.js';
import type { SearchQuery, SearchResult } from '../domain/search.js';

export interface Embedder {
  /** Model id, or "hashing-<dim>" for the offline fallback; recorded in the index. */
  readonly id: string;
  readonly dim: number;
  /** False for the lexical fallback. */
  readonly neural: boolean;
  embed(texts: string[]): Promise<Float32Array[]>;
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
   */
  sync(libraries: LoadedLibrary[], opts?: JobOptions): Promise<SyncResult>;
  search(q: SearchQuery): Promise<SearchResult>;
  close(): Promise<void>;
}
