/**
 * The composition root: builds the stages' services (parser, runner with its uid pool and sandbox detector,
 * index, model client) and the library catalogue, and offers the core operations behind both the MCP tools and
 * the CLI, each a call into a job or a stage. It keeps the derived index in step with the library files.
 */
import { performance } from 'node:perf_hooks';
import { indexSettings, type Config } from './config.js';
import { DistillReport, DistillRequest } from './domain/distill.js';
import { type JobOptions } from './domain/job.js';
import type { LibraryInfo, PatternResult } from './domain/pattern.js';
import { SearchQuery, type SearchResult } from './domain/search.js';
import { SnippetRequest, type SnippetResult } from './domain/snippet.js';
import { CodedistillError, errorMessage } from './kernel/errors.js';
import type { SearchIndex } from './search/types.js';
import { Catalogue, libraryInfo } from './library/catalogue.js';
import type { Logger } from './kernel/log.js';
import type { CodeParser } from './parse/types.js';
import { lazyRunner } from './validate/lazy-runner.js';
import { sweepRunDirs } from './validate/leftovers.js';
import { sweepLanceLeftovers } from './search/leftovers.js';
import type { Runner } from './validate/types.js';
import { usageFor } from './distill/usage.js';
import { RevalidateRequest, type RevalidateReport } from './domain/revalidate.js';
import { createLlmClient, type LlmClient } from './enrich/client.js';
import { EnvironmentReport, EnvironmentRequest, type PruneReport } from './domain/environment.js';
import { removeEnvironments, unusedEnvironments } from './environment/prune.js';
import type { Environments } from './environment/builder.js';
import { attemptedInstalls, installedVersions, manifestEnvironment, prepareLibraryRuns } from './jobs/environment.js';
import { LOCK_FILE, snapshotOf, writeLibrary } from './library/files.js';
import { acquireLock, tryLock, withLock } from './kernel/lock.js';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { LoadedLibrary } from './domain/library.js';
import type { LibraryDescription, LibrarySummary, RemoveReport } from './domain/libraries.js';
import { libraryDescription, librarySummary } from './library/describe.js';
import { removeLibraryFolder } from './library/remove.js';
import { MinePatternsRequest, type MinePatternsReport } from './domain/idiom.js';
import type { BatchRequest, BatchSummary, DiscoverReport, DiscoverRequest } from './domain/batch.js';
import { batchStatus } from './jobs/batch.js';

export interface App {
  readonly config: Config;
  /**
   * Distill into a library. By default the index is brought up to date before it returns (what a server's tool needs:
   * the agent searches next); with `index: false` that is left to whoever searches next, as every reader syncs first
   * (the CLI: a batch of distills then costs one sync, not one each under the index lock).
   */
  distill(req: DistillRequest, opts?: JobOptions, how?: { index?: boolean }): Promise<DistillReport>;
  search(input: unknown): Promise<SearchResult>;
  getPattern(id: string): Promise<PatternResult>;
  /** Runs in the library's environment when a library is named (building it first, with progress, if needed). */
  validateSnippet(req: unknown, opts?: JobOptions): Promise<SnippetResult>;
  /** Make, rebuild or upgrade a library's environment and store its lock with the library. */
  environment(req: unknown, opts?: JobOptions): Promise<EnvironmentReport>;
  /** Environments no library needs any more (environment/prune.ts): listed, and removed unless `dryRun`. */
  pruneEnvironments(opts: { dryRun: boolean }): Promise<PruneReport>;
  libraries(): Promise<LibraryInfo[]>;
  /** Every library as list_libraries shows it. */
  listLibraries(): Promise<LibrarySummary[]>;
  /** One library: its summary, contents and what was skipped and why. */
  describeLibrary(name: string): Promise<LibraryDescription>;
  /** One library whole, with its environment lock (null when it has none): what a report or an export reads. */
  openLibrary(name: string): Promise<{ library: LoadedLibrary; lock: string | null }>;
  /** Remove one of the user's libraries (never a shipped or read-only one) and stop serving it. */
  removeLibrary(name: string): Promise<RemoveReport>;
  /** Mine the idioms several libraries share into the pattern library "<name>-patterns" (kind pattern), and index it. */
  minePatterns(req: unknown, opts?: JobOptions): Promise<MinePatternsReport>;
  /** Re-run a library's examples in the current environment, store the new run records, report what changed. */
  revalidate(req: unknown, opts?: JobOptions): Promise<RevalidateReport>;
  /** Search GitHub for a field's repositories and write them as a repository list file. */
  discover(req: DiscoverRequest, opts?: JobOptions): Promise<DiscoverReport>;
  /** Distill a repository list on the local queue (child distills on this home); resumes a batch begun before. */
  batch(req: BatchRequest, opts?: JobOptions): Promise<BatchSummary>;
  /** The batches of this home, or one. */
  batchStatus(id?: string): Promise<BatchSummary[]>;
  /** Load libraries and bring the index up to date; every call that needs them awaits the same work. */
  warmUp(): Promise<void>;
  /**
   * What a server does once its client is connected: when the index was last synced with the library folders as
   * they stand (their stamp), searches may read it at once and the libraries are checked after the first search (or a
   * few seconds on); otherwise the same as warmUp.
   */
  start(): Promise<void>;
  /** Called when the libraries change (this process's writes, or another's noticed before a request). */
  onLibrariesChanged(listener: () => void): () => void;
  close(): Promise<void>;
}

