/**
 * Lists a repository's files with a role each (library, test, example, ...), leaving out tool and environment
 * folders, what the repository's .gitignore files exclude, oversized and binary files (withheld: listed apart for
 * the snapshot), and symlinks. Then the metadata files are read once and the layout found (layout.ts). Nothing is
 * executed; files are only sized and sniffed.
 */
import { promises as fs, type Dirent } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Language } from '../domain/block.js';
import type { SkippedFile } from '../domain/library.js';
import { CodedistillError, errorMessage, throwIfAborted } from '../kernel/errors.js';
import { gitignored, keptDespiteIgnore, readGitignore, type GitignoreScope } from './gitignore.js';
import { detectLayout, scriptsOutsidePackages } from './layout.js';
import { readRepoMetadata } from './repo-metadata.js';
import type { FileRole, RepoFile, WalkResult } from './types.js';

export interface WalkOptions {
  maxFileBytes: number;
  signal?: AbortSignal;
  languageOf: (p: string) => Language | null;
  /**
   * Files git tracks (ingest/tracked.ts): a .gitignore leaves out only untracked files, as in git. 'all' for a
   * fresh checkout; absent or null when git does not describe the folder (every file is then subject to it).
   */
  tracked?: 'all' | ReadonlySet<string> | null;
  /** "owner/name" or the folder's name: names a repository whose root is itself the package but declares no name. */
  repoName?: string | null;
}

/** Version control, caches, installed environments and build outputs: never part of the code to distill. */
export const SKIP_DIRS: ReadonlySet<string> = new Set([
  '.git',
  '.hg',
  '.svn',
  'node_modules',
  '__pycache__',
  '.venv',
  'venv',
  '.tox',
  '.nox',
  '.mypy_cache',
  '.pytest_cache',
  '.ruff_cache',
  '.hypothesis',
  '.ipynb_checkpoints',
  'site-packages',
  '.eggs',
  'htmlcov',
  '.Rproj.user',
]);

const BINARY_EXTENSIONS = new Set(
  (
    '.so .dll .dylib .a .lib .o .obj .exe .bin .pyc .pyo .pyd .class .jar .wasm ' +
    '.png .jpg .jpeg .gif .bmp .tif .tiff .ico .webp .svgz .eps .psd .mp3 .mp4 .wav .avi .mov .mkv .ogg .flac ' +
    '.pdf .doc .docx .xls .xlsx .ppt .pptx .odt .ods ' +
    '.zip .gz .tgz .bz2 .xz .zst .7z .rar .tar .whl .egg .deb .rpm .dmg .iso ' +
    '.npy .npz .h5 .hdf5 .hdf .nc .mat .pkl .pickle .joblib .pt .pth .ckpt .onnx .pb .tflite .safetensors ' +
    '.parquet .feather .arrow .sqlite .sqlite3 .db .rds .rda .rdata .fits .vtk .ttf .otf .woff .woff2'
  ).split(' '),
);

/** How much of a file is read to decide whether it is text. */
const SNIFF_BYTES = 8192;

const CONFIG_NAMES = new Set([
  'pyproject.toml',
  'setup.cfg',
  'setup.py',
  'tox.ini',
  'noxfile.py',
  'pytest.ini',
  'mypy.ini',
  '.flake8',
  '.coveragerc',
  '.pre-commit-config.yaml',
  'manifest.in',
  'pipfile',
  'pipfile.lock',
  'poetry.lock',
  'description',
  'namespace',
  'citation.cff',
  'citation',
  'codemeta.json',
  '.zenodo.json',
  'renv.lock',
  '.rbuildignore',
  'environment.yml',
  'environment.yaml',
  'meta.yaml',
]);

const BUILD_NAMES = new Set(['makefile', 'cmakelists.txt', 'meson.build', 'dockerfile', 'jenkinsfile', '.travis.yml', '.gitlab-ci.yml', 'azure-pipelines.yml', 'appveyor.yml']);

