import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SnippetRequest, SnippetResult } from '../domain/snippet.js';
import type { ToolServices } from './services.js';
import { guarded } from './errors.js';
import { progressReporter, STAGE_PLANS } from './progress.js';
import { leanOutput } from './schema.js';

export function registerValidateSnippetTool(server: McpServer, services: ToolServices): void {
  server.registerTool(
    'validate_snippet',
    {
      title: 'Run a Python snippet in the sandbox',
      description:
        'Run Python in a sandbox (no network, time and memory limits): status, stdout, stderr, error type, ' +
        "message and line. Pass library to run in its environment with its package importable. Use it on code " +
        'adapted from get_pattern; on failure fix and rerun.',
      inputSchema: SnippetRequest,
      outputSchema: leanOutput(SnippetResult),
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    guarded(services.logger, async (args, extra) => {
      const res = await services.app.validateSnippet(args, { signal: extra.signal, onProgress: progressReporter(extra, STAGE_PLANS.environment) });
      const out = res.stdout.trim() ? `\nstdout:\n${res.stdout.slice(0, 2000)}` : '';
      const err = res.status !== 'passed' && res.stderr.trim() ? `\nstderr:\n${res.stderr.slice(-2000)}` : '';
      const text = `${res.status.toUpperCase()} in ${Math.round(res.durationMs)} ms: ${res.message}${out}${err}`;
      return { content: [{ type: 'text', text }], structuredContent: res };
    }),
  );
}
