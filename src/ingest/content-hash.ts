/**
 * The identity of a folder that git does not describe: a sha256 over the paths and contents of exactly the
 * files a distill reads (the walker's skip list and .gitignore applied).
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { cancelled, throwIfAborted } from '../kernel/errors.js';
import { gitignored, keptDespiteIgnore, readGitignore, type GitignoreScope } from './gitignore.js';
import { SKIP_DIRS } from './walk.js';

export interface HashLimits {
  /** Files past this many are not hashed; the hash then records that it was cut. */
  maxFiles: number;
  /** Files larger than this count by path, size and mtime instead of content. */
  maxFileBytes: number;
  /** Content bytes hashed in all; past it, files count by path, size and mtime. */
  maxTotalBytes: number;
  signal?: AbortSignal;
}

const DEFAULT_LIMITS: HashLimits = { maxFiles: 200_000, maxFileBytes: 64 * 1024 * 1024, maxTotalBytes: 2 * 1024 * 1024 * 1024 };

// The same folders the walker leaves out: the hash identifies exactly what a distill reads.

/**
 * `sha256:<hex>` over the sorted relative paths and contents of the files under root: the identity
 * of a folder that git does not describe. Venvs, caches and what .gitignore excludes are skipped:
 * they change without the source changing.
 */
export async function contentHash(root: string, limits: Partial<HashLimits> = {}): Promise<string> {
  const lim = { ...DEFAULT_LIMITS, ...limits };
  const files: string[] = [];
  let cut = false;
  const walk = async (rel: string, outer: GitignoreScope[]): Promise<void> => {
    throwIfAborted(lim.signal);
    const dir = path.join(root, rel);
    let entries;
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    // A venv under any name: it holds installed packages, not the repository's source.
    if (rel && entries.some((e) => e.name === 'pyvenv.cfg' && e.isFile())) return;
    const own = entries.some((e) => e.name === '.gitignore' && e.isFile()) ? await readGitignore(dir, rel) : null;
    const scopes = own ? [...outer, own] : outer;
    for (const e of entries) {
      throwIfAborted(lim.signal);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (SKIP_DIRS.has(e.name) || gitignored(scopes, r, true)) continue;
        await walk(r, scopes);
      } else if (e.isFile() || e.isSymbolicLink()) {
        // Sockets, FIFOs and devices are left out as the walk leaves them out: reading one may never end.
        if (gitignored(scopes, r, false) && !keptDespiteIgnore(e.name, entries)) continue;
        if (files.length >= lim.maxFiles) {
          cut = true;
          return;
        }
        files.push(r);
      }
    }
  };
  await walk('', []);
  files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  const outer = createHash('sha256');
  let total = 0;
  for (const rel of files) {
    throwIfAborted(lim.signal);
    const abs = path.join(root, rel);
    let digest: string;
    try {
      const lst = await fsp.lstat(abs);
      if (lst.isSymbolicLink()) {
        // Never followed: a link out of the tree would make the hash depend on unrelated files.
        digest = `link:${await fsp.readlink(abs)}`;
      } else if (lst.size > lim.maxFileBytes || total + lst.size > lim.maxTotalBytes) {
        digest = `big:${lst.size}:${Math.floor(lst.mtimeMs)}`;
      } else {
        total += lst.size;
        // At most the size it stated: a file that grows while read (or lies about its size) stops there.
        digest = await hashFile(abs, lst.size, lim.signal);
      }
    } catch (e) {
      if (lim.signal?.aborted) throw e;
      digest = 'unreadable';
    }
    outer.update(rel, 'utf8');
    outer.update('\0');
    outer.update(digest, 'utf8');
    outer.update('\n');
  }
  if (cut) outer.update(`\0cut at ${lim.maxFiles} files\n`);
  return `sha256:${outer.digest('hex')}`;
}

/** sha256 of the first `size` bytes; a cancel stops it between chunks. */
function hashFile(abs: string, size: number, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    if (size === 0) return resolve(h.digest('hex'));
    const stream = createReadStream(abs, { start: 0, end: size - 1 });
    stream
      .on('data', (c) => {
        if (signal?.aborted) {
          stream.destroy();
          reject(cancelled());
          return;
        }
        h.update(c);
      })
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}