const TEST_DIRS = new Set(['test', 'tests', 'testing']);
const EXAMPLE_DIRS = new Set([
  'example',
  'examples',
  'script',
  'scripts',
  'demo',
  'demos',
  'tutorial',
  'tutorials',
  'notebook',
  'notebooks',
  'benchmark',
  'benchmarks',
]);
const DOC_DIRS = new Set(['doc', 'docs', 'vignettes', 'man']);
const DATA_DIRS = new Set(['data', 'datasets', 'extdata']);
const DOC_EXTENSIONS = new Set(['.md', '.rst', '.txt', '.rmd', '.qmd', '.rd', '.tex', '.bib', '.html']);
const DATA_EXTENSIONS = new Set(['.csv', '.tsv', '.json', '.yaml', '.yml', '.dat', '.txt', '.xml', '.xyz', '.cif', '.pdb', '.sdf', '.mol', '.mol2', '.vasp', '.poscar']);
const SOURCE_EXTENSIONS = new Set(['.c', '.h', '.cc', '.cpp', '.cxx', '.hpp', '.hh', '.cu', '.f', '.f90', '.f95', '.for', '.jl', '.pyx', '.pxd', '.m', '.rs', '.go', '.java', '.js', '.ts', '.sh']);

export async function walkRepo(root: string, opts: WalkOptions): Promise<WalkResult> {
  const absRoot = path.resolve(root);
  const files: RepoFile[] = [];
  const skipped: SkippedFile[] = [];
  const withheld: RepoFile[] = [];
  const tracked = opts.tracked ?? null;
  const trackedDirs = new Set<string>();
  if (tracked instanceof Set) {
    for (const f of tracked) for (let i = f.indexOf('/'); i > 0; i = f.indexOf('/', i + 1)) trackedDirs.add(f.slice(0, i));
  }
  const ignoredDir = (scopes: GitignoreScope[], rel: string) => (trackedDirs.has(rel) ? null : gitignored(scopes, rel, true));
  const ignoredFile = (scopes: GitignoreScope[], rel: string) => (tracked instanceof Set && tracked.has(rel) ? null : gitignored(scopes, rel, false));

  const visit = async (absDir: string, relDir: string, outer: GitignoreScope[]): Promise<void> => {
    throwIfAborted(opts.signal);
    let entries: Dirent[];
    try {
      entries = await fs.readdir(absDir, { withFileTypes: true });
    } catch (e) {
      if (relDir === '') {
        throw new CodedistillError('source_not_found', `Cannot read the folder ${absRoot}: ${errCode(e)}.`, 'Check that the path exists and is a readable folder.', {
          cause: e,
        });
      }
      const c = errCode(e);
      skipped.push({ path: `${relDir}/`, reason: c === 'ENAMETOOLONG' ? 'path too long for this system (ENAMETOOLONG)' : `unreadable folder: ${c}` });
      return;
    }
    entries.sort((a, b) => compare(a.name, b.name));
    const own = tracked !== 'all' && entries.some((e) => e.name === '.gitignore' && e.isFile()) ? await readGitignore(absDir, relDir) : null;
    const scopes = own ? [...outer, own] : outer;
    for (const entry of entries) {
      throwIfAborted(opts.signal);
      const rel = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
      const abs = path.join(absDir, entry.name);
      if (entry.isSymbolicLink()) {
        // Links may point outside the repository or loop; folders behind them are left out silently.
        if (!(await isDirectory(abs))) skipped.push({ path: rel, reason: 'symlink (not followed)' });
        continue;
      }
      if (entry.isDirectory()) {
        if (await skipDirectory(abs, entry.name)) continue;
        const ignoredBy = ignoredDir(scopes, rel);
        if (ignoredBy) skipped.push({ path: `${rel}/`, reason: ignoredBy });
        else await visit(abs, rel, scopes);
        continue;
      }
      const ignoredBy = ignoredFile(scopes, rel);
      if (ignoredBy && !keptDespiteIgnore(entry.name, entries)) {
        skipped.push({ path: rel, reason: ignoredBy });
        continue;
      }
      if (!entry.isFile()) {
        skipped.push({ path: rel, reason: 'not a regular file' });
        continue;
      }
      const kept = await inspectFile(abs, rel, opts.maxFileBytes);
      const language = opts.languageOf(rel);
      if ('reason' in kept) {
        skipped.push({ path: rel, reason: kept.reason });
        // Binary and oversized files are not parsed, but a package may need them (data, generated modules).
        if (kept.size !== undefined) withheld.push({ path: rel, absPath: abs, size: kept.size, ...roleFields(rel, language) });
        continue;
      }
      files.push({ path: rel, absPath: abs, size: kept.size, ...roleFields(rel, language) });
    }
  };

  await visit(absRoot, '', []);
  files.sort((a, b) => compare(a.path, b.path));
  skipped.sort((a, b) => compare(a.path, b.path));
  withheld.sort((a, b) => compare(a.path, b.path));
  // Metadata files are read once, and only those kept (no symlink out, none git ignores, none oversized).
  const metadata = await readRepoMetadata(absRoot, files.map((f) => f.path));
  const layout = detectLayout(files, metadata, opts.repoName ?? path.basename(absRoot));
  return { files: scriptsOutsidePackages(files, layout), skipped, withheld, importRoots: layout.importRoots, layout, metadata };
}

