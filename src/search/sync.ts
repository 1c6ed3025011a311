/**
 * Bringing the blocks table in step with the library folders (the source of truth), by fingerprint: rows of
 * libraries gone or changed are deleted, changed and new libraries embedded and added, then the table compacted,
 * its full-text, filter and approximate vector indexes rebuilt, and the meta and term statistics files written.
 *
 * It works on a snapshot of what the index holds and returns the next one; the index (store.ts) owns the state,
 * runs syncs one at a time and publishes what a sync returns.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import * as lancedb from '@lancedb/lancedb';
import type { Block } from '../domain/block.js';
import type { JobOptions } from '../domain/job.js';
import type { LibraryEntry, LoadedLibrary } from '../domain/library.js';
import { CodedistillError, throwIfAborted } from '../kernel/errors.js';
import type { Logger } from '../kernel/log.js';
import { blockEmbedText, blockSearchText, decodeFields, libraryContexts, purposeTokens, TEXT_VERSION, type BlockContext } from './fields.js';
import {
  addToStats,
  applyLibrary,
  CORPUS_FILE,
  combineStats,
  corpusMatches,
  corpusStats,
  emptyCorpusFile,
  emptyStats,
  LEGACY_TERMS_FILE,
  readCorpus,
  readLegacyTerms,
  readLibraryTerms,
  removeLibraryTerms,
  reusableStats,
  writeCorpus,
  writeLibraryTerms,
  type CorpusFile,
  type CorpusStats,
  type LibraryTermStats,
} from './terms.js';
import { access, rm } from 'node:fs/promises';
import path from 'node:path';
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
  /** The indexed libraries' term statistics summed, as on disk. */
  sums: CorpusFile;
  /** The same, as ranking reads it. */
  corpus: CorpusStats;
}

export function emptyState(): IndexState {
  return { meta: null, table: null, rows: 0, hasFts: false, sums: emptyCorpusFile(), corpus: combineStats([]) };
}

export interface SyncDeps {
  db: lancedb.Connection;
  /** The index folder, where the meta and terms files live. */
  dir: string;
  embedder: Embedder;
  logger: Logger;
  /** Rows from which vector search uses an approximate index (see OpenIndexOptions). */
  annThreshold: number;
  /** Which approximate index; 'auto' picks by the table's size (annTypeFor). */
  annType: AnnType | 'auto';
}

/**
 * HNSW_SQ keeps a byte per dimension of every row and its graph in memory once searched (80 MB of index at 200k
 * rows, RSS +130 MB on the first vector search); IVF_PQ keeps 24 bytes per row (RSS +6 MB there) at lower recall
 * (0.88 against 0.98 at 100k, bench/search-scale.ts). Above this many rows memory decides.
 */
export const IVF_FROM_ROWS = 250_000;

