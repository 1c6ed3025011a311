/**
 * Run the usage examples of a set of blocks and keep the evidence on them: `example.run` for each example
 * run, `block.validation` for the best of them. Used by distill and by re-validation.
 *
 * Examples are grouped by which of the repository's own packages they import, and each group goes through
 * runner.runBatch with exactly those packages preloaded: an example never starts with a package loaded
 * that it would not have imported itself (import-time side effects such as warning filters or sys.path
 * changes stay where they would be).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Block, Example } from '../domain/block.js';
import type { Progress } from '../domain/job.js';
import { levelOf, type RunRecord, type RunStatus, type ValidationLevel } from '../domain/validation.js';
import { pool } from '../kernel/pool.js';
import { throwIfAborted } from '../kernel/errors.js';
import { importedTopModules } from '../python/syntax.js';
import { missingModulesWarning, type MissingModulesOptions } from './missing.js';
import { exampleRunLevel } from './level.js';
import type { ExampleLayout, RunRequest, Runner } from './types.js';

export const DEFAULT_MAX_EXAMPLES_PER_BLOCK = 2;

/** Best first: the evidence a block runs is its best example. */
export const STATUS_ORDER: Readonly<Record<RunStatus, number>> = { passed: 0, skipped: 1, failed: 2, timeout: 3, error: 4, not_run: 5 };

