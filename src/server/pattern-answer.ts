/**
 * get_pattern's answer cut to the detail asked for: `usage` is what an agent needs to call the block (a few
 * hundred tokens), `full` adds everything else. Every fact goes out once, whatever the detail.
 */
import type { Example } from '../domain/block.js';
import type { PatternAnswer, PatternDetail, PatternResult, RunBrief } from '../domain/pattern.js';
import { levelOf, type RunRecord } from '../domain/validation.js';
import { plainText } from '../distill/prose/text.js';

const OUTPUT_CAP = 400;
const DOC_CAP = 700;

/** The docstring's first paragraph, or the summary when there is no docstring. */
export function firstParagraph(docstring: string | null, summary: string): string {
  const para = plainText((docstring ?? '').trim().split(/\n\s*\n/)[0] ?? '');
  const doc = para || summary;
  return doc.length > DOC_CAP ? `${doc.slice(0, DOC_CAP - 1)}…` : doc;
}

export function runBrief(r: RunRecord): RunBrief {
  const out = r.stdout.trim();
  return { status: r.status, level: levelOf(r), output: out ? (out.length > OUTPUT_CAP ? `${out.slice(0, OUTPUT_CAP - 1)}…` : out) : null };
}

const leveled = (r: RunRecord | null): RunRecord | null => (r ? { ...r, level: levelOf(r) } : r);

export function patternAnswer(res: PatternResult, detail: PatternDetail, demo: boolean): PatternAnswer {
  const b = res.block;
  const behind: Example | undefined = b.examples.find((e) => e.code.trimEnd() === res.usage);
  const answer: PatternAnswer = {
    id: b.id,
    kind: b.kind,
    signature: b.signature,
    doc: firstParagraph(b.docstring, b.summary),
    usage: res.usage,
    usageFrom: behind ? { source: behind.source, run: behind.run ? (detail === 'full' ? leveled(behind.run) : runBrief(behind.run)) : null } : null,
    requirements: b.requirements,
    licence: b.licence,
    citation: b.citation,
    provenance: b.provenance,
    library: demo ? { name: b.library, demo: true } : { name: b.library },
    ...(b.pattern ? { pattern: b.pattern } : {}),
  };
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
      libraryInfo: res.library,
    };
  }
  return answer;
}
