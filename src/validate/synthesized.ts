/**
 * Synthesized calls (distill/examples/synthesize.ts) run in the sandbox; a block keeps the first that runs
 * cleanly (exit 0 within the per-candidate limit) as an example with source 'synthesized'. What it printed is
 * the run's stdout, never its expectedOutput: nothing states what the result should be, so such an example shows
 * that the block runs and how to call it, not that it is right.
 *
 * Candidates go in rounds (every block's first candidate, then the second of those whose first failed, ...),
 * each round through runner.runBatch in slices, so the time budget is checked between slices and a block's
 * later candidates only run when its earlier ones failed. The most central blocks (block.rank) go first, so a
 * budget that runs out leaves the peripheral ones. Two steps: functions and classes first (and the methods whose
 * instance an example that ran already builds), then the other methods, on an instance built as a synthesized
 * call of their class (or of a factory) that ran builds it, else on the constructor's guessed arguments.
 * A call that ran but printed nothing worth reading (nan, an empty container) is kept only when no later
 * candidate of the block prints more. What it printed is kept, capped.
 */
import type { Block, Example } from '../domain/block.js';
import type { Progress } from '../domain/job.js';
import type { RunRecord } from '../domain/validation.js';
import { throwIfAborted } from '../kernel/errors.js';
import { pool } from '../kernel/pool.js';
import { candidateCalls, classesOf, instanceSetups, MAX_CANDIDATES_PER_BLOCK, wantsSynthesizedCall, type ArgumentValues, type InstanceSetup, wantsInstances } from '../distill/examples/synthesize.js';
import { bestRun, importedPackages } from './block-runs.js';
import type { RunRequest, Runner } from './types.js';

/** A candidate that has not finished by then does not run "within a few seconds". */
export const SYNTHESIZED_TIMEOUT_MS = 5_000;
/** Wall-clock budget of all synthesized runs of one distill; slices not started by then are dropped. */
export const SYNTHESIZED_BUDGET_MS = 180_000;
/** Candidates per runBatch call: the budget is checked between slices. */
const SLICE = 60;
/** What a kept call's record keeps of its output: enough to read the result's kind and scale. */
export const MAX_OBSERVED_CHARS = 1_000;
const MAX_OBSERVED_LINES = 20;

/**
 * Output that says nothing of the block: nan, an empty container or array, an array of nans, an object's default
 * repr (`<pkg.Spectrum object at 0x7f...>`: only its class and an address that changes every run).
 */
export function isEmptyResult(stdout: string): boolean {
  const t = stdout.trim();
  if (/^(nan|-?inf|\[\]|\{\}|\(\)|''|""|set\(\)|array\(\[\](, dtype=\w+)?\))$/.test(t)) return true;
  if (/^<[\w.]+ object at 0x[0-9a-fA-F]+>$/.test(t)) return true;
  const arr = /^array\(\[([^\]]*)\]\)$/.exec(t.replace(/\s+/g, ' '));
  return !!arr && arr[1]!.split(',').every((x) => /^\s*(nan(\+nanj)?|\.\.\.)\s*$/.test(x));
}

/** Whether the run failed on one of the snippet's import lines: no argument value changes that. */
export function failedAtImport(code: string, rec: RunRecord | undefined): boolean {
  const line = rec?.error?.line;
  if (!line) return false;
  const text = code.split('\n')[line - 1] ?? '';
  return /^\s*(import|from)\s/.test(text);
}

/** The record kept with a synthesized example: its output capped (a long array's repr is not the point). */
function capped(rec: RunRecord): RunRecord {
  const lines = rec.stdout.split('\n');
  let out = lines.length > MAX_OBSERVED_LINES ? lines.slice(0, MAX_OBSERVED_LINES).join('\n') + '\n' : rec.stdout;
  if (out.length > MAX_OBSERVED_CHARS) out = out.slice(0, MAX_OBSERVED_CHARS) + '\n';
  return out === rec.stdout ? rec : { ...rec, stdout: out, truncated: true };
}

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
  /** A call that ran but printed nothing worth reading, kept if no later one does better. */
  weak?: Example;
}