export interface RunExamplesOptions {
  /** Absolute folders holding the repository's packages. */
  importRoots: string[];
  /** The repository's own top-level packages (candidates to preload). */
  packages: string[];
  timeoutMs: number;
  workers: number;
  /** Examples run per block, first ones first (default 2). */
  maxPerBlock?: number;
  /** Add the "N blocks have examples that did not pass" warning (default true); off for callers that reclassify runs first. */
  countFailures?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Interpreter the examples run with (the repository's environment); the runner's own when absent. */
  python?: string;
  /**
   * The repository's files as the library keeps them (its snapshot): mined examples run laid out in it, as
   * the file they came from would (ExampleLayout); absent: in an empty scratch folder.
   */
  layoutRoot?: string;
}

/**
 * Where an example runs in its repository: a test beside its test file with the repository root as working
 * folder (pytest's rootdir), or its own folder when it opens files by names relative to it; a script or notebook
 * in its own folder (as a user runs it), the rest at the root.
 */
export function exampleLayout(ex: Example, root: string, exists: (p: string) => boolean = fs.existsSync): ExampleLayout | undefined {
  if (!ex.path || ex.source === 'import' || ex.source === 'generated') return undefined;
  const dir = ex.path.includes('/') ? ex.path.slice(0, ex.path.lastIndexOf('/')) : '';
  if (ex.source === 'test') return { root, dir, cwd: readsFilesBesideItself(ex.code, root, dir, exists) ? dir : '' };
  if (ex.source === 'script' || ex.source === 'notebook') return { root, dir, cwd: dir };
  return { root, dir: '', cwd: '' };
}

/** A file name in quotes: 'test.mgf', "data/x.csv". */
const QUOTED_FILE = /(['"])([\w.-]+(?:\/[\w.-]+)*\.[A-Za-z]\w{0,7})\1/g;

/**
 * Whether a test opens files by names relative to its own folder (`MGF('test.mgf')` in tests/, a suite run as
 * `cd tests; pytest`): a name it quotes is a file there and not at the repository root. Reads the library's
 * snapshot, never runs anything.
 */
function readsFilesBesideItself(code: string, root: string, dir: string, exists: (p: string) => boolean): boolean {
  if (!dir) return false;
  for (const m of code.matchAll(QUOTED_FILE)) {
    const name = m[2]!;
    if (name.endsWith('.py') || name.startsWith('.')) continue;
    if (exists(path.join(root, dir, name)) && !exists(path.join(root, name))) return true;
  }
  return false;
}

export interface RunExamplesResult {
  /** Distinct snippets run (identical examples run once). */
  runs: number;
  warnings: string[];
  /** One record per distinct snippet run. */
  records: RunRecord[];
}

/** The warning for blocks whose best run failed, timed out or errored (skipped runs are not failures). */
export function failureWarning(blocks: Block[]): string | null {
  const failed = blocks.filter((b) => b.validation && b.validation.status !== 'passed' && b.validation.status !== 'skipped').length;
  return failed ? `${failed} blocks have examples that did not pass; their run records say why` : null;
}

/** Every distinct run record of the blocks' examples (a record shared by examples with the same code counts once). */
export function exampleRuns(blocks: Block[]): RunRecord[] {
  const runs = new Set<RunRecord>();
  for (const b of blocks) for (const e of b.examples) if (e.run && e.run.status !== 'not_run') runs.add(e.run);
  return [...runs];
}

/**
 * The warnings about skipped runs, for the end of a distill or revalidation (after every reclassification): when
 * more than half of the runs were skipped, how many for each reason; and every missing module at once, with one
 * install command (missingModulesWarning).
 */
export function skipWarnings(blocks: Block[], opts: MissingModulesOptions = {}): string[] {
  const runs = exampleRuns(blocks);
  const skipped = runs.filter((r) => r.status === 'skipped');
  const warnings: string[] = [];
  if (skipped.length * 2 > runs.length) {
    const byReason = new Map<string, number>();
    for (const r of skipped) byReason.set(r.skipReason ?? 'unknown', (byReason.get(r.skipReason ?? 'unknown') ?? 0) + 1);
    const counts = [...byReason].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([k, n]) => `${k} ${n}`);
    warnings.push(
      `${skipped.length} of ${runs.length} example runs were skipped (${counts.join(', ')}): most blocks are not validated; ` +
        'the run records say what each needs',
    );
  }
  const missing = missingModulesWarning(skipped, opts);
  if (missing) warnings.push(missing);
  return warnings;
}

/** Among passed runs, a checked one is better evidence than one that only ran. */
const LEVEL_ORDER: Readonly<Record<ValidationLevel, number>> = { checked: 0, ran: 1, skipped: 2, failed: 3 };
const levelRank = (r: RunRecord) => LEVEL_ORDER[levelOf(r) ?? 'failed'];

/** The block's validation: its best example run, ignoring generated import checks. */
export function bestRun(examples: Example[]): RunRecord | null {
  const runs = examples.filter((e) => e.source !== 'import' && e.run).map((e) => e.run as RunRecord);
  runs.sort((x, y) => STATUS_ORDER[x.status] - STATUS_ORDER[y.status] || levelRank(x) - levelRank(y));
  return runs[0] ?? null;
}

/** Which of `packages` the code imports anywhere (top-level names), sorted. */
export function importedPackages(code: string, packages: ReadonlySet<string>): string[] {
  return [...new Set(importedTopModules(code).filter((m) => packages.has(m)))].sort();
}

interface Job {
  code: string;
  expected: string | null;
  targets: Example[];
  record: RunRecord | null;
}

export async function runBlockExamples(blocks: Block[], runner: Runner, opts: RunExamplesOptions): Promise<RunExamplesResult> {
  const { signal } = opts;
  const warnings: string[] = [];
  throwIfAborted(signal);
  const info = await runner.info(opts.python);
  if (!info.available) {
    warnings.push(`examples were not run: ${info.reason ?? 'the sandbox is unavailable'}`);
    return { runs: 0, warnings, records: [] };
  }

  // Identical example code (a script shared by several blocks) runs once.
  const jobs = new Map<string, Job>();
  for (const b of blocks) {
    for (const ex of b.examples.slice(0, opts.maxPerBlock ?? DEFAULT_MAX_EXAMPLES_PER_BLOCK)) {
      const key = `${ex.code}\u0000${ex.expectedOutput ?? ''}`;
      const job = jobs.get(key) ?? { code: ex.code, expected: ex.expectedOutput, targets: [], record: null };
      job.targets.push(ex);
      jobs.set(key, job);
    }
  }

  const own = new Set(opts.packages);
  const groups = new Map<string, { preload: string[]; jobs: Job[] }>();
  for (const job of jobs.values()) {
    const preload = importedPackages(job.code, own);
    const key = preload.join(',');
    const g = groups.get(key) ?? { preload, jobs: [] };
    g.jobs.push(job);
    groups.set(key, g);
  }

  const total = jobs.size;
  let done = 0;
  const progress = opts.onProgress ?? (() => {});
  const finished = (job: Job, ran: RunRecord) => {
    // Only here is it known where the code came from and whether it asserts: that makes a passed run checked or not.
    const rec = { ...ran, level: exampleRunLevel(ran, job.code, job.targets) };
    job.record = rec;
    for (const t of job.targets) t.run = rec;
    done++;
    if (done % 5 === 0 || done === total) progress({ stage: 'validate', done, total });
  };
  progress({ stage: 'validate', done: 0, total });

  const request = (job: Job): RunRequest => ({
    code: job.code,
    importRoots: opts.importRoots,
    timeoutMs: opts.timeoutMs,
    expectedOutput: job.expected,
    signal,
    python: opts.python,
    layout: opts.layoutRoot && job.targets[0] ? exampleLayout(job.targets[0], opts.layoutRoot) : undefined,
  });

  // Largest group first: it sets the pace; the small ones fill in after it.
  for (const g of [...groups.values()].sort((a, b) => b.jobs.length - a.jobs.length)) {
    throwIfAborted(signal);
    if (runner.runBatch) {
      await runner.runBatch(
        g.jobs.map((j) => ({ ...request(j), importRoots: undefined, signal: undefined })),
        {
          importRoots: opts.importRoots,
          preload: g.preload,
          timeoutMs: opts.timeoutMs,
          workers: opts.workers,
          signal,
          python: opts.python,
          onResult: (i, rec) => finished(g.jobs[i] as Job, rec),
        },
      );
    } else {
      const settled = await pool(
        g.jobs.map((job) => async () => finished(job, await runner.run(request(job)))),
        opts.workers,
        { signal, stopOnFailure: true },
      );
      const failure = settled.find((r) => r.status === 'rejected');
      if (failure) throw failure.reason;
    }
  }
  throwIfAborted(signal);

  for (const b of blocks) b.validation = bestRun(b.examples);
  const failed = opts.countFailures === false ? null : failureWarning(blocks);
  if (failed) warnings.push(failed);
  const records = [...jobs.values()].map((j) => j.record).filter((r): r is RunRecord => r !== null);
  return { runs: records.length, warnings, records };
}
