/**
 * Where a repository's Python packages live and under which names they are imported. Declared mappings come
 * first, read statically (setuptools' package_dir in pyproject.toml, setup.cfg or setup.py, and the folder given
 * to find_packages); then where the __init__.py files sit: a flat layout, src/, lib/, python/ or src/python/
 * (multi-language repositories), or a repository root that is itself the package. Nothing is executed.
 */
import type { ModuleRoot } from '../python/modules.js';
import { asStrings, asTable } from './metadata.js';
import type { RepoMetadata } from './repo-metadata.js';
import { assignedBracket, dictOfStrings, findPackagesWhere, stringsIn } from './setup-py.js';
import type { Layout, RepoFile } from './types.js';

/** Folders that hold packages without being one (src/, lib/, python/ in a multi-language repository). */
const CONTAINERS = ['src', 'lib', 'python', 'src/python'];

type Meta = Pick<RepoMetadata, 'pyproject' | 'setupCfg' | 'setupPy'>;

/** `repoName` ("owner/name" or a folder name) names a root-is-package repository that declares no package name. */
export function detectLayout(files: readonly RepoFile[], meta: Meta, repoName: string | null): Layout {
  const py = files.filter((f) => f.language === 'python');
  const hasDir = (dir: string) => dir === '' || py.some((f) => f.path.startsWith(`${dir}/`));
  const declared = declaredPackageDirs(meta);
  const mapped = declared.dirs.filter((d) => hasDir(d.dir));
  if (mapped.length) return fromMapping(mapped, `package_dir in ${declared.from}`);
  const where = declared.where.filter((d) => d !== '' && hasDir(d));
  if (where.length) return fromMapping(where.map((dir) => ({ pkg: '', dir })), `find_packages(where=...) in ${declared.from}`);

  const isFile = new Set(files.map((f) => f.path));
  if (isFile.has('__init__.py')) {
    const name = rootPackageName(meta, repoName);
    // A stray __init__.py beside the package's own folder does not make the root the package.
    if (name && !isFile.has(`${name}/__init__.py`)) return fromMapping([{ pkg: name, dir: '' }], '__init__.py at the repository root');
  }

  // A package is a folder with an __init__.py among the library files; a container holds one without being one.
  const roots = new Set<string>();
  let rootModules = false;
  for (const f of py) {
    if (f.role !== 'library') continue;
    const parts = f.path.split('/');
    const dir = parts.slice(0, -1).join('/');
    if (parts.length === 2 && parts[1] === '__init__.py') roots.add('');
    if (parts.length === 1) rootModules = true;
    if (dir === 'src' && parts.length === 2) roots.add('src');
    if (parts[parts.length - 1] !== '__init__.py') continue;
    const container = parts.slice(0, -2).join('/');
    if (CONTAINERS.includes(container) && !isFile.has(`${container}/__init__.py`)) roots.add(container);
  }
  // A module at the root is the distribution itself only when no package folder is found: beside src/ it is a script.
  if (rootModules && roots.size === 0) roots.add('');
  // Deepest first, so src/python wins over src when both name a file; the root comes last.
  const ordered = [...roots].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  if (!ordered.length) return { importRoots: [''], moduleRoots: [''], unrootable: [], reason: 'no package found: the repository root' };
  return { importRoots: ordered, moduleRoots: ordered, unrootable: [], reason: ordered.includes('') && ordered.length === 1 ? 'flat layout' : `${ordered.filter((r) => r).join(', ')} layout` };
}

interface Mapping {
  pkg: string;
  dir: string;
}

function fromMapping(mapped: Mapping[], reason: string): Layout {
  const importRoots: string[] = [];
  const moduleRoots: ModuleRoot[] = [];
  const unrootable: Layout['unrootable'] = [];
  const add = (r: string) => {
    if (!importRoots.includes(r)) importRoots.push(r);
  };
  for (const { pkg, dir } of mapped) {
    if (pkg === '') {
      add(dir);
      moduleRoots.push(dir);
      continue;
    }
    moduleRoots.push({ dir, prefix: pkg });
    // python/mypkg for mypkg is the plain case: its parent folder is a root. Anything else needs an install.
    const slash = dir.lastIndexOf('/');
    const base = dir.slice(slash + 1);
    if (!pkg.includes('.') && base === pkg) add(slash < 0 ? '' : dir.slice(0, slash));
    else unrootable.push({ package: pkg, dir });
  }
  if (!importRoots.length) importRoots.push('');
  importRoots.sort((a, b) => b.length - a.length);
  return { importRoots, moduleRoots, unrootable, reason };
}

/** "./lib/" → "lib", "." → "". */
function normDir(dir: string): string {
  return dir
    .trim()
    .replace(/\\/g, '/')
    .replace(/^(\.\/)+/, '')
    .replace(/\/+$/, '')
    .replace(/^\.$/, '');
}

