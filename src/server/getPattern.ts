import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { GetPatternInput, PatternAnswer } from '../domain/pattern.js';
import { levelOf, type RunRecord } from '../domain/validation.js';
import type { ToolServices } from './services.js';
import { guarded } from './errors.js';
import { leanOutput } from './schema.js';
import { patternAnswer } from './pattern-answer.js';
import { blockUri, idFromBlockUri } from './uris.js';

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

/**
 * The text copy of an answer: where it is from, how it was validated, the signature, the doc and the usage; with
 * detail full, the source itself when `inlineSource` (the CLI), else a pointer to it (the tool: it is in the
 * structured answer already).
 */
export function patternText(a: PatternAnswer, validation: RunRecord | null, inlineSource = false): string {
  const p = a.provenance;
  return (
    `${a.id} (${a.kind}) from ${p.repo} ${p.path}:${p.startLine}-${p.endLine}, licence ${a.licence}, ` +
    `validation ${validation?.status ?? 'not_run'}${levelNote(validation)}${a.library.demo ? ', DEMO library (made-up code)' : ''}` +
    (a.requirements.length ? `\nNeeds: ${a.requirements.join(', ')}` : '') +
    `\n\n${a.signature}\n${a.doc}\n\nUsage:\n${a.usage}` +
    (a.pattern ? patternFactsText(a.pattern) : '') +
    // The source is long and already in the structured answer: the text copy stays the short usage view.
    (a.full && inlineSource ? `\n\nSource:\n${a.full.code}` : '') +
    (a.full && !inlineSource ? `\n\nSource (${a.full.code.split('\n').length} lines), parameters and ${a.full.examples.length} other examples: in the structured answer, and at ${blockUri(a.id)}.` : '')
  );
}

/** A pattern's template, members and representative, in the few lines a caller reads. */
function patternFactsText(f: NonNullable<PatternAnswer['pattern']>): string {
  const rep = f.representative;
  return (
    `\n\nPattern used in ${f.repos} repositories (${f.blocks} blocks):\n${f.template}` +
    `\nSources: ${f.sources.map((s) => `${s.library} (${s.repo}@${s.commit.slice(0, 12)}, ${s.licence})`).join('; ')}` +
    `\nMembers: ${f.members.slice(0, 8).map((m) => `${m.block} ${m.path}:${m.startLine}`).join('; ')}${f.members.length > 8 ? `; ${f.members.length - 8} more in the structured answer` : ''}` +
    (rep ? `\nRepresentative that ran: ${rep.block}, example ${rep.example} (${rep.run.status})` : '\nNo member example ran.')
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
      const res = await services.app.getPattern(idFromBlockUri(id));
      const answer = patternAnswer(res, detail, res.library.demo === true);
      return { content: [{ type: 'text', text: patternText(answer, res.block.validation) }], structuredContent: answer };
    }),
  );
}