function roleFields(rel: string, language: Language | null): Pick<RepoFile, 'role' | 'roleReason' | 'language'> {
  const { role, reason } = roleOf(rel, language);
  return { role, roleReason: reason, language };
}

/** Code-unit order, so the result does not depend on the machine's locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function errCode(e: unknown): string {
  return (e as NodeJS.ErrnoException)?.code ?? errorMessage(e);
}

async function isDirectory(abs: string): Promise<boolean> {
  try {
    return (await fs.stat(abs)).isDirectory();
  } catch {
    return false;
  }
}

async function exists(abs: string): Promise<boolean> {
  try {
    await fs.lstat(abs);
    return true;
  } catch {
    return false;
  }
}

/** Build outputs, unless the folder is a Python package of that name (pkg/build/__init__.py). */
const OUTPUT_DIRS = new Set(['build', 'dist']);

async function skipDirectory(abs: string, name: string): Promise<boolean> {
  if (SKIP_DIRS.has(name) || name.endsWith('.egg-info')) return true;
  if (OUTPUT_DIRS.has(name)) return !(await exists(path.join(abs, '__init__.py')));
  // "env" is a common package or module name in science code, so it is skipped only when it is a virtualenv;
  // any folder holding pyvenv.cfg is one, whatever its name.
  if (await exists(path.join(abs, 'pyvenv.cfg'))) return true;
  if (name === 'env' && (await exists(path.join(abs, 'bin', 'activate')))) return true;
  return false;
}

function extOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot).toLowerCase() : '';
}

/** How many times the file size limit a notebook may be. */
export const NOTEBOOK_SIZE_FACTOR = 16;

/** A file kept for parsing has its size; one left out has a reason, and its size when it is binary or too large. */
async function inspectFile(abs: string, rel: string, maxBytes: number): Promise<{ size: number } | { reason: string; size?: number }> {
  const name = rel.slice(rel.lastIndexOf('/') + 1);
  const ext = extOf(name);
  let handle: FileHandle | null = null;
  try {
    handle = await fs.open(abs, 'r');
    const { size } = await handle.stat();
    if (BINARY_EXTENSIONS.has(ext)) return { reason: `binary (${ext})`, size };
    // A notebook's size is mostly its saved outputs (images as base64); only its cells are read.
    const limit = ext === '.ipynb' ? maxBytes * NOTEBOOK_SIZE_FACTOR : maxBytes;
    if (size > limit) return { reason: `too large: ${size} bytes > ${limit}`, size };
    const buf = Buffer.alloc(Math.min(SNIFF_BYTES, size));
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    if (buf.subarray(0, bytesRead).includes(0)) return { reason: 'binary (NUL byte in the first 8 KiB)', size };
    return { size };
  } catch (e) {
    const c = errCode(e);
    return { reason: c === 'ENAMETOOLONG' ? 'path too long for this system (ENAMETOOLONG)' : `unreadable: ${c}` };
  } finally {
    await handle?.close();
  }
}

