/**
 * Bringing the blocks table in step with the library folders (the source of truth), by fingerprint: rows of
 * libraries gone or changed are deleted, changed and new libraries embedded and added, then the table compacted,
 * its full-text, filter and approximate vector indexes rebuilt, and the meta and term statistics files written.
 *
 * It works on a snapshot of what the index holds and returns the next one; the index (store.ts) owns the state,
 * runs syncs one at a time and publishes what a sync returns.
 */
import { performance } from 'node:perf_hooks';
import * as lancedb from '@lancedb/lancedb';
import type { JobOptions } from '../domain/job.js';
import type { LibraryEntry, LoadedLibrary } from '../domain/library.js';
import { CodedistillError, throwIfAborted } from '../kernel/errors.js';
import type { Logger } from '../kernel/log.js';
import { blockEmbedText, blockSearchText, decodeFields, libraryContexts, purposeTokens, TEXT_VERSION } from './fields.js';
import {
  addToStats,
  combineStats,
  emptyStats,
  reusableStats,
  writeTerms,
  type CorpusStats,
  type LibraryTermStats,
  type TermsFile,
} from './terms.js';
import {
  blockToRow,
  FILTER_COLUMNS,
  INDEX_SCHEMA_VERSION,
  sqlString,
  TABLE_NAME,
  tableSchema,
  writeMeta,
  type AnnType,
  type IndexMeta,
  type Row,
} from './table.js';
import type { Embedder, OpenLibrary, SyncResult } from './types.js';

const ADD_CHUNK = 4096;
const EMBED_CHUNK = 256;

/**
 * What the index holds, as searches read it. A sync publishes a new one when it ends (and one without the table
 * when it drops it); the meta it was given it updates in place, as it always has.
 */
export interface IndexState {
  meta: IndexMeta | null;
  table: lancedb.Table | null;
  rows: number;
  hasFts: boolean;
  /** Term statistics per library, as on disk. */
  terms: TermsFile;
  /** The same, combined over the indexed libraries: what ranking reads. */
  corpus: CorpusStats;
}

export function emptyState(): IndexState {
  return { meta: null, table: null, rows: 0, hasFts: false, terms: { textVersion: TEXT_VERSION, libraries: {} }, corpus: combineStats([]) };
}

export interface SyncDeps {
  db: lancedb.Connection;
  /** The index folder, where the meta and terms files live. */
  dir: string;
  embedder: Embedder;
  logger: Logger;
  /** Rows from which vector search uses an approximate index (see OpenIndexOptions). */
  annThreshold: number;
  annType: AnnType;
}

/** Whether a table described by this meta can be searched with this embedder and this version of the code. */
export function compatible(meta: IndexMeta, embedder: Embedder): boolean {
  return (
    meta.schemaVersion === INDEX_SCHEMA_VERSION &&
    meta.textVersion === TEXT_VERSION &&
    meta.embedder.id === embedder.id &&
    meta.embedder.dim === embedder.dim
  );
}

/**
 * Term statistics for these libraries: from `known` where it has them at the right fingerprint, else counted
 * again from the table (a terms file lost, or left behind by an interrupted sync). A library's purpose comes
 * from `purposes` when the caller has its manifest; a process that only opened the index goes without it until
 * the next sync.
 */
export async function loadTerms(
  logger: Logger,
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
    logger.debug(`counting term statistics of ${name} from the index`);
    recounted = true;
    const stats = emptyStats(fingerprint, purposes.get(name) ?? []);
    const rows = (await table.query().where(`library = ${sqlString(name)}`).select(['fields']).toArray()) as { fields: string }[];
    for (const r of rows) addToStats(stats, decodeFields(String(r.fields)));
    terms.libraries[name] = stats;
  }
  return { terms, recounted };
}

/**
 * Make the table hold exactly these libraries. `publish` is called when the table of `before` is dropped, so
 * searches until this sync ends do not read it.
 *
 * A cancelled sync stops between chunks of blocks. What it wrote is repaired by the next sync: the meta file
 * still records the fingerprints of before, so every library it touched is indexed again.
 */
