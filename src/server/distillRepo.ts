import { shortCommit } from '../domain/library.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { DistillReport, DistillRequest } from '../domain/distill.js';
import type { ToolServices } from './services.js';
import { guarded } from './errors.js';
import { inJobSlot } from './job-slots.js';
import { progressReporter, STAGE_PLANS } from './progress.js';
import { leanOutput } from './schema.js';

export function registerDistillRepoTool(server: McpServer, services: ToolServices): void {
  server.registerTool(
    'distill_repo',
    {
      title: 'Distill a repository into a library',
      description:
        'Turn a repository (folder, GitHub URL or owner/name) into a library of blocks (functions, classes, ' +
        'examples) with docs, dependencies, licence, provenance and sandbox run records. Use it when the code you ' +
        'need is in a repository list_libraries lacks. Takes minutes, with progress. Next: search_library.',
      inputSchema: DistillRequest,
      outputSchema: leanOutput(DistillReport),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    guarded(services.logger, async (args, extra) => {
      const report = await inJobSlot(services.jobs, 'distill_repo', extra.signal, (signal) =>
        services.app.distill(args, { onProgress: progressReporter(extra, STAGE_PLANS.distill), signal }),
      );
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
