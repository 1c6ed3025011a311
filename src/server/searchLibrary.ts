import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SearchQuery, SearchResult } from '../domain/search.js';
import type { ToolServices } from './services.js';
import { guarded } from './errors.js';

export function registerSearchLibraryTool(server: McpServer, services: ToolServices): void {
  server.registerTool(
    'search_library',
    {
      title: 'Search the library of validated building blocks',
      description:
        'Find functions, classes and worked examples from distilled scientific repositories that do what your task ' +
        'needs, before writing that code from memory. Write the query as the task in the field\'s words: name the ' +
        'quantity, the method and the field ("Darcy friction factor for turbulent pipe flow", "Sobol sensitivity ' +
        'indices of a model\'s inputs", "asymmetric least squares baseline of a Raman spectrum"); one task per query, ' +
        'no filler; pasted code works too. If the best hit is low confidence, rephrase with the method\'s standard ' +
        'name or a synonym before concluding nothing fits. Filters narrow by library, language, kind, licence, GPU or network need, or to blocks ' +
        'whose examples ran and passed (validatedOnly), or only those whose example matched an output the repository ' +
        'states (checkedOnly). Each result has an id, signature, one-line summary, score, confidence (low means ' +
        'probably not a match: say so rather than use it), validation status and level (checked, ran, failed, skipped). ' +
        'Results from a demo library shipped with codedistill carry demo: true and are searched only when no other ' +
        'library is distilled. Next: get_pattern with a result id for the code, example and provenance.',
      inputSchema: SearchQuery,
      outputSchema: SearchResult,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    guarded(services.logger, async (args) => {
      const res = await services.app.search(args);
      const lines = res.results.map(
        (r, i) =>
          `${i + 1}. ${r.id} [${r.kind}, ${r.level ?? r.validation}, ${r.confidence}, ${r.score.toFixed(2)}]\n   ${r.signature}\n   ${r.summary}`,
      );
      const text = res.results.length
        ? `${res.results.length} results (${res.mode} search over ${res.libraries.join(', ') || 'no libraries'}):\n${lines.join('\n')}`
        : `No blocks match in ${res.libraries.join(', ') || 'any library'} (${res.mode} search). ` +
          'Rephrase the task, drop filters, or distill a repository that has this code with distill_repo.';
      return { content: [{ type: 'text', text }], structuredContent: res };
    }),
  );
}
