/**
 * A cache of JSON values addressed by the hash of everything they were computed from, shared by every process
 * on one home: an entry is written to a temporary file and renamed, so a reader sees a whole entry or none, and
 * two writers of one key write the same value. Nothing is ever invalidated: a changed input is another key.
 * Reads that fail (missing, broken, unreadable) are misses; writes that fail only cost the next run the work.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface ContentCache {
  get(namespace: string, key: string): Promise<unknown>;
  put(namespace: string, key: string, value: unknown): Promise<void>;
}

/** sha256 over the parts, each length-prefixed so that ("ab", "c") and ("a", "bc") differ. */
export function contentKey(...parts: (string | Uint8Array)[]): string {
  const h = createHash('sha256');
  for (const p of parts) {
    const b = typeof p === 'string' ? Buffer.from(p, 'utf8') : p;
    h.update(`${b.length}:`);
    h.update(b);
  }
  return h.digest('hex');
}

/** Entries under dir/<namespace>/<first two hex digits>/<key>.json. */
export function fileContentCache(dir: string): ContentCache {
  const file = (ns: string, key: string) => path.join(dir, ns, key.slice(0, 2), `${key}.json`);
  return {
    async get(ns, key) {
      try {
        return JSON.parse(await readFile(file(ns, key), 'utf8')) as unknown;
      } catch {
        return undefined;
      }
    },
    async put(ns, key, value) {
      // Serialised now: the caller may change the value once this returns its promise.
      const text = JSON.stringify(value);
      const target = file(ns, key);
      const tmp = `${target}.${randomUUID()}.tmp`;
      try {
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(tmp, text, 'utf8');
        await rename(tmp, target);
      } catch {
        // A full disk or a read-only home makes the cache a no-op, never a failed distill.
      }
    },
  };
}

/** A cache in memory (tests; a process that must not write to the home). */
export function memoryContentCache(): ContentCache & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    get(ns, key) {
      const v = entries.get(`${ns}/${key}`);
      return Promise.resolve(v === undefined ? undefined : (JSON.parse(v) as unknown));
    },
    put(ns, key, value) {
      entries.set(`${ns}/${key}`, JSON.stringify(value));
      return Promise.resolve();
    },
  };
}

/**
 * A cache per code version under `parent` (every key holds the version, so another version's entries are never
 * read): this version's folder is marked as used now, and the folders of all but the `keep` most recently used
 * versions are removed, so a home does not keep every release's entries. Failures only leave folders behind.
 */
export async function versionedContentCache(parent: string, version: string, keep = 2): Promise<ContentCache> {
  const dir = path.join(parent, version);
  await mkdir(dir, { recursive: true }).catch(() => {});
  const now = new Date();
  await utimes(dir, now, now).catch(() => {});
  const others = await readdir(parent, { withFileTypes: true }).catch(() => []);
  const dated = await Promise.all(
    others
      .filter((e) => e.isDirectory() && e.name !== version)
      .map(async (e) => ({ name: e.name, at: (await stat(path.join(parent, e.name)).catch(() => null))?.mtimeMs ?? 0 })),
  );
  dated.sort((a, b) => b.at - a.at);
  for (const old of dated.slice(Math.max(0, keep - 1))) await rm(path.join(parent, old.name), { recursive: true, force: true }).catch(() => {});
  return fileContentCache(dir);
}
