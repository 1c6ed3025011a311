import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { GetPatternInput, PatternAnswer } from '../domain/pattern.js';
import { levelOf, type RunRecord } from '../domain/validation.js';
import type { ToolServices } from './services.js';
import { guarded } from './errors.js';
import { leanOutput } from './schema.js';
import { patternAnswer } from './pattern-answer.js';

/** What the level of the block's best run says of it, for the text answer: the status alone does not tell checked from ran. */
export function levelNote(run: Pick<RunRecord, 'status' | 'message' | 'level' | 'skipReason'> | null | undefined): string {
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

/** The text copy of an answer: where it is from, how it was validated, the signature, the doc and the usage. */
export function patternText(a: PatternAnswer, validation: RunRecord | null): string {
  const p = a.provenance;
  return (
    `${a.id} (${a.kind}) from ${p.repo} ${p.path}:${p.startLine}-${p.endLine}, licence ${a.licence}, ` +
    `validation ${validation?.status ?? 'not_run'}${levelNote(validation)}${a.library.demo ? ', DEMO library (made-up code)' : ''}` +
    (a.requirements.length ? `\nNeeds: ${a.requirements.join(', ')}` : '') +
    `\n\n${a.signature}\n${a.doc}\n\nUsage:\n${a.usage}` +
    (a.full ? `\n\nSource:\n${a.full.code}` : '')
  );
}

export function registerGetPatternTool(server: McpServer, services: ToolServices): void {
  server.registerTool(
    'get_pattern',
    {
      title: 'Get one building block',
      description:
        'A block by search_library id: signature, doc, ready-to-run usage from its best validated example, ' +
        'requirements, licence, citation, provenance. detail "full" adds source, parameters, all examples and run ' +
        'records. Import the package rather than copy code. Next: validate_snippet on your adapted usage.',
      inputSchema: GetPatternInput,
      outputSchema: leanOutput(PatternAnswer),
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    guarded(services.logger, async ({ id, detail }) => {
      const res = await services.app.getPattern(id);
      const answer = patternAnswer(res, detail, res.library.demo === true);
      return { content: [{ type: 'text', text: patternText(answer, res.block.validation) }], structuredContent: answer };
    }),
  );
}
