/**
 * The patterns job: libraries in, a pattern library out. Mines the idioms the libraries share (patterns/mine.ts),
 * makes them `pattern` blocks (patterns/library.ts) and writes them as one library with writeLibrary, so the
 * catalogue and the index take it like any other. The app and a batch (issue 14) call it the same way.
 */
import type { JobOptions } from '../domain/job.js';
import type { MinePatternsReport } from '../domain/idiom.js';
import type { LoadedLibrary } from '../domain/library.js';
import type { RunRecord } from '../domain/validation.js';
import { pool } from '../kernel/pool.js';
import { CodedistillError, throwIfAborted } from '../kernel/errors.js';
import type { Logger } from '../kernel/log.js';
import { writeLibrary } from '../library/files.js';
import { minePatterns, withRepresentative, type MinedPattern } from '../patterns/mine.js';
import { patternBlock, patternLibraryName, patternManifest } from '../patterns/library.js';

export interface PatternsJobRequest {
  /** The libraries to mine, opened (blocks in memory). */
  libraries: LoadedLibrary[];
  /** The field: the library written is "<name>-patterns". */
  name: string;
  minRepos: number;
  maxPatterns?: number;
}

export interface PatternsJobServices {
  /** Where the pattern library is written (the user's libraries folder). */
  libraryParentDir: string;
  /** The manifest's generator ("codedistill <version>"). */
  generator: string;
  logger?: Logger;
  /**
   * Runs a member example in the sandbox, in its own library's environment: for patterns none of whose member
   * examples has a passing run record yet. Absent: no runs (a pattern keeps the runs its members already have).
   */
  runExample?: (library: LoadedLibrary, code: string, signal?: AbortSignal) => Promise<RunRecord>;
  /** Runs at once (default 2). */
  workers?: number;
}

/** Mine, then write (or rewrite) the pattern library. Nothing is written when no pattern comes out. */
export async function runPatternsJob(req: PatternsJobRequest, { onProgress, signal }: JobOptions, services: PatternsJobServices): Promise<MinePatternsReport> {
  const started = Date.now();
  const library = patternLibraryName(req.name);
  const warnings: string[] = [];
  const sources = req.libraries.filter((l) => !l.manifest.sources?.length);
  if (sources.length < req.libraries.length) warnings.push(`left out ${req.libraries.length - sources.length} pattern libraries: patterns are mined from distilled repositories`);
  const repos = new Set(sources.map((l) => l.manifest.source.repo || l.name));
  if (repos.size < req.minRepos) {
    throw new CodedistillError(
      'invalid_input',
      `Patterns need at least ${req.minRepos} repositories using them, and ${repos.size} ${repos.size === 1 ? 'library was' : 'libraries were'} given.`,
      'Distill more repositories of the field first (distill_repo), or name more libraries; list_libraries shows what there is.',
    );
  }
  onProgress?.({ stage: 'mine', done: 0, total: sources.length });
  const mined = minePatterns(sources, {
    minRepos: req.minRepos,
    maxPatterns: req.maxPatterns ?? 200,
    signal,
    onLibrary: (done, total, name) => onProgress?.({ stage: 'mine', done, total, message: name }),
  });
  throwIfAborted(signal);
  const patterns = services.runExample ? await runRepresentatives(mined.patterns, services.runExample, services.workers ?? 2, { onProgress, signal }) : mined.patterns;
  const blocks = patterns.map((p) => patternBlock(library, p));
  const top = blocks.slice(0, 20).map((b) => ({ id: b.id, template: b.code, repos: b.pattern!.repos, blocks: b.pattern!.blocks, ran: b.pattern!.representative !== null }));
  const report: MinePatternsReport = {
    library,
    libraryPath: null,
    sources: mined.sources,
    units: mined.units,
    patterns: blocks.length,
    withRun: blocks.filter((b) => b.pattern!.representative !== null).length,
    top,
    durationMs: 0,
    warnings,
  };
  if (!blocks.length) {
    warnings.push(`no idiom is shared by ${req.minRepos} repositories among ${sources.map((l) => l.name).join(', ')}; nothing was written`);
  } else {
    onProgress?.({ stage: 'write', done: 0, total: 1, message: library });
    const manifest = patternManifest(library, req.name.replace(/-patterns$/, ''), mined.sources, blocks, services.generator);
    report.libraryPath = await writeLibrary(services.libraryParentDir, manifest, blocks, [], { signal, logger: services.logger });
    onProgress?.({ stage: 'write', done: 1, total: 1, message: library });
  }
  report.durationMs = Date.now() - started;
  return report;
}

/** For each pattern none of whose members ran: its candidates run in turn until one passes. */
async function runRepresentatives(
  patterns: MinedPattern[],
  run: NonNullable<PatternsJobServices['runExample']>,
  workers: number,
  { onProgress, signal }: JobOptions,
): Promise<MinedPattern[]> {
  const todo = patterns.map((p, i) => ({ p, i })).filter(({ p }) => !p.facts.representative && p.candidates.length);
  const out = [...patterns];
  let done = 0;
  onProgress?.({ stage: 'run', done, total: todo.length });
  // A run that threw (the sandbox gone, an environment that cannot be made) leaves its pattern without one.
  await pool(todo.map(({ p, i }) => async () => {
    for (const c of p.candidates) {
      throwIfAborted(signal);
      const record = await run(c.library, c.block.examples[c.example]!.code, signal);
      if (record.status === 'passed') {
        out[i] = withRepresentative(p, c, record);
        break;
      }
    }
    onProgress?.({ stage: 'run', done: ++done, total: todo.length, message: p.facts.subject });
  }), workers, { signal });
  throwIfAborted(signal);
  return out;
}
