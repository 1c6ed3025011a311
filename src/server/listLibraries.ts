import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { LibraryList } from '../domain/libraries.js';
import type { ToolServices } from './services.js';
import { guarded } from './errors.js';
import { leanOutput } from './schema.js';
import { libraryUri } from './uris.js';

export function registerListLibrariesTool(server: McpServer, services: ToolServices): void {
  server.registerTool(
    'list_libraries',
    {
      title: 'List the distilled libraries',
      description:
        'The libraries: repository, commit, licence, counts, validated share, environment, date, demo, read-only. ' +
        'Read library://<name> for contents and skipped files. Next: search_library or distill_repo.',
      inputSchema: z.object({}),
      outputSchema: leanOutput(LibraryList),
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    guarded(services.logger, async () => {
      const libraries = await services.app.listLibraries();
      const pct = (x: number) => `${Math.round(x * 100)}%`;
      const lines = libraries.map(
        (l) =>
          `- ${l.name}: ${l.repository}@${l.commit}, ${l.licence}, ${l.blocks} blocks, ${pct(l.validatedShare)} validated, ` +
          `environment ${l.environment}, ${l.distilledAt.slice(0, 10)}${l.demo ? ', DEMO' : ''}${l.readOnly ? ', read-only' : ''}`,
      );
      const text = libraries.length ? `${libraries.length} libraries:\n${lines.join('\n')}` : 'No libraries yet: create one with distill_repo.';
      return {
        content: [{ type: 'text', text }, ...libraries.map((l) => ({ type: 'resource_link' as const, uri: libraryUri(l.name), name: l.name }))],
        structuredContent: { libraries },
      };
    }),
  );
}
