import { z } from 'zod';
import { RunRecord } from './validation.js';

export const SnippetRequest = z.object({
  code: z
    .string()
    .min(1, 'code is empty: pass the Python source to run')
    .max(200_000, 'code is over 200,000 characters: run a smaller piece')
    .describe('Python to run as a script; print what you want to see.'),
  library: z
    .string()
    .optional()
    .describe("Run in this library's environment, its package importable."),
  timeoutMs: z
    .number()
    .int()
    .min(100)
    .max(600_000)
    .optional()
    .describe('Time limit in ms (default 20000).'),
});
export type SnippetRequest = z.infer<typeof SnippetRequest>;

export const SnippetResult = RunRecord.extend({
  library: z.string().nullable().describe('Library whose code was importable, if any.'),
});
export type SnippetResult = z.infer<typeof SnippetResult>;
