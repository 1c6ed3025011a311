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
  | 'cancelled'
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

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new CodedistillError('cancelled', 'The job was cancelled.', 'Start it again when you need it.');
  }
}

/** Render any thrown value as a message for a human or a model. */
export function describeError(e: unknown): string {
  if (isCodedistillError(e)) return `${e.message} ${e.hint}`.trim();
  if (e instanceof Error) return e.message;
  return String(e);
}
