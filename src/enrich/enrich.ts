/**
 * Optional enrichment of distilled blocks by a language model: one-line summaries for blocks whose
 * docstring says nothing, and usage examples for central blocks that have none. Everything the model wrote
 * is labelled as such (tag summary:llm / example:llm, example source "generated") and generated examples
 * are only ever executed through the sandboxed Runner.
 */
import { bestRun } from '../validate/block-runs.js';
import type { Block, Example } from '../domain/block.js';
import type { Progress } from '../domain/job.js';
import { CodedistillError, describeError, throwIfAborted } from '../kernel/errors.js';
import { pool } from '../kernel/pool.js';
import { clip, firstSentence, summarizeDetailed } from '../distill/summary.js';
import { importLineFor } from '../distill/usage.js';
import type { Runner } from '../validate/types.js';
import type { ChatMessage, LlmClient } from './client.js';
import { extractPythonCode, FailureGate, orderExamples, truncateCode, userFacingName, usesBlock } from './common.js';

export const SUMMARY_TAG = 'summary:llm';
export const EXAMPLE_TAG = 'example:llm';

const MAX_SUMMARY = 160;
const DEFAULT_MAX_SUMMARIES = 50;
const DEFAULT_MAX_EXAMPLES = 10;
const DEFAULT_CONCURRENCY = 2;

