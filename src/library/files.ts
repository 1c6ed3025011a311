/**
 * Library folders are the source of truth: manifest.json, blocks.jsonl (one Block per line, sorted by id,
 * so a re-distill reads as a diff) and source/ (a snapshot of the repository's library code, so examples and
 * snippets can import it long after the checkout is gone). The LanceDB index is derived from these files.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { Block } from '../domain/block.js';
import { LibraryManifest } from '../domain/library.js';
import { CodedistillError, errorMessage, fromZod, throwIfAborted } from '../kernel/errors.js';
import { withLock } from '../kernel/lock.js';
import { pool } from '../kernel/pool.js';
import type { Logger } from '../kernel/log.js';
import type { LibraryEntry, LoadedLibrary } from '../domain/library.js';

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

/** The lock every writer of a libraries folder holds while it swaps a library in or out (see recover.ts). */
export function writeLockOf(parentDir: string): string {
  return path.join(parentDir, '.write');
}

/**
 * A libraries folder's change mark: rewritten by every writer as the last step of a swap or removal, under the write
 * lock. Readers notice changes by the folder's own stamp, but a folder's mtime has the filesystem's granularity (a
 * clock tick on Linux, a second or two on some): a reader that looked while a swap was under way, within the tick
 * its steps share, would see the folder unchanged after it. The mark changes after the last step, whatever the clock.
 */
export const CHANGE_MARK_FILE = '.changed';

export async function markChanged(parentDir: string): Promise<void> {
  await fs.writeFile(path.join(parentDir, CHANGE_MARK_FILE), `${writerTag()} ${Date.now()}\n`);
}

/** The change mark as it is now ('' when no writer has left one). */
export async function readChangeMark(parentDir: string): Promise<string> {
  return fs.readFile(path.join(parentDir, CHANGE_MARK_FILE), 'utf8').catch(() => '');
}

