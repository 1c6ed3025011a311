/**
 * The libraries known now, read from their folders (the source of truth): shipped ones, extra read-only
 * folders, then the user's own, a later location shadowing an earlier library of the same name.
 *
 * It keeps each library's manifest and fingerprint, not its blocks: whole libraries are opened on demand (an LRU
 * bounded by blocks), single blocks read by offset (block-file.ts). It stays live: `refresh()` notices libraries
 * another process added, rewrote or removed (a stat of each location folder, which a rename into it changes, and its
 * change mark, which every writer rewrites last (files.ts markChanged); a full stat pass every few seconds for edits
 * in place) and tells its listeners. What each folder held at which
 * stamp is kept in a facts file, so a start over many libraries reads manifests, not blocks.
 */
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { LRUCache } from 'lru-cache';
import type { Block } from '../domain/block.js';
import type { LibraryEntry, LoadedLibrary } from '../domain/library.js';
import type { LibraryInfo } from '../domain/pattern.js';
import { CodedistillError } from '../kernel/errors.js';
import { readJsonFile, writeJsonFileAtomic } from '../kernel/json-file.js';
import type { Logger } from '../kernel/log.js';
import { blockOffsets, readBlockAt, type BlockOffsets } from './block-file.js';
import { discoverLibraries, importRootsOf, loadLibrary, LOCK_FILE, readChangeMark, type EntryFacts, type LibraryLocation } from './files.js';
import { providerImportRoots } from './providers.js';
import { recoverLibraries } from './recover.js';

export interface CatalogueOptions {
  /** Where what each folder held is kept between starts; none: every start reads every library's blocks once. */
  factsFile?: string | null;
  /** Blocks of whole libraries kept open at most (default 5 000: a library being indexed or revalidated, not the home). */
  maxOpenBlocks?: number;
  /** Single blocks kept at most (default 2 000). */
  maxBlocks?: number;
  /** With no location folder changed, every library's files are still stat'ed this often (default 5 s)... */
  recheckMs?: number;
  /**
   * ...or less often, where a pass takes long: at most this share of the time (default 0.02). A pass over a lab's
   * 4,700 libraries took 420 ms here, half a second of CPU: every 5 s, a tenth of a two-core machine.
   */
  recheckShare?: number;
}

const FACTS_VERSION = 1;

export class Catalogue {
  private libs = new Map<string, LibraryEntry>();
  private readonly facts = new Map<string, EntryFacts>();
  private loaded: Promise<void> | null = null;
  private locationStamp = '';
  private checkedAt = 0;
  /** How long the last pass over every library's files took (ms). */
  private passMs = 0;
  /** The periodic pass over every library's files, while it runs behind the callers (refresh()). */
  private recheck: Promise<void> | null = null;
  /** That pass found a change that no refresh() has reported yet. */
  private changedBehind = false;
  private factsRead = false;
  private reloading: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<(libraries: LibraryEntry[]) => void>();
  private readonly opened: LRUCache<string, LoadedLibrary>;
  private readonly offsets: LRUCache<string, BlockOffsets>;
  private readonly blocks: LRUCache<string, Block>;

  constructor(
    private readonly locations: LibraryLocation[],
    private readonly logger: Logger,
    private readonly opts: CatalogueOptions = {},
  ) {
    this.opened = new LRUCache({ maxSize: opts.maxOpenBlocks ?? 5_000, sizeCalculation: (l) => l.blocks.length + 1 });
    // An offset costs about what its id does (~100 bytes): 200k of them is ~20 MB, the largest libraries whole.
    this.offsets = new LRUCache({ maxSize: 200_000, sizeCalculation: (o) => o.size + 1 });
    this.blocks = new LRUCache({ max: opts.maxBlocks ?? 2000 });
  }