export function annTypeFor(annType: AnnType | 'auto', rows: number): AnnType {
  if (annType !== 'auto') return annType;
  return rows >= IVF_FROM_ROWS ? 'ivf_pq' : 'hnsw_sq';
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
 * The summed term statistics of these libraries (name → fingerprint): the stored sum when it is of exactly them,
 * else summed again from the per-library files, the legacy one-file form, or counted from the table (a file lost,
 * or left behind by an interrupted sync). A library's purpose comes from `purposes` when the caller has its
 * manifest; a process that only opened the index goes without it until the next sync. With `write`, statistics
 * that had to be found again are stored per library.
 */
export async function loadCorpus(
  logger: Logger,
  dir: string,
  table: lancedb.Table,
  libraries: Record<string, string>,
  purposes: ReadonlyMap<string, string[]> = new Map(),
  write = false,
): Promise<{ sums: CorpusFile; rebuilt: boolean }> {
  const stored = await readCorpus(dir);
  if (corpusMatches(stored, libraries)) return { sums: stored, rebuilt: false };
  const legacy = await readLegacyTerms(dir);
  const sums = emptyCorpusFile();
  for (const [name, fingerprint] of Object.entries(libraries)) {
    let stats = await readLibraryTerms(dir, name);
    if (!stats || stats.fingerprint !== fingerprint) {
      stats = reusableStats(legacy, name, fingerprint);
      if (!stats) {
        logger.debug(`counting term statistics of ${name} from the index`);
        stats = emptyStats(fingerprint, purposes.get(name) ?? []);
        const rows = (await table.query().where(`library = ${sqlString(name)}`).select(['fields']).toArray()) as { fields: string }[];
        for (const r of rows) addToStats(stats, decodeFields(String(r.fields)));
      }
      if (write) await writeLibraryTerms(dir, name, stats);
    }
    applyLibrary(sums, name, stats, 1);
  }
  return { sums, rebuilt: true };
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
  { onProgress, signal, catalogueStamp }: JobOptions & { catalogueStamp?: string },
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

  const fingerprints = new Map(libraries.map((l) => [l.name, l.fingerprint]));
  const tail = new Set((meta.unindexed ?? []).filter((n) => seen.has(n)));
  const purposes = new Map(libraries.map((l) => [l.name, purposeTokens(l.manifest.description)]));
  // The sum as it stood (what this process read, when it is of what the meta says is indexed), from which the
  // libraries re-indexed or removed are taken out and the new ones added: a sync reads the statistics of what it
  // changes only. A sum that cannot be updated so (a library's file lost) is summed again at the end.
  const current = corpusMatches(before.sums, known);
  const sums: CorpusFile = current ? structuredClone(before.sums) : (await loadCorpus(logger, deps.dir, table, known, purposes, true)).sums;
  let resum = false;
  const takeOut = async (name: string) => {
    const had = sums.libraries[name];
    if (!had) return;
    const old = await readLibraryTerms(deps.dir, name);
    if (old && old.fingerprint === had.fingerprint) applyLibrary(sums, name, old, -1);
    else resum = true;
  };
  for (const name of removed) {
    await takeOut(name);
    await removeLibraryTerms(deps.dir, name);
  }
  // Libraries given whole count their blocks; entries, what their manifest says.
  const total = toIndex.reduce((n, l) => n + ((l as Partial<LoadedLibrary>).blocks?.length ?? l.manifest.counts?.blocks ?? 0), 0);
  let done = 0;
  if (toIndex.length) onProgress?.({ stage: 'index', done, total });
  // Rows of libraries new to the meta can only be there if a sync was stopped after adding them: one count over
  // all of them, not one scan of the table per library (a first build of 4,681 libraries scanned it 4,681 times).
  const unknown = toIndex.filter((l) => !known[l.name]).map((l) => sqlString(l.name));
  const leftovers = unknown.length > 0 && (await table.countRows(`library IN (${unknown.join(', ')})`)) > 0;
  // Rows of several libraries go to the table together: every add is a fragment and a version, and each version's
  // manifest lists every fragment, so one add per small library made a first build quadratic in libraries.
  let buffered: Row[] = [];
  const flush = async () => {
    if (!buffered.length) return;
    const rows = buffered;
    buffered = [];
    await table!.add(rows as unknown as Record<string, unknown>[]);
  };
  for (const entry of toIndex) {
    throwIfAborted(signal);
    const lib = await open(entry);
    const t1 = performance.now();
    const contexts = libraryContexts(lib);
    const hashes = lib.blocks.map((b) => rowHash(b, contexts.get(b.id)));
    // A library indexed before keeps the rows of blocks that did not change: only the others are embedded again.
    const reuse = known[lib.name] ? await reusableRows(deps.dir, table, lib, known[lib.name]!, hashes) : null;
    let stats: LibraryTermStats;
    let pending: number[];
    if (reuse) {
      stats = reuse.stats;
      stats.fingerprint = lib.fingerprint;
      stats.purpose = purposeTokens(lib.manifest.description);
      pending = reuse.pending;
      done += lib.blocks.length - pending.length;
    } else {
      if ((known[lib.name] || leftovers) && (await table.countRows(`library = ${sqlString(lib.name)}`)) > 0) await table.delete(`library = ${sqlString(lib.name)}`);
      stats = emptyStats(lib.fingerprint, purposeTokens(lib.manifest.description));
      pending = lib.blocks.map((_, i) => i);
    }
    let added = 0;
    for (let s = 0; s < pending.length; s += ADD_CHUNK) {
      const chunk = pending.slice(s, s + ADD_CHUNK);
      const rows: Row[] = [];
      for (let e = 0; e < chunk.length; e += EMBED_CHUNK) {
        throwIfAborted(signal);
        const part = chunk.slice(e, e + EMBED_CHUNK);
        const vectors = await embedder.embed(part.map((i) => blockEmbedText(lib.blocks[i]!)), 'document');
        part.forEach((bi, i) => {
          const b = lib.blocks[bi]!;
          const st = blockSearchText(b, contexts.get(b.id));
          addToStats(stats, st.bag);
          rows.push(blockToRow(b, vectors[i]!, st, hashes[bi]!));
        });
        done += part.length;
        onProgress?.({ stage: 'index', done, total, message: lib.name });
      }
      if (rows.length) {
        // Listed before the rows land: a sync stopped between the two leaves a library read twice, never missed.
        tail.add(lib.name);
        buffered.push(...rows);
        if (buffered.length >= ADD_CHUNK) await flush();
      }
      added += rows.length;
    }
    if (reuse && !pending.length) onProgress?.({ stage: 'index', done, total, message: lib.name });
    await takeOut(lib.name);
    await writeLibraryTerms(deps.dir, lib.name, stats);
    applyLibrary(sums, lib.name, stats, 1);
    changed = true;
    // Blocks and fingerprint as opened: a library rewritten since its entry was read is indexed as it is now.
    fingerprints.set(lib.name, lib.fingerprint);
    logger.info(`indexed ${lib.name}: ${added} of ${lib.blocks.length} blocks embedded in ${Math.round(performance.now() - t1)} ms`);
  }
  await flush();

  const rowCount = await table.countRows();
  const indices = await table.listIndices();
  const fts = indices.find((i) => i.columns.includes('text') && i.indexType === 'FTS');
  let hasFts = !!fts;
  // An index written before meta.unindexed was kept may hold rows its full-text index misses, and which libraries
  // they belong to is not known: fold them in once.
  const legacyTail = meta.unindexed === undefined && !!fts && ((await table.indexStats(fts.name))?.numUnindexedRows ?? 0) > 0;
  if (legacyTail) logger.info('folding rows written by an older codedistill into the full-text index (once)');
  const due = legacyTail || (changed && (annStale(deps, rowCount, meta.ann) || (await maintenanceDue(table, rowCount, fts?.name ?? null))));
  if (due || (!hasFts && rowCount > 0)) {
    // Compaction merges the small fragments syncs wrote and folds their rows into the full-text, filter and vector
    // indexes (deleted rows drop out). It rewrites the table, so it runs only when enough has piled up
    // (maintenanceDue); until then searches read the new rows themselves (meta.unindexed), which costs little. Stale versions are kept
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
    // optimize() folded every row into the full-text index (and a new one covers them all).
    tail.clear();
  }

  meta.libraries = Object.fromEntries(fingerprints);
  const unindexed = [...tail].sort();
  const tailChanged = meta.unindexed === undefined || meta.unindexed.join('\n') !== unindexed.join('\n');
  meta.unindexed = unindexed;
  const demos = libraries.filter((l) => l.demo).map((l) => l.name);
  const demosChanged = (meta.demos ?? []).join('\n') !== demos.join('\n');
  meta.demos = demos;
  const stampChanged = catalogueStamp !== undefined && meta.catalogue !== catalogueStamp;
  if (catalogueStamp !== undefined) meta.catalogue = catalogueStamp;
  meta.updatedAt = new Date().toISOString();
  // Statistics carry the fingerprint they were counted at, and the meta is written last, so a crash between these
  // writes is repaired by the next sync (loadCorpus sums again whatever does not match).
  let final = sums;
  if (resum || !corpusMatches(sums, meta.libraries)) final = (await loadCorpus(logger, deps.dir, table, meta.libraries, purposes, true)).sums;
  // A sum this process had to make again (its file lost) is stored by the next sync, even one that changes nothing.
  const sumsChanged = changed || removed.length > 0 || resum || !current || !(await access(path.join(deps.dir, CORPUS_FILE)).then(() => true, () => false));
  if (sumsChanged) {
    await writeCorpus(deps.dir, final);
    // The one-file form of before: its libraries get their own files first, then it goes.
    const legacy = await readLegacyTerms(deps.dir);
    if (legacy) {
      for (const [name, fingerprint] of Object.entries(meta.libraries)) {
        const stats = reusableStats(legacy, name, fingerprint);
        if (stats && !(await readLibraryTerms(deps.dir, name))) await writeLibraryTerms(deps.dir, name, stats);
      }
      await rm(path.join(deps.dir, LEGACY_TERMS_FILE), { force: true });
    }
  }
  if (changed || !before.meta || before.meta !== meta || removed.length || demosChanged || tailChanged || stampChanged) await writeMeta(deps.dir, meta);

  if (changed) {
    logger.info(
      `search index synced in ${Math.round(performance.now() - t0)} ms: ${rowCount} blocks ` +
        `(${toIndex.length} indexed, ${removed.length} removed, ${unchanged.length} unchanged)`,
    );
  }
  return {
    state: { meta, table, rows: rowCount, hasFts, sums: sumsChanged ? final : before.sums, corpus: sumsChanged ? corpusStats(final) : before.corpus },
    result: { indexed: toIndex.map((l) => l.name), removed, unchanged },
  };
}

/**
 * Keys of a block that never reach its row (fields.ts, blockToRow): the commit of its provenance, which changes with
 * every commit of the repository, and the particulars of a run (when, how long, what it printed, where), which
 * change with every validation. Left out of the hash so that a re-distill re-embeds only blocks whose row changes.
 */
const NOT_IN_ROW = new Set(['commit', 'ranAt', 'durationMs', 'peakMemoryKb', 'stdout', 'stderr', 'truncated', 'interpreter', 'environmentHash']);

/** What a block's row is made from: a row whose hash is unchanged needs no new text, statistics or vector. */
export function rowHash(block: Block, context: BlockContext | undefined): string {
  const json = JSON.stringify(block, (key, value: unknown) => (NOT_IN_ROW.has(key) ? undefined : value));
  return createHash('sha256')
    .update(`${TEXT_VERSION}\0${json}\0${JSON.stringify(context ?? null)}`)
    .digest('base64url')
    .slice(0, 22);
}

/** Ids per delete: a predicate stays a few kilobytes. */
const DELETE_CHUNK = 500;

/**
 * For a library indexed before (at `fingerprint`), the rows that still hold: rows whose block changed or went are
 * deleted and their bags taken out of the library's statistics, and the blocks still to embed returned. Null when
 * the rows cannot be trusted to be diffed (statistics of another fingerprint, ids repeated, rows without a hash):
 * the library is then indexed whole.
 */
async function reusableRows(
  dir: string,
  table: lancedb.Table,
  lib: LoadedLibrary,
  fingerprint: string,
  hashes: readonly string[],
): Promise<{ stats: LibraryTermStats; pending: number[] } | null> {
  const stats = await readLibraryTerms(dir, lib.name);
  if (!stats || stats.fingerprint !== fingerprint) return null;
  const where = `library = ${sqlString(lib.name)}`;
  const rows = (await table.query().where(where).select(['id', 'row_hash']).toArray()) as { id: string; row_hash: string | null }[];
  const had = new Map<string, string>();
  for (const r of rows) {
    if (!r.row_hash || had.has(String(r.id))) return null;
    had.set(String(r.id), String(r.row_hash));
  }
  const ids = new Set<string>();
  const pending: number[] = [];
  lib.blocks.forEach((b, i) => {
    if (ids.has(b.id)) return;
    ids.add(b.id);
    if (had.get(b.id) !== hashes[i]) pending.push(i);
  });
  if (ids.size !== lib.blocks.length) return null;
  const changed = new Set(pending.map((i) => lib.blocks[i]!.id));
  const stale = [...had.keys()].filter((id) => !ids.has(id) || changed.has(id));
  for (let s = 0; s < stale.length; s += DELETE_CHUNK) {
    const chunk = `${where} AND id IN (${stale.slice(s, s + DELETE_CHUNK).map(sqlString).join(', ')})`;
    const old = (await table.query().where(chunk).select(['fields']).toArray()) as { fields: string }[];
    for (const r of old) addToStats(stats, decodeFields(String(r.fields)), -1);
    await table.delete(chunk);
  }
  return { stats, pending };
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
function annStale({ annThreshold, annType }: Pick<SyncDeps, 'annThreshold' | 'annType'>, rows: number, ann: IndexMeta['ann']): boolean {
  if (rows < annThreshold) return ann !== null;
  const type = annTypeFor(annType, rows);
  return !(ann && ann.type === type && ann.partitions && rows <= ann.rows * 2 && rows >= ann.rows / 2);
}

/**
 * Flat search is exact and fast enough below the threshold; above it an approximate index keeps p95 low. The
 * index is retrained when the table has doubled or halved since training, otherwise optimize() (run by the
 * caller) folds new rows into it.
 */
async function maintainAnn(
  { annThreshold, annType: wanted, embedder, logger }: SyncDeps,
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
  if (!annStale({ annThreshold, annType: wanted }, rows, ann)) return ann;
  const annType = annTypeFor(wanted, rows);
  const t0 = performance.now();
  logger.debug(`building the ${annType} vector index over ${rows} rows`);
  // HNSW: one graph per ~25k rows keeps training memory bounded and lets partitions build in parallel (4
  // partitions built 4x faster than one at 100k rows, same recall). IVF: ~4k rows a partition rather than the usual
  // sqrt(rows), since k-means costs rows x partitions (sqrt(200k) = 447 partitions took 430 s on a loaded 2-core
  // machine; a million rows would take hours); a search probes up to 100 of them (table.ts).
  const partitions = annType === 'hnsw_sq' ? Math.max(1, Math.round(rows / 25_000)) : Math.max(16, Math.round(rows / 4096));
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
