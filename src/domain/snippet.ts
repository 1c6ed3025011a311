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

/** A file the snippet wrote in its scratch folder, brought back (content in `text` or `base64`). */
export const ScratchFile = z.object({
  name: z.string().describe('Path relative to the scratch folder.'),
  mimeType: z.string().describe('Type from the suffix (image/png, text/csv, ...).'),
  bytes: z.number().int().describe('Size in bytes.'),
  text: z.string().optional().describe('Content of a UTF-8 text file.'),
  base64: z.string().optional().describe('Content of an image or a non-UTF-8 file, base64.'),
});
export type ScratchFile = z.infer<typeof ScratchFile>;

export const ScratchFiles = z.object({
  files: z.array(ScratchFile).describe('Files brought back: images, CSV, text, JSON; within size and count caps.'),
  left: z
    .array(z.object({ name: z.string(), bytes: z.number().int(), reason: z.string().describe('type, size, count, total or unreadable.') }))
    .describe('Files not brought back and why (the first ones).'),
  leftCount: z.number().int().describe('All files not brought back.'),
});
export type ScratchFiles = z.infer<typeof ScratchFiles>;

export const SnippetResult = RunRecord.extend({
  library: z.string().nullable().describe('Library whose code was importable, if any.'),
  outputs: ScratchFiles.nullable()
    .optional()
    .describe('Files the snippet wrote in its folder (plots, CSV): their content is in the answer as images and resources.'),
});
export type SnippetResult = z.infer<typeof SnippetResult>;
