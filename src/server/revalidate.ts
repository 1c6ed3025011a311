import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { RevalidateReport, RevalidateRequest } from '../domain/revalidate.js';
import type { ToolServices } from './services.js';
import { guarded } from './errors.js';
import { inJobSlot } from './job-slots.js';
import { progressReporter, STAGE_PLANS } from './progress.js';
import { leanOutput } from './schema.js';

export function registerRevalidateTool(server: McpServer, services: ToolServices): void {
  server.registerTool(
    'revalidate',
    {
      title: 'Re-run a library\'s examples in its environment',
      description:
        "Rerun a library's examples in the sandbox and its environment, store the run records and report which " +
        'blocks changed status. Use it after the environment changed. Next: get_pattern on a changed block.',
      inputSchema: RevalidateRequest,
      outputSchema: leanOutput(RevalidateReport),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    guarded(services.logger, async (args, extra) => {
      const r = await inJobSlot(services.jobs, 'revalidate', extra.signal, (signal) =>
        services.app.revalidate(args, { onProgress: progressReporter(extra, STAGE_PLANS.revalidate), signal }),
      );
      const c = r.counts;
      const changes = r.changed.slice(0, 20).map((ch) => `- ${ch.id}: ${ch.before ?? 'none'}${ch.levelBefore ? `/${ch.levelBefore}` : ''} -> ${ch.after}${ch.levelAfter ? `/${ch.levelAfter}` : ''} (${ch.message})`);
      const text =
        `Re-validated ${r.blocks} blocks of "${r.library}" in ${(r.durationMs / 1000).toFixed(1)} s: ${c.runs} runs, ` +
        `${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped, ${c.timeout} timed out, ${c.error} errors. ` +
        `${r.changed.length} blocks changed status${changes.length ? `:\n${changes.join('\n')}` : '.'}` +
        (r.warnings.length ? `\nWarnings:\n- ${r.warnings.join('\n- ')}` : '');
      return { content: [{ type: 'text', text }], structuredContent: r };
    }),
  );
}