/** What names a writer's temporary folders: this host and process, so recovery knows whether the writer lives. */
export function writerTag(): string {
  return `${hostTag()}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

export function hostTag(): string {
  return createHash('sha256').update(os.hostname()).digest('hex').slice(0, 6);
}

export interface WriteLibraryOptions {
  /** The environment lock to store beside the manifest (environment/lock.ts), when one was built. */
  lock?: string | null;
  /** Honoured until the swap: a cancelled write leaves the previous library as it was. */
  signal?: AbortSignal;
  logger?: Logger;
}

/**
 * Write a library folder atomically: build it beside the target (the manifest last, so a folder with a manifest
 * is complete), then, holding the folder's write lock, swap it in with two renames. A kill between them leaves
 * `.<name>.old-<tag>` and `.<name>.tmp-<tag>`; recover.ts finishes the swap on the next start.
 */
export async function writeLibrary(
  parentDir: string,
  manifest: LibraryManifest,
  blocks: Block[],
  sourceFiles: SourceFileCopy[],
  { lock = null, signal, logger }: WriteLibraryOptions = {},
): Promise<string> {
  const checked = LibraryManifest.parse(manifest);
  await fs.mkdir(parentDir, { recursive: true });
  const target = path.join(parentDir, checked.name);
  const tag = writerTag();
  const tmp = path.join(parentDir, `.${checked.name}.tmp-${tag}`);
  await fs.mkdir(tmp, { recursive: true });
  try {
    const sorted = [...blocks].map((b) => Block.parse(b)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    await fs.writeFile(path.join(tmp, BLOCKS_FILE), sorted.map((b) => JSON.stringify(b)).join('\n') + (sorted.length ? '\n' : ''));
    if (lock !== null) await fs.writeFile(path.join(tmp, LOCK_FILE), lock);
    await copySourceFiles(sourceFiles, path.join(tmp, SOURCE_DIR), signal);
    await fs.writeFile(path.join(tmp, MANIFEST_FILE), JSON.stringify(checked, null, 2) + '\n');
    await withLock(
      writeLockOf(parentDir),
      async () => {
        throwIfAborted(signal);
        let old: string | null = null;
        if (await exists(target)) {
          old = path.join(parentDir, `.${checked.name}.old-${tag}`);
          await fs.rename(target, old);
        }
        await fs.rename(tmp, target);
        if (old) await fs.rm(old, { recursive: true, force: true });
        await markChanged(parentDir);
      },
      { signal, logger },
    );
    return target;
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Copy snapshot files under `destDir` at their repository paths (byte for byte, mode kept); none escapes it. */
export async function copySourceFiles(files: SourceFileCopy[], destDir: string, signal?: AbortSignal): Promise<void> {
  for (const f of files) {
    throwIfAborted(signal);
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

/** What a library folder's files were when last read: a rewrite (a new folder swapped in) or an edit changes it. */
export async function stampOf(dir: string): Promise<string> {
  const parts: string[] = [];
  for (const f of [MANIFEST_FILE, BLOCKS_FILE]) {
    const st = await fs.stat(path.join(dir, f));
    parts.push(`${st.ino}:${st.size}:${st.mtimeMs}`);
  }
  return parts.join('|');
}

/** Top-level Python packages these blocks live in. */
export function packagesOf(blocks: Iterable<Block>): string[] {
  const out = new Set<string>();
  for (const b of blocks) {
    if (b.language !== 'python' || b.kind === 'workflow') continue;
    const top = b.qualifiedName.split('.')[0];
    if (top) out.add(top);
  }
  return [...out].sort();
}

/** A library whole: manifest, blocks, fingerprint. */
export async function loadLibrary(dir: string, readonly: boolean, demo = false): Promise<LoadedLibrary> {
  const manifest = await readManifest(dir);
  const blocks = await readBlocks(dir);
  const fingerprint = await fingerprintOf(dir);
  return { name: manifest.name, dir, readonly, ...(demo ? { demo } : {}), manifest, blocks, fingerprint, packages: packagesOf(blocks) };
}

/** What is known of a library folder without its blocks, at the stamp it was read. */
export interface EntryFacts {
  stamp: string;
  fingerprint: string;
  packages: string[];
}

/**
 * A library folder's entry. Its fingerprint and packages come from `known` when the files have not changed since
 * (a stamp compare: two stats), else from one pass over blocks.jsonl, so a start over many libraries does not read
 * their blocks again.
 */
export async function readEntry(
  dir: string,
  loc: Pick<LibraryLocation, 'readonly' | 'demo'>,
  known?: EntryFacts | null,
  previous?: LibraryEntry | null,
): Promise<{ entry: LibraryEntry; facts: EntryFacts }> {
  const stamp = await stampOf(dir);
  // Unchanged since the last read in this process: not even the manifest is read again.
  if (known && previous && known.stamp === stamp && previous.fingerprint === known.fingerprint && previous.readonly === loc.readonly && !!previous.demo === !!loc.demo) {
    return { entry: previous, facts: known };
  }
  const manifest = await readManifest(dir);
  let facts: EntryFacts;
  if (known && known.stamp === stamp) {
    facts = known;
  } else {
    const packages = packagesOf(await readBlocks(dir));
    facts = { stamp, fingerprint: await fingerprintOf(dir), packages };
  }
  const entry: LibraryEntry = {
    name: manifest.name,
    dir,
    readonly: loc.readonly,
    ...(loc.demo ? { demo: true } : {}),
    manifest,
    fingerprint: facts.fingerprint,
    packages: facts.packages,
  };
  return { entry, facts };
}

async function fingerprintOf(dir: string): Promise<string> {
  const h = createHash('sha256');
  for (const f of [MANIFEST_FILE, BLOCKS_FILE]) {
    h.update(f);
    for await (const chunk of createReadStream(path.join(dir, f))) h.update(chunk as Buffer);
  }
  return h.digest('hex').slice(0, 32);
}

/**
 * Every folder that holds a library under these locations, in order, with the location it is in. A folder a writer
 * is swapping at this moment (only its `.<name>.old-<tag>` is there) is listed too, marked `swapping`.
 */
export async function libraryFolders(locations: LibraryLocation[]): Promise<{ dir: string; loc: LibraryLocation; swapping?: true }[]> {
  const out: { dir: string; loc: LibraryLocation; swapping?: true }[] = [];
  for (const loc of locations) {
    let entries: { name: string; swapping: boolean }[];
    try {
      const dirents = (await fs.readdir(loc.dir, { withFileTypes: true })).filter((d) => d.isDirectory());
      const visible = new Set(dirents.filter((d) => !d.name.startsWith('.')).map((d) => d.name));
      const swapping = new Set(
        dirents.map((d) => SWAPPED_OUT.exec(d.name)?.[1]).filter((n): n is string => !!n && !visible.has(n)),
      );
      entries = [...[...visible].map((name) => ({ name, swapping: false })), ...[...swapping].map((name) => ({ name, swapping: true }))].sort(
        (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
      );
    } catch {
      continue;
    }
    for (const { name, swapping } of entries) {
      const dir = path.join(loc.dir, name);
      if (swapping) out.push({ dir, loc, swapping: true });
      else if (await exists(path.join(dir, MANIFEST_FILE))) out.push({ dir, loc });
    }
  }
  return out;
}

/** The name writeLibrary gives a library's previous folder between its two renames. */
const SWAPPED_OUT = /^\.(.+)\.old-[0-9a-f]{6}-\d+-[0-9a-f]{8}$/;

/** Whether a writer is between the two renames of a swap of this library folder. */
async function swapUnderWay(dir: string): Promise<boolean> {
  const base = path.basename(dir);
  const names = await fs.readdir(path.dirname(dir)).catch(() => [] as string[]);
  return !names.includes(base) && names.some((n) => SWAPPED_OUT.exec(n)?.[1] === base);
}

/**
 * Every library under the given folders. A later location overrides an earlier one with the same name,
 * so a user's own library shadows a shipped one. Broken folders are reported, not fatal. `known` holds what
 * earlier reads found, by folder; it is brought up to date (folders gone are dropped). `previous` are the entries
 * of the last read, by folder: reused as they are while their files are unchanged.
 */
/** Library folders read at once by discoverLibraries. */
const READ_WIDTH = 16;

export async function discoverLibraries(
  locations: LibraryLocation[],
  known: Map<string, EntryFacts> = new Map(),
  previous: ReadonlyMap<string, LibraryEntry> = new Map(),
): Promise<{ libraries: LibraryEntry[]; problems: string[] }> {
  const byName = new Map<string, LibraryEntry>();
  const problems: string[] = [];
  const seen = new Set<string>();
  const folders = await libraryFolders(locations);
  // Each folder is a few stats and one small read: at thousands of libraries the waits, not the work, are what a
  // cold start costs, so they overlap. The results are applied in folder order (a later location's name wins).
  // A library being swapped is missing for a moment: its previous entry stands (the index must not drop and
  // re-embed a library that is being rewritten), and the writer's change mark sends readers back once it is in.
  const readOne = async ({ dir, loc, swapping }: (typeof folders)[number]): Promise<{ entry: LibraryEntry; facts: EntryFacts } | null> => {
    try {
      return await readEntry(dir, loc, known.get(dir), previous.get(dir));
    } catch (e) {
      if (!swapping && !(await swapUnderWay(dir))) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        // Renamed away between the listing and the read: a swap that has finished since, or a removal.
        return readEntry(dir, loc, known.get(dir), previous.get(dir)).catch(async (again) => {
          if ((again as NodeJS.ErrnoException).code === 'ENOENT' && !(await exists(dir))) return null;
          throw again;
        });
      }
      const prev = previous.get(dir);
      const facts = known.get(dir);
      return prev && facts ? { entry: prev, facts } : null;
    }
  };
  const read = await pool(
    folders.map((f) => () => readOne(f)),
    READ_WIDTH,
  );
  folders.forEach(({ dir }, i) => {
    const r = read[i]!;
    if (r.status === 'fulfilled') {
      if (!r.value) return;
      seen.add(dir);
      known.set(dir, r.value.facts);
      byName.set(r.value.entry.name, r.value.entry);
    } else {
      problems.push(`${dir}: ${errorMessage(r.reason)}`);
    }
  });
  for (const dir of known.keys()) if (!seen.has(dir)) known.delete(dir);
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
