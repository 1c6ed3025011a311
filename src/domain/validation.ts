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

/** Why a run was recorded as skipped rather than failed: a fact about the environment, not about the code. */
export const SkipReason = z
  .enum(['missing_dependency', 'unmet_constraint', 'optional_extra', 'network', 'data_file', 'disabled'])
  .describe(
    'Why the run was skipped: missing_dependency: a module the code imports (or a compiled extension of the repository) is not there; ' +
      'unmet_constraint: an installed distribution is at a version the repository does not accept; ' +
      'optional_extra: the code needs an optional package it guards with its own error; ' +
      'network: the code tried to reach the network, which the sandbox does not have; ' +
      'data_file: a data file the code reads is not there; disabled: running was turned off. The message says what to do.',
  );
export type SkipReason = z.infer<typeof SkipReason>;

/**
 * How much a run shows, beyond its status: checked passed and matched what the repository states the result is;
 * ran passed with nothing to compare. Set with the status wherever a record is made or reclassified.
 */
export const ValidationLevel = z
  .enum(['checked', 'ran', 'failed', 'skipped'])
  .describe(
    'checked: ran cleanly and matched an output the repository states (a doctest\'s output, the asserts of a mined test); ' +
      'ran: ran cleanly with nothing to compare (it runs, the result is not confirmed); failed: failed, timed out or the runner erred; ' +
      'skipped: not run for a reason outside the code (see skipReason).',
  );
export type ValidationLevel = z.infer<typeof ValidationLevel>;

/** The level a status gives; `checked`: the run was compared with an output the repository states, and matched. */
export function levelFor(status: RunStatus, checked: boolean): ValidationLevel | null {
  switch (status) {
    case 'passed':
      return checked ? 'checked' : 'ran';
    case 'failed':
    case 'timeout':
    case 'error':
      return 'failed';
    case 'skipped':
      return 'skipped';
    case 'not_run':
      return null;
  }
}

// What classify says of a run whose output matched the stated one: how a record written before levels were stored is read.
export const MATCHED_OUTPUT_MESSAGE = 'Ran successfully and printed the expected output.';

/**
 * A record's level: the stored one, or for a record stored before levels existed, the one its status and message
 * give (an output match said so in the message). Null for no record or one never run.
 */
export function levelOf(r: Pick<RunRecord, 'status' | 'message' | 'level'> | null | undefined): ValidationLevel | null {
  if (!r) return null;
  if (r.level !== undefined && r.level !== null) return r.level;
  return levelFor(r.status, r.status === 'passed' && r.message.startsWith(MATCHED_OUTPUT_MESSAGE));
}

/** A record of one run: stored on blocks and examples, and returned by validate_snippet. */
export const RunRecord = z.object({
  status: RunStatus,
  level: ValidationLevel.nullable()
    .optional()
    .describe('How much the run shows (checked, ran, failed, skipped); absent on records stored before levels: read from status.'),
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
  skipReason: SkipReason.nullable().optional().describe('Set on every skipped run: why it was skipped (see SkipReason).'),
  sandbox: z.enum(['bwrap', 'none']).describe('How the code was isolated.'),
  interpreter: z.string().nullable().optional().describe('Interpreter path and version used.'),
  environmentHash: z.string().nullable().optional().describe('Hash of interpreter and package versions the run saw.'),
  ranAt: z.string().describe('ISO 8601 time the run started.'),
});
export type RunRecord = z.infer<typeof RunRecord>;