export async function syncIndex(
  deps: SyncDeps,
  before: IndexState,
  publish: (state: IndexState) => void,
  libraries: LibraryEntry[],
  open: OpenLibrary,
  { onProgress, signal }: JobOptions,
): Promise<{ state: IndexState; result: SyncResult }> {
  const { db, embedder, logger } = deps;
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

  let meta = before.meta;
  let table = before.table;
  const names = await db.tableNames();
  if (!meta || !compatible(meta, embedder) || !names.includes(TABLE_NAME)) {
    if (meta && !compatible(meta, embedder)) {
      logger.info(`search index was built with ${meta.embedder.id}; re-embedding every library with ${embedder.id}`);
    }
    if (names.includes(TABLE_NAME)) {
      await db.dropTable(TABLE_NAME);
      publish({ ...before, table: null, rows: 0, hasFts: false });
    }
    table = null;
    meta = {
      schemaVersion: INDEX_SCHEMA_VERSION,
      textVersion: TEXT_VERSION,
      embedder: { id: embedder.id, dim: embedder.dim },
      libraries: {},
      ann: null,
      updatedAt: new Date().toISOString(),
    };
  }
  const known = meta.libraries;
  const toIndex = libraries.filter((l) => known[l.name] !== l.fingerprint);
  const unchanged = libraries.filter((l) => known[l.name] === l.fingerprint).map((l) => l.name);
  const removed = Object.keys(known).filter((n) => !seen.has(n));

  if (!table) table = await db.createEmptyTable(TABLE_NAME, tableSchema(embedder.dim));
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
  const fingerprints = new Map(libraries.map((l) => [l.name, l.fingerprint]));
  // Libraries given whole count their blocks; entries, what their manifest says.
  const total = toIndex.reduce((n, l) => n + ((l as Partial<LoadedLibrary>).blocks?.length ?? l.manifest.counts?.blocks ?? 0), 0);
  let done = 0;
  if (toIndex.length) onProgress?.({ stage: 'index', done, total });
  for (const entry of toIndex) {
    throwIfAborted(signal);
    const lib = await open(entry);
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
        const vectors = await embedder.embed(part.map(blockEmbedText), 'document');
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
    // Blocks and fingerprint as opened: a library rewritten since its entry was read is indexed as it is now.
    fingerprints.set(lib.name, lib.fingerprint);
    logger.info(`indexed ${lib.name}: ${added} blocks in ${Math.round(performance.now() - t1)} ms`);
  }

  const rowCount = await table.countRows();
  const indices = await table.listIndices();
  const fts = indices.find((i) => i.columns.includes('text') && i.indexType === 'FTS');
  let hasFts = !!fts;
  const due = changed && (annStale(deps, rowCount, meta.ann) || (await maintenanceDue(table, rowCount, fts?.name ?? null)));
  if (due || (!hasFts && rowCount > 0)) {
    // Compaction merges the small fragments syncs wrote and folds their rows into the full-text, filter and vector
    // indexes (deleted rows drop out). It rewrites the table, so it runs only when enough has piled up
    // (maintenanceDue); until then searches read the new rows unindexed, which costs little. Stale versions are kept
    // a while for readers in other processes that still hold an older snapshot.
    const t2 = performance.now();
    logger.debug(`optimizing the blocks table (${rowCount} rows)`);
    await table.optimize({ cleanupOlderThan: new Date(Date.now() - 10 * 60_000) });
    logger.debug(`optimized the blocks table in ${Math.round(performance.now() - t2)} ms`);
    if (rowCount > 0 && !hasFts) {
      logger.debug('building the full-text index');
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
    }
    if (rowCount > 0) {
      // Bitmap indexes on the filter columns halve filtered search time at 100k rows (the prefilter no longer
      // scans the columns) and cost about 70 ms to build there.
      for (const column of FILTER_COLUMNS) {
        if (!indices.some((i) => i.columns.includes(column))) await table.createIndex(column, { config: lancedb.Index.bitmap(), replace: true });
      }
    }
    meta.ann = await maintainAnn(deps, table, rowCount, meta.ann);
  }

  meta.libraries = Object.fromEntries(fingerprints);
  const demos = libraries.filter((l) => l.demo).map((l) => l.name);
  const demosChanged = (meta.demos ?? []).join('\n') !== demos.join('\n');
  meta.demos = demos;
  meta.updatedAt = new Date().toISOString();
  const reuse: TermsFile = { textVersion: TEXT_VERSION, libraries: { ...before.terms.libraries, ...fresh } };
  const purposes = new Map(libraries.map((l) => [l.name, purposeTokens(l.manifest.description)]));
  const { terms, recounted } = await loadTerms(logger, table, Object.entries(meta.libraries), reuse, purposes);
  // Statistics carry the fingerprint they were counted at, so a crash between these two writes is repaired on
  // open (loadTerms counts again whatever does not match).
  if (changed || removed.length || recounted) await writeTerms(deps.dir, terms);
  if (changed || !before.meta || before.meta !== meta || removed.length || demosChanged) await writeMeta(deps.dir, meta);

  if (changed) {
    logger.info(
      `search index synced in ${Math.round(performance.now() - t0)} ms: ${rowCount} blocks ` +
        `(${toIndex.length} indexed, ${removed.length} removed, ${unchanged.length} unchanged)`,
    );
  }
  return {
    state: { meta, table, rows: rowCount, hasFts, terms, corpus: combineStats(Object.values(terms.libraries)) },
    result: { indexed: toIndex.map((l) => l.name), removed, unchanged },
  };
}