/** package_dir entries and find_packages folders, from the first metadata file that declares any. */
function declaredPackageDirs(meta: Meta): { dirs: Mapping[]; where: string[]; from: string } {
  const pyTool = asTable(meta.pyproject?.doc.tool);
  const tool = asTable(pyTool?.setuptools);
  if (meta.pyproject && tool) {
    const pd = asTable(tool['package-dir'] ?? tool.package_dir);
    const dirs = pd ? Object.entries(pd).flatMap(([k, v]) => (typeof v === 'string' ? [{ pkg: k, dir: normDir(v) }] : [])) : [];
    const find = asTable(asTable(tool.packages)?.find);
    const where = asStrings(find?.where).map(normDir);
    if (dirs.length || where.length) return { dirs, where, from: meta.pyproject.file };
  }
  // Poetry's packages = [{ include = "pkg", from = "lib" }] and hatch's wheel packages = ["python/pkg"].
  if (meta.pyproject && pyTool) {
    const poetry = Array.isArray(asTable(pyTool.poetry)?.packages) ? (asTable(pyTool.poetry)!.packages as unknown[]) : [];
    const dirs: Mapping[] = poetry.flatMap((e) => {
      const t = asTable(e);
      const include = typeof t?.include === 'string' ? t.include : '';
      const from = typeof t?.from === 'string' ? normDir(t.from) : '';
      return IDENTIFIER.test(include) ? [{ pkg: include, dir: from ? `${from}/${include}` : include }] : [];
    });
    const wheel = asTable(asTable(asTable(asTable(pyTool.hatch)?.build)?.targets)?.wheel);
    for (const p of asStrings(wheel?.packages).map(normDir)) {
      const base = p.slice(p.lastIndexOf('/') + 1);
      if (IDENTIFIER.test(base)) dirs.push({ pkg: base, dir: p });
    }
    if (dirs.length) return { dirs, where: [], from: meta.pyproject.file };
  }
  const cfg = meta.setupCfg;
  if (cfg) {
    const raw = cfg.sections.options?.package_dir ?? '';
    const dirs = raw
      .split('\n')
      .map((l) => /^([\w.]*)\s*=\s*(.+)$/.exec(l.trim()))
      .flatMap((m) => (m ? [{ pkg: m[1]!, dir: normDir(m[2]!) }] : []));
    const packages = cfg.sections.options?.packages ?? '';
    const where = /find(_namespace)?:/.test(packages) ? [normDir(cfg.sections['options.packages.find']?.where ?? '')] : [];
    if (dirs.length || where.some((w) => w)) return { dirs, where, from: cfg.file };
  }
  const sp = meta.setupPy;
  if (sp) {
    const range = assignedBracket(sp, 'package_dir');
    const dirs = range ? dictOfStrings(sp, range).map(({ key, value }) => ({ pkg: key, dir: normDir(value) })) : [];
    const where = findPackagesWhere(sp);
    if (dirs.length || where) return { dirs, where: where === null ? [] : [normDir(where)], from: sp.file };
  }
  return { dirs: [], where: [], from: '' };
}

const IDENTIFIER = /^[A-Za-z_]\w*$/;

/** The import name of a package that is the repository root: declared packages, then project name, then repo name. */
function rootPackageName(meta: Meta, repoName: string | null): string | null {
  const sp = meta.setupPy;
  const packages = sp ? assignedBracket(sp, 'packages') : null;
  const declared = sp && packages ? stringsIn(sp, packages).find((p) => IDENTIFIER.test(p)) : undefined;
  if (declared) return declared;
  const project = asTable(meta.pyproject?.doc.project)?.name;
  const cfgName = meta.setupCfg?.sections.metadata?.name;
  const spName = sp ? /(?:^|[\s,(])name\s*=\s*/m.exec(sp.scanned.masked) : null;
  const spLit = sp && spName ? sp.literals.find((l) => l.start === spName.index + spName[0].length)?.body : undefined;
  const repo = repoName?.split('/').pop();
  for (const n of [project, cfgName, spLit, repo]) {
    const id = typeof n === 'string' ? n.trim().replace(/[-.]/g, '_') : '';
    if (IDENTIFIER.test(id)) return id;
  }
  return null;
}

/**
 * The package folders of a layout, or null when the repository root is one of them (a flat layout: any Python
 * file may be the package's).
 */
function packageFolders(layout: Layout): string[] | null {
  const dirs = layout.moduleRoots.map((r) => (typeof r === 'string' ? r : r.dir));
  return dirs.includes('') ? null : dirs;
}

/**
 * Library Python files outside every package folder of a src/-style layout (`build_package.py`, `run_benchmark.py`
 * beside `src/`) are the repository's scripts, not its package: users cannot import them once it is installed.
 * Returns the files with those given the role 'other'; the rest unchanged.
 */
export function scriptsOutsidePackages(files: RepoFile[], layout: Layout): RepoFile[] {
  const folders = packageFolders(layout);
  if (!folders) return flatScripts(files);
  return files.map((f) =>
    f.language === 'python' && f.role === 'library' && !folders.some((d) => f.path.startsWith(`${d}/`))
      ? { ...f, role: 'other', roleReason: `Python file outside the package folders (${folders.join(', ')}/): a script of the repository, not its package` }
      : f,
  );
}

/**
 * In a flat layout with a package at the root (`nitime/__init__.py`), a top folder without an `__init__.py`
 * (`tools/apigen.py`) holds the repository's scripts: it is no package users import. Without any such package
 * the folders are all there is, and stay library.
 */
function flatScripts(files: RepoFile[]): RepoFile[] {
  const inits = new Set(files.filter((f) => /^[^/]+\/__init__\.py$/.test(f.path)).map((f) => f.path.split('/')[0]!));
  if (inits.size === 0) return files;
  return files.map((f) => {
    const top = f.path.includes('/') ? f.path.split('/')[0]! : null;
    return f.language === 'python' && f.role === 'library' && top !== null && !inits.has(top)
      ? { ...f, role: 'other', roleReason: `Python file in ${top}/, a folder that is not a package beside the package ${[...inits].sort().join(', ')}: a script of the repository` }
      : f;
  });
}
