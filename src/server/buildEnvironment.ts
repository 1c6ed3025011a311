import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { EnvironmentReport, EnvironmentRequest } from '../domain/environment.js';
import type { ToolServices } from './services.js';
import { guarded } from './errors.js';
import { progressReporter } from './progress.js';

export function registerBuildEnvironmentTool(server: McpServer, services: ToolServices): void {
  server.registerTool(
    'build_environment',
    {
      title: "Make, rebuild or upgrade a library's Python environment",
      description:
        "Every library runs its examples and snippets in its own virtual environment: the repository built from the " +
        "library's snapshot and installed as a package, its requirements installed with the user's pip/uv settings, " +
        'the result locked (environment.lock, whose hash every run record carries). distill_repo, validate_snippet and ' +
        'revalidate make it when needed; call this to rebuild it from the lock, to upgrade it (newest allowed ' +
        'versions; the answer lists what changed), or to switch its base interpreter or extras. Then call revalidate ' +
        'to see which blocks still pass. The answer names what could not be installed and the command that would.',
      inputSchema: EnvironmentRequest,
      outputSchema: EnvironmentReport,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    guarded(services.logger, async (args, extra) => {
      const r = await services.app.environment(args, { onProgress: progressReporter(extra), signal: extra.signal });
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
