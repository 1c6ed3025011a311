import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { RevalidateReport, RevalidateRequest } from '../domain/revalidate.js';
import type { ToolServices } from './services.js';
import { guarded } from './errors.js';
import { progressReporter } from './progress.js';

export function registerRevalidateTool(server: McpServer, services: ToolServices): void {
  server.registerTool(
    'revalidate',
    {
      title: 'Re-run a library\'s examples in its environment',
      description:
        'Run the stored examples of a library (or of some of its blocks) again in the sandbox, in the library\'s own ' +
        'environment (reused, rebuilt from its lock, or upgraded to the newest allowed versions with environment: ' +
        '"upgrade"), store the new run records, and report which blocks changed status — for example, a dependency ' +
        'upgrade that broke a block. Use it after the Python environment changed, or before ' +
        'relying on a library distilled long ago. When a language model is configured, failing examples get repair ' +
        'attempts, each recorded. Next: search_library with validatedOnly, or get_pattern on a changed block to see why.',
      inputSchema: RevalidateRequest,
      outputSchema: RevalidateReport,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    guarded(services.logger, async (args, extra) => {
      const r = await services.app.revalidate(args, { onProgress: progressReporter(extra), signal: extra.signal });
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
