import { z } from 'zod';
import { EnvironmentMode, EnvironmentOutcome } from './environment.js';
import { DistillCounts, LibraryName, SkippedFile } from './library.js';

/** How much a configured language model may do to give blocks an example that ran; unset fields take the configured defaults. */
export const GenerationBudget = z.object({
  blocks: z.number().int().min(0).optional().describe('Blocks (default 10; 0: off).'),
  tokens: z.number().int().min(1).optional().describe('Tokens at most.'),
  usd: z
    .number()
    .positive()
    .optional()
    .describe('Dollars at most.'),
  repairs: z.number().int().min(0).max(5).optional().describe('Repairs per example (default 2).'),
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
    .describe('A local folder, a GitHub URL or owner/name.'),
  name: LibraryName.optional().describe('Library name (default: the repository name).'),
  ref: z.string().trim().min(1).optional().describe('GitHub branch, tag or commit (default branch).'),
  validate: z.boolean().default(true).describe('Run the mined examples in the sandbox.'),
  force: z.boolean().default(false).describe('Redo an already distilled commit.'),
  python: z
    .string()
    .trim()
    .min(1)
    .optional()
    .describe("Leave unset: the library gets its own environment. Else a Python installed outside any repository and CODEDISTILL_HOME, as its base (remembered)."),
  extras: z
    .array(z.string().trim().min(1))
    .optional()
    .describe('Optional-dependency groups to install too (remembered).'),
  environment: EnvironmentMode.default('auto').describe(
    "auto (reuse or build), rebuild (from the lock), upgrade (newest allowed) or none (base interpreter) environment.",
  ),
  generate: GenerationBudget.optional().describe(
    'Budget of model-written examples (with a model configured).',
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
