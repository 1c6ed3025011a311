/**
 * Synthesized calls (distill/examples/synthesize.ts) run in the sandbox; a block keeps the first that runs
 * cleanly (exit 0 within the per-candidate limit) as an example with source 'synthesized'. What it printed is
 * the run's stdout, never its expectedOutput: nothing states what the result should be, so such an example shows
 * that the block runs and how to call it, not that it is right.
 *
 * Candidates go in rounds (every block's first candidate, then the second of those whose first failed, ...),
 * each round through runner.runBatch in slices, so the time budget is checked between slices and a block's
 * later candidates only run when its earlier ones failed.
 */
import type { Block, Example } from '../domain/block.js';
import type { Progress } from '../domain/job.js';
import type { RunRecord } from '../domain/validation.js';
import { throwIfAborted } from '../kernel/errors.js';
import { pool } from '../kernel/pool.js';
import { candidateCalls, classesOf, instanceSetups, MAX_CANDIDATES_PER_BLOCK, wantsSynthesizedCall, type ArgumentValues } from '../distill/examples/synthesize.js';
import { bestRun, importedPackages } from './block-runs.js';
import type { RunRequest, Runner } from './types.js';

/** A candidate that has not finished by then does not run "within a few seconds". */
export const SYNTHESIZED_TIMEOUT_MS = 5_000;
/** Wall-clock budget of all synthesized runs of one distill; slices not started by then are dropped. */
export const SYNTHESIZED_BUDGET_MS = 180_000;
/** Candidates per runBatch call: the budget is checked between slices. */
const SLICE = 60;

export interface SynthesizeOptions {
  /** Literal values the repository passes, by parameter name (argumentValues). */
  values: ArgumentValues;
  /** As for the mined examples: the library environment's import roots and interpreter. */
  importRoots: string[];
  packages: string[];
  python?: string;
  workers: number;
  /** Per candidate; SYNTHESIZED_TIMEOUT_MS when absent (never more than it). */
  timeoutMs?: number;
  budgetMs?: number;
  maxPerBlock?: number;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Injected clock for the budget (tests). */
  now?: () => number;
}

export interface SynthesizeResult {
  /** Blocks that had candidates. */
  tried: number;
  /** Blocks that got a synthesized example that ran. */
  added: number;
  /** Candidate runs. */
  runs: number;
  /** Blocks whose candidates the budget left unrun. */
  outOfBudget: number;
  /** Candidate runs that did not pass, by status. */
  notPassed: Partial<Record<RunRecord['status'], number>>;
  warnings: string[];
}

interface Pending {
  block: Block;
  codes: string[];
}

export async function synthesizeExamples(blocks: Block[], runner: Runner, opts: SynthesizeOptions): Promise<SynthesizeResult> {
  const { signal } = opts;
  const now = opts.now ?? Date.now;
  const started = now();
  const budget = opts.budgetMs ?? SYNTHESIZED_BUDGET_MS;
  const timeoutMs = Math.min(opts.timeoutMs ?? SYNTHESIZED_TIMEOUT_MS, SYNTHESIZED_TIMEOUT_MS);
  const result: SynthesizeResult = { tried: 0, added: 0, runs: 0, outOfBudget: 0, notPassed: {}, warnings: [] };
  const classes = classesOf(blocks);
  const setups = instanceSetups(blocks);
  let pending: Pending[] = [];
  for (const b of blocks) {
    if (!wantsSynthesizedCall(b, classes)) continue;
    const codes = candidateCalls(b, opts.values, classes, opts.maxPerBlock ?? MAX_CANDIDATES_PER_BLOCK, setups).map((c) => c.code);
    if (codes.length) pending.push({ block: b, codes });
  }
  result.tried = pending.length;
  if (!pending.length) return result;
  throwIfAborted(signal);
  const info = await runner.info(opts.python);
  if (!info.available) return result;

  const own = new Set(opts.packages);
  const progress = opts.onProgress ?? (() => {});
  const request = (code: string): RunRequest => ({ code, timeoutMs, expectedOutput: null, python: opts.python });
  const runSlice = async (codes: string[]): Promise<RunRecord[]> => {
    const records: RunRecord[] = new Array<RunRecord>(codes.length);
    // Grouped by the packages each imports, preloaded as for mined examples.
    const groups = new Map<string, number[]>();
    for (const [i, c] of codes.entries()) {
      const key = importedPackages(c, own).join(',');
      groups.set(key, [...(groups.get(key) ?? []), i]);
    }
    for (const [key, idx] of groups) {
      if (runner.runBatch) {
        const recs = await runner.runBatch(
          idx.map((i) => request(codes[i]!)),
          { importRoots: opts.importRoots, preload: key ? key.split(',') : [], timeoutMs, workers: opts.workers, signal, python: opts.python },
        );
        recs.forEach((r, j) => (records[idx[j]!] = r));
      } else {
        const settled = await pool(
          idx.map((i) => async () => {
            records[i] = await runner.run({ ...request(codes[i]!), importRoots: opts.importRoots, signal });
          }),
          opts.workers,
          { signal, stopOnFailure: true },
        );
        const failure = settled.find((r) => r.status === 'rejected');
        if (failure) throw failure.reason;
      }
    }
    return records;
  };

  const total = pending.length;
  progress({ stage: 'synthesize', done: 0, total, message: 'running synthesized calls' });
  for (let round = 0; pending.length; round++) {
    const failed: Pending[] = [];
    for (let s = 0; s < pending.length; s += SLICE) {
      throwIfAborted(signal);
      if (now() - started > budget) {
        result.outOfBudget += pending.length - s + failed.length;
        pending = [];
        break;
      }
      const slice = pending.slice(s, s + SLICE);
      const records = await runSlice(slice.map((p) => p.codes[round]!));
      result.runs += records.length;
      for (const [i, p] of slice.entries()) {
        const rec = records[i];
        if (rec?.status === 'passed') {
          const ex: Example = { code: p.codes[round]!, source: 'synthesized', path: null, startLine: null, expectedOutput: null, run: rec };
          p.block.examples = [...p.block.examples, ex];
          p.block.validation = bestRun(p.block.examples);
          result.added++;
          continue;
        }
        const status = rec?.status ?? 'not_run';
        result.notPassed[status] = (result.notPassed[status] ?? 0) + 1;
        // Other values do not make a call that is too slow fast, nor bring a missing dependency.
        if (status === 'failed' && round + 1 < p.codes.length) failed.push(p);
      }
      progress({ stage: 'synthesize', done: result.added, total, message: `round ${round + 1}` });
    }
    if (pending.length) pending = failed;
  }
  throwIfAborted(signal);
  const notPassed = Object.entries(result.notPassed).map(([k, n]) => `${k} ${n}`);
  result.warnings.push(
    `${result.added} of ${result.tried} blocks without a mined example got a synthesized example that ran (${result.runs} candidate runs` +
      `${notPassed.length ? `, not passed: ${notPassed.join(', ')}` : ''}; ` +
      'source synthesized: it shows the block runs and how to call it, not that the result is right)',
  );
  if (result.outOfBudget) {
    result.warnings.push(`${result.outOfBudget} synthesized calls were not tried: the ${Math.round(budget / 1000)} s budget for them ran out`);
  }
  return result;
}
