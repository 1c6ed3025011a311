/**
 * distill_repo's pipeline: resolve the source, walk and classify files, parse, select building blocks, mine
 * examples, capture dependencies/licence/citation, run the examples in the sandbox, write the library files.
 * Each stage is its own module; this file only moves data between them.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.js';
import type { Block } from '../domain/block.js';
import type { DistillReport, DistillRequestParsed, GenerationReport } from '../domain/distill.js';
import type { EnvironmentMode } from '../domain/environment.js';
import type { JobOptions, Progress } from '../domain/job.js';
import { LIBRARY_SCHEMA_VERSION, shortCommit, type LibraryEntry, type LibraryManifest, type LoadedLibrary, type SkippedFile } from '../domain/library.js';
import { CodedistillError, errorMessage, throwIfAborted } from '../kernel/errors.js';
import type { Logger } from '../kernel/log.js';
import { detectCitation } from '../ingest/citation.js';
import { GuardedReader } from '../ingest/guarded-read.js';
import { readDeclaredDependencies, requiresPythonOf } from '../ingest/declared.js';
import { satisfies } from '../python/versions.js';
import { detectLicence } from '../ingest/licence.js';
import { parseSourceSpec, resolveSource } from '../ingest/source.js';
import type { FileRole, ResolvedSource } from '../ingest/types.js';
import { trackedFiles } from '../ingest/tracked.js';
import { NOTEBOOK_SIZE_FACTOR, walkRepo } from '../ingest/walk.js';
import type { CodeParser, ParsedFile } from '../parse/types.js';
import { parseAllCached, type ParseCache } from '../parse/cached.js';
import { codeVersion, codeVersionOf } from '../kernel/code-version.js';
import { sitePackagesOf } from '../environment/site.js';
import { contentKey, versionedContentCache, type ContentCache } from '../kernel/content-cache.js';
import { cachingRunner, filesDigest, runContext, type CachingRunner } from '../validate/run-cache.js';
import { runDependencies } from '../validate/run-deps.js';
import { pythonCells, readNotebookContent, type NotebookContent } from '../python/notebook.js';
import { symbolBlocks, workflowBlocks, type BlockContext } from '../distill/blocks.js';
import { rankSymbols } from '../distill/centrality.js';
import { createMiningContext, type MineInput } from '../distill/examples/context.js';
import { examplesByBlock, mine } from '../distill/examples/mine.js';
import { argumentSources, argumentValues, signaturesOf } from '../distill/examples/synthesize.js';
import { workflowCandidates } from '../distill/examples/workflows.js';
import { exampleFigures } from '../distill/coverage.js';
import { baseName, proseByBlock } from '../distill/prose.js';
import { topLevelPackages } from '../distill/packages.js';
import { environmentRequirements, runtimeRequirements } from '../distill/requirements.js';
import { selectSymbols } from '../distill/select.js';
import { repoPurpose } from '../distill/summary.js';
import { failureWarning, runBlockExamples, skipWarnings } from '../validate/block-runs.js';
import { reclassifyRuns, type ReclassifyContext } from '../validate/classify.js';
import { synthesizeExamples } from '../validate/synthesized.js';
import type { Runner } from '../validate/types.js';
import type { LlmClient } from '../enrich/client.js';
import { enrichBlocks } from '../enrich/enrich.js';
import { generateExamples } from '../enrich/generate.js';
import { repairLibraryExamples } from '../enrich/repair.js';
import type { Environments } from '../environment/builder.js';
import { gitVersion } from '../ingest/version.js';
import { readLock, SOURCE_DIR, writeLibrary } from '../library/files.js';
import { libraryNameFor } from '../library/name.js';
import { providerImportRoots } from '../library/providers.js';
import { snapshotFiles } from '../library/snapshot.js';
import { attemptedInstalls, constraintsOf, effectiveMode, installedVersions, manifestEnvironment, noEnvironment, prepareRuns, refuseRepositoryInterpreter, repositoryFolders, settingsOf, type RunSetting } from './environment.js';
import { stageSnapshot } from './stage.js';

/** The modules that make and key a run record (built paths): a change elsewhere keeps the records. */
const RUN_CODE = ['validate/runner.js', 'validate/run-cache.js', 'validate/run-deps.js'];

