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
        'Read the distilled libraries of a field (default: all of yours) and write the idioms several repositories ' +
        'share in their use of other packages (scipy.optimize.curve_fit then its popt/pcov, numpy.fft.rfft with ' +
        'rfftfreq, ...) as the library "<name>-patterns": each pattern a template, the repositories and blocks using it ' +
        'and one member example that ran. Rewrites only that library. Next: search_library with kind "pattern", then ' +
        'get_pattern on a hit.',
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
