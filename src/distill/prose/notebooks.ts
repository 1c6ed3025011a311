/**
 * What a notebook says about a block: the markdown just before a code cell that calls it (its heading, if the
 * cells have one, and its last paragraphs). Which blocks a cell calls is the call resolver's decision, read with
 * the notebook's imports and the cells before it (a value made there has its class), kept to the names the cell
 * itself calls.
 */
import { pythonCells } from '../../python/notebook.js';
import { callsIn } from '../../python/syntax.js';
import { scopeOf } from '../examples/call-resolver.js';
import { notebooksOf } from '../examples/collectors/notebooks.js';
import { importsPackage, normaliseImports } from '../examples/import-rewrite.js';
import { MAX_BLOCKS_PER_TEXT, PRIORITY, type ProseCollector, type ProseFinding } from './collector.js';
import { codeMentions, joinSentences, plainText } from './text.js';

/** How much of the cells before a cell is read with it: enough to type its values, not the whole notebook each time. */
const CONTEXT_LINES = 60;
const MAX_TEXT = 500;

export const notebookProse: ProseCollector = {
  source: 'notebook',
  async collect(ctx) {
    const { mining } = ctx;
    const { calls } = mining;
    const out: ProseFinding[] = [];
    const blockNames = new Set(mining.input.blocks.map((b) => b.name));
    for (const { path, notebook } of await notebooksOf(mining, false)) {
      await mining.guard(path, async () => {
        const cells = pythonCells(notebook);
        const joined = normaliseImports(cells.join('\n\n'), '', false, calls);
        if (joined === null || !importsPackage(joined, mining.input.packageNames)) return;
        const scope = scopeOf(joined, '', false);
        for (let i = 0; i < cells.length; i++) {
          const text = introduction(notebook.markdownBefore[i] ?? []);
          if (!text) continue;
          const own = new Set(callsIn(cells[i]!).map((c) => c.split('.').pop()!));
          // Resolving is the costly part: only for a cell that calls something by a block's name.
          if (![...own].some((n) => blockNames.has(n))) continue;
          const context = cells.slice(0, i + 1).join('\n\n').split('\n').slice(-CONTEXT_LINES).join('\n');
          const called = calls.calledBy(context, scope).filter((b) => own.has(b.name));
          if (called.length === 0 || called.length > MAX_BLOCKS_PER_TEXT) continue;
          // Markdown that names other blocks as code introduces those, not the rest the cell calls.
          const named = new Set((notebook.markdownBefore[i] ?? []).flatMap((md) => codeMentions(md).flatMap((m) => ctx.names.resolve(m.name, null, m.call))));
          for (const b of called) {
            if (named.size > 0 && !named.has(b)) continue;
            out.push({ qualifiedName: b.qualifiedName, note: { source: 'notebook', text, path }, priority: PRIORITY.notebook, line: i, shared: called.length });
          }
        }
      });
    }
    return out;
  },
};

/** "Heading: last paragraphs" of the markdown cells before a code cell; null when they hold no prose. */
export function introduction(markdown: readonly string[]): string | null {
  let heading: string | null = null;
  const paras: string[] = [];
  for (const cell of markdown) {
    for (const block of cell.split(/\n\s*\n/)) {
      const lines = block.trim().split('\n');
      const h = /^#{1,6}\s+(.+?)\s*#*$/.exec(lines[0] ?? '');
      if (h) {
        heading = plainText(h[1]!);
        paras.length = 0;
        lines.shift();
      }
      // Images, HTML blocks, tables and display maths are not sentences.
      const text = lines.filter((l) => !/^\s*(\||<|!\[|\$\$)/.test(l)).join(' ');
      const plain = plainText(text);
      if (/[A-Za-z]{2,}\s+[A-Za-z]{2,}/.test(plain)) paras.push(plain);
    }
  }
  const kept: string[] = [];
  for (const p of [...paras].reverse()) {
    if (kept.length && kept.reduce((n, k) => n + k.length, 0) + p.length > MAX_TEXT) break;
    kept.unshift(p);
  }
  const body = joinSentences(kept);
  if (!body && !(heading && /\s/.test(heading))) return null;
  return heading && body ? `${heading}: ${body}` : heading || body;
}

