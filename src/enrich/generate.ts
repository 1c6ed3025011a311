/**
 * Examples written by a language model for the public blocks that mining and synthesis left without an example
 * that ran, most central first, within a budget of blocks, tokens or dollars. Each is run in the sandbox and, when
 * it fails, repaired a bounded number of times (repair.ts); only a version that calls the block and ran is kept,
 * as source "generated" (never checked: level.ts). Every request and run is counted, with the tokens the provider reports
 * and their price, for the distill report. A provider that fails (a refused key, rate limits or timeouts after the
 * client's retries) ends generation with a warning; what was kept stays, and the distill goes on.
 */
import type { Block, Example } from '../domain/block.js';
import type { GenerationReport, GenerationStop } from '../domain/distill.js';
import type { Progress } from '../domain/job.js';
import type { RunRecord } from '../domain/validation.js';
import { CodedistillError, describeError } from '../kernel/errors.js';
import { hasExampleThatRan, isPublicBlock } from '../distill/coverage.js';
import { importLineFor } from '../distill/usage.js';
import { bestRun } from '../validate/block-runs.js';
import type { Runner } from '../validate/types.js';
import { isLlmError, type ChatMessage, type LlmClient, type Usage } from './client.js';
import { callsBlock, extractPythonCode, FailureGate, orderExamples, truncateCode, userFacingName, usesBlock } from './common.js';
import { repairExample } from './repair.js';

export const EXAMPLE_TAG = 'example:llm';

const ANSWER_TOKENS = 1_200;
/** Without a `usage` in the answer, a token is taken as this many characters (a common rule of thumb for code). */
const CHARS_PER_TOKEN = 4;

export interface GenerationLimits {
  /** Blocks to ask about at most; 0: none. */
  blocks: number;
  tokens: number | null;
  usd: number | null;
  /** Repaired versions to run when a generated one fails. */
  repairs: number;
}

