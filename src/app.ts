/**
 * The core services behind both the MCP tools and the CLI: one place that knows where libraries live,
 * keeps the derived index in step with them, and runs the pipeline stages.
 */
import type { Config } from './config.js';
import type { Block } from './domain/block.js';
import { DistillReport, DistillRequest } from './domain/distill.js';
import { type JobOptions } from './domain/job.js';
import type { LibraryInfo, PatternResult } from './domain/pattern.js';
import { SearchQuery, type SearchResult } from './domain/search.js';
import { SnippetRequest, type SnippetResult } from './domain/snippet.js';
import { distillRepo } from './jobs/distill.js';
import { CodedistillError, errorMessage } from './kernel/errors.js';
import { createEmbedder } from './search/embedder.js';
import { openIndex } from './search/store.js';
import type { SearchIndex } from './search/types.js';
import type { LoadedLibrary } from './domain/library.js';
import { providerImportRoots } from './library/providers.js';
import { discoverLibraries, importRootsOf, snapshotOf, writeLibrary, type LibraryCache, type LibraryLocation } from './library/files.js';
import type { Logger } from './kernel/log.js';
import { createParser } from './parse/parser.js';
import type { CodeParser } from './parse/types.js';
import { createPythonRunner, createRunnerServices } from './validate/runner.js';
import type { Runner } from './validate/types.js';
import { usageFor } from './distill/usage.js';
import { RevalidateRequest, type RevalidateReport } from './domain/revalidate.js';
import { createLlmClient, type LlmClient } from './enrich/client.js';
import { revalidateLibrary } from './jobs/revalidate.js';

export interface App {
  readonly config: Config;
  distill(req: DistillRequest, opts?: JobOptions): Promise<DistillReport>;
  search(input: unknown): Promise<SearchResult>;
  getPattern(id: string): Promise<PatternResult>;
  validateSnippet(req: unknown, opts?: { signal?: AbortSignal }): Promise<SnippetResult>;
  libraries(): Promise<LibraryInfo[]>;
  /** Re-run a library's examples in the current environment, store the new run records, report what changed. */
  revalidate(req: unknown, opts?: JobOptions): Promise<RevalidateReport>;
  /** Load libraries and bring the index up to date; every call that needs them awaits the same work. */
  warmUp(): Promise<void>;
  close(): Promise<void>;
}

/** Stage implementations; tests pass fakes. */
export interface AppServices {
  parser: () => Promise<CodeParser>;
  runner: Runner;
  index: () => Promise<SearchIndex>;
  /** The optional language model for enrichment and repair; null when none is configured. */
  llm: LlmClient | null;
}

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | null = null;
  return () => {
    if (!p) {
      p = fn();
      // A failed start may succeed later (a model folder appears): do not cache the failure.
      p.catch(() => (p = null));
    }
    return p;
  };
}

export function defaultServices(config: Config, logger: Logger): AppServices {
  return {
    parser: once(() => createParser()),
    // One uid pool per process: concurrent sandboxes must never share a uid (and with it a process budget).
    runner: createPythonRunner(config, logger, createRunnerServices()),
    index: once(async () => {
      const embedder = await createEmbedder({
        model: config.model,
        modelDir: config.modelDir,
        cacheDir: config.modelCacheDir,
        allowRemote: config.allowRemoteModels,
        logger,
      });
      return openIndex({ dir: config.indexDir, embedder, logger });
    }),
    llm: config.llm ? createLlmClient(config.llm, { logger }) : null,
  };
}

