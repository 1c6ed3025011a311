/**
 * Term statistics of the indexed libraries, which BM25F needs: per library how many blocks it has, how long each
 * field is in total and in how many blocks each token occurs. Kept per library, beside the index, so that a sync
 * counts only the libraries it re-indexes and the statistics of any set of libraries are a sum.
 */
import { readJsonFile, writeJsonFileAtomic } from '../kernel/json-file.js';
import path from 'node:path';
import { FIELD_NAMES, TEXT_VERSION, type FieldBag, type FieldName } from './fields.js';

/** Per-library term statistics (document frequencies, field lengths) that BM25F ranking needs. */
export const TERMS_FILE = 'codedistill-terms.json';

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

export function addToStats(stats: LibraryTermStats, bag: FieldBag): void {
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

/** A library's statistics from `known` when they were counted at this fingerprint (and have its purpose). */
export function reusableStats(known: TermsFile | null, name: string, fingerprint: string): LibraryTermStats | null {
  const have = known?.libraries[name];
  return have && have.fingerprint === fingerprint && Array.isArray(have.purpose) ? have : null;
}

/** The terms file in `dir`, or null when it is missing, unreadable or of another text version. */
export async function readTerms(dir: string): Promise<TermsFile | null> {
  const t = (await readJsonFile(path.join(dir, TERMS_FILE))) as TermsFile | null;
  if (typeof t !== 'object' || t === null || t.textVersion !== TEXT_VERSION || typeof t.libraries !== 'object') return null;
  return t;
}

/** Written to a temporary file and renamed, so a reader never sees half a file. */
export async function writeTerms(dir: string, terms: TermsFile): Promise<void> {
  await writeJsonFileAtomic(path.join(dir, TERMS_FILE), terms);
}
