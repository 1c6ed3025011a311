import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { MinePatternsReport, MinePatternsRequest } from '../domain/idiom.js';
import type { ToolServices } from './services.js';
import { guarded } from './errors.js';
import { progressReporter, STAGE_PLANS } from './progress.js';
import { leanOutput } from './schema.js';

export function registerMinePatternsTool(server: McpServer, services: ToolServices): void {
  server.registerTool(
    'mine_patterns',
    {
      title: 'Mine the patterns libraries of a field share',
      description:
        'Write the idioms several of your libraries share (curve_fit then popt/pcov, rfft with rfftfreq, ...) as the ' +
        'library "<name>-patterns": templates, repositories, members, an example that ran. Next: search_library kind "pattern".',
      inputSchema: MinePatternsRequest,
      outputSchema: leanOutput(MinePatternsReport),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    guarded(services.logger, async (args, extra) => {
      const r = await services.app.minePatterns(args, { onProgress: progressReporter(extra, STAGE_PLANS.patterns), signal: extra.signal });
      const top = r.top.slice(0, 10).map((t) => `- ${t.id} (${t.repos} repositories, ${t.blocks} blocks${t.ran ? ', ran' : ''})`);
      const text =
        `${r.patterns} patterns from ${r.sources.length} libraries, ${r.withRun} with an example that ran; ` +
        `${r.libraryPath ? `written as the library "${r.library}"` : 'nothing written'}.` +
        (top.length ? `\n${top.join('\n')}` : '') +
        (r.warnings.length ? `\nWarnings:\n- ${r.warnings.join('\n- ')}` : '');
      return { content: [{ type: 'text', text }], structuredContent: r };
    }),
  );
}
