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
import { compiledModule } from './site.js';

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
function compiledSibling(file: string): Promise<boolean> {
  return compiledModule(path.dirname(file), path.basename(file, '.py'));
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
        if (await compiledModule(site, pkg)) return null;
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
 * Copy the virtual environment `fromVenv` to `toVenv` and point its scripts at the new place. Files are hard links
 * where the file system allows (an environment with matplotlib is 100 MB: a copy per edit would fill the disk),
 * else copies with their timestamps (so the bytecode of untouched modules stays valid); symlinks are kept as they
 * are. Nothing of the copy is ever written through a link: every file changed in it is a new file renamed into
 * place (`replaceFile`, `rewrite`).
 */
export async function copyVenv(fromVenv: string, toVenv: string): Promise<void> {
  await fsp.mkdir(path.dirname(toVenv), { recursive: true });
  await linkTree(fromVenv, toVenv);
  // Console scripts' shebangs, activate scripts and pyvenv.cfg name the folder the environment was made in.
  const rewrite = async (file: string): Promise<void> => {
    const st = await fsp.lstat(file).catch(() => null);
    if (!st?.isFile() || st.size > 256 * 1024) return;
    const text = await fsp.readFile(file, 'utf8').catch(() => null);
    if (text === null || !text.includes(fromVenv)) return;
    const tmp = tmpBeside(file);
    await fsp.writeFile(tmp, text.split(fromVenv).join(toVenv), { mode: st.mode & 0o7777 });
    await fsp.chmod(tmp, st.mode & 0o7777);
    await fsp.utimes(tmp, st.atime, st.mtime);
    await fsp.rename(tmp, file);
  };
  const bin = path.join(toVenv, 'bin');
  for (const name of await fsp.readdir(bin).catch(() => [] as string[])) await rewrite(path.join(bin, name));
  await rewrite(path.join(toVenv, 'pyvenv.cfg'));
}

async function linkTree(from: string, to: string): Promise<void> {
  const st = await fsp.lstat(from);
  await fsp.mkdir(to, { mode: st.mode & 0o7777 });
  for (const e of await fsp.readdir(from, { withFileTypes: true })) {
    const a = path.join(from, e.name);
    const b = path.join(to, e.name);
    if (e.isDirectory()) await linkTree(a, b);
    else if (e.isSymbolicLink()) await fsp.symlink(await fsp.readlink(a), b);
    else if (e.isFile()) {
      try {
        await fsp.link(a, b);
      } catch {
        // Another file system, or one without hard links: a copy that keeps the timestamps.
        const fst = await fsp.stat(a);
        await fsp.copyFile(a, b);
        await fsp.chmod(b, fst.mode & 0o7777);
        await fsp.utimes(b, fst.atime, fst.mtime);
      }
    }
  }
}

function tmpBeside(file: string): string {
  return `${file}.${createHash('sha256').update(`${process.pid}:${Date.now()}:${Math.random()}:${file}`).digest('hex').slice(0, 8)}.tmp`;
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

/** A fresh file (never a write through a link the copy shares with the environment it came from), with a new mtime. */
async function replaceFile(from: string, to: string): Promise<void> {
  const tmp = tmpBeside(to);
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
