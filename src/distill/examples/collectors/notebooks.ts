/**
 * The repository's Python notebooks, code cells joined: as workflows and, when short, as examples of the
 * blocks they call. The summary comes from the first markdown cells.
 */
import { pythonCells, readNotebookContent, type NotebookContent } from '../../../python/notebook.js';
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
        candidates.push(...wholeFileCandidates({ path, code, called, summary, source: 'notebook', startLine: null, runsBare: true }));
      });
    }
    return candidates;
  },
};

/** The notebooks the caller read, or else every .ipynb file read here (a broken one is reported and skipped). */
async function notebooksOf(ctx: MiningContext): Promise<{ path: string; notebook: NotebookContent }[]> {
  if (ctx.input.notebooks) return ctx.input.notebooks;
  const out: { path: string; notebook: NotebookContent }[] = [];
  for (const f of ctx.input.files.filter((x) => x.role === 'notebook' || /\.ipynb$/i.test(x.path))) {
    const text = await ctx.read(f.path);
    if (text === null) continue;
    try {
      out.push({ path: f.path, notebook: readNotebookContent(text, f.path) });
    } catch (e) {
      ctx.reportError(f.path, e);
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
