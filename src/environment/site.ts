/**
 * What an environment holds, read from its files alone (dist-info folders, top_level.txt, RECORD): nothing in
 * it is started on the host, because the repository's own package is installed there.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { normaliseDistName } from '../python/distributions.js';

export interface InstalledDistribution {
  name: string;
  version: string;
  /** Top-level modules and packages it installs. */
  modules: string[];
}

/** site-packages of a POSIX virtual environment (lib/pythonX.Y/site-packages); null before it exists. */
export async function sitePackagesOf(venv: string): Promise<string | null> {
  const lib = path.join(venv, 'lib');
  const entries = await fsp.readdir(lib).catch(() => [] as string[]);
  for (const e of entries.sort()) {
    if (!/^python\d/.test(e)) continue;
    const sp = path.join(lib, e, 'site-packages');
    if ((await fsp.stat(sp).catch(() => null))?.isDirectory()) return sp;
  }
  return null;
}

function header(metadata: string, field: string): string | null {
  const m = new RegExp(`^${field}:[ \\t]*(.+)$`, 'mi').exec(metadata.split(/\r?\n\r?\n/)[0] ?? '');
  return m ? m[1]!.trim() : null;
}

/** Top-level names a distribution installs: top_level.txt when there is one, else the first parts of RECORD. */
async function modulesOf(distInfo: string): Promise<string[]> {
  const top = await fsp.readFile(path.join(distInfo, 'top_level.txt'), 'utf8').catch(() => null);
  if (top !== null) return [...new Set(top.split(/\r?\n/).map((l) => l.trim().split('/')[0]!).filter(Boolean))].sort();
  const record = await fsp.readFile(path.join(distInfo, 'RECORD'), 'utf8').catch(() => '');
  const out = new Set<string>();
  for (const line of record.split(/\r?\n/)) {
    const file = line.split(',')[0]?.trim() ?? '';
    if (!file || file.startsWith('..') || file.startsWith('/')) continue;
    const first = file.split('/')[0]!;
    if (first.endsWith('.dist-info') || first.endsWith('.data') || first === '__pycache__' || first.endsWith('.pth')) continue;
    const mod = first.replace(/\.(py|pyc|so|pyd)$/, '').replace(/\.(cpython|abi3|pypy)[^.]*$/, '');
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(mod)) out.add(mod);
  }
  return [...out].sort();
}

/** Distributions installed in a site-packages folder, by normalised name. */
export async function installedIn(sitePackages: string): Promise<InstalledDistribution[]> {
  const entries = await fsp.readdir(sitePackages).catch(() => [] as string[]);
  const out: InstalledDistribution[] = [];
  for (const e of entries.sort()) {
    if (!e.endsWith('.dist-info')) continue;
    const dir = path.join(sitePackages, e);
    const metadata = await fsp.readFile(path.join(dir, 'METADATA'), 'utf8').catch(() => null);
    if (metadata === null) continue;
    const name = header(metadata, 'Name');
    const version = header(metadata, 'Version');
    if (!name || !version) continue;
    out.push({ name: normaliseDistName(name), version, modules: await modulesOf(dir) });
  }
  return out;
}

/** Top-level importable names in a site-packages folder, whoever installed them. */
export async function topLevelNames(sitePackages: string): Promise<string[]> {
  const entries = await fsp.readdir(sitePackages, { withFileTypes: true }).catch(() => []);
  const out = new Set<string>();
  for (const e of entries) {
    if (e.name.startsWith('_') && e.name !== '__init__.py' && !/^_[A-Za-z]/.test(e.name)) continue;
    if (e.isDirectory() && /^[A-Za-z_][A-Za-z0-9_]*$/.test(e.name)) out.add(e.name);
    else if (e.isFile()) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(\.[\w-]+)?\.(py|so|pyd)$/.exec(e.name);
      if (m) out.add(m[1]!);
    }
  }
  return [...out].sort();
}

/** Whether `dir` holds `name` as an extension module (`name.cpython-311-x86_64-linux-gnu.so`, `name.pyd`): it wins the import over `name.py`. */
export async function compiledModule(dir: string, name: string): Promise<boolean> {
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  return names.some((n) => n.startsWith(`${name}.`) && /\.(so|pyd|dylib)$/.test(n));
}
