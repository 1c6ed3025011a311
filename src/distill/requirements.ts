/**
 * What distilled code requires: the third-party distributions a block's or a workflow's imports need, in the
 * spelling the repository declares them, and the library's runtime requirements.
 */
import type { DeclaredDependency } from '../ingest/declared.js';
import { alternativeDistributions, distributionForImport, normaliseDistName } from '../python/distributions.js';
import { isStdlibModule, STDLIB_FALLBACK } from '../python/stdlib.js';
import { importedTopModules } from '../python/syntax.js';
import type { Block } from '../domain/block.js';

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

/**
 * What the repository needs at run time: its main declared PyPI dependencies (not test/docs/dev groups, not
 * conda environments) and what its blocks import, less its own packages.
 */
export function runtimeRequirements(declared: DeclaredDependency[], blocks: Block[], own: string[]): string[] {
  // Conda environment files usually describe a developer's setup (compilers, docs, linters), so only the
  // main PyPI list counts as declared; the blocks' own imports cover what a conda-only repository needs.
  const main = declared.filter((d) => d.group === null && d.ecosystem === 'pypi');
  const ownNames = new Set(own.map(normaliseDistName));
  return [...new Set([...main.map((d) => d.name), ...blocks.flatMap((b) => b.requirements)])]
    .filter((n) => !ownNames.has(normaliseDistName(n)) && n !== 'python')
    .sort();
}

/**
 * What a block needs: the modules of the file's imports it uses (as written, relative ones included) and
 * those its own code imports, to distributions as requirementsForImports names them.
 */
export function blockRequirements(usedImportModules: string[], code: string, declared: DeclaredDependency[], own: string[]): string[] {
  const tops = [...usedImportModules.filter((m) => !m.startsWith('.')).map((m) => m.split('.')[0]!), ...importedTopModules(code)];
  return requirementsForImports(tops, declared, own);
}

/** What a workflow (a whole script or notebook) needs: its imports' distributions, declared spelling preferred. */
export function workflowRequirements(code: string, declared: DeclaredDependency[], own: string[]): string[] {
  const third = [...new Set(importedTopModules(code).filter((m) => !isStdlibModule(m) && !own.includes(m)))];
  const resolved = requirementsForImports(third, declared, own);
  return resolved.length ? resolved : [...new Set(third.map(distributionForImport))];
}

/** Declared groups whose requirements the examples mined from tests need. */
const TEST_GROUP = /^(test|tests|testing)$/i;

/**
 * What a library's environment installs, as PEP 508 requirements: the main declared PyPI dependencies with
 * their constraints, the requested extras' and the test groups' ones, then what blocks and examples import that
 * nothing declared (name only). The repository's own packages are left out.
 */
export function environmentRequirements(declared: DeclaredDependency[], blocks: Block[], own: string[], extras: string[]): string[] {
  const ownNames = new Set(own.map(normaliseDistName));
  const wantedGroups = new Set(extras.map((e) => e.toLowerCase()));
  const specs = new Map<string, string>();
  for (const d of declared) {
    if (d.ecosystem !== 'pypi' || ownNames.has(normaliseDistName(d.name)) || d.name === 'python') continue;
    const group = d.group?.toLowerCase() ?? null;
    if (group !== null && !wantedGroups.has(group) && !TEST_GROUP.test(group)) continue;
    const name = normaliseDistName(d.name);
    // The main list's constraint wins over a group's, and a constrained spelling over a bare one.
    if (!specs.has(name) || (group === null && d.spec)) specs.set(name, `${name}${d.spec ? (/^[[(<>=!~;@]/.test(d.spec) ? '' : ' ') + d.spec : ''}`);
  }
  const exampleImports = blocks.flatMap((b) => b.examples.flatMap((e) => importedTopModules(e.code)));
  for (const n of [...blocks.flatMap((b) => b.requirements), ...requirementsForImports(exampleImports, declared, own)]) {
    const name = normaliseDistName(n);
    // A private module's name (_utilities) is no distribution's: PEP 508 names start with a letter or digit.
    if (!/^[a-z0-9]/.test(name)) continue;
    if (!specs.has(name) && !ownNames.has(name) && name !== 'python') specs.set(name, name);
  }
  return [...specs.values()].sort();
}
