import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { EnvironmentReport, EnvironmentRequest } from '../domain/environment.js';
import type { ToolServices } from './services.js';
import { guarded } from './errors.js';
import { progressReporter, STAGE_PLANS } from './progress.js';
import { leanOutput } from './schema.js';

export function registerBuildEnvironmentTool(server: McpServer, services: ToolServices): void {
  server.registerTool(
    'build_environment',
    {
      title: "Make, rebuild or upgrade a library's Python environment",
      description:
        "Make, rebuild (from its lock) or upgrade a library's Python environment, or change its interpreter or " +
        'extras; other tools make it when needed. Lists changed versions and what would not install. Next: revalidate.',
      inputSchema: EnvironmentRequest,
      outputSchema: leanOutput(EnvironmentReport),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    guarded(services.logger, async (args, extra) => {
      const r = await services.app.environment(args, { onProgress: progressReporter(extra, STAGE_PLANS.environment), signal: extra.signal });
      const e = r.environment;
      const changes = e.changes.slice(0, 20).map((c) => `- ${c.name}: ${c.before ?? 'absent'} -> ${c.after ?? 'absent'}`);
      const text =
        `${r.library}: ${e.message} in ${e.seconds} s.` +
        (e.installCommand ? `\nTo install what is missing: ${e.installCommand}` : '') +
        (changes.length ? `\nChanged versions:\n${changes.join('\n')}` : '') +
        (r.lockPath ? `\nLock: ${r.lockPath}` : '');
      return { content: [{ type: 'text', text }], structuredContent: r };
    }),
  );
}
