import { z } from 'zod';
import { EnvironmentMode, EnvironmentOutcome } from './environment.js';
import { DistillCounts, LibraryName, SkippedFile } from './library.js';

/** How much a configured language model may do to give blocks an example that ran; unset fields take the configured defaults. */
export const GenerationBudget = z.object({
  blocks: z.number().int().min(0).optional().describe('Blocks to ask the model about at most, most central first; 0 turns generation off. Default CODEDISTILL_LLM_BUDGET_BLOCKS (10).'),
  tokens: z.number().int().min(1).optional().describe('Tokens (prompt and answer, as the provider reports them) to spend at most. Default CODEDISTILL_LLM_BUDGET_TOKENS (no limit).'),
  usd: z
    .number()
    .positive()
    .optional()
    .describe('Dollars to spend at most, at CODEDISTILL_LLM_PRICE_INPUT / _OUTPUT per million tokens (without a price nothing is generated). Default CODEDISTILL_LLM_BUDGET_USD (no limit).'),
  repairs: z.number().int().min(0).max(5).optional().describe('Repaired versions to run when a generated example fails. Default CODEDISTILL_LLM_REPAIRS (2).'),
});
export type GenerationBudget = z.infer<typeof GenerationBudget>;

export const GenerationStop = z
  .enum(['done', 'blocks', 'tokens', 'usd', 'provider', 'sandbox', 'no_price'])
  .describe('Why generation ended: done (every block that needed one was asked about), blocks, tokens or usd (the budget), provider (the model failed: see warnings), sandbox (nothing can run), no_price (a dollar budget without a price).');
export type GenerationStop = z.infer<typeof GenerationStop>;

/** What generating examples with a model did and cost, in the distill report. */
export const GenerationReport = z.object({
  model: z.string(),
  wanted: z.number().int().describe('Public blocks still without an example that ran after mining and synthesis.'),
  attempted: z.number().int().describe('Blocks the model was asked about.'),
  kept: z.number().int().describe('Blocks that got a generated example that ran (source generated, never checked).'),
  requests: z.number().int().describe('Questions sent to the model, repairs included.'),
  runs: z.number().int().describe('Generated and repaired versions run in the sandbox.'),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  costUsd: z.number().nullable().describe('At the configured price; null when no price is set.'),
  stoppedBy: GenerationStop,
});
export type GenerationReport = z.infer<typeof GenerationReport>;

export const DistillRequest = z.object({
  source: z
    .string()
    .trim()
    .min(1, 'source is empty: give a local folder, a GitHub URL or owner/name')
    .describe('A local folder path, a GitHub URL (https://github.com/owner/name[/tree/ref]) or owner/name.'),
  name: LibraryName.optional().describe('Library name; defaults to the repository name, lowercased.'),
  ref: z.string().trim().min(1).optional().describe('Branch, tag or commit for a GitHub source; default branch if omitted.'),
  validate: z.boolean().default(true).describe('Run the mined examples in the sandbox and keep a run record on each block.'),
  force: z.boolean().default(false).describe('Distill again even when this commit is already in the library.'),
  python: z
    .string()
    .trim()
    .min(1)
    .optional()
    .describe(
      "Usually leave unset: the library gets its own environment made from CODEDISTILL_PYTHON. Only to base it on another Python installed on this machine: a command on PATH or an absolute path outside any repository and outside CODEDISTILL_HOME (a repository's own venv or bin/python is refused: it would run on the host). Remembered by the library.",
    ),
  extras: z
    .array(z.string().trim().min(1))
    .optional()
    .describe('Optional-dependency groups of the repository to install too, e.g. ["plot"]; remembered by the library.'),
  environment: EnvironmentMode.default('auto').describe(
    "How the library's environment is made before its examples run. auto: reuse or build (or none, when the library was distilled with none before); rebuild: build again from the lock; upgrade: newest allowed versions; none: no environment (examples import the snapshot with the base interpreter), remembered until rebuild, upgrade or build_environment.",
  ),
  generate: GenerationBudget.optional().describe(
    'When a language model is configured: examples it writes, runs in the sandbox and repairs for public blocks still without an example that ran, most central first, within this budget.',
  ),
});
export type DistillRequest = z.input<typeof DistillRequest>;
export type DistillRequestParsed = z.output<typeof DistillRequest>;

export const DistillReport = z.object({
  library: z.string(),
  libraryPath: z.string().describe('Folder holding manifest.json and blocks.jsonl.'),
  repo: z.string(),
  commit: z.string(),
  licence: z.string(),
  counts: DistillCounts,
  skipped: z.array(SkippedFile).describe('Skipped or failed files with reasons (first 50).'),
  durationMs: z.number(),
  warnings: z.array(z.string()),
  unchanged: z.boolean().describe('True when this commit was already distilled and nothing was redone.'),
  environment: EnvironmentOutcome.nullable().describe('The environment the examples ran in: built or reused, time, what was installed or is missing; null when nothing ran.'),
  generation: GenerationReport.nullable()
    .optional()
    .describe('Examples generated with the language model: blocks asked about and kept, requests, runs, tokens, cost, why it stopped; null when no model was used.'),
});
export type DistillReport = z.infer<typeof DistillReport>;
