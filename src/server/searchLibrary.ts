import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SearchAnswer, SearchQuery } from '../domain/search.js';
import type { ToolServices } from './services.js';
import { guarded } from './errors.js';
import { leanOutput } from './schema.js';
import { searchAnswer, searchContent } from './search-answer.js';

export function registerSearchLibraryTool(server: McpServer, services: ToolServices): void {
  server.registerTool(
    'search_library',
    {
      title: 'Search the library of validated building blocks',
      description:
        'Find functions, classes and examples from distilled scientific repositories for a task, before writing ' +
        'that code from memory. One task per query, naming the quantity, the method and the field ("Darcy friction ' +
        'factor, turbulent pipe flow"), or code. Confidence low: rephrase with the standard name. Next: get_pattern.',
      inputSchema: SearchQuery,
      outputSchema: leanOutput(SearchAnswer),
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    guarded(services.logger, async (args) => {
      const answer = searchAnswer(await services.app.search(args));
      return { content: searchContent(answer), structuredContent: answer };
    }),
  );
}
