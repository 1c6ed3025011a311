/** The libraries as an agent or a person sees and manages them: listed, described, removed. */
import { z } from 'zod';
import { BlockKind } from './block.js';
import { LibraryName, SkippedFile } from './library.js';
import { ValidationLevel } from './validation.js';

export const EnvironmentState = z
  .enum(['locked', 'failed', 'none', 'not_made'])
  .describe('locked: made and locked (runs used it); failed: its package would not install; none: runs use the base interpreter; not_made: made on first use.');
export type EnvironmentState = z.infer<typeof EnvironmentState>;

export const LibrarySummary = z.object({
  name: z.string(),
  repository: z.string().describe('owner/name on GitHub, else the folder.'),
  url: z.string().nullable(),
  commit: z.string().describe('Short commit (or content hash) distilled.'),
  licence: z.string(),
  blocks: z.number().int(),
  examples: z.number().int(),
  validated: z.number().int().describe('Blocks with an example that ran cleanly.'),
  validatedShare: z.number().describe('validated / blocks, 0..1.'),
  environment: EnvironmentState,
  distilledAt: z.string(),
  demo: z.boolean().describe('A demo shipped with codedistill (made-up code), searched only when there is no other library.'),
  readOnly: z.boolean().describe('Shipped or in a read-only folder: cannot be removed here.'),
});
export type LibrarySummary = z.infer<typeof LibrarySummary>;

export const LibraryList = z.object({ libraries: z.array(LibrarySummary) });
export type LibraryList = z.infer<typeof LibraryList>;

/** library://<name>: the summary, what is in it and what was left out and why. */
export const LibraryDescription = LibrarySummary.extend({
  description: z.string().nullable(),
  citation: z.string().nullable(),
  requirements: z.array(z.string()),
  languages: z.array(z.string()),
  contents: z.array(z.object({ id: z.string(), kind: BlockKind, level: z.union([ValidationLevel, z.literal('not_run')]) })).describe('Every block.'),
  skipped: z.array(SkippedFile).describe('Files skipped or failed, with reasons (capped).'),
  skippedByReason: z.record(z.string(), z.number().int()).describe('How many files each reason left out.'),
});
export type LibraryDescription = z.infer<typeof LibraryDescription>;

export const RemoveRequest = z.object({
  library: LibraryName.describe('The library to remove (see list_libraries).'),
  confirm: z.boolean().optional().describe('true to remove without being asked (required when the client cannot ask the user).'),
});
export type RemoveRequest = z.infer<typeof RemoveRequest>;

export const RemoveReport = z.object({
  library: z.string(),
  removed: z.boolean().describe('false: the user declined; nothing was removed.'),
  path: z.string().nullable().describe('The folder removed; null when nothing was.'),
  blocks: z.number().int(),
});
export type RemoveReport = z.infer<typeof RemoveReport>;
