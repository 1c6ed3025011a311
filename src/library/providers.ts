/**
 * Libraries that provide other libraries' dependencies: a repository built on another distilled one (ht on
 * fluids) runs its examples with that library's source snapshot importable, instead of skipping them all.
 */
import { distributionForImport, normaliseDistName } from '../python/distributions.js';
import type { LibraryEntry } from '../domain/library.js';
import { importRootsOf } from './files.js';

/**
 * Import roots of the libraries whose packages satisfy these requirements (pip names), other than `self`.
 * A requirement matches a package by its import name or the distribution that import name maps to.
 */
export function providerImportRoots(requirements: string[], libraries: LibraryEntry[], self: string | null): string[] {
  const wanted = new Set(requirements.map(normaliseDistName));
  const roots: string[] = [];
  for (const lib of libraries) {
    if (lib.name === self) continue;
    const provides = lib.packages.some(
      (p) => wanted.has(normaliseDistName(p)) || wanted.has(normaliseDistName(distributionForImport(p))),
    );
    if (provides) roots.push(...importRootsOf(lib));
  }
  return [...new Set(roots)];
}
