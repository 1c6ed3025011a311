/**
 * Parsing through the distill cache: a file's symbols are a function of its text, its path, the import roots
 * (which give its module name) and the parser's code, so they are kept under the hash of those and a re-distill
 * parses only the files that changed.
 */
import { contentKey, type ContentCache } from '../kernel/content-cache.js';
import type { ModuleRoot } from '../python/modules.js';
import type { CodeParser, ParsedFile } from './types.js';

const NAMESPACE = 'parsed';

export interface ParseCache {
  cache: ContentCache;
  /** codeVersion(): results of other code are never reused. */
  codeVersion: string;
}

export async function parseCached(
  parser: CodeParser,
  cache: ParseCache | null,
  relPath: string,
  text: string,
  roots: readonly ModuleRoot[],
): Promise<{ parsed: ParsedFile; cached: boolean }> {
  if (!cache) return { parsed: parser.parse(relPath, text, roots), cached: false };
  const key = contentKey(cache.codeVersion, relPath, JSON.stringify(roots), text);
  const hit = (await cache.cache.get(NAMESPACE, key)) as ParsedFile | undefined;
  if (hit && hit.path === relPath && Array.isArray(hit.symbols)) return { parsed: hit, cached: true };
  const parsed = parser.parse(relPath, text, roots);
  await cache.cache.put(NAMESPACE, key, parsed);
  return { parsed, cached: false };
}
