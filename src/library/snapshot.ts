/**
 * Which of the repository's files a library keeps under source/: what building the repository as a package and
 * running its examples need, laid out as in the repository so relative paths resolve. That is the package(s)
 * whole (Python modules of any size, package data within the caps), the build files at the repository root,
 * the sources of compiled extensions, and the test and example folders with their data. Not notebooks (they are
 * blocks already), not build outputs, not binaries of documentation folders. Reading a kept snapshot back is
 * snapshotOf in files.ts.
 */
import type { SkippedFile } from '../domain/library.js';
import type { Layout, RepoFile } from '../ingest/types.js';
import type { SourceFileCopy } from './files.js';

export interface SnapshotCaps {
  /** Largest file kept, Python modules excepted. */
  maxFileBytes: number;
  /** Total of the files kept that are not Python modules. */
  maxDataBytes: number;
}

export const DEFAULT_SNAPSHOT_CAPS: SnapshotCaps = { maxFileBytes: 50 * 1024 * 1024, maxDataBytes: 500 * 1024 * 1024 };

/** Root-level text files that setup.py and build backends may read (VERSION, setup.cfg, requirements-*.txt...). */
const ROOT_TEXT_CAP = 1024 * 1024;

const BUILD_NAMES = new Set(['pyproject.toml', 'setup.py', 'setup.cfg', 'manifest.in', 'cmakelists.txt', 'meson.build', 'meson_options.txt', 'versioneer.py', 'version']);
const BUILD_PREFIXES = /^(readme|licen[cs]e|copying|authors|notice|requirements)/i;
const ROOT_TEXT_EXTENSIONS = new Set(['.py', '.cfg', '.toml', '.txt', '.in', '.ini']);
const EXTENSION_SOURCES = new Set(['.c', '.h', '.cc', '.cpp', '.cxx', '.hpp', '.hh', '.pyx', '.pxd', '.pxi', '.f', '.f90', '.f95', '.for', '.cu', '.def', '.map']);
/** What a build leaves behind: compiled objects and archives, rebuilt from the sources by the package build. */
const BUILD_OUTPUTS = new Set(['.so', '.pyd', '.dll', '.dylib', '.o', '.obj', '.a', '.lib', '.pyc', '.pyo', '.exe', '.whl', '.egg']);
const DOC_DIRS = new Set(['doc', 'docs', 'vignettes', 'man']);
const TEST_EXAMPLE_DIRS = new Set(['test', 'tests', 'testing', 'example', 'examples', 'demo', 'demos', 'tutorial', 'tutorials', 'script', 'scripts', 'benchmark', 'benchmarks']);

/** Why a file is kept; the caps take files in this order, so package data wins over test data. */
type Kind = 'package' | 'build' | 'extension' | 'tests';
const ORDER: Kind[] = ['package', 'build', 'extension', 'tests'];

/**
 * The files to copy into source/, and those left out for a cap (with the reason, for the manifest's skipped).
 * `files` are the walk's parsed files and `withheld` its binary and oversized ones; `packages` the top-level
 * import names of the library.
 */
export function snapshotFiles(
  walk: { files: readonly RepoFile[]; withheld: readonly RepoFile[]; layout: Pick<Layout, 'moduleRoots'> },
  packages: readonly string[],
  caps: SnapshotCaps = DEFAULT_SNAPSHOT_CAPS,
): { files: SourceFileCopy[]; left: SkippedFile[] } {
  const inPackage = packageTest(walk.layout.moduleRoots, packages);
  const withheld = new Set(walk.withheld.map((f) => f.path));
  const chosen: Array<{ file: RepoFile; kind: Kind; capped: boolean }> = [];
  for (const file of [...walk.files, ...walk.withheld]) {
    const kind = kindOf(file, inPackage(file.path), withheld.has(file.path));
    // Python modules are the package itself: a generated 2 MB module is kept like any other.
    if (kind) chosen.push({ file, kind, capped: !isPython(file) });
  }
  chosen.sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind) || compare(a.file.path, b.file.path));

  const files: SourceFileCopy[] = [];
  const left: SkippedFile[] = [];
  let data = 0;
  for (const { file, capped } of chosen) {
    if (capped && file.size > caps.maxFileBytes) {
      left.push({ path: file.path, reason: `left out of the snapshot: ${megabytes(file.size)} > ${mebibytes(caps.maxFileBytes)} cap` });
      continue;
    }
    if (capped && data + file.size > caps.maxDataBytes) {
      left.push({ path: file.path, reason: `left out of the snapshot: ${megabytes(file.size)} more would pass the ${mebibytes(caps.maxDataBytes)} cap on data files` });
      continue;
    }
    if (capped) data += file.size;
    files.push({ path: file.path, absPath: file.absPath });
  }
  files.sort((a, b) => compare(a.path, b.path));
  left.sort((a, b) => compare(a.path, b.path));
  return { files, left };
}

function kindOf(file: RepoFile, inPackage: boolean, withheld: boolean): Kind | null {
  if (file.role === 'notebook') return null;
  const parts = file.path.split('/');
  const name = parts[parts.length - 1]!;
  const dirs = parts.slice(0, -1).map((d) => d.toLowerCase());
  const ext = extOf(name);
  if (BUILD_OUTPUTS.has(ext)) return null;
  const inDocs = dirs.some((d) => DOC_DIRS.has(d));
  if (inDocs && withheld && !isPython(file)) return null;
  if (inPackage) return 'package';
  if (parts.length === 1) {
    const lower = name.toLowerCase();
    if (BUILD_NAMES.has(lower) || BUILD_PREFIXES.test(name)) return 'build';
    if (ROOT_TEXT_EXTENSIONS.has(ext) && !withheld && file.size <= ROOT_TEXT_CAP) return 'build';
    return null;
  }
  if (inDocs) return null;
  if (EXTENSION_SOURCES.has(ext)) return 'extension';
  if (dirs.some((d) => TEST_EXAMPLE_DIRS.has(d))) return 'tests';
  return null;
}

/**
 * Whether a path lies inside one of the packages: `<root>/<pkg>/...` or `<root>/<pkg>.py` under a plain import
 * root, or anything under a folder mapped to the package (the whole repository when the root is the package).
 */
function packageTest(moduleRoots: Layout['moduleRoots'], packages: readonly string[]): (p: string) => boolean {
  const prefixes: string[] = [];
  const modules: string[] = [];
  const whole: string[] = [];
  for (const r of moduleRoots) {
    if (typeof r === 'string') {
      for (const p of packages) {
        const at = r ? `${r}/${p}` : p;
        prefixes.push(`${at}/`);
        modules.push(`${at}.py`, `${at}.pyi`);
      }
    } else if (packages.includes(r.prefix.split('.')[0]!)) {
      if (r.dir === '') whole.push('');
      else prefixes.push(`${r.dir}/`);
    }
  }
  return (p) => whole.length > 0 || modules.includes(p) || prefixes.some((pre) => p.startsWith(pre));
}

function isPython(f: RepoFile): boolean {
  return f.language === 'python' || /\.pyi$/i.test(f.path);
}

function extOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot).toLowerCase() : '';
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function megabytes(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1).replace(/\.0$/, '')} MB` : `${n} bytes`;
}

function mebibytes(n: number): string {
  const mib = n / (1024 * 1024);
  return Number.isInteger(mib) ? `${mib} MiB` : `${n}-byte`;
}
