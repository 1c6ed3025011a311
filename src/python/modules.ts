/** Where a Python file is imported from: its module name under the repository's import roots. */

/**
 * A folder whose files are imported under a name prefix: a repository whose root is itself the package
 * (`package_dir={'mypkg': '.'}`) is `{ dir: '', prefix: 'mypkg' }`; a plain import root is the string itself.
 */
export type ModuleRoot = string | { dir: string; prefix: string };

function norm(dir: string): string {
  return dir.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '').replace(/^\.$/, '');
}

/**
 * "src/pkg/sub/mod.py" under import roots ["src"] is "pkg.sub.mod"; a package's __init__.py is the package.
 * The deepest root holding the file names it; the repository root ("") names only what no other root holds.
 */
export function pythonModuleOf(relPath: string, importRoots: readonly ModuleRoot[]): string {
  const p = relPath.replace(/\\/g, '/').replace(/^\.\//, '');
  const roots = importRoots
    .map((r) => (typeof r === 'string' ? { dir: norm(r), prefix: '' } : { dir: norm(r.dir), prefix: r.prefix }))
    .sort((a, b) => b.dir.length - a.dir.length);
  let rest = p;
  let prefix = '';
  for (const root of roots) {
    if (root.dir === '') {
      prefix = root.prefix;
      break;
    }
    if (p.startsWith(`${root.dir}/`)) {
      rest = p.slice(root.dir.length + 1);
      prefix = root.prefix;
      break;
    }
  }
  const parts = rest.replace(/\.py[iw]?$/, '').split('/').filter((s) => s !== '');
  if (parts[parts.length - 1] === '__init__') parts.pop();
  return [...(prefix ? prefix.split('.') : []), ...parts].join('.');
}
