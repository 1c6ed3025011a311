/**
 * Typed errors thrown by domain code. The server's adapter turns each into an isError result whose
 * text tells the caller how to fix the call; the CLI prints the same text.
 */
export type ErrorCode =
  | 'invalid_input'
  | 'not_found'
  | 'source_not_found'
  | 'private_or_missing_repo'
  | 'rate_limited'
  | 'network'
  | 'unknown_library'
  | 'unknown_block'
  | 'sandbox_unavailable'
  | 'interpreter_missing'
  | 'environment_failed'
  | 'cancelled'
  | 'busy'
  | 'internal';

export class CodedistillError extends Error {
  readonly code: ErrorCode;
  /** What the caller should do next. */
  readonly hint: string;
  constructor(code: ErrorCode, message: string, hint: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CodedistillError';
    this.code = code;
    this.hint = hint;
  }
}

export function isCodedistillError(e: unknown): e is CodedistillError {
  return e instanceof CodedistillError;
}

/** The one wording of a cancelled job or run. */
export function cancelled(options?: { cause?: unknown }): CodedistillError {
  return new CodedistillError('cancelled', 'The job was cancelled.', 'Start it again when you need it.', options);
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelled();
}

/**
 * What a caller gave, quoted for a message: control characters shown as "?", cut to `max` characters with the
 * full length said. A message never echoes a huge or binary input back.
 */
export function quoteInput(value: string, max = 80): string {
  // eslint-disable-next-line no-control-regex
  const clean = value.slice(0, max + 1).replace(/[\u0000-\u001f\u007f]/g, '?');
  return value.length > max ? `"${clean.slice(0, max)}…" (${value.length} characters)` : `"${clean}"`;
}

/** A zod failure's issues in one line: "path: message; path: message" (the first `max` of them). */
export function zodIssues(error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> }, max = Infinity): string {
  return error.issues
    .slice(0, max)
    .map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message))
    .join('; ');
}

/** Longest list of zod issues a message carries. */
const MAX_ISSUES_CHARS = 600;

/** An invalid_input error from a zod failure, prefixed by what was being read, with the caller's fix. */
export function fromZod(
  what: string,
  error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> },
  hint: string,
  max = Infinity,
): CodedistillError {
  // Issues may quote what was read (an enum's value, a custom message built from it): a short line, not the input.
  const issues = zodIssues(error, max);
  const shown = issues.length > MAX_ISSUES_CHARS ? `${issues.slice(0, MAX_ISSUES_CHARS)}… (${issues.length} characters)` : issues;
  return new CodedistillError('invalid_input', `${what}: ${shown}.`, hint);
}

/** The message of any thrown value, without a hint: for logs and for reasons recorded beside a skipped file. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Render any thrown value as a message for a human or a model. */
export function describeError(e: unknown): string {
  if (isCodedistillError(e)) return `${e.message} ${e.hint}`.trim();
  if (e instanceof Error) return e.message;
  return String(e);
}
