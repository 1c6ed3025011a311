/**
 * An environment made from another without a build: when the installed package's Python modules are the
 * snapshot's files byte for byte (no build step rewrote or compiled them), an edit to modules alone changes
 * nothing else a build would have made. The next environment is then the old one copied, with the snapshot's
 * modules put over its package: a one-line edit costs a copy of the environment's own files (the base's stay
 * where they are), not a virtual environment, an install of the requirements and a build in the sandbox.
 *
 * Nothing here runs the environment's python: files are compared, copied and rewritten as text.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';

/** Where a package's modules are in the snapshot (the first import root that has it), or null. */
async function snapshotPlace(projectDir: string, roots: string[], pkg: string): Promise<{ dir: string } | { file: string } | null> {
  for (const root of roots) {
    const dir = path.join(projectDir, root, pkg);
    if ((await fsp.stat(dir).catch(() => null))?.isDirectory()) return { dir };
    const file = path.join(projectDir, root, `${pkg}.py`);
    if ((await fsp.stat(file).catch(() => null))?.isFile()) return { file };
  }
  return null;
}

async function pyFiles(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fsp.readdir(path.join(dir, rel), { withFileTypes: true }).catch(() => [])) {
    if (e.name === '__pycache__' || e.name.startsWith('.')) continue;
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await pyFiles(dir, r)));
    else if (e.isFile() && e.name.endsWith('.py')) out.push(r);
  }
  return out;
}

async function sameBytes(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([fsp.readFile(a).catch(() => null), fsp.readFile(b).catch(() => null)]);
  return x !== null && y !== null && x.equals(y);
}

/** An extension module beside `file` with its stem (`core.cpython-311-x86_64-linux-gnu.so`): it wins the import over the .py. */
async function compiledSibling(file: string): Promise<boolean> {
  const stem = path.basename(file, '.py');
  const names = await fsp.readdir(path.dirname(file)).catch(() => [] as string[]);
  return names.some((n) => n.startsWith(`${stem}.`) && /\.(so|pyd|dylib)$/.test(n));
}

/**
 * Whether every Python module of `packages` in the snapshot is installed in `site` at the same place with the same
 * bytes (and not shadowed by a compiled module): then the files the installed package has beyond them are what
 * the build generated, returned as `generated`. null when a module was rewritten, compiled or left out, or when no
 * package of the snapshot is installed.
 */
export async function modulesAsInSnapshot(
  site: string,
  input: { projectDir: string; importRoots: string[]; packages: string[] },
): Promise<{ generated: string[] } | null> {
  const generated: string[] = [];
  let any = false;
  for (const pkg of input.packages) {
    const place = await snapshotPlace(input.projectDir, input.importRoots, pkg);
    if (!place) continue;
    if ('file' in place) {
      const installed = path.join(site, `${pkg}.py`);
      if (!(await fsp.stat(installed).catch(() => null))) {
        if ((await fsp.readdir(site).catch(() => [] as string[])).some((n) => n.startsWith(`${pkg}.`) && /\.(so|pyd|dylib)$/.test(n))) return null;
        continue;
      }
      if (!(await sameBytes(place.file, installed)) || (await compiledSibling(installed))) return null;
      any = true;
      continue;
    }
    const installedDir = path.join(site, pkg);
    // Not installed under that name (an in-tree build backend such as fluids' _custom_build): nothing to compare.
    if (!(await fsp.stat(installedDir).catch(() => null))?.isDirectory()) continue;
    const ours = await pyFiles(place.dir);
    for (const rel of ours) {
      const there = path.join(installedDir, rel);
      if (!(await sameBytes(path.join(place.dir, rel), there)) || (await compiledSibling(there))) return null;
    }
    const known = new Set(ours);
    for (const rel of await pyFiles(installedDir)) if (!known.has(rel)) generated.push(`${pkg}/${rel}`);
    any = true;
  }
  return any ? { generated: generated.sort() } : null;
}

