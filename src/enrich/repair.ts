/**
 * Repair of failing examples by a language model: it sees the error, the tail of stderr, the example and
 * the block's source, answers with corrected code, and the sandboxed Runner judges the result. Only a run
 * that passes makes a repair; the original code is kept in repairedFrom so the change stays visible.
 */
import type { Block, Example } from '../domain/block.js';
import type { Progress } from '../domain/job.js';
import type { RunRecord } from '../domain/validation.js';
import { throwIfAborted } from '../kernel/errors.js';
import { escapeRegExp } from '../kernel/text.js';
import { importLineFor } from '../distill/usage.js';
import type { Runner } from '../validate/types.js';
import type { ChatMessage, LlmClient } from './client.js';
import { bestRun } from '../validate/block-runs.js';
import { callsBlock, extractPythonCode, FailureGate, orderExamples, truncateCode, userFacingName } from './common.js';
import { describeExit } from '../kernel/exit-status.js';

const DEFAULT_ATTEMPTS = 2;
const DEFAULT_MAX_REPAIRS = 20;
const STDERR_TAIL = 1_500;
/** Longer examples (whole scripts) are left alone: a rewrite would be a different program, not a repair. */
const MAX_EXAMPLE_CHARS = 8_000;

export interface RepairOptions {
  /** Absolute folders on PYTHONPATH for the runs (the library's import roots). */
  importRoots: string[];
  /** Fixed versions to try at most. Default 2. */
  attempts?: number;
  /** Per run; the runner's default when absent. */
  timeoutMs?: number;
  /** The library's own interpreter, when it has one. */
  python?: string;
  signal?: AbortSignal;
}

export interface RepairAttempt {
  code: string;
  run: RunRecord;
}

export interface RepairResult {
  /** The example with passing code (source unchanged, repairedFrom set), or null when no attempt passed. */
  repaired: Example | null;
  /** Every version that was run, in order. */
  attempts: RepairAttempt[];
}

/** Failing examples worth a repair: they ran and failed or timed out (not skipped for a missing package). */
export function isRepairable(example: Example): boolean {
  const status = example.run?.status;
  return example.source !== 'import' && (status === 'failed' || status === 'timeout');
}

function tail(text: string, max: number): string {
  const t = text.replace(/\s+$/, '');
  return t.length <= max ? t : '...' + t.slice(t.length - max);
}

/** What went wrong in a run, in the words the model needs to fix it. */
export function describeRun(run: RunRecord): string {
  const out: string[] = [];
  if (run.status === 'timeout') {
    out.push('It was stopped at the time limit: make it do less work (smaller inputs, fewer iterations) without changing what it shows.');
  } else {
    out.push(`It failed (${describeExit(run.exitCode, run.signal)}).`);
  }
  if (run.error) {
    out.push(`Error: ${run.error.type}: ${run.error.message}${run.error.line !== null ? ` (line ${run.error.line} of the example)` : ''}`);
  }
  if (run.message) out.push(`Runner: ${run.message}`);
  const err = tail(run.stderr, STDERR_TAIL);
  if (err) out.push('Last lines of stderr:', '```', err, '```');
  else if (run.stdout.trim()) out.push('Last lines of stdout:', '```', tail(run.stdout, 500), '```');
  return out.join('\n');
}

export function repairPrompt(block: Block, example: Example, run: RunRecord): ChatMessage[] {
  const importLine = importLineFor(block) || (block.module ? `from ${block.module} import ${userFacingName(block)}` : '');
  const keepOutput =
    example.expectedOutput !== null
      ? ` Its printed output must still be exactly:\n${example.expectedOutput}`
      : '';
  return [
    {
      role: 'system',
      content:
        'You repair failing usage examples of a scientific Python library. Change as little as possible and keep what the example demonstrates. ' +
        'Keep importing the library the way a user would. Fix the example, not the library: do not redefine, monkeypatch or stub anything from the library, ' +
        'and do not hide errors with try/except. No network and no files. ' +
        'Reply with the complete corrected example in one ```python code block and nothing else.',
    },
    {
      role: 'user',
      content: [
        `This example of ${block.qualifiedName} (${block.kind}) fails.${keepOutput}`,
        ...(importLine ? [`Users import it with: ${importLine}`] : []),
        '',
        'Signature:',
        block.signature,
        '',
        "The block's source:",
        '```python',
        truncateCode(block.code),
        '```',
        '',
        'The example:',
        '```python',
        example.code.replace(/\s+$/, ''),
        '```',
        '',
        describeRun(run),
      ].join('\n'),
    },
  ];
}

/** The name the example must keep using: a repair that drops the block is not a repair. */
function stillUsesBlock(code: string, block: Block, original: string): boolean {
  if (!new RegExp(`\\b${escapeRegExp(userFacingName(block))}\\b`).test(code)) return false;
  // A "repair" that only prints or imports the block runs and shows nothing: a call stays a call.
  return !callsBlock(original, block) || callsBlock(code, block);
}

/**
 * Ask for fixed code, run it, and feed the new failure back, up to `attempts` runs; stop at the first pass.
 * Throws the client's errors (LlmError, cancelled); the code's own failures are results, never throws.
 */