export function createApp(config: Config, logger: Logger, services: AppServices = defaultServices(config, logger)): App {
  const locations: LibraryLocation[] = [
    { dir: config.shippedLibrariesDir, readonly: true },
    ...config.extraLibraryDirs.map((dir) => ({ dir, readonly: true })),
    { dir: config.userLibrariesDir, readonly: false },
  ];
  let libs = new Map<string, LoadedLibrary>();
  // Parsed library folders, reused while their files are unchanged: a distill re-reads only what it wrote.
  const libraryCache: LibraryCache = new Map();
  let blocks = new Map<string, { block: Block; lib: LoadedLibrary }>();
  // Serialises catalogue reloads and index syncs: a distill finishing while a search warms up must not interleave.
  let chain: Promise<unknown> = Promise.resolve();
  let warm: Promise<void> | null = null;

  const setCatalogue = (list: LoadedLibrary[]) => {
    libs = new Map(list.map((l) => [l.name, l]));
    blocks = new Map();
    for (const lib of list) for (const b of lib.blocks) blocks.set(b.id, { block: b, lib });
  };

  // The catalogue (library files) and the index are separate: validating a snippet needs only the former,
  // so it never waits for a model to load.
  let catalogueReady: Promise<void> | null = null;
  const loadCatalogue = async (): Promise<LoadedLibrary[]> => {
    const { libraries, problems } = await discoverLibraries(locations, libraryCache);
    for (const p of problems) logger.warn(`library skipped: ${p}`);
    setCatalogue(libraries);
    return libraries;
  };
  const catalogue = (): Promise<void> => {
    if (!catalogueReady) {
      catalogueReady = loadCatalogue().then(() => undefined);
      catalogueReady.catch(() => (catalogueReady = null));
    }
    return catalogueReady;
  };

  const refresh = (opts: JobOptions = {}): Promise<void> => {
    const next = chain.then(async () => {
      const libraries = await loadCatalogue();
      catalogueReady = Promise.resolve();
      const index = await services.index();
      const res = await index.sync(libraries, opts);
      if (res.indexed.length || res.removed.length) {
        logger.info(`index: ${res.indexed.length} libraries indexed, ${res.removed.length} removed, ${res.unchanged.length} unchanged`);
      }
    });
    chain = next.catch(() => {});
    return next;
  };

  const warmUp = (): Promise<void> => {
    if (!warm) {
      warm = refresh();
      warm.catch(() => (warm = null));
    }
    return warm;
  };

  const info = (lib: LoadedLibrary): LibraryInfo => ({
    name: lib.name,
    description: lib.manifest.description,
    licence: lib.manifest.licence,
    citation: lib.manifest.citation,
    source: lib.manifest.source,
    blocks: lib.manifest.counts.blocks,
    validated: lib.manifest.counts.validated,
    createdAt: lib.manifest.createdAt,
    shipped: lib.readonly,
  });

  const unknownLibrary = (name: string) =>
    new CodedistillError(
      'unknown_library',
      `No library named "${name}".`,
      libs.size
        ? `Use one of: ${[...libs.keys()].join(', ')}; or create it with distill_repo.`
        : 'No libraries exist yet: create one with distill_repo.',
    );

  return {
    config,

    async distill(input, opts = {}) {
      const req = DistillRequest.parse(input);
      await catalogue();
      const existing = (name: string) => libs.get(name) ?? null;
      const report = await distillRepo(req, {
        config,
        logger,
        parser: await services.parser(),
        runner: services.runner,
        llm: services.llm,
        existingLibrary: existing,
        libraries: () => [...libs.values()],
        libraryParentDir: config.userLibrariesDir,
      }, opts);
      if (!report.unchanged) {
        // The library files are written; make the catalogue and the index see them before answering.
        await refresh(opts).catch((e) => {
          report.warnings.push(`the library was written but indexing failed: ${errorMessage(e)}`);
        });
      }
      return report;
    },

    async search(input) {
      const q = SearchQuery.parse(input);
      await warmUp();
      if (q.library && !libs.has(q.library)) throw unknownLibrary(q.library);
      const index = await services.index();
      return index.search(q);
    },

    async getPattern(rawId) {
      const id = rawId.trim();
      await catalogue();
      const hit = blocks.get(id);
      if (!hit) {
        const tail = id.includes(':') ? id.slice(id.indexOf(':') + 1) : id;
        const name = tail.split('.').pop() ?? tail;
        const near = [...blocks.keys()].filter((k) => k.endsWith(`.${name}`) || k.endsWith(`:${name}`)).slice(0, 5);
        throw new CodedistillError(
          'unknown_block',
          `No block with id "${id}".`,
          near.length
            ? `Did you mean ${near.map((n) => `"${n}"`).join(' or ')}? Ids come from search_library.`
            : 'Ids look like "<library>:<module>.<name>" and come from search_library results; search first.',
        );
      }
      return { block: hit.block, library: info(hit.lib), usage: usageFor(hit.block) };
    },

    async validateSnippet(input, opts = {}) {
      const req = SnippetRequest.parse(input);
      let importRoots: string[] = [];
      let python: string | undefined;
      if (req.library) {
        await catalogue();
        const lib = libs.get(req.library);
        if (!lib) throw unknownLibrary(req.library);
        importRoots = [...importRootsOf(lib), ...providerImportRoots(lib.manifest.requirements, [...libs.values()], lib.name)];
        python = lib.manifest.python ?? undefined;
      }
      const timeoutMs = Math.min(req.timeoutMs ?? config.timeoutMs, config.maxTimeoutMs);
      const record = await services.runner.run({ code: req.code, importRoots, timeoutMs, signal: opts.signal, python });
      return { ...record, library: req.library ?? null };
    },

    async revalidate(input, opts = {}) {
      const req = RevalidateRequest.parse(input);
      await catalogue();
      const lib = libs.get(req.library);
      if (!lib) throw unknownLibrary(req.library);
      const { blocks: updated, report } = await revalidateLibrary(lib, services.runner, {
        ids: req.ids,
        timeoutMs: Math.min(req.timeoutMs ?? config.timeoutMs, config.maxTimeoutMs),
        workers: config.workers,
        signal: opts.signal,
        onProgress: opts.onProgress,
        llm: services.llm ?? undefined,
        extraImportRoots: providerImportRoots(lib.manifest.requirements, [...libs.values()], lib.name),
        python: lib.manifest.python ?? undefined,
      });
      if (report.counts.runs === 0) return { ...report, libraryPath: null };
      // Run records are part of the library files; a shipped library is read-only, so the user gets a copy.
      const manifest = {
        ...lib.manifest,
        counts: { ...lib.manifest.counts, validated: updated.filter((b) => b.validation?.status === 'passed').length },
      };
      const libraryPath = await writeLibrary(config.userLibrariesDir, manifest, updated, await snapshotOf(lib));
      await refresh(opts).catch((e) => report.warnings.push(`re-indexing failed: ${errorMessage(e)}`));
      return { ...report, libraryPath };
    },

    async libraries() {
      await catalogue();
      return [...libs.values()].map(info);
    },

    warmUp,

    async close() {
      await chain.catch(() => {});
      if (warm) {
        const index = await services.index().catch(() => null);
        await index?.close();
      }
    },
  };
}
