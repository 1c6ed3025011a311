import { z } from 'zod';
import { EnvironmentOutcome } from './environment.js';
import { LibraryName } from './library.js';
import { RunStatus, ValidationLevel } from './validation.js';

export const RevalidateRequest = z.object({
  library: LibraryName.describe('The library.'),
  ids: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe('Only these block ids (default: all).'),
  timeoutMs: z
    .number()
    .int()
    .min(100)
    .optional()
    .describe('Time limit per example in ms.'),
  environment: z
    .enum(['auto', 'rebuild', 'upgrade'])
    .default('auto')
    .describe('auto (reuse or build), rebuild (from the lock) or upgrade (newest allowed) the environment.'),
});
export type RevalidateRequest = z.input<typeof RevalidateRequest>;

export const RevalidateChange = z.object({
  id: z.string().describe('Block id.'),
  before: RunStatus.nullable().describe('Validation status stored in the library before this run; null when it had none.'),
  after: RunStatus.describe('Validation status now.'),
  levelBefore: ValidationLevel.nullable()
    .optional()
    .describe('Validation level stored before (checked, ran, failed, skipped); null when it had none. Differs from levelAfter when the status alone did not change (checked → ran: the stated output no longer matched).'),
  levelAfter: ValidationLevel.nullable().optional().describe('Validation level now; null when nothing ran.'),
  message: z.string().describe('What the new best run says: why it fails, what is missing, or that it passes.'),
});
export type RevalidateChange = z.infer<typeof RevalidateChange>;

export const RevalidateReport = z.object({
  library: z.string().describe('The library re-validated.'),
  environmentHash: z
    .string()
    .nullable()
    .describe('Hash of the interpreter and installed package versions the examples ran in now; null when nothing ran.'),
  previousEnvironmentHashes: z
    .array(z.string())
    .describe('Environment hashes of the stored run records before this run (distinct, sorted); differs from environmentHash when packages changed.'),
  blocks: z.number().int().describe('Blocks whose examples were considered.'),
  counts: z
    .object({
      runs: z.number().int().describe('Distinct example snippets run (identical ones run once).'),
      passed: z.number().int().describe('Ran successfully (and printed the expected output, if any).'),
      failed: z.number().int().describe('Raised, exited non-zero, was killed or printed the wrong output.'),
      skipped: z.number().int().describe('Not run to the end because a dependency is missing.'),
      timeout: z.number().int().describe('Stopped at the wall-clock limit.'),
      error: z.number().int().describe('The runner itself could not run the code (sandbox or interpreter problem).'),
    })
    .describe('Outcomes of the runs made now.'),
  changed: z
    .array(RevalidateChange)
    .describe('Blocks whose validation status or level differs from the stored one, e.g. passed before and failed now, or checked before and only ran now.'),
  warnings: z.array(z.string()).describe('Problems worth knowing: sandbox unavailable, examples that did not pass.'),
  durationMs: z.number().describe('Wall-clock time of the re-validation.'),
  environment: EnvironmentOutcome.nullable()
    .optional()
    .describe('The environment the examples ran in, and the versions that changed from the previous lock.'),
  libraryPath: z
    .string()
    .nullable()
    .optional()
    .describe("Folder the updated run records were written to (a shipped library is copied into the user's own libraries); null when nothing was written."),
});
export type RevalidateReport = z.infer<typeof RevalidateReport>;