export async function repairExample(block: Block, example: Example, client: LlmClient, runner: Runner, opts: RepairOptions): Promise<RepairResult> {
  const attempts: RepairAttempt[] = [];
  const run = example.run;
  if (!run || !isRepairable(example)) return { repaired: null, attempts };
  const maxAttempts = Math.max(1, Math.floor(opts.attempts ?? DEFAULT_ATTEMPTS));
  const messages = repairPrompt(block, example, run);
  const tried = new Set([example.code.trim()]);
  // Answers that cannot be run (no code, the same code, the block gone) use up a question, not a run, and
  // are bounded separately so a stubborn model cannot loop.
  let questions = 0;
  const maxQuestions = maxAttempts * 2;

  while (attempts.length < maxAttempts && questions < maxQuestions) {
    throwIfAborted(opts.signal);
    questions++;
    const answer = await client.complete(messages, { maxTokens: 1_500, temperature: 0, signal: opts.signal });
    messages.push({ role: 'assistant', content: answer });
    const code = extractPythonCode(answer);
    if (!code) {
      messages.push({ role: 'user', content: 'Reply with the complete corrected example in one ```python code block.' });
      continue;
    }
    if (tried.has(code.trim())) {
      messages.push({ role: 'user', content: 'That code was already tried and fails as described. Change it so the error goes away.' });
      continue;
    }
    if (!stillUsesBlock(code, block, example.code)) {
      messages.push({ role: 'user', content: `The example must still import and use ${userFacingName(block)}. Fix it without removing that.` });
      continue;
    }
    tried.add(code.trim());
    const rec = await runner.run({
      code,
      importRoots: opts.importRoots,
      expectedOutput: example.expectedOutput,
      timeoutMs: opts.timeoutMs,
      python: opts.python,
      signal: opts.signal,
    });
    attempts.push({ code, run: rec });
    if (rec.status === 'passed') {
      // A model's code that prints the stated output has not checked the block: it ran.
      const run = rec.level === 'checked' ? { ...rec, level: 'ran' as const } : rec;
      return {
        repaired: { ...example, code, run, repairedFrom: example.repairedFrom ?? example.code, repairAttempts: attempts.length },
        attempts,
      };
    }
    // The runner could not run anything, or a package is missing: no rewrite of the code will change that.
    if (rec.status === 'error' || rec.status === 'skipped') break;
    messages.push({ role: 'user', content: `That version fails too.\n${describeRun(rec)}` });
  }
  return { repaired: null, attempts };
}

export interface RepairLibraryOptions extends RepairOptions {
  /** Failing examples to try at most, most central blocks first. Default 20. */
  maxRepairs?: number;
  onProgress?: (p: Progress) => void;
}

export interface RepairLibraryResult {
  /** Failing examples a repair was tried for. */
  tried: number;
  repaired: number;
  /** Tried and still failing. */
  stillFailing: number;
  /** Failing examples left alone because the cap was reached or the model stopped answering. */
  notTried: number;
  warnings: string[];
}

/**
 * Try to repair the failing examples of a library's blocks in place: a repaired example replaces the
 * failing one and the block's validation is recomputed. Examples shared by several blocks (one script) are
 * asked about once.
 */
export async function repairLibraryExamples(blocks: Block[], client: LlmClient, runner: Runner, opts: RepairLibraryOptions): Promise<RepairLibraryResult> {
  const warnings: string[] = [];
  const out: RepairLibraryResult = { tried: 0, repaired: 0, stillFailing: 0, notTried: 0, warnings };
  const maxRepairs = Math.max(0, opts.maxRepairs ?? DEFAULT_MAX_REPAIRS);
  const progress = opts.onProgress ?? (() => {});
  const gate = new FailureGate();

  const targets: Array<{ block: Block; example: Example }> = [];
  const byRank = [...blocks].sort((a, b) => b.rank - a.rank || a.qualifiedName.localeCompare(b.qualifiedName));
  for (const block of byRank) {
    if (block.kind === 'workflow' || block.language !== 'python') continue;
    for (const example of block.examples) {
      if (isRepairable(example) && example.code.length <= MAX_EXAMPLE_CHARS) targets.push({ block, example });
    }
  }
  if (targets.length === 0) return out;

  const info = await runner.info(opts.python);
  if (!info.available) {
    warnings.push(`failing examples were not repaired: ${info.reason ?? 'the sandbox is unavailable'}`);
    out.notTried = targets.length;
    return out;
  }

  const done = new Map<string, Example | null>();
  const keyOf = (e: Example) => `${e.code}\u0000${e.expectedOutput ?? ''}`;
  const total = Math.min(maxRepairs, targets.length);
  progress({ stage: 'repair', done: 0, total });

  for (const { block, example } of targets) {
    const key = keyOf(example);
    let repaired: Example | null;
    if (done.has(key)) {
      const prior = done.get(key)!;
      repaired = prior ? { ...prior, source: example.source, path: example.path, startLine: example.startLine } : null;
      if (!repaired) continue;
    } else {
      if (gate.stopped || out.tried >= maxRepairs) {
        out.notTried++;
        continue;
      }
      out.tried++;
      try {
        const r = await repairExample(block, example, client, runner, opts);
        gate.ok();
        repaired = r.repaired;
        done.set(key, repaired);
        if (repaired) out.repaired++;
        else out.stillFailing++;
      } catch (e) {
        warnings.push(gate.fail(e, `the example of ${block.qualifiedName}`));
        done.set(key, null);
        out.stillFailing++;
        repaired = null;
      }
      progress({ stage: 'repair', done: out.tried, total, message: block.qualifiedName });
    }
    if (!repaired) continue;
    const i = block.examples.indexOf(example);
    if (i < 0) continue;
    block.examples[i] = repaired;
    block.examples = orderExamples(block.examples);
    block.validation = bestRun(block.examples);
  }
  if (out.notTried > 0) warnings.push(`${out.notTried} failing examples were not sent for repair (cap ${maxRepairs} per run, or the model stopped answering)`);
  return out;
}
