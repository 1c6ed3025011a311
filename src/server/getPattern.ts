import { shortCommit } from '../domain/library.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { GetPatternInput, PatternResult } from '../domain/pattern.js';
import { levelOf, type RunRecord } from '../domain/validation.js';
import type { ToolServices } from './services.js';
import { guarded } from './errors.js';

/** What the level of the block's best run says of it, for the text answer: the status alone does not tell checked from ran. */
export function levelNote(run: RunRecord | null | undefined): string {
  switch (levelOf(run)) {
    case 'checked':
      return ' (checked: an example matched the output the repository states)';
    case 'ran':
      return ' (ran: an example ran cleanly, with no stated output to compare)';
    case 'skipped':
      return ` (skipped${run?.skipReason ? `: ${run.skipReason}` : ''})`;
    case 'failed':
      return ' (failed)';
    default:
      return '';
  }
}

const leveled = (r: RunRecord | null): RunRecord | null => (r ? { ...r, level: levelOf(r) } : r);

/** The answer with every run record's level given: a library stored before levels has none on its records. */
export function withLevels(res: PatternResult): PatternResult {
  const b = res.block;
  return { ...res, block: { ...b, validation: leveled(b.validation), examples: b.examples.map((e) => ({ ...e, run: leveled(e.run) })) } };
}

export function registerGetPatternTool(server: McpServer, services: ToolServices): void {
  server.registerTool(
    'get_pattern',
    {
      title: 'Get one building block whole',
      description:
        'Fetch one library entry by the id search_library returned: its full source, signature, docstring, ' +
        'parameters, the imports and third-party packages it needs, usage examples with their run records, licence, ' +
        'citation and provenance (repository, commit, path, lines). The "usage" field is ready-to-run Python. ' +
        'Prefer importing the package over copying the code; respect the licence. Next: adapt the usage to your task ' +
        'and check it with validate_snippet (pass the library name so the package is importable).',
      inputSchema: GetPatternInput,
      outputSchema: PatternResult,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    guarded(services.logger, async ({ id }) => {
      const res = await services.app.getPattern(id);
      const b = res.block;
      const p = b.provenance;
      const text =
        `${b.qualifiedName} (${b.kind}, ${b.language}) from ${p.repo}@${shortCommit(p.commit)} ${p.path}:${p.startLine}-${p.endLine}, ` +
        `licence ${b.licence}, validation ${b.validation?.status ?? 'not_run'}${levelNote(b.validation)}` +
        (res.library.environment?.lockHash && b.validation?.environmentHash === res.library.environment.lockHash ? ` in the environment locked by ${res.library.environment.lockFile}` : '') +
        `\n\n${b.signature}\n${b.summary}\n\nUsage:\n${res.usage}`;
      return { content: [{ type: 'text', text }], structuredContent: withLevels(res) };
    }),
  );
}
