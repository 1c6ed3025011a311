import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Progress } from '../domain/job.js';

/**
 * Turn stage progress into MCP progress notifications when the client asked for them (sent a progressToken).
 * The counter only grows, as the spec requires, even though stages restart their own counts.
 */
export function progressReporter(
  extra: RequestHandlerExtra<ServerRequest, ServerNotification>,
): ((p: Progress) => void) | undefined {
  const token = extra._meta?.progressToken;
  if (token === undefined) return undefined;
  let step = 0;
  return (p: Progress) => {
    step++;
    const message = `${p.stage}${p.total ? ` ${p.done}/${p.total}` : ''}${p.message ? `: ${p.message}` : ''}`;
    void extra
      .sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: step, message } })
      .catch(() => {});
  };
}
