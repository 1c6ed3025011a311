/**
 * The composition root: builds the stages' services (parser, runner with its uid pool and sandbox detector,
 * index, model client) and the library catalogue, and offers the core operations behind both the MCP tools and
 * the CLI, each a call into a job or a stage. It keeps the derived index in step with the library files.
 */
import type { Config } from './config.js';
import { DistillReport, DistillRequest } from './domain/distill.js';
import { type JobOptions } from './domain/job.js';
import type { LibraryInfo, PatternResult } from './domain/pattern.js';
import { SearchQuery, type SearchResult } from './domain/search.js';
import { SnippetRequest, type SnippetResult } from './domain/snippet.js';
import { distillRepo } from './jobs/distill.js';
import { errorMessage } from './kernel/errors.js';
import { createEmbedder } from './search/embedder.js';
import { openIndex } from './search/store.js';
import type { SearchIndex } from './search/types.js';
import { Catalogue, libraryInfo } from './library/catalogue.js';
import type { Logger } from './kernel/log.js';
import { createParser } from './parse/parser.js';
import type { CodeParser } from './parse/types.js';
import { createPythonRunner, createRunnerServices } from './validate/runner.js';
import type { Runner } from './validate/types.js';
import { usageFor } from './distill/usage.js';
import { RevalidateRequest, type RevalidateReport } from './domain/revalidate.js';
import { createLlmClient, type LlmClient } from './enrich/client.js';
import { revalidateAndStore } from './jobs/revalidate.js';

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
  const catalogue = new Catalogue(
    [
      { dir: config.shippedLibrariesDir, readonly: true },
      ...config.extraLibraryDirs.map((dir) => ({ dir, readonly: true })),
      { dir: config.userLibrariesDir, readonly: false },
    ],
    logger,
  );
  // Serialises catalogue reloads and index syncs: a distill finishing while a search warms up must not interleave.
  let chain: Promise<unknown> = Promise.resolve();
  let warm: Promise<void> | null = null;

  // The catalogue (library files) and the index are separate: validating a snippet needs only the former,
  // so it never waits for a model to load.
  const refresh = (opts: JobOptions = {}): Promise<void> => {
    const next = chain.then(async () => {
      const libraries = await catalogue.reload();
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

  const clampTimeout = (ms: number | undefined) => Math.min(ms ?? config.timeoutMs, config.maxTimeoutMs);

  return {
    config,

    async distill(input, opts = {}) {
      const req = DistillRequest.parse(input);
      await catalogue.ready();
      const report = await distillRepo(req, {
        config,
        logger,
        parser: await services.parser(),
        runner: services.runner,
        llm: services.llm,
        existingLibrary: (name) => catalogue.get(name),
        libraries: () => catalogue.list(),
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
      if (q.library) catalogue.require(q.library);
      const index = await services.index();
      return index.search(q);
    },

    async getPattern(id) {
      await catalogue.ready();
      const { block, lib } = catalogue.block(id);
      return { block, library: libraryInfo(lib), usage: usageFor(block) };
    },

    async validateSnippet(input, opts = {}) {
      const req = SnippetRequest.parse(input);
      let importRoots: string[] = [];
      let python: string | undefined;
      if (req.library) {
        await catalogue.ready();
        const lib = catalogue.require(req.library);
        importRoots = catalogue.runImportRoots(lib);
        python = lib.manifest.python ?? undefined;
      }
      const record = await services.runner.run({ code: req.code, importRoots, timeoutMs: clampTimeout(req.timeoutMs), signal: opts.signal, python });
      return { ...record, library: req.library ?? null };
    },

    async revalidate(input, opts = {}) {
      const req = RevalidateRequest.parse(input);
      await catalogue.ready();
      const lib = catalogue.require(req.library);
      const report = await revalidateAndStore(lib, services.runner, {
        ids: req.ids,
        timeoutMs: clampTimeout(req.timeoutMs),
        workers: config.workers,
        signal: opts.signal,
        onProgress: opts.onProgress,
        llm: services.llm ?? undefined,
        extraImportRoots: catalogue.providerRoots(lib),
        python: lib.manifest.python ?? undefined,
        libraryParentDir: config.userLibrariesDir,
      });
      if (report.libraryPath) await refresh(opts).catch((e) => report.warnings.push(`re-indexing failed: ${errorMessage(e)}`));
      return report;
    },

    async libraries() {
      await catalogue.ready();
      return catalogue.list().map(libraryInfo);
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
