/**
 * Parsing through the distill cache: a file's symbols are a function of its text, its path, the import roots
 * (which give its module name) and the parser's code, so they are kept under the hash of those and a re-distill
 * parses only the files that changed.
 */
import { contentKey, type ContentCache } from '../kernel/content-cache.js';
import type { CodeParser, ParsedFile, ParseJob, ParseOutcome } from './types.js';

const NAMESPACE = 'parsed';

export interface ParseCache {
  cache: ContentCache;
  /** codeVersion(): results of other code are never reused. */
  codeVersion: string;
}

/**
 * Many files through the cache: the cached ones read back, the rest parsed together (on the parser's worker
 * threads when it has them) and stored. The outcomes in the order given, each the file's symbols or the error
 * reading the cache, parsing or storing it threw.
 */
export async function parseAllCached(
  parser: CodeParser,
  cache: ParseCache | null,
  jobs: readonly ParseJob[],
  opts: { signal?: AbortSignal } = {},
): Promise<{ outcome: ParseOutcome; cached: boolean }[]> {
  const out: { outcome: ParseOutcome; cached: boolean }[] = new Array(jobs.length);
  const keys: string[] = [];
  const misses: number[] = [];
  for (const [i, job] of jobs.entries()) {
    if (!cache) {
      misses.push(i);
      continue;
    }
    keys[i] = contentKey(cache.codeVersion, job.relPath, JSON.stringify(job.importRoots), job.source);
    try {
      const hit = (await cache.cache.get(NAMESPACE, keys[i])) as ParsedFile | undefined;
      if (hit && hit.path === job.relPath && Array.isArray(hit.symbols)) out[i] = { outcome: { parsed: hit }, cached: true };
      else misses.push(i);
    } catch (e) {
      out[i] = { outcome: { error: asError(e) }, cached: false };
    }
  }
  const toParse = misses.map((i) => jobs[i]!);
  const parsed = parser.parseAll
    ? await parser.parseAll(toParse, opts)
    : toParse.map((j): ParseOutcome => {
        try {
          return { parsed: parser.parse(j.relPath, j.source, j.importRoots) };
        } catch (e) {
          return { error: asError(e) };
        }
      });
  for (const [k, i] of misses.entries()) {
    const outcome = parsed[k]!;
    out[i] = { outcome, cached: false };
    if (!cache || !outcome.parsed) continue;
    try {
      await cache.cache.put(NAMESPACE, keys[i]!, outcome.parsed);
    } catch (e) {
      out[i] = { outcome: { error: asError(e) }, cached: false };
    }
  }
  return out;
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
