/**
 * get_pattern's answer cut to the detail asked for: `usage` is what an agent needs to call the block (a few
 * hundred tokens), `full` adds everything else. Every fact goes out once, whatever the detail.
 */
import type { Example } from '../domain/block.js';
import type { PatternAnswer, PatternDetail, PatternResult, RunBrief } from '../domain/pattern.js';
import { levelOf, type RunRecord } from '../domain/validation.js';
import { plainText } from '../distill/prose/text.js';
import { usageWithin } from '../distill/usage.js';

const OUTPUT_CAP = 400;
const DOC_CAP = 700;
/**
 * The usage view's example, at most: it goes out twice (text copy and structured answer), so 1,600 characters
 * are some 800 tokens. Docs scripts that are their own workflow's usage run to 14,000.
 */
export const USAGE_CHARS = 1600;
export const USAGE_LINES = 40;

/** The docstring's first paragraph, or the summary when there is no docstring. */
export function firstParagraph(docstring: string | null, summary: string): string {
  const para = plainText((docstring ?? '').trim().split(/\n\s*\n/)[0] ?? '');
  const doc = para || summary;
  return doc.length > DOC_CAP ? `${doc.slice(0, DOC_CAP - 1)}…` : doc;
}

/** Code cut at a line boundary within the caps, and how many lines were left out (0: whole). */
export function cutCode(code: string, maxChars = USAGE_CHARS, maxLines = USAGE_LINES): { code: string; cutLines: number } {
  let lines = code.split('\n');
  if (code.length <= maxChars && lines.length <= maxLines) return { code, cutLines: 0 };
  // Too long: the comment-only lines go first (a docs gallery script opens with a page of prose in comments),
  // so what is kept is code; they change nothing in what it does.
  lines = lines.filter((l) => !/^\s*#/.test(l)).filter((l, i, all) => l.trim() !== '' || (all[i - 1] ?? '').trim() !== '');
  let kept = 0;
  let size = 0;
  while (kept < lines.length && kept < maxLines && size + (lines[kept]?.length ?? 0) + 1 <= maxChars) size += (lines[kept++]?.length ?? 0) + 1;
  // A first line longer than the cap: keep it cut rather than nothing.
  if (kept === 0) return { code: `${(lines[0] ?? '').slice(0, maxChars - 1)}…`, cutLines: lines.length - 1 };
  return { code: lines.slice(0, kept).join('\n').trimEnd(), cutLines: lines.length - kept };
}

export function runBrief(r: RunRecord): RunBrief {
  const out = r.stdout.trim();
  return { status: r.status, level: levelOf(r), output: out ? (out.length > OUTPUT_CAP ? `${out.slice(0, OUTPUT_CAP - 1)}…` : out) : null };
}

const leveled = (r: RunRecord | null): RunRecord | null => (r ? { ...r, level: levelOf(r) } : r);

export function patternAnswer(res: PatternResult, detail: PatternDetail, demo: boolean): PatternAnswer {
  const b = res.block;
  // The usage view is sized for a model's context: a shorter validated example when the best is long, else the
  // best cut, saying so; detail full has it whole.
  const chosen = detail === 'usage' ? usageWithin(b, res.usage, USAGE_CHARS) : res.usage;
  const behind: Example | undefined = b.examples.find((e) => e.code.trimEnd() === chosen);
  const cut = detail === 'usage' ? cutCode(chosen) : { code: chosen, cutLines: 0 };
  const doc = firstParagraph(b.docstring, b.summary);
  const answer: PatternAnswer = {
    id: b.id,
    kind: b.kind,
    signature: b.signature,
    doc,
    usage: cut.code === chosen ? chosen : `${cut.code}\n# … ${cut.cutLines ? `${cut.cutLines} more lines` : 'comments'} left out: get_pattern detail "full" has the whole example`,
    usageFrom: behind ? { source: behind.source, run: behind.run ? (detail === 'full' ? leveled(behind.run) : runBrief(behind.run)) : null } : null,
    requirements: b.requirements,
    licence: b.licence,
    // A demo's citation is as made up as its code: none is given.
    citation: demo ? null : b.citation,
    provenance: b.provenance,
    library: demo ? { name: b.library, demo: true } : { name: b.library },
    ...(b.pattern ? { pattern: b.pattern } : {}),
  };
  const cutNotes = [
    ...(cut.code !== chosen ? [`usage: its comment lines${cut.cutLines ? ` and the last ${cut.cutLines} code lines` : ''} left out (${chosen.split('\n').length} lines whole)`] : []),
    ...(chosen !== res.usage ? ['usage: a shorter validated example than the best one'] : []),
    ...(doc.endsWith('…') ? ['doc: its first paragraph, capped'] : []),
  ];
  if (cutNotes.length) answer.cut = cutNotes;
  if (detail === 'full') {
    answer.full = {
      code: b.code,
      parameters: b.parameters.map(({ description: _d, ...p }) => p),
      returns: b.returns,
      examples: b.examples.filter((e) => e !== behind).map((e) => ({ ...e, run: leveled(e.run) })),
      validation: leveled(b.validation),
      imports: b.imports,
      calls: b.calls,
      decorators: b.decorators,
      compute: b.compute,
      prose: b.prose,
      tags: b.tags,
      rank: b.rank,
      libraryInfo: demo ? { ...res.library, citation: null } : res.library,
    };
  }
  return answer;
}
