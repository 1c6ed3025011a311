/**
 * A test too long to be one example, cut into the pieces its author wrote: each paragraph (top-level
 * statements between blank lines, with the comment that opens it), with the earlier statements it depends
 * on, so a block gets the part of the test that shows it and the asserts on its result.
 */
import { boundNames, statementGroups } from '../../python/syntax.js';
import { readsOf, sliceSetup, type SetupStatement } from './test-class.js';

const MAX_SLICES = 24;
const ASSERT = /^(assert\b|(np\.|numpy\.)?(testing\.)?assert_\w*\s*\(|assert_\w*\s*\()/;

export function testSlices(body: string): string[] {
  const groups = statementGroups(body);
  const lines = body.split('\n');
  const paragraphs: number[][] = [];
  groups.forEach((g, i) => {
    const prev = groups[i - 1];
    const gap = prev ? lines.slice(prev.end + 1, g.start) : [];
    if (!prev || gap.some((l) => l.trim() === '')) paragraphs.push([]);
    paragraphs[paragraphs.length - 1]!.push(i);
  });
  if (paragraphs.length < 2) return [];
  const stmts: SetupStatement[] = groups.map((g) => ({ code: g.text, binds: boundNames(g.text), reads: readsOf(g.text) }));
  const out: string[] = [];
  for (const members of paragraphs.slice(0, MAX_SLICES)) {
    const first = members[0]!;
    const needed = new Set(members.flatMap((k) => [...stmts[k]!.reads]));
    // An earlier paragraph's asserts check its own results; they change nothing this one needs.
    const earlier = sliceSetup(stmts.slice(0, first).filter((st) => !ASSERT.test(st.code!.trim())), needed) ?? [];
    // The comment lines right above the paragraph say what it checks.
    const prevEnd = first > 0 ? groups[first - 1]!.end : -1;
    const comment = lines.slice(prevEnd + 1, groups[first]!.start).filter((l) => l.trim().startsWith('#'));
    const own = members.map((k) => groups[k]!.text);
    out.push([...earlier.map((s) => s.code!), ...comment, ...own].join('\n'));
  }
  return out;
}
