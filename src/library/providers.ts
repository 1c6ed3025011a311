/**
 * Libraries that provide other libraries' dependencies: a repository built on another distilled one (ht on
 * fluids) runs its examples with that library's source snapshot importable, instead of skipping them all.
 */
import { distributionForImport, normaliseDistName } from '../python/distributions.js';
import type { Block } from '../domain/block.js';
import type { RunRecord } from '../domain/validation.js';
import type { LoadedLibrary } from '../domain/library.js';
import { importRootsOf } from './files.js';

/** Top-level Python packages a library's blocks live in. */
export function packagesOfLibrary(lib: LoadedLibrary): string[] {
  const out = new Set<string>();
  for (const b of lib.blocks) {
    if (b.language !== 'python' || b.kind === 'workflow') continue;
    const top = b.qualifiedName.split('.')[0];
    if (top) out.add(top);
  }
  return [...out].sort();
}

/**
 * Import roots of the libraries whose packages satisfy these requirements (pip names), other than `self`.
 * A requirement matches a package by its import name or the distribution that import name maps to.
 */
export function providerImportRoots(requirements: string[], libraries: LoadedLibrary[], self: string | null): string[] {
  const wanted = new Set(requirements.map(normaliseDistName));
  const roots: string[] = [];
  for (const lib of libraries) {
    if (lib.name === self) continue;
    const provides = packagesOfLibrary(lib).some(
      (p) => wanted.has(normaliseDistName(p)) || wanted.has(normaliseDistName(distributionForImport(p))),
    );
    if (provides) roots.push(...importRootsOf(lib));
  }
  return [...new Set(roots)];
}

/**
 * An import that fails inside another library's snapshot (ht asking fluids for a name a newer fluids dropped)
 * is a version mismatch between two repositories, not a fault of the block: record it as skipped, saying so,
 * as a missing dependency would be.
 */
export function markProviderMismatches(blocks: Block[], providerRoots: string[]): number {
  if (!providerRoots.length) return 0;
  let marked = 0;
  const fix = (r: RunRecord | null) => {
    if (!r || r.status !== 'failed' || !r.error || !/^(ImportError|ModuleNotFoundError|AttributeError)$/.test(r.error.type)) return;
    const root = providerRoots.find((p) => r.error!.message.includes(p) || r.stderr.includes(`${p}/`));
    if (!root) return;
    const from = /from '([\w.]+)'/.exec(r.error.message)?.[1] ?? null;
    r.status = 'skipped';
    r.missingModule = from;
    r.message =
      `dependency version mismatch: ${r.error.type}: ${r.error.message.replace(/ \(\/[^)]*\)$/, '')}. ` +
      `The distilled library providing ${from ?? 'this dependency'} is at a different version than this code expects; ` +
      'install the version the repository declares to run it.';
    marked++;
  };
  for (const b of blocks) {
    for (const e of b.examples) fix(e.run);
    fix(b.validation);
  }
  return marked;
}