export interface GenerateOptions {
  limits: GenerationLimits;
  /** Dollars per million tokens; null: costs are not counted (and a dollar budget cannot be kept). */
  price: { input: number; output: number } | null;
  /** Absolute folders on PYTHONPATH for the runs (the library's import roots). */
  importRoots: string[];
  python?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export interface GenerateResult {
  report: GenerationReport;
  warnings: string[];
}

/** The block needs an example a model could write: public Python code a user imports, with none that ran. */
export function wantsGeneratedExample(block: Block): boolean {
  if (block.language !== 'python' || block.kind === 'workflow' || !block.module || !isPublicBlock(block)) return false;
  if (block.compute.gpu || hasExampleThatRan(block)) return false;
  // What the environment lacks (a package, an accepted version) stops any code that uses the block, a model's too.
  return !block.examples.some((e) => e.run?.skipReason === 'missing_dependency' || e.run?.skipReason === 'unmet_constraint');
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

/** Thrown by the metered client before a request the budget no longer allows. */
class BudgetSpent extends Error {
  constructor(readonly by: 'tokens' | 'usd') {
    super(`generation budget spent (${by})`);
  }
}

/** Counts requests, tokens and dollars of every question asked through its client, and refuses one over budget. */
class Meter {
  requests = 0;
  inputTokens = 0;
  outputTokens = 0;
  /** Answers without a `usage`: their tokens were estimated from their length. */
  estimated = 0;
  constructor(
    private readonly limits: GenerationLimits,
    private readonly price: GenerateOptions['price'],
  ) {}

  get costUsd(): number | null {
    return this.price ? (this.inputTokens * this.price.input + this.outputTokens * this.price.output) / 1e6 : null;
  }

  /** The budget already spent, if one is: checked before each request, so the last one may go past it by its answer. */
  spent(): 'tokens' | 'usd' | null {
    if (this.limits.tokens !== null && this.inputTokens + this.outputTokens >= this.limits.tokens) return 'tokens';
    const cost = this.costUsd;
    if (this.limits.usd !== null && cost !== null && cost >= this.limits.usd) return 'usd';
    return null;
  }

  wrap(inner: LlmClient): LlmClient {
    return {
      model: inner.model,
      complete: async (messages, opts = {}) => {
        const over = this.spent();
        if (over) throw new BudgetSpent(over);
        this.requests++;
        let usage: Usage | null = null;
        const text = await inner.complete(messages, {
          ...opts,
          onUsage: (u) => {
            usage = u;
            opts.onUsage?.(u);
          },
        });
        const u: Usage = usage ?? estimateUsage(messages, text);
        if (!usage) this.estimated++;
        this.inputTokens += u.inputTokens;
        this.outputTokens += u.outputTokens;
        return text;
      },
    };
  }
}

function estimateUsage(messages: ChatMessage[], answer: string): Usage {
  const chars = messages.reduce((n, m) => n + m.content.length, 0);
  return { inputTokens: Math.ceil(chars / CHARS_PER_TOKEN), outputTokens: Math.ceil(answer.length / CHARS_PER_TOKEN) };
}

/** A model's code that prints what a docstring states has not checked the block: it ran. */
const asRan = (r: RunRecord): RunRecord => (r.level === 'checked' ? { ...r, level: 'ran' } : r);

/** A provider failure that every later request would meet too: the client already retried what can be retried. */
const endsGeneration = (e: unknown) => isLlmError(e) && (e.fatal || e.retryable);

export async function generateExamples(blocks: Block[], client: LlmClient, runner: Runner, opts: GenerateOptions): Promise<GenerateResult> {
  const { limits } = opts;
  const warnings: string[] = [];
  const meter = new Meter(limits, opts.price);
  const llm = meter.wrap(client);
  let runs = 0;
  // Only run and info: generated examples run one at a time, so each is counted as it goes.
  const counted: Runner = {
    run: (req) => {
      runs++;
      return runner.run(req);
    },
    info: (python) => runner.info(python),
  };
  const targets = blocks.filter(wantsGeneratedExample).sort((a, b) => b.rank - a.rank || a.qualifiedName.localeCompare(b.qualifiedName));
  let attempted = 0;
  let kept = 0;
  const report = (stoppedBy: GenerationStop): GenerateResult => {
    if (meter.estimated) warnings.push(`the language model's answers did not say how many tokens they used (${meter.estimated} of ${meter.requests}): those were estimated from their length`);
    return {
      report: {
        model: client.model,
        wanted: targets.length,
        attempted,
        kept,
        requests: meter.requests,
        runs,
        inputTokens: meter.inputTokens,
        outputTokens: meter.outputTokens,
        costUsd: meter.costUsd === null ? null : Math.round(meter.costUsd * 1e6) / 1e6,
        stoppedBy,
      },
      warnings,
    };
  };

  if (targets.length === 0 || limits.blocks === 0) return report(targets.length ? 'blocks' : 'done');
  if (limits.usd !== null && !opts.price) {
    warnings.push('no examples were generated: a dollar budget needs the price per token (set CODEDISTILL_LLM_PRICE_INPUT and CODEDISTILL_LLM_PRICE_OUTPUT, dollars per million tokens)');
    return report('no_price');
  }
  const info = await runner.info(opts.python);
  if (!info.available) {
    warnings.push(`no examples were generated: they could not be run (${info.reason ?? 'the sandbox is unavailable'})`);
    return report('sandbox');
  }

  const gate = new FailureGate();
  const total = Math.min(targets.length, limits.blocks);
  const progress = opts.onProgress ?? (() => {});
  progress({ stage: 'generate', done: 0, total });
  let stoppedBy: GenerationStop = 'done';
  for (const block of targets) {
    if (attempted >= limits.blocks) {
      stoppedBy = 'blocks';
      break;
    }
    const spent = meter.spent();
    if (spent) {
      stoppedBy = spent;
      break;
    }
    attempted++;
    try {
      const ex = await generateOne(block, llm, counted, opts, warnings);
      gate.ok();
      if (ex) {
        block.examples = orderExamples([...block.examples, ex]);
        if (!block.tags.includes(EXAMPLE_TAG)) block.tags.push(EXAMPLE_TAG);
        block.validation = bestRun(block.examples);
        kept++;
      }
    } catch (e) {
      if (e instanceof BudgetSpent) {
        stoppedBy = e.by;
        break;
      }
      if (e instanceof CodedistillError && e.code === 'cancelled') throw e;
      if (endsGeneration(e)) {
        warnings.push(
          `example generation stopped at block ${attempted} of ${total} (${block.qualifiedName}) because the language model failed: ${describeError(e).replace(/\.$/, '')}. ` +
            `Kept: ${kept} generated examples; mined examples are untouched`,
        );
        stoppedBy = 'provider';
        break;
      }
      warnings.push(gate.fail(e, `an example of ${block.qualifiedName}`));
      if (gate.stopped) {
        stoppedBy = 'provider';
        break;
      }
    }
    progress({ stage: 'generate', done: attempted, total, message: block.qualifiedName });
  }
  return report(stoppedBy);
}

/**
 * One block: ask, run, repair while it fails; the example that ran, or null. The code's own failures are results;
 * the model's and the budget's are thrown.
 */
async function generateOne(block: Block, llm: LlmClient, runner: Runner, opts: GenerateOptions, warnings: string[]): Promise<Example | null> {
  const messages = examplePrompt(block);
  let answer = await llm.complete(messages, { maxTokens: ANSWER_TOKENS, temperature: 0.2, signal: opts.signal });
  let code = usableCode(answer, block);
  if (!code) {
    // One more question: an answer without code, or code that never uses the block, is usually a misread instruction.
    messages.push(
      { role: 'assistant', content: answer },
      { role: 'user', content: `Reply with one complete \`\`\`python code block that imports ${userFacingName(block)} as shown and uses it.` },
    );
    answer = await llm.complete(messages, { maxTokens: ANSWER_TOKENS, temperature: 0.2, signal: opts.signal });
    code = usableCode(answer, block);
    if (!code) {
      warnings.push(`the language model gave no usable example for ${block.qualifiedName}`);
      return null;
    }
  }
  const ex: Example = { code, source: 'generated', path: null, startLine: null, expectedOutput: null, run: null };
  try {
    ex.run = asRan(await runner.run({ code, importRoots: opts.importRoots, timeoutMs: opts.timeoutMs, python: opts.python, signal: opts.signal }));
  } catch (e) {
    if (e instanceof CodedistillError && e.code === 'cancelled') throw e;
    warnings.push(`the generated example of ${block.qualifiedName} could not be run: ${describeError(e)}`);
    return null;
  }
  if (ex.run.status === 'passed') return ex;
  if (opts.limits.repairs === 0) return null;
  const r = await repairExample(block, ex, llm, runner, {
    importRoots: opts.importRoots,
    attempts: opts.limits.repairs,
    timeoutMs: opts.timeoutMs,
    python: opts.python,
    signal: opts.signal,
  });
  // A repair that stopped calling the block ran, but no longer shows it.
  if (!r.repaired || !callsBlock(r.repaired.code, block)) return null;
  return { ...r.repaired, run: r.repaired.run ? asRan(r.repaired.run) : null };
}

function usableCode(answer: string, block: Block): string | null {
  const code = extractPythonCode(answer);
  return code && usesBlock(code, block) && callsBlock(code, block) ? code : null;
}

