/**
 * Library folders are the source of truth: manifest.json, blocks.jsonl (one Block per line, sorted by id,
 * so a re-distill reads as a diff) and source/ (a snapshot of the repository's library code, so examples and
 * snippets can import it long after the checkout is gone). The LanceDB index is derived from these files.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { Block } from '../domain/block.js';
import { LibraryManifest } from '../domain/library.js';
import { CodedistillError, errorMessage, fromZod } from '../kernel/errors.js';
import type { LoadedLibrary } from '../domain/library.js';

export const MANIFEST_FILE = 'manifest.json';
export const BLOCKS_FILE = 'blocks.jsonl';
export const SOURCE_DIR = 'source';
/** The library's environment in pip freeze form (environment/lock.ts), when one was built. */
export const LOCK_FILE = 'environment.lock';

export interface LibraryLocation {
  dir: string;
  readonly: boolean;
  /** The libraries shipped with codedistill as demos: searched only when the user has none of their own, or asks. */
  demo?: boolean;
}

export interface SourceFileCopy {
  /** Path relative to the repository root (and to source/). */
  path: string;
  absPath: string;
}

/** Write a library folder atomically: build it beside the target, then swap it in with renames. */
export async function writeLibrary(
  parentDir: string,
  manifest: LibraryManifest,
  blocks: Block[],
  sourceFiles: SourceFileCopy[],
  lock: string | null = null,
): Promise<string> {
  const checked = LibraryManifest.parse(manifest);
  await fs.mkdir(parentDir, { recursive: true });
  const target = path.join(parentDir, checked.name);
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = path.join(parentDir, `.${checked.name}.tmp-${tag}`);
  await fs.mkdir(tmp, { recursive: true });
  try {
    await fs.writeFile(path.join(tmp, MANIFEST_FILE), JSON.stringify(checked, null, 2) + '\n');
    const sorted = [...blocks].map((b) => Block.parse(b)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    await fs.writeFile(path.join(tmp, BLOCKS_FILE), sorted.map((b) => JSON.stringify(b)).join('\n') + (sorted.length ? '\n' : ''));
    if (lock !== null) await fs.writeFile(path.join(tmp, LOCK_FILE), lock);
    await copySourceFiles(sourceFiles, path.join(tmp, SOURCE_DIR));
    let old: string | null = null;
    if (await exists(target)) {
      old = path.join(parentDir, `.${checked.name}.old-${tag}`);
      await fs.rename(target, old);
    }
    await fs.rename(tmp, target);
    if (old) await fs.rm(old, { recursive: true, force: true });
    return target;
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Copy snapshot files under `destDir` at their repository paths (byte for byte, mode kept); none escapes it. */
export async function copySourceFiles(files: SourceFileCopy[], destDir: string): Promise<void> {
  for (const f of files) {
    const rel = f.path.split('/').filter((p) => p && p !== '..').join(path.sep);
    const dest = path.join(destDir, rel);
    await fs.mkdir(path.dirname(dest), { recursive: true });
    await fs.copyFile(f.absPath, dest);
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

export async function readManifest(dir: string): Promise<LibraryManifest> {
  const file = path.join(dir, MANIFEST_FILE);
  let raw: string;
  try {
    raw = await fs.readFile(file, 'utf8');
  } catch {
    throw new CodedistillError('unknown_library', `No library at ${dir}.`, 'Run distill_repo to create it.');
  }
  const parsed = LibraryManifest.safeParse(safeJson(raw));
  if (!parsed.success) {
    throw fromZod(`${file} is not a valid manifest`, parsed.error, 'Distill the repository again to rewrite it.', 1);
  }
  return parsed.data;
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}

export async function readBlocks(dir: string): Promise<Block[]> {
  const file = path.join(dir, BLOCKS_FILE);
  const blocks: Block[] = [];
  const rl = readline.createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) {
    n++;
    if (!line.trim()) continue;
    const parsed = Block.safeParse(safeJson(line));
    if (!parsed.success) {
      throw fromZod(`${file} line ${n} is not a valid block`, parsed.error, 'Distill the repository again to rewrite it.', 1);
    }
    blocks.push(parsed.data);
  }
  return blocks;
}

export async function fingerprint(dir: string): Promise<string> {
  const h = createHash('sha256');
  for (const f of [MANIFEST_FILE, BLOCKS_FILE]) {
    h.update(f);
    h.update(await fs.readFile(path.join(dir, f)));
  }
  return h.digest('hex').slice(0, 32);
}

export async function loadLibrary(dir: string, readonly: boolean, demo = false): Promise<LoadedLibrary> {
  const manifest = await readManifest(dir);
  const blocks = await readBlocks(dir);
  return { name: manifest.name, dir, readonly, ...(demo ? { demo } : {}), manifest, blocks, fingerprint: await fingerprint(dir) };
}

/** Libraries already read, by folder, with the stamp of their files then: passed back to skip re-reading. */
export type LibraryCache = Map<string, { stamp: string; lib: LoadedLibrary }>;

/**
 * Size, mtime and inode of a library's two files: a rewrite (always a new folder swapped in by rename) or an
 * edit changes it, so an unchanged stamp means the parsed library can be reused.
 */
async function stampOf(dir: string): Promise<string> {
  const parts: string[] = [];
  for (const f of [MANIFEST_FILE, BLOCKS_FILE]) {
    const st = await fs.stat(path.join(dir, f));
    parts.push(`${st.ino}:${st.size}:${st.mtimeMs}`);
  }
  return parts.join('|');
}

/**
 * Every library under the given folders. A later location overrides an earlier one with the same name,
 * so a user's own library shadows a shipped one. Broken folders are reported, not fatal. With a cache, a
 * library whose files have not changed since it was last read is reused rather than parsed again.
 */
export async function discoverLibraries(
  locations: LibraryLocation[],
  cache?: LibraryCache,
): Promise<{ libraries: LoadedLibrary[]; problems: string[] }> {
  const byName = new Map<string, LoadedLibrary>();
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const loc of locations) {
    let entries: string[];
    try {
      entries = (await fs.readdir(loc.dir, { withFileTypes: true }))
        .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
        .map((d) => d.name)
        .sort();
    } catch {
      continue;
    }
    for (const name of entries) {
      const dir = path.join(loc.dir, name);
      if (!(await exists(path.join(dir, MANIFEST_FILE)))) continue;
      try {
        seen.add(dir);
        const stamp = cache ? await stampOf(dir) : '';
        const hit = cache?.get(dir);
        const lib = hit && hit.stamp === stamp && hit.lib.readonly === loc.readonly && !!hit.lib.demo === !!loc.demo
            ? hit.lib
            : await loadLibrary(dir, loc.readonly, loc.demo);
        cache?.set(dir, { stamp, lib });
        byName.set(lib.name, lib);
      } catch (e) {
        problems.push(`${dir}: ${errorMessage(e)}`);
      }
    }
  }
  if (cache) for (const dir of cache.keys()) if (!seen.has(dir)) cache.delete(dir);
  return { libraries: [...byName.values()].sort((a, b) => a.name.localeCompare(b.name)), problems };
}

/** The library's environment.lock, or null when it has none. */
export async function readLock(dir: string): Promise<string | null> {
  return fs.readFile(path.join(dir, LOCK_FILE), 'utf8').catch(() => null);
}

/** Folders on the import path for a library's snapshot (flat or src/ layout). */
export function importRootsOf(lib: { dir: string; manifest: LibraryManifest }): string[] {
  const roots = lib.manifest.importRoots.length ? lib.manifest.importRoots : [''];
  return roots.map((r) => path.join(lib.dir, SOURCE_DIR, r));
}

/** The files of a library's source snapshot, to carry it over when the library is rewritten. */
export async function snapshotOf(lib: { dir: string }): Promise<SourceFileCopy[]> {
  const base = path.join(lib.dir, SOURCE_DIR);
  const out: SourceFileCopy[] = [];
  const walk = async (rel: string): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(path.join(base, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else if (e.isFile()) out.push({ path: r, absPath: path.join(base, r) });
    }
  };
  await walk('');
  return out;
}
