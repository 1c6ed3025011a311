import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Progress } from '../domain/job.js';

/** The stages each long job goes through, in order; a stage a run skips is jumped over. */
export const STAGE_PLANS = {
  distill: ['resolve', 'walk', 'parse', 'select', 'examples', 'prose', 'environment', 'validate', 'synthesize', 'enrich', 'repair', 'generate', 'write', 'index'],
  revalidate: ['environment', 'validate', 'repair', 'index'],
  environment: ['environment', 'index'],
  patterns: ['read', 'mine', 'run', 'write', 'index'],
} as const;
export type StagePlan = readonly string[];

const SLOT = 100;

/**
 * One job's progress as a single growing count out of a known total: each planned stage is a slot of 100, filled
 * by its own done/total. Stages restart their counts, and the protocol wants progress to grow, so a value that
 * would not grow is not sent. A stage outside the plan fills the slot the job is in.
 */
export function overallProgress(plan: StagePlan): (p: Progress) => { progress: number; total: number } | null {
  let slot = 0;
  let last = -1;
  return (p) => {
    const i = plan.indexOf(p.stage);
    if (i > slot) slot = i;
    const share = p.total > 0 ? Math.min(1, Math.max(0, p.done / p.total)) : 0;
    const progress = slot * SLOT + Math.floor(share * (SLOT - 1));
    if (progress <= last) return null;
    last = progress;
    return { progress, total: plan.length * SLOT };
  };
}

/** The text beside a notification: the stage, its count, and what it is on. */
export function progressMessage(p: Progress): string {
  return `${p.stage}${p.total > 1 ? ` ${p.done}/${p.total}` : ''}${p.message ? `: ${p.message}` : ''}`;
}

/** Turn stage progress into MCP progress notifications (with a total) when the client sent a progressToken. */
export function progressReporter(
  extra: RequestHandlerExtra<ServerRequest, ServerNotification>,
  plan: StagePlan,
): ((p: Progress) => void) | undefined {
  const token = extra._meta?.progressToken;
  if (token === undefined) return undefined;
  const overall = overallProgress(plan);
  return (p: Progress) => {
    const at = overall(p);
    if (!at) return;
    void extra
      .sendNotification({ method: 'notifications/progress', params: { progressToken: token, ...at, message: progressMessage(p) } })
      .catch(() => {});
  };
}