/** Stage implementations; tests pass fakes. */
export interface AppServices {
  parser: () => Promise<CodeParser>;
  runner: Runner;
  index: () => Promise<SearchIndex>;
  /** The optional language model for enrichment and repair; null when none is configured. */
  llm: LlmClient | null;
  /** Makes each library's environment; absent or null: runs use the base interpreter and the snapshot. */
  environments?: Environments | null;
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

/** The index opened in this process, as configured; LanceDB's native module loads with it, not with the app. */
export async function openHere(config: Config, logger: Logger, how?: { quiet?: boolean }): Promise<SearchIndex> {
  const { openConfiguredIndex } = await import('./search/open.js');
  return openConfiguredIndex(indexSettings(config), logger, how);
}

export function defaultServices(config: Config, logger: Logger, given: { index?: SearchIndex } = {}): AppServices {
  // One uid pool per process: concurrent sandboxes must never share a uid (and with it a process budget).
  // The parser, runner and environment builder load on first use: a server answers tools/list without them, and one
  // that only searches never needs them.
  const runner = lazyRunner(async () => {
    const { createPythonRunner, createRunnerServices } = await import('./validate/runner.js');
    return createPythonRunner(config, logger, createRunnerServices());
  });
  const builder = once(async () => {
    const [{ EnvironmentBuilder }, { chooseInstaller }] = await Promise.all([import('./environment/builder.js'), import('./environment/installer.js')]);
    // The installer runs on the host with the user's own environment: pip's and uv's configuration apply as typed.
    const installer = chooseInstaller({ env: config.childEnv, cwd: config.home });
    return new EnvironmentBuilder({ envsDir: config.envsDir, defaultPython: config.python, sandbox: runner, installer, logger });
  });
  return {
    parser: once(async () => (await import('./parse/parser.js')).createParser({ workers: config.parseWorkers })),
    runner,
    environments: config.environments ? { ensure: async (input, opts) => (await builder()).ensure(input, opts) } : null,
    // A server hands in the index it started on a thread of its own (search/threaded.ts) before loading the app.
    index: given.index ? () => Promise.resolve(given.index!) : once(() => openHere(config, logger)),
    llm: config.llm ? createLlmClient(config.llm, { logger }) : null,
  };
}

/**
 * The jobs load when first called: their modules (parsing, mining, GitHub, batches) take longer to load than a server
 * takes to answer tools/list, and a server that only searches never needs them.
 */
const jobs = {
  distill: () => import('./jobs/distill.js'),
  revalidate: () => import('./jobs/revalidate.js'),
  patterns: () => import('./jobs/patterns.js'),
  batch: () => import('./jobs/batch-run.js'),
};

/** How long a request that noticed changed libraries waits for another process's index sync before reading the index as it stands. */
const LIVE_WAIT_MS = 15_000;

/** How long a server that may search at once (App.start) waits before it checks the libraries anyway. */
const START_CHECK_MS = 5_000;
/** After an early search, the pause in searching that the check waits for. */
const AFTER_SEARCH_CHECK_MS = 1_000;
/**
 * The latest the check runs while searches keep coming without a pause. The index was found current by the folders'
 * stamp (a library added, replaced or removed changes it), so what the check can still find is an edit made in place;
 * reading a lab's catalogue takes seconds of this thread, which a burst of searches would share.
 */
const BUSY_CHECK_MS = 30_000;

export function createApp(config: Config, logger: Logger, services: AppServices = defaultServices(config, logger)): App {
  const catalogue = new Catalogue(
    [
      { dir: config.shippedLibrariesDir, readonly: true, demo: true },
      ...config.extraLibraryDirs.map((dir) => ({ dir, readonly: true })),
      { dir: config.userLibrariesDir, readonly: false },
    ],
    logger,
    { factsFile: path.join(config.cacheDir, 'catalogue.json') },
  );
  // Serialises catalogue reloads and index syncs in this process: a distill finishing while a search warms up must
  // not interleave. Across processes sharing the home, the index lock does the same.
  let chain: Promise<unknown> = Promise.resolve();
  let warm: Promise<void> | null = null;
  /** The first check of the libraries (warm) has finished: from then on every search goes through live(). */
  let warmSettled = false;
  const indexLock = `${config.indexDir}.sync`;
  // Run folders of killed processes; the libraries folder's leftovers are the catalogue's to finish on first load.
  const swept = sweepRunDirs(logger).catch(() => 0);
  // LanceDB's IVF shuffle folders, which it leaves in the temp folder after every vector-index build.
  void sweepLanceLeftovers(logger).catch(() => undefined);

  const syncNow = async (opts: JobOptions): Promise<void> => {
    // Read under the lock: the index must end up matching the folders as they are, whoever wrote them last.
    const t0 = performance.now();
    const libraries = await catalogue.reload();
    const t1 = performance.now();
    const index = await services.index();
    const t2 = performance.now();
    const res = await index.sync(libraries, { ...opts, open: (lib) => catalogue.open(lib), catalogueStamp: catalogue.readAt });
    logger.debug(
      `catalogue and index checked: ${libraries.length} libraries read in ${Math.round(t1 - t0)} ms, index opened in ` +
        `${Math.round(t2 - t1)} ms, synced in ${Math.round(performance.now() - t2)} ms`,
    );
    if (res.indexed.length || res.removed.length) {
      logger.info(`index: ${res.indexed.length} libraries indexed, ${res.removed.length} removed, ${res.unchanged.length} unchanged`);
    }
  };

  // The catalogue (library files) and the index are separate: validating a snippet needs only the former,
  // so it never waits for a model to load.
  const refresh = (opts: JobOptions = {}): Promise<void> => {
    const next = chain.then(() =>
      withLock(indexLock, () => syncNow(opts), {
        signal: opts.signal,
        logger,
        onWait: () => logger.info('another codedistill process is updating the search index; waiting for it'),
      }),
    );
    chain = next.catch(() => {});
    return next;
  };

  /**
   * Before a request: notice libraries another process added, rewrote or removed, and bring the index up to date
   * with them (a CLI distill leaves that to its readers). When another process holds the index lock it is most
   * likely doing just that: the search waits for it a while (then syncs what is left, usually nothing), and past
   * LIVE_WAIT_MS reads the index as it stands rather than wait out a long sync.
   */
  const live = async (withIndex: boolean): Promise<void> => {
    await swept;
    if (withIndex) await warmUp();
    else await catalogue.ready();
    if (!(await catalogue.refresh()) || !withIndex) return;
    const next = chain.then(async () => {
      const release = (await tryLock(indexLock, { logger })) ?? (await acquireLock(indexLock, { logger, maxWaitMs: LIVE_WAIT_MS }).catch(() => null));
      if (!release) return;
      try {
        await syncNow({});
      } finally {
        await release();
      }
    });
    chain = next.catch(() => {});
    await next;
  };

  /**
   * Whether this process's first searches may read the index before the catalogue is read: it was last synced with
   * the library folders at the stamp they have now (adding, replacing or removing a library changes it), so it holds
   * what the catalogue would give it. Reading a lab's catalogue takes seconds (0.35 ms a library); the index already
   * knows it. Asked once; the libraries are then checked in the background (checkSoon).
   */
  let current: Promise<ReadonlySet<string> | null> | null = null;
  const indexCurrent = (): Promise<ReadonlySet<string> | null> => {
    current ??= (async () => {
      const synced = await (await services.index()).synced();
      if (!synced?.catalogueStamp || synced.catalogueStamp !== (await catalogue.stamp())) return null;
      return synced.libraries;
    })().catch(() => null);
    return current;
  };
  let checkTimer: NodeJS.Timeout | null = null;
  let checkBy = Infinity;
  /** Check the libraries `ms` from now, or sooner if an earlier call asked for sooner: never later than BUSY_CHECK_MS after the first call. */
  const checkSoon = (ms: number) => {
    if (warm) return;
    const now = Date.now();
    if (checkBy === Infinity) checkBy = now + BUSY_CHECK_MS;
    if (checkTimer) clearTimeout(checkTimer);
    checkTimer = setTimeout(() => {
      checkTimer = null;
      void warmUp().catch((e) => logger.warn(`checking the libraries: ${errorMessage(e)}`));
    }, Math.max(0, Math.min(ms, checkBy - now)));
    checkTimer.unref();
  };
  const start = async (): Promise<void> => {
    if (warm || !(await indexCurrent())) await warmUp();
    else checkSoon(START_CHECK_MS);
    await (await services.index()).warm?.();
  };
  /** A search answered from the index before the catalogue is read (indexCurrent), or null to go the usual way. */
  const searchEarly = async (q: SearchQuery): Promise<SearchResult | null> => {
    // While that check reads a lab's catalogue (seconds), searches still read the index it found current, rather
    // than wait for it; it syncs whatever changed, and the searches after it see that.
    if (warmSettled) return null;
    const libraries = await indexCurrent();
    if (!libraries || warmSettled || (q.library && !libraries.has(q.library))) return null;
    const result = await (await services.index()).search(q);
    // The check waits for a pause between searches, as an agent's are, so that it does not slow them.
    checkSoon(AFTER_SEARCH_CHECK_MS);
    return result;
  };

  const warmUp = (): Promise<void> => {
    if (!warm) {
      warm = refresh();
      warm.then(
        () => (warmSettled = true),
        () => (warm = null),
      );
    }
    return warm;
  };

  const clampTimeout = (ms: number | undefined) => Math.min(ms ?? config.timeoutMs, config.maxTimeoutMs);

  return {
    config,

    async distill(input, opts = {}, how = {}) {
      const req = DistillRequest.parse(input);
      await live(false);
      const { distillRepo } = await jobs.distill();
      const report = await distillRepo(req, {
        config,
        logger,
        parser: await services.parser(),
        runner: services.runner,
        llm: services.llm,
        existingLibrary: async (name) => {
          const lib = catalogue.get(name);
          return lib ? catalogue.open(lib) : null;
        },
        libraries: () => catalogue.list(),
        libraryParentDir: config.userLibrariesDir,
        environments: services.environments ?? null,
      }, opts);
      if (!report.unchanged && how.index !== false) {
        // The library files are written; make the catalogue and the index see them before answering. A failed sync
        // is the caller's error too: searching would not find what was just distilled.
        await refresh(opts).catch((e) => {
          if (e instanceof CodedistillError && e.code === 'cancelled') throw e;
          throw new CodedistillError(
            e instanceof CodedistillError && e.code === 'busy' ? 'busy' : 'internal',
            `The library was written to ${report.libraryPath}, but the search index could not be updated: ${errorMessage(e).slice(0, 300)}`,
            'Search again once the cause is fixed: the index is brought up to date from the library files before a search.',
            { cause: e },
          );
        });
      }
      return report;
    },

    async search(input) {
      const q = SearchQuery.parse(input);
      const early = await searchEarly(q);
      if (early) return early;
      await live(true);
      if (q.library) catalogue.require(q.library);
      const index = await services.index();
      return index.search(q);
    },

    async getPattern(id) {
      await live(false);
      const { block, lib } = await catalogue.block(id);
      return { block, library: { ...libraryInfo(lib), demo: lib.demo === true }, usage: usageFor(block) };
    },

    async validateSnippet(input, opts = {}) {
      const req = SnippetRequest.parse(input);
      let importRoots: string[] = [];
      let python: string | undefined;
      if (req.library) {
        await live(false);
        const lib = catalogue.require(req.library);
        // The first snippet against a library makes its environment (later ones reuse it at once).
        const run = await prepareLibraryRuns(services.environments ?? null, lib, { mode: 'auto', known: catalogue.list(), signal: opts.signal, onProgress: opts.onProgress });
        importRoots = [...run.importRoots, ...catalogue.providerRoots(lib)];
        python = run.python;
      }
      const record = await services.runner.run({ code: req.code, importRoots, timeoutMs: clampTimeout(req.timeoutMs), signal: opts.signal, python, collectOutputs: true });
      if (!req.library && record.status === 'skipped' && record.missingModule) {
        // Run without a library, the code imports one that is distilled: that library's environment has it.
        await live(false);
        const top = record.missingModule.split('.')[0]!;
        const lib = catalogue.list().find((l) => l.packages.includes(top));
        if (lib) record.message = `${record.message} The library ${lib.name} provides ${top}: run it with validate_snippet with library "${lib.name}".`;
      }
      return { ...record, library: req.library ?? null };
    },

    discover: async (req, opts = {}) => (await jobs.batch()).discover(req, config, opts),
    async batch(req, opts = {}) {
      const summary = await (await jobs.batch()).distillBatch(req, { config, logger }, opts);
      // Its distills leave the index to their readers: one sync for the whole batch, so a search right after is quick.
      await refresh(opts).catch((e) => logger.warn(`bringing the search index up to date after the batch failed: ${errorMessage(e)}; the next search does it`));
      return summary;
    },
    batchStatus: (id) => batchStatus(config.home, id),

    async revalidate(input, opts = {}) {
      const req = RevalidateRequest.parse(input);
      await live(false);
      const lib = catalogue.require(req.library);
      if (lib.manifest.sources?.length) {
        // Its examples are its members', which import their own libraries: run here they would all fail.
        throw new CodedistillError(
          'invalid_input',
          `"${lib.name}" is a pattern library: its examples belong to its source libraries (${lib.manifest.sources.map((x) => x.library).join(', ')}) and run in theirs.`,
          `Revalidate the source libraries, then mine the patterns again (codedistill patterns --name ${lib.name.replace(/-patterns$/, '')}).`,
        );
      }
      const run = await prepareLibraryRuns(services.environments ?? null, lib, { mode: req.environment, known: catalogue.list(), signal: opts.signal, onProgress: opts.onProgress });
      const { revalidateAndStore } = await jobs.revalidate();
      const report = await revalidateAndStore(await catalogue.open(lib), services.runner, {
        ids: req.ids,
        timeoutMs: clampTimeout(req.timeoutMs),
        workers: config.workers,
        signal: opts.signal,
        onProgress: opts.onProgress,
        llm: services.llm ?? undefined,
        extraImportRoots: catalogue.providerRoots(lib),
        python: run.python,
        pythonVersion: run.record?.base.version ?? null,
        importRoots: run.importRoots,
        installed: installedVersions(run),
        attempted: attemptedInstalls(run),
        libraryParentDir: config.userLibrariesDir,
        environment: run.record ? { section: manifestEnvironment(run.input, run), lock: run.record.lock } : undefined,
      });
      report.environment = run.outcome;
      if (run.outcome.status === 'failed') report.warnings.unshift(run.outcome.message);
      if (run.outcome.missing.length) report.warnings.push(`not installable into the environment: ${run.outcome.missing.map((m) => `${m.requirement} (${m.reason})`).join('; ')}; to install them: ${run.outcome.installCommand}`);
      if (report.libraryPath) await refresh(opts).catch((e) => report.warnings.push(`re-indexing failed: ${errorMessage(e)}`));
      return report;
    },

    async minePatterns(input, opts = {}) {
      const req = MinePatternsRequest.parse(input);
      await live(false);
      opts.onProgress?.({ stage: 'read', done: 0, total: 1 });
      const entries = req.libraries?.length
        ? req.libraries.map((n) => catalogue.require(n))
        : catalogue.list().filter((l) => !l.demo && !l.manifest.sources?.length);
      const libraries: LoadedLibrary[] = [];
      for (const [i, e] of entries.entries()) {
        libraries.push(await catalogue.open(e));
        opts.onProgress?.({ stage: 'read', done: i + 1, total: entries.length, message: e.name });
      }
      const { runPatternsJob } = await jobs.patterns();
      const report = await runPatternsJob({ libraries, name: req.name, minRepos: req.minRepos, maxPatterns: req.maxPatterns }, opts, {
        libraryParentDir: config.userLibrariesDir,
        generator: `codedistill ${config.version}`,
        logger,
        workers: config.workers,
        // In the member's own library environment, as validate_snippet runs against a library.
        runExample: async (lib, code, signal) => {
          const run = await prepareLibraryRuns(services.environments ?? null, lib, { mode: 'auto', known: catalogue.list(), signal });
          return services.runner.run({ code, importRoots: [...run.importRoots, ...catalogue.providerRoots(lib)], timeoutMs: clampTimeout(undefined), signal, python: run.python });
        },
      });
      if (report.libraryPath) await refresh(opts).catch((e) => report.warnings.push(`re-indexing failed: ${errorMessage(e)}`));
      return report;
    },

    async environment(input, opts = {}) {
      const req = EnvironmentRequest.parse(input);
      await live(false);
      const lib = catalogue.require(req.library);
      if (!services.environments) {
        throw new CodedistillError('environment_failed', 'Library environments are switched off here (CODEDISTILL_ENVIRONMENTS=0).', 'Unset CODEDISTILL_ENVIRONMENTS to make them.');
      }
      const run = await prepareLibraryRuns(services.environments, lib, { mode: req.mode, python: req.python, extras: req.extras, enable: true, known: catalogue.list(), signal: opts.signal, onProgress: opts.onProgress });
      let lockPath: string | null = null;
      const unchanged = run.record && lib.manifest.environment?.lockHash === run.record.lockHash && JSON.stringify(lib.manifest.environment?.settings) === JSON.stringify(run.input.settings);
      if (run.record && unchanged && !lib.readonly) {
        lockPath = path.join(lib.dir, LOCK_FILE);
      } else if (run.record) {
        // The lock and the settings are library files: a shipped library gets a user copy that holds them.
        const manifest = { ...lib.manifest, environment: manifestEnvironment(run.input, run) };
        const dir = await writeLibrary(config.userLibrariesDir, manifest, (await catalogue.open(lib)).blocks, await snapshotOf(lib), { lock: run.record.lock, signal: opts.signal, logger });
        lockPath = path.join(dir, LOCK_FILE);
        await refresh(opts).catch((e) => logger.warn(`re-indexing after the environment failed: ${errorMessage(e)}`));
      }
      return { library: lib.name, environment: run.outcome, python: run.ref?.python ?? null, lockPath };
    },

    async pruneEnvironments({ dryRun }) {
      await live(false);
      const used = catalogue.list().flatMap((l) => (l.manifest.environment?.key ? [l.manifest.environment.key] : []));
      const unused = await unusedEnvironments(config.envsDir, used);
      const all = (await fsp.readdir(config.envsDir, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory() && !e.name.endsWith('.lock')).length;
      const done = dryRun ? { removed: [], failed: [] } : await removeEnvironments(unused);
      return { dryRun, kept: all - unused.length, unused: unused.map(({ key, bytes, madeAt }) => ({ key, bytes, madeAt })), ...done };
    },

    async libraries() {
      await live(false);
      return catalogue.list().map((lib) => ({ ...libraryInfo(lib), demo: lib.demo === true }));
    },

    async listLibraries() {
      await live(false);
      return catalogue.list().map(librarySummary);
    },

    async openLibrary(name) {
      await live(false);
      const library = await catalogue.open(catalogue.require(name));
      const lock = await fsp.readFile(path.join(library.dir, LOCK_FILE), 'utf8').catch(() => null);
      return { library, lock };
    },

    async describeLibrary(name) {
      await live(false);
      return libraryDescription(await catalogue.open(catalogue.require(name)));
    },

    async removeLibrary(name) {
      await live(false);
      const lib = catalogue.require(name);
      if (lib.readonly) {
        throw new CodedistillError(
          'invalid_input',
          `Library "${name}" is ${lib.demo ? 'a demo shipped with codedistill' : `in a read-only folder (${path.dirname(lib.dir)})`} and cannot be removed.`,
          lib.demo ? 'Demo libraries are searched only while you have no library of your own; distill one and they step aside.' : 'Take its folder out of CODEDISTILL_LIBRARY_PATH instead.',
        );
      }
      const removed = await removeLibraryFolder(config.userLibrariesDir, name);
      // The same refresh as after a distill: the catalogue and the index stop serving it before the answer.
      await refresh().catch((e) => logger.warn(`re-indexing after removing ${name} failed: ${errorMessage(e)}`));
      return { library: name, removed: true, path: removed, blocks: lib.manifest.counts.blocks };
    },

    warmUp,
    start,

    onLibrariesChanged: (listener) => catalogue.onChange(() => listener()),

    async close() {
      if (checkTimer) clearTimeout(checkTimer);
      await catalogue.idle();
      await chain.catch(() => {});
      if (warm || current) {
        const index = await services.index().catch(() => null);
        await index?.close();
      }
    },
  };
}