export interface EnrichOptions {
  /** Blocks to summarise at most, most central first. Default 50; 0 turns summaries off. */
  maxSummaries?: number;
  /** Blocks to write an example for at most, most central first. Default 10; 0 turns examples off. */
  maxExamples?: number;
  /** When given, generated examples are run through it and keep their run records. */
  runner?: Runner;
  /** Absolute folders on PYTHONPATH for the runs (the library's import roots). */
  importRoots?: string[];
  /** The repository's own interpreter, when it has one. */
  python?: string;
  /** Per run; the runner's default when absent. */
  timeoutMs?: number;
  /** Questions to the model in flight at once (the client limits HTTP requests on its own too). Default 2. */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export interface EnrichResult {
  summarized: number;
  examplesAdded: number;
  /** Of examplesAdded, how many passed when run. */
  examplesPassed: number;
  warnings: string[];
}

// ---------------------------------------------------------------------------------------------
// summaries

/** True for blocks whose summary was made from their name because the docstring had nothing to offer. */
export function needsSummary(block: Block): boolean {
  if (block.tags.includes(SUMMARY_TAG)) return false;
  return summarizeDetailed(block.docstring, block.name, block.kind).derived;
}

export function summaryPrompt(block: Block): ChatMessage[] {
  return [
    {
      role: 'system',
      content:
        'You write one-line summaries of functions and classes from scientific code, for a searchable catalogue. ' +
        'Reply with one plain sentence of at most 25 words saying what the code computes or does, in the present tense ' +
        '(e.g. "Computes the pressure drop across a packed bed with the Ergun equation."). ' +
        'No preamble, no markdown, no mention of the name itself unless it is needed.',
    },
    {
      role: 'user',
      content: [
        `Language: ${block.language}`,
        `Kind: ${block.kind}`,
        `Name: ${block.qualifiedName}`,
        'Signature:',
        block.signature,
        'Code:',
        '```' + block.language,
        truncateCode(block.code),
        '```',
      ].join('\n'),
    },
  ];
}

/** The model's answer as a summary line, or null when it is not one (empty, a refusal, code). */
export function cleanSummary(answer: string): string | null {
  const lines = answer
    .replace(/\r\n?/g, '\n')
    .replace(/^(```|~~~)[\s\S]*?^\1\s*$/gm, '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  let line = lines[0] ?? '';
  line = line
    .replace(/^(summary|one-line summary|answer)\s*:\s*/i, '')
    .replace(/^[-*>•]\s+/, '')
    .replace(/^["'`*_]+|["'`*_]+$/g, '')
    .trim();
  if (!line || !/[A-Za-z]/.test(line)) return null;
  if (/^(I\s|I'm\s|Sorry|As an AI|Unfortunately)/i.test(line)) return null;
  if (/^(def|class|import|from)\s/.test(line)) return null;
  const sentence = firstSentence(line);
  const text = clip(sentence.charAt(0).toUpperCase() + sentence.slice(1), MAX_SUMMARY);
  return text.split(/\s+/).length >= 2 ? text : null;
}

// ---------------------------------------------------------------------------------------------
// examples

/** Python blocks a user imports (not workflows or private names) with no usage example but import checks. */
export function needsExample(block: Block): boolean {
  if (block.language !== 'python' || block.kind === 'workflow' || !block.module) return false;
  if (block.name.startsWith('_') || userFacingName(block).startsWith('_')) return false;
  return block.examples.every((e) => e.source === 'import');
}

export function examplePrompt(block: Block): ChatMessage[] {
  const importLine = importLineFor(block) || `from ${block.module} import ${userFacingName(block)}`;
  const how =
    block.kind === 'method'
      ? `Create an instance of ${userFacingName(block)} with small, valid arguments and call its ${block.name} method.`
      : block.kind === 'class'
        ? `Create an instance of ${block.name} with small, valid arguments and use it the way its code suggests.`
        : `Call ${block.name} with small, valid, realistic inputs.`;
  return [
    {
      role: 'system',
      content:
        'You write minimal usage examples for scientific Python libraries. The example must run as a standalone script: ' +
        'import the library the way a user would, use it once or twice with small, realistic inputs, and print the results. ' +
        'Use only the standard library, the library itself and the packages its code imports. No network, no files, no plots, ' +
        'no input(), seeded randomness only, and it must finish within a few seconds. Do not redefine or stub anything from the library. ' +
        'Reply with one ```python code block and nothing else.',
    },
    {
      role: 'user',
      content: [
        `Write an example for ${block.qualifiedName} (${block.kind}).`,
        `Import it with: ${importLine}`,
        how,
        '',
        'Signature:',
        block.signature,
        '',
        'Docstring:',
        block.docstring?.trim() || '(none)',
        '',
        "Imports of the block's module that it uses:",
        block.imports.length ? block.imports.join('\n') : '(none)',
        '',
        'Source:',
        '```python',
        truncateCode(block.code),
        '```',
      ].join('\n'),
    },
  ];
}

export async function enrichBlocks(blocks: Block[], client: LlmClient, opts: EnrichOptions = {}): Promise<EnrichResult> {
  const { signal } = opts;
  const progress = opts.onProgress ?? (() => {});
  const warnings: string[] = [];
  const gate = new FailureGate();
  const result: EnrichResult = { summarized: 0, examplesAdded: 0, examplesPassed: 0, warnings };
  const byRank = [...blocks].sort((a, b) => b.rank - a.rank || a.qualifiedName.localeCompare(b.qualifiedName));

  const summaryTargets = byRank.filter(needsSummary).slice(0, Math.max(0, opts.maxSummaries ?? DEFAULT_MAX_SUMMARIES));
  const exampleTargets = byRank.filter(needsExample).slice(0, Math.max(0, opts.maxExamples ?? DEFAULT_MAX_EXAMPLES));
  const total = summaryTargets.length + exampleTargets.length;
  if (total === 0) return result;

  let runner = opts.runner;
  if (runner && exampleTargets.length) {
    const info = await runner.info();
    if (!info.available) {
      warnings.push(`generated examples were not run: ${info.reason ?? 'the sandbox is unavailable'}`);
      runner = undefined;
    }
  }

  let done = 0;
  const step = (message: string) => {
    done++;
    progress({ stage: 'enrich', done, total, message });
  };
  progress({ stage: 'enrich', done: 0, total });

  const summaryTask = (b: Block) => async () => {
    if (gate.stopped) return;
    try {
      const answer = await client.complete(summaryPrompt(b), { maxTokens: 120, temperature: 0, signal });
      gate.ok();
      const text = cleanSummary(answer);
      if (!text) {
        warnings.push(`language model gave no usable summary for ${b.qualifiedName}`);
      } else {
        b.summary = text;
        if (!b.tags.includes(SUMMARY_TAG)) b.tags.push(SUMMARY_TAG);
        result.summarized++;
      }
    } catch (e) {
      warnings.push(gate.fail(e, `the summary of ${b.qualifiedName}`));
    }
    step(b.qualifiedName);
  };

  const exampleTask = (b: Block) => async () => {
    if (gate.stopped) return;
    let answer: string;
    try {
      answer = await client.complete(examplePrompt(b), { maxTokens: 1_200, temperature: 0.2, signal });
      gate.ok();
    } catch (e) {
      warnings.push(gate.fail(e, `an example of ${b.qualifiedName}`));
      step(b.qualifiedName);
      return;
    }
    const code = extractPythonCode(answer);
    if (!code) {
      warnings.push(`language model answered without a python code block for ${b.qualifiedName}; no example added`);
    } else if (!usesBlock(code, b)) {
      warnings.push(`generated example for ${b.qualifiedName} does not import and use it; dropped`);
    } else {
      const ex: Example = { code, source: 'generated', path: null, startLine: null, expectedOutput: null, run: null };
      if (runner) {
        try {
          ex.run = await runner.run({ code, importRoots: opts.importRoots, timeoutMs: opts.timeoutMs, python: opts.python, signal });
        } catch (e) {
          if (e instanceof CodedistillError && e.code === 'cancelled') throw e;
          warnings.push(`generated example for ${b.qualifiedName} could not be run: ${describeError(e)}`);
        }
      }
      b.examples = orderExamples([...b.examples, ex]);
      if (!b.tags.includes(EXAMPLE_TAG)) b.tags.push(EXAMPLE_TAG);
      if (ex.run) b.validation = bestRun(b.examples);
      result.examplesAdded++;
      if (ex.run?.status === 'passed') result.examplesPassed++;
    }
    step(b.qualifiedName);
  };

  // The first failure stops the rest (tasks only let a cancel through); unstarted tasks are cancelled, and come last.
  const settled = await pool([...summaryTargets.map(summaryTask), ...exampleTargets.map(exampleTask)], opts.concurrency ?? DEFAULT_CONCURRENCY, {
    signal,
    stopOnFailure: true,
  });
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) throw failure.reason;
  throwIfAborted(signal);

  const failing = result.examplesAdded - result.examplesPassed;
  if (runner && failing > 0) {
    warnings.push(`${failing} generated examples did not pass; they are kept after mined examples with their run records`);
  }
  return result;
}