/**
 * Rows the indexes have not seen, at most, before a sync compacts and re-indexes: a tenth of the table, at least
 * MIN_UNINDEXED_ROWS (small tables are searched flat quickly anyway) and at most MAX_UNINDEXED_ROWS (what a search
 * reads unindexed stays bounded at any size).
 */
const MIN_UNINDEXED_ROWS = 1000;
const MAX_UNINDEXED_ROWS = 20_000;
const MAX_UNINDEXED_SHARE = 0.1;
/** Fragments (one per sync that added rows) before compaction is due whatever their size. */
const MAX_SMALL_FRAGMENTS = 64;

/**
 * Whether compaction and index maintenance are due: without a full-text index, or once the rows added since the
 * last one pass the bound above, or the fragments pile up. A small library
 * synced into a large index so costs its own rows, not the table's (a compaction at 100k real rows took minutes).
 */
async function maintenanceDue(table: lancedb.Table, rows: number, ftsName: string | null): Promise<boolean> {
  if (!ftsName) return true;
  const unindexed = (await table.indexStats(ftsName))?.numUnindexedRows ?? rows;
  if (unindexed > Math.min(MAX_UNINDEXED_ROWS, Math.max(MIN_UNINDEXED_ROWS, rows * MAX_UNINDEXED_SHARE))) return true;
  return (await table.stats()).fragmentStats.numSmallFragments > MAX_SMALL_FRAGMENTS;
}

/** Whether the approximate vector index must be built, dropped or retrained for this many rows (see maintainAnn). */
function annStale({ annThreshold, annType }: SyncDeps, rows: number, ann: IndexMeta['ann']): boolean {
  if (rows < annThreshold) return ann !== null;
  return !(ann && ann.type === annType && ann.partitions && rows <= ann.rows * 2 && rows >= ann.rows / 2);
}

/**
 * Flat search is exact and fast enough below the threshold; above it an approximate index keeps p95 low. The
 * index is retrained when the table has doubled or halved since training, otherwise optimize() (run by the
 * caller) folds new rows into it.
 */
async function maintainAnn(
  { annThreshold, annType, embedder, logger }: SyncDeps,
  table: lancedb.Table,
  rows: number,
  ann: IndexMeta['ann'],
): Promise<IndexMeta['ann']> {
  if (rows < annThreshold) {
    if (ann) {
      for (const i of await table.listIndices()) if (i.columns.includes('vector')) await table.dropIndex(i.name);
    }
    return null;
  }
  if (!annStale({ annThreshold, annType } as SyncDeps, rows, ann)) return ann;
  const t0 = performance.now();
  logger.debug(`building the ${annType} vector index over ${rows} rows`);
  // HNSW: one graph per ~25k rows keeps training memory bounded and lets partitions build in parallel (4
  // partitions built 4x faster than one at 100k rows, same recall). IVF: the usual sqrt(rows) partitions.
  const partitions = annType === 'hnsw_sq' ? Math.max(1, Math.round(rows / 25_000)) : Math.max(16, Math.round(Math.sqrt(rows)));
  const config =
    annType === 'hnsw_sq'
      ? lancedb.Index.hnswSq({ distanceType: 'cosine', numPartitions: partitions })
      : lancedb.Index.ivfPq({
          distanceType: 'cosine',
          numPartitions: partitions,
          // 16 dims per sub-vector keeps the SIMD path; exact re-ranking (refineFactor) recovers precision.
          numSubVectors: embedder.dim % 16 === 0 ? embedder.dim / 16 : embedder.dim / 8,
          maxIterations: 20,
        });
  await table.createIndex('vector', { config, replace: true });
  logger.info(`built ${annType} vector index over ${rows} rows in ${Math.round(performance.now() - t0)} ms`);
  return { type: annType, rows, partitions };
}
