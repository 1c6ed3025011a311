/**
 * The repository's Python notebooks (docs/ ones included: nbsphinx and MyST-NB pages), code cells joined: as
 * workflows and, when short, as examples of the blocks they call, stating the text outputs the notebook was
 * saved with when they are reproducible. The summary comes from the first markdown cells.
 */
import { pythonCells, readNotebookContent, type NotebookContent, type SavedOutput } from '../../../python/notebook.js';
import { isExpressionStatement, logicalLines, mask, splitTopLevel, stripComment } from '../../../python/syntax.js';
import { clip, firstSentence } from '../../summary.js';
import { scopeOf } from '../call-resolver.js';
import type { Candidate, Collector } from '../collector.js';
import type { MiningContext } from '../context.js';
import { importsPackage, normaliseImports } from '../import-rewrite.js';
import { wholeFileCandidates } from '../workflows.js';

export const notebookCollector: Collector = {
  source: 'notebook',
  async collect(ctx) {
    const { calls, input } = ctx;
    const candidates: Candidate[] = [];
    for (const { path, notebook } of await notebooksOf(ctx)) {
      await ctx.guard(path, async () => {
        const cells = pythonCells(notebook);
        const joined = cells.join('\n\n');
        if (!joined.trim()) return;
        const normalised = normaliseImports(joined, '', false, calls);
        if (normalised === null || !importsPackage(normalised, input.packageNames)) return;
        const code = normalised.replace(/\s+$/, '') + '\n';
        const called = calls.calledBy(code, scopeOf(code, '', false));
        if (called.length === 0) return;
        const summary = notebookSummary(notebook.markdownCells);
        const found = wholeFileCandidates({ path, code, called, summary, source: 'notebook', startLine: null, runsBare: true });
        const stated = statedNotebookOutput(notebook, cells);
        const rewritten = stated && normaliseImports(stated.code, '', false, calls);
        for (const c of found) {
          // The notebook stating its saved outputs goes first; as it is, it stays the fallback: a library that has
          // moved on since the notebook was saved prints other numbers, which costs the check, not the run.
          if (c.kind === 'example' && stated && rewritten) {
            candidates.push({ ...c, example: { ...c.example, code: rewritten.replace(/\s+$/, '') + '\n', expectedOutput: stated.expected } });
            // Half a tier behind: the bare run is offered after the stated one, however much shorter it is.
            candidates.push({ ...c, tier: c.tier + 0.5 });
          } else candidates.push(c);
        }
      });
    }
    return candidates;
  },
};

/**
 * The notebooks the caller read, or else every .ipynb file read here; a broken one is skipped, and reported when
 * `report` (the prose pass reads the same notebooks and leaves the reporting to the example pass).
 */
export async function notebooksOf(ctx: MiningContext, report = true): Promise<{ path: string; notebook: NotebookContent }[]> {
  if (ctx.input.notebooks) return ctx.input.notebooks;
  const out: { path: string; notebook: NotebookContent }[] = [];
  for (const f of ctx.input.files.filter((x) => x.role === 'notebook' || /\.ipynb$/i.test(x.path))) {
    const text = await ctx.read(f.path);
    if (text === null) continue;
    try {
      out.push({ path: f.path, notebook: readNotebookContent(text, f.path) });
    } catch (e) {
      if (report) ctx.reportError(f.path, e);
    }
  }
  return out;
}

