import { z } from 'zod';
import { RunRecord } from './validation.js';

export const SnippetRequest = z.object({
  code: z
    .string()
    .min(1, 'code is empty: pass the Python source to run')
    .max(200_000, 'code is over 200,000 characters: run a smaller piece')
    .describe('Python source to run as a script. Print what you want to see.'),
  library: z
    .string()
    .optional()
    .describe("A library name: its repository's code is importable in the run, as a user of the package would import it."),
  timeoutMs: z
    .number()
    .int()
    .min(100)
    .max(600_000)
    .optional()
    .describe('Wall-clock limit in milliseconds (default 20000; capped by the server maximum).'),
});
export type SnippetRequest = z.infer<typeof SnippetRequest>;

export const SnippetResult = RunRecord.extend({
  library: z.string().nullable().describe('Library whose code was importable, if any.'),
});
export type SnippetResult = z.infer<typeof SnippetResult>;