export async function synthesizeExamples(blocks: Block[], runner: Runner, opts: SynthesizeOptions): Promise<SynthesizeResult> {
  const { signal } = opts;
  const now = opts.now ?? Date.now;
  const started = now();
  const budget = opts.budgetMs ?? SYNTHESIZED_BUDGET_MS;
  const timeoutMs = Math.min(opts.timeoutMs ?? SYNTHESIZED_TIMEOUT_MS, SYNTHESIZED_TIMEOUT_MS);
  const result: SynthesizeResult = { tried: 0, added: 0, runs: 0, outOfBudget: 0, notPassed: {}, warnings: [] };
  const classes = classesOf(blocks);
  const max = opts.maxPerBlock ?? MAX_CANDIDATES_PER_BLOCK;
  // Central blocks first: the budget is spent where readers look.
  const wanted = blocks.filter((b) => wantsSynthesizedCall(b, classes)).sort((a, b) => b.rank - a.rank);
  const firstSetups = instanceSetups(blocks);
  const later = (b: Block) => wantsInstances(b, classes, firstSetups);
  const candidates = (list: Block[], setups: ReadonlyMap<string, InstanceSetup>): Pending[] =>
    list.map((block) => ({ block, codes: candidateCalls(block, opts.values, classes, max, setups).map((c) => c.code) })).filter((p) => p.codes.length);
  const firstStep = candidates(wanted.filter((b) => !later(b)), firstSetups);
  const secondStep = wanted.filter(later);
  result.tried = firstStep.length;
  if (!firstStep.length && !secondStep.length) return result;
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

  const failures = new Map<string, number>();
  const keep = (p: Pending, ex: Example) => {
    // Best first: a call that ran goes before mined examples that were all skipped.
    const allSkipped = p.block.examples.length > 0 && p.block.examples.every((e) => e.run?.status === 'skipped');
    p.block.examples = allSkipped ? [ex, ...p.block.examples] : [...p.block.examples, ex];
    p.block.validation = bestRun(p.block.examples);
    result.added++;
  };
  let total = firstStep.length + secondStep.length;
  progress({ stage: 'synthesize', done: 0, total, message: 'running synthesized calls' });
  const runAll = async (start: Pending[]) => {
    let pending = start;
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
            const ex: Example = { code: p.codes[round]!, source: 'synthesized', path: null, startLine: null, expectedOutput: null, run: capped(rec) };
            // nan or an empty result depends on the values: the next candidate may print something to read.
            if (isEmptyResult(rec.stdout) && round + 1 < p.codes.length) {
              p.weak ??= ex;
              failed.push(p);
            } else keep(p, isEmptyResult(rec.stdout) && p.weak ? p.weak : ex);
            continue;
          }
          const status = rec?.status ?? 'not_run';
          result.notPassed[status] = (result.notPassed[status] ?? 0) + 1;
          if (rec?.error) {
            const key = `${rec.error.type}: ${rec.error.message.slice(0, 80)}`;
            failures.set(key, (failures.get(key) ?? 0) + 1);
          }
          // Other values do not make a call that is too slow fast, nor bring a missing dependency, nor mend an
          // import that fails (the package does not load in this environment).
          if (status === 'failed' && round + 1 < p.codes.length && !failedAtImport(p.codes[round]!, rec)) failed.push(p);
        }
        progress({ stage: 'synthesize', done: result.added, total, message: `round ${round + 1}` });
      }
      if (pending.length) pending = failed;
    }
    for (const p of start) if (p.weak && !p.block.examples.includes(p.weak)) keep(p, p.weak);
  };
  await runAll(firstStep);
  // Second step: the instances the first one built (a class's or a factory's synthesized call that ran).
  if (secondStep.length && now() - started <= budget) {
    // A class whose own call failed may still be built (its repr may be what failed): its methods are tried.
    const step = candidates(secondStep, instanceSetups(blocks));
    result.tried += step.length;
    total = result.tried;
    await runAll(step);
  } else result.outOfBudget += secondStep.length;
  throwIfAborted(signal);
  const notPassed = Object.entries(result.notPassed).map(([k, n]) => `${k} ${n}`);
  result.warnings.push(
    `${result.added} of ${result.tried} blocks without a mined example got a synthesized example that ran (${result.runs} candidate runs` +
      `${notPassed.length ? `, not passed: ${notPassed.join(', ')}` : ''}; ` +
      'source synthesized: it shows the block runs and how to call it, not that the result is right)',
  );
  const common = [...failures].sort((a, b) => b[1] - a[1]).slice(0, 3);
  if (common.length) result.warnings.push(`most common failures of synthesized calls: ${common.map(([k, n]) => `${k} (${n})`).join('; ')}`);
  if (result.outOfBudget) {
    result.warnings.push(`${result.outOfBudget} synthesized calls were not tried: the ${Math.round(budget / 1000)} s budget for them ran out`);
  }
  return result;
}
