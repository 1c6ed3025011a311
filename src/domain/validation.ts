import { z } from 'zod';

/** How a piece of code fared when it was run in the sandbox. */
export const RunStatus = z
  .enum(['passed', 'failed', 'timeout', 'error', 'skipped', 'not_run'])
  .describe(
    'passed: exit 0 (and expected output matched, if any); failed: non-zero exit or wrong output; ' +
      'timeout: killed at the wall-clock limit; error: the runner itself could not run the code; ' +
      'skipped: not run because a dependency is missing or running was disabled; not_run: never attempted.',
  );
export type RunStatus = z.infer<typeof RunStatus>;

export const PythonError = z.object({
  type: z.string().describe('Exception class, e.g. ZeroDivisionError or SyntaxError.'),
  message: z.string().describe('The exception message.'),
  line: z.number().int().nullable().describe('Line in the snippet where the error was raised, when known.'),
});
export type PythonError = z.infer<typeof PythonError>;

/** A record of one run: stored on blocks and examples, and returned by validate_snippet. */
export const RunRecord = z.object({
  status: RunStatus,
  exitCode: z.number().int().nullable().describe('Process exit code; null when killed by a signal or never started.'),
  signal: z.string().nullable().optional().describe('Signal that ended the process, if any.'),
  durationMs: z.number().describe('Wall-clock run time in milliseconds.'),
  peakMemoryKb: z.number().nullable().optional().describe('Peak resident memory of the run, when measured.'),
  stdout: z.string().describe('Standard output, capped.'),
  stderr: z.string().describe('Standard error, capped.'),
  truncated: z.boolean().optional().describe('True when stdout or stderr was cut at the cap.'),
  error: PythonError.nullable().describe('The Python exception that ended the run, when there was one.'),
  message: z.string().describe('One sentence a caller can act on: what happened and what to do.'),
  missingModule: z.string().nullable().optional().describe('Module that could not be imported, when that is why.'),
  sandbox: z.enum(['bwrap', 'none']).describe('How the code was isolated.'),
  interpreter: z.string().nullable().optional().describe('Interpreter path and version used.'),
  environmentHash: z.string().nullable().optional().describe('Hash of interpreter and package versions the run saw.'),
  ranAt: z.string().describe('ISO 8601 time the run started.'),
});
export type RunRecord = z.infer<typeof RunRecord>;
