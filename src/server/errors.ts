/**
 * The one adapter from thrown errors to MCP tool results. Domain code throws CodedistillError with a hint;
 * the caller (a model) gets an isError result that says what went wrong and how to fix the call.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { errorMessage, isCodedistillError } from '../kernel/errors.js';
import type { Logger } from '../kernel/log.js';

export function toolError(e: unknown, logger: Logger): CallToolResult {
  if (isCodedistillError(e)) {
    return { isError: true, content: [{ type: 'text', text: `${e.message}\nWhat to do: ${e.hint}` }] };
  }
  // An unexpected failure is our bug, not the caller's: log the stack, keep serving.
  logger.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  const msg = errorMessage(e);
  return {
    isError: true,
    content: [{ type: 'text', text: `Internal error: ${msg}\nWhat to do: retry once; if it persists, report it with the server's stderr log.` }],
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
