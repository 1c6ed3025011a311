/** The repository's own top-level Python packages: never a requirement, always preloadable in its runs. */
import type { ParsedFile } from '../parse/types.js';

/** Top-level importable packages/modules defined by the repository itself, sorted. */
export function topLevelPackages(files: ParsedFile[]): string[] {
  return [...new Set(files.filter((f) => f.language === 'python' && f.module).map((f) => f.module.split('.')[0]!))].sort();
}
