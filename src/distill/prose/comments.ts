/**
 * What a function's or method's own comments say: its `#` lines, a run of them read as one comment, joined and
 * deduplicated. Commented-out code, linter and type-checker pragmas, to-do markers, separators and licence
 * lines are left out. A class's comments are its methods' (each method has its own block).
 */
import { mask } from '../../python/syntax.js';
import { clip } from '../summary.js';
import { PRIORITY, type ProseCollector, type ProseFinding } from './collector.js';

const MAX_TEXT = 500;
const PRAGMA = /^(noqa|type:|pragma|pylint|fmt:|isort:|mypy|nosec|todo|fixme|xxx|hack|bug|cython:|-\*-|!|%%|In\[)/i;
const LICENCE = /copyright|licen[cs]e|SPDX|all rights reserved|warranty|permission is hereby granted|redistribution and use/i;
/** Lines that read as Python rather than as a sentence. */
const CODE_START = /^(import\s+\w|from\s+[\w.]+\s+import\b|return\b|print\s*\(|if\b.*:$|elif\b|else\s*:|for\b.*\bin\b.*:$|while\b.*:$|def\s+\w|class\s+\w|raise\b|assert\b|yield\b|try\s*:|except\b|finally\s*:|with\b.*:$|del\s|pass$|break$|continue$|self\.|@\w)/;
const ASSIGNMENT = /^[\w.[\]'", ]+\s*(?:[-+*/%&|^]|\*\*|\/\/)?=(?!=)\s*\S/;
const CALL = /^[\w.]+\s*\(.*\)\s*[,)]?$|^[\w.]+\[.*\]\s*$/;

export const commentsProse: ProseCollector = {
  source: 'comments',
  async collect(ctx) {
    const out: ProseFinding[] = [];
    for (const b of ctx.blocks) {
      if (b.kind !== 'function' && b.kind !== 'method') continue;
      const text = bodyComments(b.code);
      if (text) out.push({ qualifiedName: b.qualifiedName, note: { source: 'comments', text, path: null }, priority: PRIORITY.comments, line: 0, shared: 1 });
    }
    return out;
  },
};

/** The prose comments of a piece of code, joined into one text; null when it has none. */
export function bodyComments(code: string): string | null {
  const lines = code.split('\n');
  const masked = mask(code).split('\n');
  const runs: string[][] = [];
  let run: string[] | null = null;
  for (let k = 0; k < lines.length; k++) {
    const at = masked[k]!.indexOf('#');
    if (at < 0) {
      run = null;
      continue;
    }
    const own = masked[k]!.slice(0, at).trim() === '';
    const text = lines[k]!.slice(at).replace(/^#+:?\s?/, '').trim();
    // A comment at the end of a line of code is its own; one on a line of its own continues the one above it.
    if (!own || !run) runs.push((run = []));
    if (text) run.push(text);
    if (!own) run = null;
  }
  const seen = new Set<string>();
  const kept: string[] = [];
  for (const r of runs) {
    const lines = r.filter((t) => !isCode(t));
    const text = lines.join(' ').replace(/\s+/g, ' ').trim();
    if (!text || PRAGMA.test(text) || LICENCE.test(text) || !/[A-Za-z]{2,}\s+[A-Za-z]{2,}/.test(text)) continue;
    const key = text.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(/[.!?:;]$/.test(text) ? text : `${text}.`);
  }
  return kept.length ? clip(kept.join(' '), MAX_TEXT) : null;
}

function isCode(t: string): boolean {
  if (!/[A-Za-z]/.test(t) || /^[-=*~_#+.\s]+$/.test(t)) return true;
  if (CODE_START.test(t) || ASSIGNMENT.test(t) || CALL.test(t)) return true;
  // Few words and many brackets, operators and dots: an expression.
  const symbols = (t.match(/[()[\]{}=+*/<>._,]/g) ?? []).length;
  const words = (t.match(/\b[A-Za-z]{3,}\b/g) ?? []).length;
  return symbols > 4 && symbols > words * 1.5;
}
