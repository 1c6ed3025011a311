/**
 * The one adapter from thrown errors to MCP tool results. Domain code throws CodedistillError with a hint;
 * the caller (a model) gets an isError result that says what went wrong and how to fix the call.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { errorMessage, isCodedistillError, quoteInput } from '../kernel/errors.js';
import type { Logger } from '../kernel/log.js';

/** Longest error text a caller gets; past it the text is cut (a message quoting a huge input, a long log). */
const MAX_ERROR_CHARS = 2000;

/**
 * The caller's own input, echoed back in a message ("No block with id \"…\""), quoted short: a model that
 * sent a megabyte does not need it back, and the transport should not carry it twice.
 */
export function boundedText(text: string): string {
  // Control characters a caller sent (NUL above all) are shown, not passed on to the model's transcript.
  // eslint-disable-next-line no-control-regex
  const visible = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '?');
  const quoted = visible.replace(/"([^"\n]{121,})"/g, (_, inner: string) => quoteInput(inner));
  return quoted.length > MAX_ERROR_CHARS ? `${quoted.slice(0, MAX_ERROR_CHARS)}… (cut; ${quoted.length} characters)` : quoted;
}

export function toolError(e: unknown, logger: Logger): CallToolResult {
  if (isCodedistillError(e)) {
    return { isError: true, content: [{ type: 'text', text: boundedText(`${e.message}\nWhat to do: ${e.hint}`) }] };
  }
  // An unexpected failure is our bug, not the caller's: log the stack, keep serving.
  logger.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  const msg = errorMessage(e);
  return {
    isError: true,
    content: [{ type: 'text', text: boundedText(`Internal error: ${msg}\nWhat to do: retry once; if it persists, report it with the server's stderr log.`) }],
  };
}

/** Wrap a tool handler so nothing it throws escapes into the transport. */
export function guarded<A extends unknown[]>(
  logger: Logger,
  fn: (...args: A) => Promise<CallToolResult>,
): (...args: A) => Promise<CallToolResult> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (e) {
      return toolError(e, logger);
    }
  };
}
