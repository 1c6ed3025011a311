/**
 * Package data the build left out, put back from the snapshot. A project that lists its data through
 * setuptools_scm's git file finder, or not at all, builds a wheel without it when there is no .git (a snapshot
 * has none), and the package then fails with FileNotFoundError on its own bundled tables. Only files missing
 * from the installed package are copied, never over what the wheel installed.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';

const NOT_DATA = /\.(py|pyc|pyo|pyx|pxd|pxi|c|h|cc|cpp|cxx|hpp|so|pyd|o|a)$/i;

/** Copy the snapshot's data files of `packages` (under `roots` of `projectDir`) missing from `sitePackages`. */
export async function overlayPackageData(projectDir: string, roots: string[], packages: string[], sitePackages: string): Promise<string[]> {
  const added: string[] = [];
  const copyMissing = async (from: string, to: string, rel: string): Promise<void> => {
    const entries = await fsp.readdir(from, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (e.name === '__pycache__' || e.name.startsWith('.')) continue;
      const src = path.join(from, e.name);
      const dest = path.join(to, e.name);
      if (e.isDirectory()) await copyMissing(src, dest, `${rel}/${e.name}`);
      else if (e.isFile() && !NOT_DATA.test(e.name) && !(await fsp.stat(dest).catch(() => null))) {
        await fsp.mkdir(to, { recursive: true });
        await fsp.copyFile(src, dest);
        added.push(`${rel}/${e.name}`);
      }
    }
  };
  for (const pkg of packages) {
    const installed = path.join(sitePackages, pkg);
    if (!(await fsp.stat(installed).catch(() => null))?.isDirectory()) continue;
    for (const root of roots) {
      const src = path.join(projectDir, root, pkg);
      if ((await fsp.stat(src).catch(() => null))?.isDirectory()) {
        await copyMissing(src, installed, pkg);
        break;
      }
    }
  }
  return added;
}
