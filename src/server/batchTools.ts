/**
 * The tools of a field's batch: discover_repos (GitHub search → an editable repository list), batch_distill
 * (the list distilled on the local queue, with progress over its repositories) and batch_status.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { BatchRequest, BatchStatusRequest, BatchSummary, DiscoverReport, DiscoverRequest } from '../domain/batch.js';
import type { Progress } from '../domain/job.js';
import { summaryTable } from '../jobs/batch.js';
import type { ToolServices } from './services.js';
import { guarded } from './errors.js';
import { leanOutput } from './schema.js';

/** Progress as repositories settled out of the batch's total (a batch has one stage: its repositories). */
function batchProgress(extra: RequestHandlerExtra<ServerRequest, ServerNotification>): ((p: Progress) => void) | undefined {
  const token = extra._meta?.progressToken;
  if (token === undefined) return undefined;
  let last = -1;
  return (p) => {
    if (p.done <= last && last >= 0) return;
    last = p.done;
    void extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: p.done, total: p.total, message: p.message } }).catch(() => {});
  };
}

export function registerBatchTools(server: McpServer, services: ToolServices): void {
  server.registerTool(
    'discover_repos',
    {
      title: 'Find the repositories of a field on GitHub',
      description:
        "Search GitHub for a field's repositories (archived and forks left out), ranked by stars, written as a " +
        'list file (owner/name@commit a line) for the user to edit. Needs GITHUB_TOKEN. Next: batch_distill on it.',
      inputSchema: DiscoverRequest,
      outputSchema: leanOutput(DiscoverReport),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    guarded(services.logger, async (args, extra) => {
      const r = await services.app.discover(args, { signal: extra.signal });
      const lines = r.repos.slice(0, 30).map((x) => `- ${x.repo} (★${x.stars}, ${x.licence ?? 'no licence'})${x.description ? `: ${x.description.slice(0, 90)}` : ''}`);
      const text =
        `${r.repos.length} repositories of ${r.repositoryCount} matches for "${r.query}"; list written to ${r.listPath}.\n${lines.join('\n')}` +
        (r.repos.length > 30 ? `\n… and ${r.repos.length - 30} more in the list.` : '') +
        `\nNext: show the list to the user to edit, then batch_distill with list: "${r.listPath}".`;
      return { content: [{ type: 'text', text }], structuredContent: r };
    }),
  );

  server.registerTool(
    'batch_distill',
    {
      title: 'Distill a list of repositories',
      description:
        'Distill each repository of a list file as distill_repo does, several at once. Called again on the same ' +
        'list it resumes: nothing done is redone. Minutes per repository, with progress. Ends with blocks, ' +
        'validated share, failures by cause. Next: search_library.',
      inputSchema: BatchRequest,
      outputSchema: leanOutput(BatchSummary),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    guarded(services.logger, async (args, extra) => {
      const s = await services.app.batch(args, { onProgress: batchProgress(extra), signal: extra.signal });
      return { content: [{ type: 'text', text: summaryTable(s) }], structuredContent: s };
    }),
  );

  const BatchStatusList = z.object({ batches: z.array(BatchSummary) });
  server.registerTool(
    'batch_status',
    {
      title: 'The state of batches',
      description:
        "The batches (or one): each repository's state (queued, running, done, failed with why), blocks, validated " +
        'share, failures by cause. To follow a batch_distill; call that again to resume one.',
      inputSchema: BatchStatusRequest,
      outputSchema: leanOutput(BatchStatusList),
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    guarded(services.logger, async (args) => {
      const batches = await services.app.batchStatus(args.id);
      const text = batches.length ? batches.map(summaryTable).join('\n\n') : 'No batches yet: start one with batch_distill.';
      return { content: [{ type: 'text', text }], structuredContent: { batches } };
    }),
  );
}
