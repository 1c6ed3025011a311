/**
 * Which of the repository's files a library keeps (under source/) so its examples stay importable:
 * everything inside its own packages. Reading a kept snapshot back is snapshotOf in files.ts.
 */
import type { RepoFile } from '../ingest/types.js';
import type { SourceFileCopy } from './files.js';

/** The files inside `packages` under any of `importRoots` ("" is the repository root); notebooks left out. */
export function snapshotFiles(files: RepoFile[], importRoots: string[], packages: string[]): SourceFileCopy[] {
  const prefixes = importRoots.flatMap((r) => packages.map((p) => (r ? `${r}/${p}` : p)));
  return files
    .filter((f) => f.role !== 'notebook' && prefixes.some((pre) => f.path === `${pre}.py` || f.path.startsWith(`${pre}/`)))
    .map((f) => ({ path: f.path, absPath: f.absPath }));
}