  /** Called with the libraries after a reload that changed them (added, rewritten or removed). */
  onChange(listener: (libraries: LibraryEntry[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Read every folder again (blocks only of changed ones) and return every library; reloads run one at a time. */
  async reload(): Promise<LibraryEntry[]> {
    return (await this.reloadQueued()).libraries;
  }

  private reloadQueued(): Promise<{ libraries: LibraryEntry[]; changed: boolean }> {
    const next = this.reloading.then(() => this.reloadNow());
    this.reloading = next.catch(() => {});
    return next;
  }

  private async reloadNow(): Promise<{ libraries: LibraryEntry[]; changed: boolean }> {
    if (!this.factsRead) await this.readFacts();
    this.locationStamp = await this.stampLocations();
    this.checkedAt = Date.now();
    const started = performance.now();
    const before = signature(this.libs.values());
    // discoverLibraries keeps a folder's facts object while its files are unchanged: a new object is a change.
    const factsBefore = new Map(this.facts);
    const previous = new Map([...this.libs.values()].map((l) => [l.dir, l]));
    const { libraries, problems } = await discoverLibraries(this.locations, this.facts, previous);
    for (const p of problems) this.logger.warn(`library skipped: ${p}`);
    this.libs = new Map(libraries.map((l) => [l.name, l]));
    this.loaded = Promise.resolve();
    const factsChanged = factsBefore.size !== this.facts.size || [...this.facts].some(([dir, f]) => factsBefore.get(dir) !== f);
    if (this.opts.factsFile && factsChanged) await this.writeFacts();
    const changed = signature(libraries) !== before;
    this.passMs = performance.now() - started;
    if (changed) for (const fn of this.listeners) fn(libraries);
    return { libraries, changed };
  }

  /**
   * Reload when something may have changed since the last look: a location folder's own stamp (a library swapped
   * in, added or removed renames an entry in it), or the recheck interval passed. True when the libraries changed.
   *
   * The recheck, a stat of every library's files for edits made in place, runs behind the caller: over a lab's
   * thousands of libraries it takes a few hundred milliseconds, and the search that happened to come due would wait
   * for it. What it finds, the next refresh reports (and its listeners hear at once).
   */
  async refresh(): Promise<boolean> {
    if (!this.loaded) {
      await this.ready();
      return true;
    }
    await this.loaded;
    const stamp = await this.stampLocations();
    if (stamp !== this.locationStamp) {
      const { changed } = await this.reloadQueued();
      // Taken either way: a change the recheck found is in what this reload read, and is reported now, once.
      return this.takeChangedBehind() || changed;
    }
    const every = Math.max(this.opts.recheckMs ?? 5000, this.passMs / (this.opts.recheckShare ?? 0.02));
    if (!this.recheck && Date.now() - this.checkedAt >= every) {
      this.checkedAt = Date.now();
      this.recheck = this.reloadQueued()
        .then((r) => void (r.changed && (this.changedBehind = true)))
        .catch((e) => this.logger.warn(`checking the library files: ${(e as Error).message}`))
        .finally(() => (this.recheck = null));
    }
    return this.takeChangedBehind();
  }

  /** Settles when no recheck is running behind the callers (for tests and an orderly close). */
  async idle(): Promise<void> {
    await this.recheck;
  }

  private takeChangedBehind(): boolean {
    const changed = this.changedBehind;
    this.changedBehind = false;
    return changed;
  }

  /** Loaded once on first need (finishing what killed writers left first); a failed load is tried again next time. */
  ready(): Promise<void> {
    if (!this.loaded) {
      this.loaded = (async () => {
        for (const loc of this.locations) {
          if (!loc.readonly) await recoverLibraries(loc.dir, this.logger).catch((e) => this.logger.warn(`recovering ${loc.dir}: ${(e as Error).message}`));
        }
        await this.reload();
      })();
      this.loaded.catch(() => (this.loaded = null));
    }
    return this.loaded;
  }

  get(name: string): LibraryEntry | null {
    return this.libs.get(name) ?? null;
  }

  has(name: string): boolean {
    return this.libs.has(name);
  }

  list(): LibraryEntry[] {
    return [...this.libs.values()];
  }

  /** A library by name, or an unknown_library error that names the ones there are. */
  require(name: string): LibraryEntry {
    const lib = this.libs.get(name);
    if (lib) return lib;
    throw new CodedistillError(
      'unknown_library',
      `No library named "${name}".`,
      this.libs.size
        ? `Use one of: ${[...this.libs.keys()].slice(0, 30).join(', ')}${this.libs.size > 30 ? ', …' : ''}; or create it with distill_repo.`
        : 'No libraries exist yet: create one with distill_repo.',
    );
  }

  /** A library with its blocks (the catalogue's entry must be current: it is read at that fingerprint). */
  async open(entry: LibraryEntry): Promise<LoadedLibrary> {
    const key = `${entry.dir}\0${entry.fingerprint}`;
    const hit = this.opened.get(key);
    if (hit) return hit;
    const lib = await loadLibrary(entry.dir, entry.readonly, entry.demo);
    // Rewritten since the entry was read: serve what is there now, under the entry's name and flags.
    const opened: LoadedLibrary = { ...lib, name: entry.name, readonly: entry.readonly, ...(entry.demo ? { demo: true } : {}) };
    this.opened.set(`${entry.dir}\0${lib.fingerprint}`, opened);
    return opened;
  }

  /** A block and its library by id, or an unknown_block error that suggests ids ending the same way. */
  async block(rawId: string): Promise<{ block: Block; lib: LibraryEntry }> {
    const id = rawId.trim();
    const libName = id.includes(':') ? id.slice(0, id.indexOf(':')) : '';
    const lib = this.libs.get(libName);
    const cacheKey = lib ? `${lib.fingerprint}\0${id}` : '';
    const cached = lib ? this.blocks.get(cacheKey) : undefined;
    if (lib && cached) return { block: cached, lib };
    const offsets = lib ? await this.offsetsOf(lib) : null;
    const at = offsets?.get(id);
    if (lib && at) {
      const block = await readBlockAt(lib.dir, at);
      this.blocks.set(cacheKey, block);
      return { block, lib };
    }
    const tail = id.includes(':') ? id.slice(id.indexOf(':') + 1) : id;
    const name = tail.split('.').pop() ?? tail;
    const near = offsets ? [...offsets.keys()].filter((k) => k.endsWith(`.${name}`) || k.endsWith(`:${name}`)).slice(0, 5) : [];
    throw new CodedistillError(
      'unknown_block',
      `No block with id "${id.length > 200 ? `${id.slice(0, 200)}…` : id}".`,
      near.length
        ? `Did you mean ${near.map((n) => `"${n}"`).join(' or ')}? Ids come from search_library.`
        : lib || !libName
          ? 'Ids look like "<library>:<module>.<name>" and come from search_library results; search first.'
          : `There is no library "${libName.slice(0, 100)}"; ids come from search_library results.`,
    );
  }

  private async offsetsOf(lib: LibraryEntry): Promise<BlockOffsets> {
    const key = `${lib.dir}\0${lib.fingerprint}`;
    const hit = this.offsets.get(key);
    if (hit) return hit;
    const offsets = await blockOffsets(lib.dir);
    this.offsets.set(key, offsets);
    return offsets;
  }

  /** Other libraries whose snapshots provide this library's requirements (importable in its runs). */
  providerRoots(lib: LibraryEntry): string[] {
    return providerImportRoots(lib.manifest.requirements, this.list(), lib.name);
  }

  /** What a run of this library's code needs on its import path: its snapshot, then its providers'. */
  runImportRoots(lib: LibraryEntry): string[] {
    return [...importRootsOf(lib), ...this.providerRoots(lib)];
  }

  /** The location folders' stamp the last reload read them at ('' before the first). */
  get readAt(): string {
    return this.locationStamp;
  }

  /**
   * The location folders' stamp now: it changes when a library is added, swapped in or removed (each renames an
   * entry in its folder, and codedistill's writers then rewrite the folder's change mark), not when a library's files
   * are edited in place.
   */
  stamp(): Promise<string> {
    return this.stampLocations();
  }

  private async stampLocations(): Promise<string> {
    const parts: string[] = [];
    for (const loc of this.locations) {
      const st = await fs.stat(loc.dir).catch(() => null);
      parts.push(st ? `${st.ino}:${st.mtimeMs}:${(await readChangeMark(loc.dir)).trim()}` : '-');
    }
    return parts.join('|');
  }

  private async readFacts(): Promise<void> {
    this.factsRead = true;
    if (!this.opts.factsFile) return;
    const raw = (await readJsonFile(this.opts.factsFile)) as { version?: number; folders?: Record<string, EntryFacts> } | null;
    if (raw?.version !== FACTS_VERSION || !raw.folders || typeof raw.folders !== 'object') return;
    for (const [dir, f] of Object.entries(raw.folders)) {
      if (f && typeof f.stamp === 'string' && typeof f.fingerprint === 'string' && Array.isArray(f.packages)) this.facts.set(dir, f);
    }
  }

  private async writeFacts(): Promise<void> {
    const file = this.opts.factsFile!;
    try {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await writeJsonFileAtomic(file, { version: FACTS_VERSION, folders: Object.fromEntries(this.facts) });
    } catch (e) {
      this.logger.warn(`could not write ${file}: ${(e as Error).message}`);
    }
  }
}

function signature(libs: Iterable<LibraryEntry>): string {
  return [...libs].map((l) => `${l.name}\0${l.dir}\0${l.fingerprint}\0${l.readonly}`).sort().join('\n');
}

/** What a caller is told about a library. */
export function libraryInfo(lib: LibraryEntry): LibraryInfo {
  return {
    name: lib.name,
    description: lib.manifest.description,
    licence: lib.manifest.licence,
    citation: lib.manifest.citation,
    source: lib.manifest.source,
    blocks: lib.manifest.counts.blocks,
    validated: lib.manifest.counts.validated,
    createdAt: lib.manifest.createdAt,
    shipped: lib.readonly,
    environment: lib.manifest.environment
      ? {
          lockHash: lib.manifest.environment.lockHash,
          lockFile: lib.manifest.environment.lockHash ? path.join(lib.dir, LOCK_FILE) : null,
          python: lib.manifest.environment.settings.python,
          package: lib.manifest.environment.package?.status ?? null,
        }
      : null,
  };
}
