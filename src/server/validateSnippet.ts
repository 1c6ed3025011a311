import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SnippetRequest, SnippetResult, type ScratchFiles } from '../domain/snippet.js';
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
        'adapted from get_pattern; on failure fix and rerun. Files it writes in its folder (a plot saved as PNG ' +
        'or SVG, a CSV) come back as images and resources.',
      inputSchema: SnippetRequest,
      outputSchema: leanOutput(SnippetResult),
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    guarded(services.logger, async (args, extra) => {
      const res = await services.app.validateSnippet(args, { signal: extra.signal, onProgress: progressReporter(extra, STAGE_PLANS.environment) });
      const out = res.stdout.trim() ? `\nstdout:\n${res.stdout.slice(0, 2000)}` : '';
      const err = res.status !== 'passed' && res.stderr.trim() ? `\nstderr:\n${res.stderr.slice(-2000)}` : '';
      const files = res.outputs ? outputContent(res.outputs) : { content: [], note: '' };
      const text = `${res.status.toUpperCase()} in ${Math.round(res.durationMs)} ms: ${res.message}${out}${err}${files.note}`;
      // The files' content goes once, as content blocks; the structured answer names them only.
      const structured = res.outputs ? { ...res, outputs: { ...res.outputs, files: res.outputs.files.map(({ name, mimeType, bytes }) => ({ name, mimeType, bytes })) } } : res;
      return { content: [{ type: 'text' as const, text }, ...files.content], structuredContent: structured };
    }),
  );
}

type OutputBlock =
  | { type: 'image'; data: string; mimeType: string }
  | { type: 'resource'; resource: { uri: string; mimeType: string; text: string } | { uri: string; mimeType: string; blob: string } };

/** Images as image content, other files as embedded resources at a file: URI naming the scratch path. */
function outputContent(outputs: ScratchFiles): { content: OutputBlock[]; note: string } {
  const content: OutputBlock[] = outputs.files.map((f) => {
    if (f.mimeType.startsWith('image/') && f.base64 !== undefined) return { type: 'image', data: f.base64, mimeType: f.mimeType };
    const uri = `file:///sandbox/${f.name.split('/').map(encodeURIComponent).join('/')}`;
    return f.text !== undefined
      ? { type: 'resource', resource: { uri, mimeType: f.mimeType, text: f.text } }
      : { type: 'resource', resource: { uri, mimeType: f.mimeType, blob: f.base64 ?? '' } };
  });
  const shown = outputs.files.map((f) => `${f.name} (${f.bytes} bytes)`);
  const left = outputs.left.map((l) => `${l.name} (${l.reason})`);
  const more = outputs.leftCount > outputs.left.length ? ` and ${outputs.leftCount - outputs.left.length} more` : '';
  const note =
    (shown.length ? `\nfiles: ${shown.join(', ')}` : '') + (outputs.leftCount ? `\nfiles left out: ${left.join(', ')}${more}` : '');
  return { content, note };
}