export interface DistillServices {
  config: Config;
  logger: Logger;
  parser: CodeParser;
  runner: Runner;
  /** The optional language model: summaries, examples and repairs; null when none is configured. */
  llm: LlmClient | null;
  existingLibrary: (name: string) => Promise<LoadedLibrary | null>;
  /** Every library known now: those providing this repository's dependencies are importable in its runs. */
  libraries: () => LibraryEntry[];
  libraryParentDir: string;
  /** Makes each library's own environment; absent or null: examples run with the base interpreter and the checkout. */
  environments?: Environments | null;
  /**
   * The distill cache (parsed files, run records); absent: the home's (cache/distill, and cache/runs for run records) unless config.distillCache
   * is off; null: none.
   */
  cache?: ContentCache | null;
}

/** The request as parsed, with the environment mode optional for callers that build it by hand. */
export type DistillJobRequest = Omit<DistillRequestParsed, 'environment'> & { environment?: EnvironmentMode };

const PARSE_ROLES: FileRole[] = ['library', 'test', 'example'];
const MAX_SKIPPED_LISTED = 200;
const MAX_EXAMPLES_RUN_PER_BLOCK = 2;

export async function distillRepo(req: DistillJobRequest, services: DistillServices, opts: JobOptions = {}): Promise<DistillReport> {
  const { config, logger, parser } = services;
  let { runner } = services;
  const { signal } = opts;
  const started = Date.now();
  // Time per stage, for the debug log: where a distill's time goes (see npm run bench).
  const stageMs = new Map<string, number>();
  let stageAt = { stage: 'resolve', at: started };
  const progress = (p: Progress) => {
    if (p.stage !== stageAt.stage) {
      const now = Date.now();
      stageMs.set(stageAt.stage, (stageMs.get(stageAt.stage) ?? 0) + now - stageAt.at);
      stageAt = { stage: p.stage, at: now };
    }
    opts.onProgress?.(p);
  };
  const warnings: string[] = [];

  progress({ stage: 'resolve', done: 0, total: 1, message: req.source });
  const spec = parseSourceSpec(req.source, req.ref);
  const src: ResolvedSource = await resolveSource(spec, {
    token: config.githubToken,
    apiUrl: config.githubApiUrl,
    gitBaseUrl: config.githubGitUrl,
    gitBin: config.gitBin,
    cacheDir: config.cacheDir,
    env: config.childEnv,
    signal,
    logger,
  });
  const name = req.name ?? libraryNameFor(src.repo);
  const existing = await services.existingLibrary(name);
  if (existing && !existing.readonly && existing.manifest.source.repo !== src.repo && !req.force) {
    throw new CodedistillError(
      'invalid_input',
      `Library "${name}" already holds ${existing.manifest.source.repo}, not ${src.repo}.`,
      'Pass another name, or force: true to replace it.',
    );
  }
  if (existing && existing.manifest.source.commit === src.commit && existing.manifest.source.repo === src.repo && !req.force) {
    return {
      library: name,
      libraryPath: existing.dir,
      repo: src.repo,
      commit: src.commit,
      licence: existing.manifest.licence,
      // Computed from the stored blocks: a library written before the example figures were counted gets them too.
      counts: { ...existing.manifest.counts, ...exampleFigures(existing.blocks) },
      skipped: existing.manifest.skipped.slice(0, 50),
      durationMs: Date.now() - started,
      warnings: [],
      unchanged: true,
      environment: null,
      generation: null,
    };
  }
  // The interpreter is judged before anything runs: never one the repository (or an earlier copy of it) holds.
  await refuseRepositoryInterpreter(settingsOf(existing?.manifest, { python: req.python }).python, [src.root, ...repositoryFolders(services.libraries()), ...(existing ? repositoryFolders([existing]) : [])]);
  throwIfAborted(signal);

  // Walk and classify.
  progress({ stage: 'walk', done: 0, total: 1, message: src.root });
  // git reads a tracked file whatever a .gitignore says; so does the walk.
  const tracked = await trackedFiles(src, { gitBin: config.gitBin, env: config.childEnv, signal }).catch((e: unknown) => {
    if (e instanceof CodedistillError && e.code === 'cancelled') throw e;
    logger.debug(`not asking git which files it tracks in ${src.root}: ${errorMessage(e)}`);
    return null;
  });
  const walk = await walkRepo(src.root, {
    maxFileBytes: config.maxFileBytes,
    signal,
    languageOf: (p) => parser.languageOf(p),
    tracked,
    repoName: src.repo,
  });
  const skipped: SkippedFile[] = [...walk.skipped];
  const roles = new Map<string, FileRole>(walk.files.map((f) => [f.path, f.role]));

  // Every file is read once, through the one guarded reader (no link out of the repository is followed): the
  // parser, ranking, the purpose line and the miners share these reads.
  const reader = new GuardedReader(src.root, signal);
  const readLimit = config.maxFileBytes * NOTEBOOK_SIZE_FACTOR;
  const texts = new Map<string, Promise<string>>();
  const readText = (p: string): Promise<string> => {
    let text = texts.get(p);
    if (!text) {
      text = reader.text(p, { limit: readLimit }).then((t) => {
        if (t === null) throw new Error(reader.skipped.find((s) => s.path === p)?.reason ?? 'not found');
        return t;
      });
      texts.set(p, text);
    }
    return text;
  };

  // What this code computed before from the same inputs is reused: a re-distill parses and runs what changed.
  const version = services.cache !== null && (services.cache !== undefined || config.distillCache) ? await codeVersion() : '';
  const cache =
    services.cache === undefined ? (config.distillCache ? await versionedContentCache(path.join(config.cacheDir, 'distill'), version) : null) : services.cache;
  const parseCache: ParseCache | null = cache ? { cache, codeVersion: version } : null;
  // Run records are the runner's work alone: kept apart, under the version of the code that runs and keys them.
  const runsVersion = cache ? await codeVersionOf(RUN_CODE) : '';
  const runsCache = services.cache === undefined && cache ? await versionedContentCache(path.join(config.cacheDir, 'runs'), runsVersion) : cache;

  // Parse every source file that can hold blocks or examples; a syntax error is counted and named, never fatal.
  const toParse = walk.files.filter((f) => f.language && PARSE_ROLES.includes(f.role));
  const parsed: ParsedFile[] = [];
  let parseErrors = 0;
  let parsedFromCache = 0;
  // Read in order, parsed together (on worker threads when the parser has them), counted in order.
  const sources: (string | { error: unknown })[] = [];
  for (const [i, f] of toParse.entries()) {
    throwIfAborted(signal);
    if (i % 25 === 0) progress({ stage: 'parse', done: i, total: toParse.length });
    sources.push(await readText(f.path).catch((e: unknown) => ({ error: e })));
  }
  const jobs = toParse.flatMap((f, i) => {
    const text = sources[i]!;
    return typeof text === 'string' ? [{ relPath: f.path, source: text, importRoots: walk.layout.moduleRoots }] : [];
  });
  const outcomes = await parseAllCached(parser, parseCache, jobs, { signal });
  let next = 0;
  for (const [i, f] of toParse.entries()) {
    const text = sources[i]!;
    const { outcome, cached } = typeof text === 'string' ? outcomes[next++]! : { outcome: { error: text.error }, cached: false };
    if (outcome.error !== undefined || !outcome.parsed) {
      parseErrors++;
      skipped.push({ path: f.path, reason: `could not be parsed: ${errorMessage(outcome.error)}` });
      continue;
    }
    const pf = outcome.parsed;
    if (cached) parsedFromCache++;
    if (pf.errors.length) {
      parseErrors++;
      const e = pf.errors[0]!;
      skipped.push({ path: f.path, reason: `syntax error at line ${e.line}: ${e.message} (the valid parts were kept)` });
    }
    parsed.push(pf);
  }
  progress({ stage: 'parse', done: toParse.length, total: toParse.length });
  if (cache) logger.debug(`parsed ${toParse.length - parsedFromCache} of ${toParse.length} files (${parsedFromCache} unchanged, from the cache)`);

  // Notebooks are example sources; a broken one is counted and named.
  const notebooks: { path: string; notebook: NotebookContent }[] = [];
  for (const f of walk.files.filter((x) => x.role === 'notebook')) {
    try {
      notebooks.push({ path: f.path, notebook: readNotebookContent(await readText(f.path)) });
    } catch (e) {
      parseErrors++;
      skipped.push({ path: f.path, reason: `broken notebook: ${errorMessage(e)}` });
    }
  }

  // Select and rank the building blocks.
  progress({ stage: 'select', done: 0, total: 1 });
  const libraryFiles = parsed.filter((p) => roles.get(p.path) === 'library');
  const selected = selectSymbols(parsed, roles);
  const packageNames = topLevelPackages(libraryFiles);
  // Ranking reads how README fences, notebooks and scripts use each block, not only parsed code.
  const docTexts: { path: string; code: string }[] = notebooks.map((nb) => ({ path: nb.path, code: pythonCells(nb.notebook).join('\n\n') }));
  for (const f of walk.files.filter((x) => x.role === 'docs' && /\.(md|rst|txt)$/i.test(x.path)).slice(0, 200)) {
    docTexts.push({ path: f.path, code: await readText(f.path).catch(() => '') });
  }
  const ranks = rankSymbols(selected, parsed, roles, docTexts);

  progress({ stage: 'examples', done: 0, total: selected.length });
  const mineInput: MineInput = {
    blocks: selected.map((s) => ({
      qualifiedName: s.qualifiedName,
      name: s.symbol.name,
      module: s.module,
      publicImport: s.publicImport,
      kind: s.symbol.kind,
      parent: s.symbol.parent,
    })),
    parsedFiles: parsed,
    files: walk.files,
    notebooks,
    readText,
    packageNames,
    // A file the miners could not read, or that threw inside a collector, is named, not silently dropped.
    onFileError: (p, e) => skipped.push({ path: p, reason: errorMessage(e) }),
  };
  const mining = createMiningContext(mineInput);
  if (cache) {
    // What every file's mining reads besides its own files: the blocks, what the call resolver knows of the library
    // (not its text: an edit inside a function's body leaves the tests' examples as they were), the package names,
    // which file has which role, and the module roots that name the modules.
    mineInput.cache = {
      store: cache,
      context: contentKey(
        version,
        'mine',
        JSON.stringify(mineInput.blocks),
        JSON.stringify(packageNames),
        JSON.stringify(walk.layout.moduleRoots),
        walk.files.filter((f) => f.language).map((f) => `${f.path} ${f.role}`).sort().join('\n'),
        mining.calls.digest(),
      ),
    };
  }
  const mined = await mine(mineInput, mining);
  const examples = examplesByBlock(mined);

  // Licence, citation, purpose, dependencies.
  // Metadata files are read once, and only those the walk kept (no symlink out, none git ignores, none oversized).
  const filePaths = walk.files.map((f) => f.path);
  const meta = walk.metadata;
  const licence = await detectLicence(src.root, filePaths, meta, reader);
  const licenceId = licence.spdx !== 'NOASSERTION' ? licence.spdx : (src.licenceHint ?? 'NOASSERTION');
  if (licenceId === 'NOASSERTION') warnings.push('no licence found: every block says NOASSERTION; check the repository before reusing its code');
  const citation = await detectCitation(src.root, meta, reader);
  const declared = await readDeclaredDependencies(src.root, meta);
  const readme = walk.files.find((f) => /^readme(\.(md|rst|txt))?$/i.test(f.path));
  const pkgInit = libraryFiles.find((p) => packageNames.includes(p.module));
  const purpose = repoPurpose(readme ? await readText(readme.path).catch(() => null) : null, src.description, pkgInit?.moduleDocstring ?? null);

  // Build the blocks: the selected symbols, then the repository's own example scripts and notebooks as workflows.
  const blockContext: BlockContext = { library: name, source: src, licence: licenceId, citation, declared, packages: packageNames, roles };
  const symbols = symbolBlocks(selected, examples, ranks, blockContext);
  // What the repository's pages, notebooks, module docstrings and comments say of each block (the lead's search reads it).
  progress({ stage: 'prose', done: 0, total: 1 });
  const proseStarted = Date.now();
  const prose = await proseByBlock(mining, symbols, mined);
  for (const b of symbols) b.prose = prose.get(baseName(b.qualifiedName)) ?? [];
  logger.debug(`prose notes for ${prose.size} of ${symbols.length} blocks in ${Date.now() - proseStarted} ms`);
  const blocks: Block[] = [...symbols, ...workflowBlocks(workflowCandidates(mined), symbols, blockContext)];

  // The library's own environment (made from its snapshot: what is validated is what is served), then the
  // examples run in the sandbox with it and with any distilled library this one depends on.
  const importRoots = walk.importRoots.length ? walk.importRoots : [''];
  const requirements = runtimeRequirements(declared, blocks, packageNames);
  const settings = settingsOf(existing?.manifest, { python: req.python, extras: req.extras, mode: req.environment });
  // A module that is a file of the repository (examples/pvtol.py for `import pvtol`) is never asked of an index.
  const packageDirs = new Set(walk.files.filter((f) => f.path.endsWith('/__init__.py')).map((f) => path.posix.dirname(f.path)));
  const repoModules = walk.files
    .filter((f) => f.language === 'python' && f.path.endsWith('.py') && !packageDirs.has(path.posix.dirname(f.path)))
    .map((f) => path.posix.basename(f.path, '.py'));
  const requirementSpecs = environmentRequirements(declared, blocks, [...packageNames, ...repoModules], settings.extras);
  // What the library keeps of the repository; files a cap left out are named first, so the list's limit keeps them.
  const snapshot = snapshotFiles(walk, packageNames, { maxFileBytes: config.snapshotMaxFileBytes, maxDataBytes: config.snapshotMaxDataBytes });
  skipped.unshift(...snapshot.left);
  const providerRoots = providerImportRoots(requirements, services.libraries(), name);
  const reclassify: ReclassifyContext = { filePaths, providerRoots, constraints: constraintsOf(requirementSpecs) };
  const requiresPython = requiresPythonOf(meta);
  const envMode = effectiveMode(req.environment ?? 'auto', settings);
  const builder = services.environments ?? null;
  const stage = req.validate && builder && envMode !== 'none' ? await stageSnapshot(services.libraryParentDir, name, snapshot.files) : null;
  let envInput = null as Parameters<typeof manifestEnvironment>[0] | null;
  let run: RunSetting = {
    python: settings.python ?? undefined,
    importRoots: importRoots.map((r) => path.join(src.root, r)),
    outcome: noEnvironment(req.validate ? 'no environment: runs used the base interpreter with the checkout on the import path' : 'examples were not run'),
    record: null,
    ref: null,
  };
  let generation: GenerationReport | null = null;
  try {
    if (stage) {
      progress({ stage: 'environment', done: 0, total: 6, message: 'making the library environment' });
      envInput = {
        projectDir: stage.dir,
        commit: src.commit,
        version: await gitVersion(src.root, { gitBin: config.gitBin, env: config.childEnv, signal }),
        importRoots,
        packages: packageNames,
        requirements: requirementSpecs,
        settings,
        // A forced re-distill of the same commit makes the locked versions again.
        previousLock: existing && existing.manifest.source.commit === src.commit ? await readLock(existing.dir) : null,
      };
      run = await prepareRuns(builder, envInput, importRoots.map((r) => path.join(stage.dir, r)), { mode: envMode, signal, onProgress: progress });
      warnings.push(...environmentWarnings(run));
      reclassify.installed = installedVersions(run);
    }
    // The environment's Python against the repository's requires-python (pint declares >=3.12): runs that fail on
    // syntax or imports under a Python it does not support are not failures of its code.
    const pythonVersion = run.record?.base.version ?? null;
    if (requiresPython && pythonVersion) {
      reclassify.python = { version: pythonVersion, requires: requiresPython };
      if (satisfies(pythonVersion, requiresPython) === false) {
        warnings.push(
          `the repository requires Python ${requiresPython}, and its environment has Python ${pythonVersion}: examples that fail on syntax or imports are skipped. ` +
            'Distill again with python: <an interpreter that meets it> (or set CODEDISTILL_PYTHON) to run them.',
        );
      }
    }
    const absImportRoots = [...run.importRoots, ...providerRoots];
    let mismatched = 0;
    let cachedRuns: CachingRunner | null = null;
    if (req.validate && runsCache) {
      // A run whose code, place in the snapshot, environment and the package files it can import are unchanged
      // is not run again. Test, docs, notebook and example files are the examples' sources, not what they import.
      const notImported: FileRole[] = ['test', 'docs', 'notebook', 'example'];
      const providers = services.libraries().filter((l) => providerRoots.some((r) => r === l.dir || r.startsWith(l.dir + path.sep)));
      const info = await runner.info(run.python);
      // The package's Python modules count per run, by what its code reaches (run-deps.ts); its other files
      // (data, extension sources) count for every run.
      const imported = snapshot.files.filter((f) => !notImported.includes(roles.get(f.path) ?? 'other'));
      const modules = imported.filter((f) => f.path.endsWith('.py'));
      const dependencies = runDependencies(await Promise.all(modules.map(async (f) => ({ path: f.path, text: await readFile(f.absPath, 'utf8').catch(() => '\u0000unreadable') }))));
      const context = {
        codeVersion: runsVersion,
        environment: run.record?.lockHash ?? `${run.python ?? ''} ${info.interpreter ?? ''} ${info.sandbox}`,
        files: await filesDigest(imported.filter((f) => !f.path.endsWith('.py'))),
        providers: providers.map((l) => `${l.name}@${l.fingerprint}`),
      };
      logger.debug(`run cache context: ${JSON.stringify(context)}, ${modules.length} modules read per run`);
      // A package that had to be built runs from its wheel in the environment: its runs are traced there too.
      const site = run.record ? await sitePackagesOf(path.join(run.record.dir, 'venv')) : null;
      const traceRoots = site ? packageNames.map((p) => path.join(site, p)) : [];
      runner = cachedRuns = cachingRunner(runner, { cache: runsCache, root: stage?.dir ?? src.root, python: run.python, environmentDir: run.record?.dir, context: runContext(context), dependencies, trace: config.runTrace, traceRoots, keepSkipped: run.record !== null });
    }
    if (req.validate) {
      const validated = await runBlockExamples(blocks, runner, {
        importRoots: absImportRoots,
        packages: packageNames,
        timeoutMs: config.timeoutMs,
        workers: config.workers,
        maxPerBlock: MAX_EXAMPLES_RUN_PER_BLOCK,
        countFailures: false,
        signal,
        onProgress: progress,
        python: run.python,
        layoutRoot: stage?.dir ?? src.root,
      });
      mismatched += reclassifyRuns(blocks, reclassify).providerMismatches;
      warnings.push(...validated.warnings);
      // Public blocks mining left without an example get a call built from their signature, kept if it runs.
      const values = argumentValues(await argumentSources(parsed, roles, readText, docTexts), signaturesOf(blocks));
      const synth = await synthesizeExamples(blocks, runner, { values, importRoots: absImportRoots, packages: packageNames, python: run.python, workers: config.workers, signal, onProgress: progress });
      warnings.push(...synth.warnings);
    }

    // Optional: a language model writes summaries for undocumented blocks, repairs failing mined examples and
    // writes examples for the public blocks still without one that ran, within the budget. After the mined and
    // synthesized runs (so only real gaps are filled), before writing (so search sees them).
    const { llm } = services;
    if (llm) {
      const enriched = await enrichBlocks(blocks, llm, { signal, onProgress: progress });
      warnings.push(...enriched.warnings);
      if (req.validate) {
        // Mined examples that fail get a bounded number of repair attempts; each attempt is recorded.
        const fixed = await repairLibraryExamples(blocks, llm, runner, { importRoots: absImportRoots, timeoutMs: config.timeoutMs, python: run.python, signal, onProgress: progress });
        warnings.push(...fixed.warnings);
        if (fixed.repaired) warnings.push(`${fixed.repaired} failing examples were repaired by ${llm.model} (marked repairedFrom)`);
        const g = config.generation;
        const limits = { blocks: req.generate?.blocks ?? g.blocks, tokens: req.generate?.tokens ?? g.tokens, usd: req.generate?.usd ?? g.usd, repairs: req.generate?.repairs ?? g.repairs };
        const generated = await generateExamples(blocks, llm, runner, { limits, price: g.price, importRoots: absImportRoots, timeoutMs: config.timeoutMs, python: run.python, signal, onProgress: progress });
        warnings.push(...generated.warnings);
        generation = generated.report;
      }
      // Generated and repaired examples ran too: the same reclassification applies to them.
      if (req.validate) mismatched += reclassifyRuns(blocks, reclassify).providerMismatches;
    }
    if (req.validate) {
      // Counted only now, after every reclassification, so it counts real failures.
      const failed = failureWarning(blocks);
      if (failed) warnings.push(failed);
      warnings.push(...skipWarnings(blocks, { filePaths, attempted: attemptedInstalls(run) }));
      if (mismatched) warnings.push(`${mismatched} example runs failed on a version mismatch with another distilled library; recorded as skipped`);
    }
    if (cachedRuns) {
      const { stats: st, timing } = cachedRuns;
      logger.debug(`example runs: ${st.ran} run (${st.traced} traced) in ${Math.round(timing.runMs)} ms, ${st.reused} unchanged and reused from the cache (looked up in ${Math.round(timing.lookupMs)} ms)`);
      const slow = cachedRuns.stats.reusedTimeouts;
      if (slow) warnings.push(`${slow} example runs timed out in an earlier distill of the same code and environment and were not run again; codedistill revalidate ${name} runs them again`);
    }
    // Runs saw the staged snapshot; what they say should point where the library keeps it.
    if (stage) relocateRecords(blocks, stage.dir, path.join(services.libraryParentDir, name, SOURCE_DIR));
  } finally {
    await stage?.remove();
  }

  // Files the guarded reader refused (links out of the repository named by metadata, docs or README lists).
  const listed = new Set(skipped.map((x) => x.path));
  const refused = reader.skipped.filter((x) => !listed.has(x.path));
  skipped.push(...refused);

  const counts = {
    filesSeen: walk.files.length + walk.skipped.length + refused.length,
    filesParsed: parsed.length,
    filesSkipped: walk.skipped.length + refused.length,
    parseErrors,
    blocks: blocks.length,
    examples: blocks.reduce((n, b) => n + b.examples.filter((e) => e.source !== 'import').length, 0),
    validated: blocks.filter((b) => b.validation?.status === 'passed').length,
    ...exampleFigures(blocks),
  };
  const manifest: LibraryManifest = {
    schemaVersion: LIBRARY_SCHEMA_VERSION,
    name,
    source: { kind: src.kind, location: src.location, repo: src.repo, ref: src.ref, commit: src.commit, url: src.url },
    licence: licenceId,
    citation,
    description: purpose,
    languages: [...new Set(parsed.filter((p) => roles.get(p.path) === 'library').map((p) => p.language))].sort(),
    importRoots,
    requirements,
    counts,
    skipped: skipped.slice(0, MAX_SKIPPED_LISTED),
    createdAt: new Date().toISOString(),
    generator: `codedistill ${config.version}`,
    python: settings.python,
    requirementSpecs,
    requiresPython,
    environment: envInput
      ? manifestEnvironment(envInput, run)
      : existing?.manifest.environment || settings.enabled === false
        ? { version: null, packages: packageNames, key: null, lockHash: null, package: null, ...existing?.manifest.environment, settings }
        : null,
  };

  progress({ stage: 'write', done: 0, total: 1 });
  throwIfAborted(signal);
  const libraryPath = await writeLibrary(services.libraryParentDir, manifest, blocks, snapshot.files, { lock: run.record?.lock ?? null, signal, logger });
  stageMs.set(stageAt.stage, (stageMs.get(stageAt.stage) ?? 0) + Date.now() - stageAt.at);
  logger.debug(`distill stages (ms): ${[...stageMs].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  logger.info(`distilled ${src.repo}@${shortCommit(src.commit)}: ${blocks.length} blocks in ${Date.now() - started} ms`);
  return {
    library: name,
    libraryPath,
    repo: src.repo,
    commit: src.commit,
    licence: licenceId,
    counts,
    skipped: skipped.slice(0, 50),
    durationMs: Date.now() - started,
    warnings,
    unchanged: false,
    environment: req.validate ? run.outcome : null,
    generation,
  };
}

/** Paths under `from` in the blocks' run records, as they are under `to`. */
function relocateRecords(blocks: Block[], from: string, to: string): void {
  const fix = (t: string) => t.split(from).join(to);
  for (const b of blocks) {
    for (const r of new Set([b.validation, ...b.examples.map((e) => e.run)])) {
      if (!r) continue;
      r.stdout = fix(r.stdout);
      r.stderr = fix(r.stderr);
      r.message = fix(r.message);
      if (r.error) r.error.message = fix(r.error.message);
    }
  }
}

/** What a report should say about the environment: what is missing and how to install it, or why there is none. */
function environmentWarnings(run: RunSetting): string[] {
  const o = run.outcome;
  const out: string[] = [];
  if (o.status === 'failed') out.push(o.message);
  if (o.missing.length) {
    out.push(
      `${o.missing.length} requirements could not be installed into the library environment: ` +
        `${o.missing.map((m) => `${m.requirement} (${m.reason})`).join('; ')}. Examples that need them are skipped; to install them: ${o.installCommand}`,
    );
  }
  if (o.package?.status === 'failed') out.push(`the package was not installed in its environment: ${o.package.message}`);
  return out;
}
