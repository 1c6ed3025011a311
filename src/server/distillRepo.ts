import { shortCommit } from '../domain/library.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { DistillReport, DistillRequest } from '../domain/distill.js';
import type { ToolServices } from './services.js';
import { guarded } from './errors.js';
import { progressReporter } from './progress.js';

export function registerDistillRepoTool(server: McpServer, services: ToolServices): void {
  server.registerTool(
    'distill_repo',
    {
      title: 'Distill a repository into a library',
      description:
        'Turn a scientific code repository into a searchable library of building blocks (functions, classes, ' +
        'worked examples) with signatures, docs, dependencies, licence, provenance and a record of each example ' +
        'having been run in a sandbox. Use it when the code you need lives in a repository that is not yet a library ' +
        '(search_library lists the libraries it searched). Takes a local folder, a GitHub URL or owner/name; a ' +
        'repository already distilled at the same commit returns at once unless force is set. This can take from ' +
        'seconds to minutes and reports progress. Next: search_library with a description of the task, then get_pattern.',
      inputSchema: DistillRequest,
      outputSchema: DistillReport,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    guarded(services.logger, async (args, extra) => {
      const report = await services.app.distill(args, { onProgress: progressReporter(extra), signal: extra.signal });
      const c = report.counts;
      const text = report.unchanged
        ? `Library "${report.library}" is already distilled at ${shortCommit(report.commit)} (${c.blocks} blocks); pass force: true to redo it.`
        : `Distilled ${report.repo} @ ${shortCommit(report.commit)} into library "${report.library}": ` +
          `${c.blocks} blocks, ${c.examples} examples, ${c.validated} validated; ${c.filesParsed}/${c.filesSeen} files parsed, ` +
          `${c.filesSkipped} skipped, ${c.parseErrors} with syntax errors; licence ${report.licence}; ${(report.durationMs / 1000).toFixed(1)} s.` +
          (report.warnings.length ? `\nWarnings:\n- ${report.warnings.slice(0, 10).join('\n- ')}` : '');
      return { content: [{ type: 'text', text }], structuredContent: report };
    }),
  );
}
