/**
 * The libraries known now, read from their folders (the source of truth): shipped ones, extra read-only
 * folders, then the user's own, a later location shadowing an earlier library of the same name. Parsed folders
 * are reused while their files are unchanged, so a distill re-reads only what it wrote. Blocks are looked up
 * by id here; the search index is derived from the same list elsewhere.
 */
import type { Block } from '../domain/block.js';
import type { LoadedLibrary } from '../domain/library.js';
import type { LibraryInfo } from '../domain/pattern.js';
import { CodedistillError } from '../kernel/errors.js';
import type { Logger } from '../kernel/log.js';
import path from 'node:path';
import { discoverLibraries, importRootsOf, LOCK_FILE, type LibraryCache, type LibraryLocation } from './files.js';
import { providerImportRoots } from './providers.js';

export class Catalogue {
  private libs = new Map<string, LoadedLibrary>();
  private blocks = new Map<string, { block: Block; lib: LoadedLibrary }>();
  private readonly cache: LibraryCache = new Map();
  private loaded: Promise<void> | null = null;

  constructor(
    private readonly locations: LibraryLocation[],
    private readonly logger: Logger,
  ) {}

  /** Read the folders again (changed ones only) and return every library. */
  async reload(): Promise<LoadedLibrary[]> {
    const { libraries, problems } = await discoverLibraries(this.locations, this.cache);
    for (const p of problems) this.logger.warn(`library skipped: ${p}`);
    this.libs = new Map(libraries.map((l) => [l.name, l]));
    this.blocks = new Map();
    for (const lib of libraries) for (const b of lib.blocks) this.blocks.set(b.id, { block: b, lib });
    this.loaded = Promise.resolve();
    return libraries;
  }

  /** Loaded once on first need; a failed load is tried again next time. */
  ready(): Promise<void> {
    if (!this.loaded) {
      this.loaded = this.reload().then(() => undefined);
      this.loaded.catch(() => (this.loaded = null));
    }
    return this.loaded;
  }

  get(name: string): LoadedLibrary | null {
    return this.libs.get(name) ?? null;
  }

  has(name: string): boolean {
    return this.libs.has(name);
  }

  list(): LoadedLibrary[] {
    return [...this.libs.values()];
  }

  /** A library by name, or an unknown_library error that names the ones there are. */
  require(name: string): LoadedLibrary {
    const lib = this.libs.get(name);
    if (lib) return lib;
    throw new CodedistillError(
      'unknown_library',
      `No library named "${name}".`,
      this.libs.size
        ? `Use one of: ${[...this.libs.keys()].join(', ')}; or create it with distill_repo.`
        : 'No libraries exist yet: create one with distill_repo.',
    );
  }

  /** A block and its library by id, or an unknown_block error that suggests ids ending the same way. */
  block(rawId: string): { block: Block; lib: LoadedLibrary } {
    const id = rawId.trim();
    const hit = this.blocks.get(id);
    if (hit) return hit;
    const tail = id.includes(':') ? id.slice(id.indexOf(':') + 1) : id;
    const name = tail.split('.').pop() ?? tail;
    const near = [...this.blocks.keys()].filter((k) => k.endsWith(`.${name}`) || k.endsWith(`:${name}`)).slice(0, 5);
    throw new CodedistillError(
      'unknown_block',
      `No block with id "${id}".`,
      near.length
        ? `Did you mean ${near.map((n) => `"${n}"`).join(' or ')}? Ids come from search_library.`
        : 'Ids look like "<library>:<module>.<name>" and come from search_library results; search first.',
    );
  }

  /** Other libraries whose snapshots provide this library's requirements (importable in its runs). */
  providerRoots(lib: LoadedLibrary): string[] {
    return providerImportRoots(lib.manifest.requirements, this.list(), lib.name);
  }

  /** What a run of this library's code needs on its import path: its snapshot, then its providers'. */
  runImportRoots(lib: LoadedLibrary): string[] {
    return [...importRootsOf(lib), ...this.providerRoots(lib)];
  }
}

/** What a caller is told about a library. */
export function libraryInfo(lib: LoadedLibrary): LibraryInfo {
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
