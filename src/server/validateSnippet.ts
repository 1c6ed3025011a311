import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SnippetRequest, SnippetResult } from '../domain/snippet.js';
import type { ToolServices } from './services.js';
import { guarded } from './errors.js';
import { progressReporter } from './progress.js';

export function registerValidateSnippetTool(server: McpServer, services: ToolServices): void {
  server.registerTool(
    'validate_snippet',
    {
      title: 'Run a Python snippet in the sandbox',
      description:
        'Run a piece of Python in an isolated sandbox (no network, read-only system, time and memory limits) and get ' +
        'a structured result: status passed | failed | timeout | error | skipped, exit code, stdout and stderr (capped), ' +
        'duration, and for a Python error its type, message and line. Pass library to run in that library\'s own ' +
        'environment (its package installed, its requirements too; the first snippet builds it, with progress). Use it to check code you wrote from a get_pattern result before handing it on; on failure, read ' +
        'error.type/message/line, fix the code and run it again. A missing third-party package comes back as skipped.',
      inputSchema: SnippetRequest,
      outputSchema: SnippetResult,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    guarded(services.logger, async (args, extra) => {
      const res = await services.app.validateSnippet(args, { signal: extra.signal, onProgress: progressReporter(extra) });
      const out = res.stdout.trim() ? `\nstdout:\n${res.stdout.slice(0, 2000)}` : '';
      const err = res.status !== 'passed' && res.stderr.trim() ? `\nstderr:\n${res.stderr.slice(-2000)}` : '';
      const text = `${res.status.toUpperCase()} in ${Math.round(res.durationMs)} ms: ${res.message}${out}${err}`;
      return { content: [{ type: 'text', text }], structuredContent: res };
    }),
  );
}