export interface DerivedCopy {
  /** Package modules copied from the snapshot (changed or new) and removed (gone from the snapshot). */
  updated: string[];
  removed: string[];
}

/**
 * Copy the virtual environment `fromVenv` to `toVenv` (timestamps kept, so the compiled bytecode of untouched
 * files stays valid; relative symlinks kept as they are) and point its scripts at the new place.
 */
export async function copyVenv(fromVenv: string, toVenv: string): Promise<void> {
  await fsp.cp(fromVenv, toVenv, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true, errorOnExist: true, force: false });
  // Console scripts' shebangs, activate scripts and pyvenv.cfg name the folder the environment was made in.
  const rewrite = async (file: string): Promise<void> => {
    const st = await fsp.lstat(file).catch(() => null);
    if (!st?.isFile() || st.size > 256 * 1024) return;
    const text = await fsp.readFile(file, 'utf8').catch(() => null);
    if (text === null || !text.includes(fromVenv)) return;
    await fsp.writeFile(file, text.split(fromVenv).join(toVenv));
    await fsp.chmod(file, st.mode & 0o7777);
    await fsp.utimes(file, st.atime, st.mtime);
  };
  const bin = path.join(toVenv, 'bin');
  for (const name of await fsp.readdir(bin).catch(() => [] as string[])) await rewrite(path.join(bin, name));
  await rewrite(path.join(toVenv, 'pyvenv.cfg'));
}

/**
 * Put the snapshot's modules of `packages` over the package installed in `site`: changed and new modules copied,
 * modules gone from the snapshot removed (the build's `generated` files stay).
 */
export async function overlayModules(
  site: string,
  input: { projectDir: string; importRoots: string[]; packages: string[] },
  generated: string[],
): Promise<DerivedCopy> {
  const updated: string[] = [];
  const removed: string[] = [];
  const keep = new Set(generated);
  for (const pkg of input.packages) {
    const place = await snapshotPlace(input.projectDir, input.importRoots, pkg);
    if (!place) continue;
    if ('file' in place) {
      const installed = path.join(site, `${pkg}.py`);
      if ((await fsp.stat(installed).catch(() => null)) && !(await sameBytes(place.file, installed))) {
        await replaceFile(place.file, installed);
        updated.push(`${pkg}.py`);
      }
      continue;
    }
    const installedDir = path.join(site, pkg);
    if (!(await fsp.stat(installedDir).catch(() => null))?.isDirectory()) continue;
    const ours = await pyFiles(place.dir);
    for (const rel of ours) {
      const to = path.join(installedDir, rel);
      if (await sameBytes(path.join(place.dir, rel), to)) continue;
      await fsp.mkdir(path.dirname(to), { recursive: true });
      await replaceFile(path.join(place.dir, rel), to);
      updated.push(`${pkg}/${rel}`);
    }
    const known = new Set(ours);
    for (const rel of await pyFiles(installedDir)) {
      if (known.has(rel) || keep.has(`${pkg}/${rel}`)) continue;
      await fsp.rm(path.join(installedDir, rel), { force: true });
      await removeBytecode(path.join(installedDir, rel));
      removed.push(`${pkg}/${rel}`);
    }
  }
  return { updated: updated.sort(), removed: removed.sort() };
}

/** A fresh file (not a write through a link the copy may share) with a new mtime, so the old bytecode is stale. */
async function replaceFile(from: string, to: string): Promise<void> {
  const tmp = `${to}.${createHash('sha256').update(`${process.pid}:${Date.now()}:${to}`).digest('hex').slice(0, 8)}.tmp`;
  await fsp.copyFile(from, tmp);
  await fsp.rename(tmp, to);
  await removeBytecode(to);
}

async function removeBytecode(file: string): Promise<void> {
  const cache = path.join(path.dirname(file), '__pycache__');
  const stem = path.basename(file, '.py');
  for (const n of await fsp.readdir(cache).catch(() => [] as string[])) {
    if (n.startsWith(`${stem}.`) && n.endsWith('.pyc')) await fsp.rm(path.join(cache, n), { force: true });
  }
}
