/**
 * Term statistics of the indexed libraries, which BM25F needs: per library how many blocks it has, how long each
 * field is in total and in how many blocks each token occurs. Kept beside the index in two forms: one file per
 * library (`terms/<name>.json`), so a sync counts only the libraries it re-indexes, and their sum
 * (`codedistill-corpus.json`), which a sync updates by subtracting and adding the libraries it changed and which is
 * all a search reads. Both carry fingerprints, so a sum that does not match the index is built again.
 */
import { readJsonFile, writeJsonFileAtomic } from '../kernel/json-file.js';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { FIELD_NAMES, TEXT_VERSION, type FieldBag, type FieldName } from './fields.js';

/** The one-file form of earlier versions (every library's statistics); read once to migrate, then removed. */
export const LEGACY_TERMS_FILE = 'codedistill-terms.json';
/** One library's statistics per file, `<name>.json`. */
export const TERMS_DIR = 'terms';
/** The statistics of all indexed libraries summed: what searches read. */
export const CORPUS_FILE = 'codedistill-corpus.json';

/** Corpus statistics BM25F needs: document frequencies and average field lengths. */
export interface CorpusStats {
  docs: number;
  df: ReadonlyMap<string, number>;
  avgLength: Readonly<Record<FieldName, number>>;
}

/** Robertson-Sparck Jones idf as in BM25, never negative; a word the corpus has never seen gets the most. */
export function idf(df: number, docs: number): number {
  return Math.log(1 + (docs - df + 0.5) / (df + 0.5));
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

export interface TermsFile {
  textVersion: number;
  libraries: Record<string, LibraryTermStats>;
}

/** Count one block's bag into the statistics (sign 1), or take it out again (sign -1: the block was replaced). */
export function addToStats(stats: LibraryTermStats, bag: FieldBag, sign: 1 | -1 = 1): void {
  stats.docs += sign;
  const seen = new Set<string>();
  for (const f of FIELD_NAMES) {
    // The library's purpose is in every one of its blocks: counted, its words would look common and lose their
    // weight in every query that names the domain. Its length is accounted for per library (combineStats).
    const toks = bag[f];
    if (!toks || f === 'purpose') continue;
    stats.length[f] = (stats.length[f] ?? 0) + sign * toks.length;
    for (const t of toks) seen.add(t);
  }
  for (const t of seen) {
    const n = (stats.df[t] ?? 0) + sign;
    if (n > 0) stats.df[t] = n;
    else delete stats.df[t];
  }
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

/** A library's statistics from `known` when they were counted at this fingerprint (and have its purpose). */
export function reusableStats(known: TermsFile | null, name: string, fingerprint: string): LibraryTermStats | null {
  const have = known?.libraries[name];
  return have && have.fingerprint === fingerprint && Array.isArray(have.purpose) ? have : null;
}

/** The legacy terms file in `dir`, or null when it is missing, unreadable or of another text version. */
export async function readLegacyTerms(dir: string): Promise<TermsFile | null> {
  const t = (await readJsonFile(path.join(dir, LEGACY_TERMS_FILE))) as TermsFile | null;
  if (typeof t !== 'object' || t === null || t.textVersion !== TEXT_VERSION || typeof t.libraries !== 'object') return null;
  return t;
}


/** The sum of the indexed libraries' statistics, as stored. */
export interface CorpusFile {
  textVersion: number;
  /** The libraries summed, at the fingerprint their statistics were counted at. */
  libraries: Record<string, { fingerprint: string; docs: number; purpose: string[] }>;
  /** Total tokens per field (the purpose field aside: it is per library). */
  length: Partial<Record<FieldName, number>>;
  df: Record<string, number>;
}

export function emptyCorpusFile(): CorpusFile {
  return { textVersion: TEXT_VERSION, libraries: {}, length: {}, df: Object.create(null) as Record<string, number> };
}

/** Add a library's statistics to the sum (sign 1) or take them out of it (sign -1). */
export function applyLibrary(c: CorpusFile, name: string, s: LibraryTermStats, sign: 1 | -1): void {
  if (sign === 1) c.libraries[name] = { fingerprint: s.fingerprint, docs: s.docs, purpose: s.purpose ?? [] };
  else delete c.libraries[name];
  for (const f of FIELD_NAMES) if (f !== 'purpose' && s.length[f]) c.length[f] = (c.length[f] ?? 0) + sign * s.length[f]!;
  for (const t in s.df) {
    const n = (c.df[t] ?? 0) + sign * s.df[t]!;
    if (n > 0) c.df[t] = n;
    else delete c.df[t];
  }
}

/** What ranking reads of the sum. */
export function corpusStats(c: CorpusFile): CorpusStats {
  let docs = 0;
  let purpose = 0;
  for (const l of Object.values(c.libraries)) {
    docs += l.docs;
    purpose += l.docs * l.purpose.length;
  }
  const avgLength = {} as Record<FieldName, number>;
  for (const f of FIELD_NAMES) avgLength[f] = docs ? (f === 'purpose' ? purpose : (c.length[f] ?? 0)) / docs : 0;
  return { docs, df: new Map(Object.entries(c.df)), avgLength };
}

/** Whether the sum is of exactly these libraries at these fingerprints. */
export function corpusMatches(c: CorpusFile | null, libraries: Record<string, string>): c is CorpusFile {
  if (!c) return false;
  const names = Object.keys(libraries);
  return names.length === Object.keys(c.libraries).length && names.every((n) => c.libraries[n]?.fingerprint === libraries[n]);
}

export async function readCorpus(dir: string): Promise<CorpusFile | null> {
  const c = (await readJsonFile(path.join(dir, CORPUS_FILE))) as CorpusFile | null;
  if (typeof c !== 'object' || c === null || c.textVersion !== TEXT_VERSION || typeof c.libraries !== 'object' || typeof c.df !== 'object') return null;
  return c;
}

export async function writeCorpus(dir: string, c: CorpusFile): Promise<void> {
  await writeJsonFileAtomic(path.join(dir, CORPUS_FILE), c);
}

export async function readLibraryTerms(dir: string, name: string): Promise<LibraryTermStats | null> {
  const s = (await readJsonFile(path.join(dir, TERMS_DIR, `${name}.json`))) as (LibraryTermStats & { textVersion?: number }) | null;
  if (typeof s !== 'object' || s === null || s.textVersion !== TEXT_VERSION || typeof s.df !== 'object' || !Array.isArray(s.purpose)) return null;
  return s;
}

export async function writeLibraryTerms(dir: string, name: string, s: LibraryTermStats): Promise<void> {
  await mkdir(path.join(dir, TERMS_DIR), { recursive: true });
  await writeJsonFileAtomic(path.join(dir, TERMS_DIR, `${name}.json`), { textVersion: TEXT_VERSION, ...s });
}

export async function removeLibraryTerms(dir: string, name: string): Promise<void> {
  await rm(path.join(dir, TERMS_DIR, `${name}.json`), { force: true });
}