/** "Title: first sentence" of the first markdown prose, or the first heading alone. */
function notebookSummary(markdown: string[]): string | null {
  let title: string | null = null;
  for (const cell of markdown) {
    for (const para of cell.split(/\n\s*\n/)) {
      const p = para.trim();
      if (!p) continue;
      const h = /^#{1,6}\s+(.+)$/.exec(p.split('\n')[0]!);
      if (h && p.split('\n').length === 1) {
        title ??= h[1]!.trim();
        continue;
      }
      const text = p.replace(/^#{1,6}\s+.*\n/, '').replace(/\s+/g, ' ').trim();
      if (!text) continue;
      const sentence = firstSentence(text);
      return clip(title ? `${title}: ${sentence}` : sentence, 300);
    }
  }
  return title;
}

const MAX_STATED_OUTPUT_CHARS = 2000;
/** Saved text that another run would not print the same: addresses, timings, dates, paths of the author's machine. */
const UNREPRODUCIBLE_TEXT =
  /0x[0-9a-fA-F]{5,}|\bobject at\b|Wall time|CPU times|per loop|\bit\/s\b|\d\s*(?:ms|µs|us|ns)\b|\b(?:19|20)\d\d-\d\d-\d\d[ T]\d\d:\d\d|\/home\/|\/Users\/|[A-Z]:\\\\/;
/** Code whose output changes from run to run: the clock, unseeded randomness. */
const CLOCK = /\b(?:time\.time|perf_counter|monotonic|datetime\.now|datetime\.today|date\.today|uuid[14])\s*\(/;
const RANDOM = /\brandom\b|\brandn?\s*\(|\bdefault_rng\s*\(|\bshuffle\s*\(|\bpermutation\s*\(/;
const SEEDED = /\bseed\s*\(\s*\d|\bdefault_rng\s*\(\s*\d|\bRandomState\s*\(\s*\d|\brandom_state\s*=\s*\d/;

/**
 * The notebook as a script that prints what its saved outputs show, and that text: only when comparing is
 * meaningful. The notebook must have been run top to bottom in a fresh kernel (execution counts 1, 2, 3, ...),
 * raised nowhere, and shown text that another run reproduces (no addresses, timings, dates, unseeded random
 * numbers, plots' reprs). A cell whose value was shown ends in print(repr(value)), as a doctest does. Null
 * otherwise: no expected output beats a flaky one.
 */
export function statedNotebookOutput(nb: NotebookContent, cells: readonly string[]): { code: string; expected: string } | null {
  if (cells.length === 0 || cells.length !== nb.outputs.length || nb.leftOutWithOutput > 0) return null;
  const joined = cells.join('\n');
  const masked = mask(joined);
  // display() outside IPython prints what the notebook showed as rich output.
  if (CLOCK.test(masked) || /\bdisplay\s*\(/.test(masked) || (RANDOM.test(masked) && !SEEDED.test(joined))) return null;
  const code: string[] = [];
  let expected = '';
  let count = 0;
  for (let i = 0; i < cells.length; i++) {
    const o = nb.outputs[i]!;
    count += o.leftOutRunBefore + 1;
    if (o.executionCount !== count || o.error) return null;
    if (o.edited && (o.stdout || o.result !== null)) return null;
    const cell = shownValue(cells[i]!, o);
    if (cell === null) return null;
    code.push(cell);
    expected += o.stdout + (o.result !== null ? o.result.replace(/\n?$/, '\n') : '');
  }
  if (!expected.trim() || expected.length > MAX_STATED_OUTPUT_CHARS || UNREPRODUCIBLE_TEXT.test(expected)) return null;
  return { code: code.join('\n\n').replace(/\s+$/, '') + '\n', expected: expected.replace(/\n?$/, '\n') };
}

/** The cell with its shown value printed (the last statement an expression), or as it is; null when its value cannot be shown so. */
function shownValue(cell: string, o: SavedOutput): string | null {
  if (o.result === null) return cell;
  // Figures and widgets show as images; their text is a repr like <Figure size 640x480 with 1 Axes>.
  if (o.resultMimes.some((m) => /^image\/|widget|latex/.test(m)) || /^<.*>$/s.test(o.result.trim())) return null;
  // IPython sorts a set's items when it shows one; repr() does not.
  if (/^(\{|set\(|frozenset\()/.test(o.result.trim()) && !/:/.test(o.result)) return null;
  const lines = logicalLines(cell);
  const last = lines[lines.length - 1];
  if (!last || last.indent !== 0) return null;
  const expr = stripComment(last.text).trim();
  if (!isExpressionStatement(expr) || /;\s*$/.test(mask(expr))) return null;
  const tuple = splitTopLevel(mask(expr), ',').length > 1;
  const all = cell.split('\n');
  return [...all.slice(0, last.start), `print(repr(${tuple ? `(${expr})` : expr}))`, ...all.slice(last.end + 1)].join('\n');
}
