/**
 * The requirements of a block: the third-party distributions its imports need, in the spelling
 * the repository declares them.
 */
import type { DeclaredDependency } from '../ingest/declared.js';
import { alternativeDistributions, distributionForImport, normaliseDistName } from '../python/distributions.js';
import { isStdlibModule, STDLIB_FALLBACK } from '../python/stdlib.js';

/**
 * The third-party distributions a block needs for its imports: stdlib and the repository's own
 * packages left out, the repository's declared spelling preferred (opencv-python-headless over the
 * generic opencv-python when that is what it declares). `stdlib` is the interpreter's stdlib set
 * when the caller has it (python/stdlib.ts). Sorted, unique.
 */
export function requirementsForImports(
  importedTopModules: Iterable<string>,
  declared: DeclaredDependency[],
  localPackages: Iterable<string>,
  stdlib: ReadonlySet<string> = STDLIB_FALLBACK,
): string[] {
  const local = new Set<string>();
  for (const p of localPackages) {
    local.add(p);
    local.add(normaliseDistName(p));
  }
  const declaredPy = new Set(declared.filter((d) => d.ecosystem !== 'cran').map((d) => normaliseDistName(d.name)));
  const declaredPip = new Set(declared.filter((d) => d.ecosystem === 'pypi').map((d) => normaliseDistName(d.name)));
  const out = new Set<string>();
  for (const raw of importedTopModules) {
    const mod = raw.trim();
    if (!mod || mod.startsWith('.') || mod === '__main__') continue;
    const top = mod.split('.')[0]!;
    if (isStdlibModule(top, stdlib) || local.has(top) || local.has(normaliseDistName(top))) continue;
    const dist = distributionForImport(mod);
    const norm = normaliseDistName(top);
    const candidates = [
      ...alternativeDistributions(top),
      dist,
      norm,
      `py${norm}`,
      `python-${norm}`,
      `${norm}-python`,
    ];
    // A conda-only name (pytorch) is not a pip name; only conda names equal to the pip one count.
    const pick =
      candidates.find((c) => declaredPip.has(c)) ??
      candidates.find((c) => c === dist && declaredPy.has(c)) ??
      dist;
    out.add(pick === 'pytorch' ? 'torch' : pick);
  }
  return [...out].sort();
}
