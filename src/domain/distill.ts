import { z } from 'zod';
import { EnvironmentMode, EnvironmentOutcome } from './environment.js';
import { DistillCounts, LibraryName, SkippedFile } from './library.js';

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
      "Base interpreter of the library's environment (command or absolute path): the environment is made from it with its packages visible. Remembered by the library; CODEDISTILL_PYTHON when never given.",
    ),
  extras: z
    .array(z.string().trim().min(1))
    .optional()
    .describe('Optional-dependency groups of the repository to install too, e.g. ["plot"]; remembered by the library.'),
  environment: EnvironmentMode.default('auto').describe(
    "How the library's environment is made before its examples run. auto: reuse or build (or none, when the library was distilled with none before); rebuild: build again from the lock; upgrade: newest allowed versions; none: no environment (examples import the snapshot with the base interpreter), remembered until rebuild, upgrade or build_environment.",
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
});
export type DistillReport = z.infer<typeof DistillReport>;
