/** Where a Python file is imported from: its module name under the repository's import roots. */

/** "src/pkg/sub/mod.py" under import roots ["src"] is "pkg.sub.mod"; a package's __init__.py is the package. */
export function pythonModuleOf(relPath: string, importRoots: string[]): string {
  let p = relPath.replace(/\\/g, '/').replace(/^\.\//, '');
  const roots = [...importRoots].map((r) => r.replace(/\\/g, '/').replace(/\/+$/, '')).sort((a, b) => b.length - a.length);
  for (const root of roots) {
    if (root === '') break;
    if (p.startsWith(`${root}/`)) {
      p = p.slice(root.length + 1);
      break;
    }
  }
  const parts = p.replace(/\.py[iw]?$/, '').split('/').filter((s) => s !== '');
  if (parts[parts.length - 1] === '__init__') parts.pop();
  return parts.join('.');
}
