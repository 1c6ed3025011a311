/**
 * The version of the running program's code, as a hash of its own files (the folder this file is built into:
 * dist/ or src/) and the package lock: what the distill cache keys on, so a result computed by other code (a new
 * release, a local edit, a different grammar) is never reused. The package's version number alone would not
 * change with a local edit.
 *
 * A result that only some of the code computes (an example run: the runner, its sandbox and its driver) is keyed
 * by that code alone (`codeVersionOf`): the modules its entry points import, transitively, and the other files
 * of their folders (the driver's Python source). A change to search or to how examples are mined then keeps
 * every run record.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CODE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MODULE = /\.(js|ts|mjs)$/;

/** Hash of every file under the code folder (sorted by path) and of package-lock.json beside it, when present. */
export async function codeVersion(codeDir: string = CODE_DIR): Promise<string> {
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && !e.name.endsWith('.map')) files.push(p);
    }
  };
  await walk(codeDir);
  return hashFiles(codeDir, files);
}

/**
 * Hash of the modules `entries` (paths under the code folder, named as built: "validate/runner.js") import,
 * transitively through relative imports, of the other files in their folders (not modules, not source maps), and
 * of package-lock.json. Run from the TypeScript sources (tests), "x.js" is read as "x.ts".
 */
export async function codeVersionOf(entries: string[], codeDir: string = CODE_DIR): Promise<string> {
  const modules = new Set<string>();
  const resolve = async (file: string): Promise<string | null> => {
    if (await isFile(file)) return file;
    const ts = file.replace(/\.js$/, '.ts');
    return ts !== file && (await isFile(ts)) ? ts : null;
  };
  const pending = (await Promise.all(entries.map((e) => resolve(path.join(codeDir, e))))).filter((f): f is string => f !== null);
  if (pending.length !== entries.length) throw new Error(`code version: an entry of ${entries.join(', ')} is not under ${codeDir}`);
  while (pending.length) {
    const file = pending.pop()!;
    if (modules.has(file)) continue;
    modules.add(file);
    const text = await readFile(file, 'utf8');
    // Static imports and re-exports, and dynamic import() of a literal: type-only imports count too (harmless).
    for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const found = await resolve(path.resolve(path.dirname(file), m[1]!));
      if (found && !modules.has(found)) pending.push(found);
    }
  }
  const files = new Set(modules);
  for (const dir of new Set([...modules].map((f) => path.dirname(f)))) {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.isFile() && !MODULE.test(e.name) && !e.name.endsWith('.map')) files.add(path.join(dir, e.name));
    }
  }
  return hashFiles(codeDir, [...files]);
}

async function isFile(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null))?.isFile() ?? false;
}

async function hashFiles(codeDir: string, files: string[]): Promise<string> {
  const h = createHash('sha256');
  for (const f of [...files].sort()) h.update(`${path.relative(codeDir, f)}\0`).update(await readFile(f)).update('\0');
  const lock = await readFile(path.join(codeDir, '..', 'package-lock.json')).catch(() => null);
  if (lock) h.update(lock);
  return h.digest('hex').slice(0, 32);
}