interface Role {
  role: FileRole;
  reason: string;
}

/** Roles come from the path alone; the first rule that matches wins, most specific first. */
export function roleOf(rel: string, language: Language | null): Role {
  const parts = rel.split('/');
  const name = parts[parts.length - 1]!;
  const lower = name.toLowerCase();
  const dirs = parts.slice(0, -1).map((d) => d.toLowerCase());
  const ext = extOf(name);
  const under = (set: ReadonlySet<string>) => dirs.find((d) => set.has(d));

  if (ext === '.ipynb') return { role: 'notebook', reason: 'notebook (.ipynb)' };

  if (lower === 'conftest.py') return { role: 'test', reason: 'name conftest.py' };
  if (language !== null) {
    if (/^test_.*\.py$/i.test(name)) return { role: 'test', reason: 'name test_*.py' };
    if (/_test\.py$/i.test(name)) return { role: 'test', reason: 'name *_test.py' };
    if (/^test[-_].*\.r$/i.test(name)) return { role: 'test', reason: 'name test-*.R' };
  }

  if (CONFIG_NAMES.has(lower)) return { role: 'config', reason: `config file ${name}` };
  if (/^requirements.*\.(txt|in)$/i.test(name)) return { role: 'config', reason: 'name requirements*.txt' };
  if (/^environment.*\.ya?ml$/i.test(name)) return { role: 'config', reason: 'name environment*.yml' };
  if (/^(licen[cs]e|copying)/i.test(name)) return { role: 'config', reason: 'licence file' };

  if (BUILD_NAMES.has(lower) || ext === '.cmake') return { role: 'build', reason: `build file ${name}` };
  if (dirs[0] === '.github' || dirs[0] === '.circleci') return { role: 'build', reason: `under ${parts[0]}/` };

  const testDir = under(TEST_DIRS);
  if (testDir && language !== null) return { role: 'test', reason: `under ${testDir}/` };

  const exampleDir = under(EXAMPLE_DIRS);
  if (exampleDir && language !== null) return { role: 'example', reason: `under ${exampleDir}/` };

  const docDir = under(DOC_DIRS);
  if (docDir) return { role: 'docs', reason: `under ${docDir}/` };
  if (/^readme/i.test(name)) return { role: 'docs', reason: 'readme' };

  const dataDir = under(DATA_DIRS);
  if (dataDir && language === null) return { role: 'data', reason: `under ${dataDir}/` };
  if (ext === '.csv' || ext === '.tsv' || ext === '.dat') return { role: 'data', reason: `data file (${ext})` };

  if (DOC_EXTENSIONS.has(ext) || /^(changelog|changes|news|authors|contributing|history)\b/i.test(name)) {
    return { role: 'docs', reason: ext ? `documentation (${ext})` : 'documentation' };
  }

  if (language !== null) {
    if (language === 'r' && dirs[0] === 'r') return { role: 'library', reason: 'R source under R/' };
    return { role: 'library', reason: `${language} source` };
  }
  if (SOURCE_EXTENSIONS.has(ext)) return { role: 'other', reason: `source in a language not parsed (${ext})` };
  if (dataDir || DATA_EXTENSIONS.has(ext)) return { role: 'other', reason: `file (${ext})` };
  return { role: 'other', reason: ext ? `unclassified (${ext})` : 'unclassified' };
}
