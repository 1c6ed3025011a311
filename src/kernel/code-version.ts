/**
 * The version of the running program's code, as a hash of its own files (the folder this file is built into:
 * dist/ or src/) and the package lock: what the distill cache keys on, so a result computed by other code (a new
 * release, a local edit, a different grammar) is never reused. The package's version number alone would not
 * change with a local edit.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Hash of every file under the code folder (sorted by path) and of package-lock.json beside it, when present. */
export async function codeVersion(codeDir: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')): Promise<string> {
  const h = createHash('sha256');
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && !e.name.endsWith('.map')) files.push(p);
    }
  };
  await walk(codeDir);
  files.sort();
  for (const f of files) h.update(`${path.relative(codeDir, f)}\0`).update(await readFile(f)).update('\0');
  const lock = await readFile(path.join(codeDir, '..', 'package-lock.json')).catch(() => null);
  if (lock) h.update(lock);
  return h.digest('hex').slice(0, 32);
}
