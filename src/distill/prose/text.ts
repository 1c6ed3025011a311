/**
 * The prose of a documentation page or docstring as the prose collectors read it: its paragraphs (not code,
 * directives, tables or headings) with their lines and section, each section's heading chain, and inline markup
 * (reStructuredText roles and literals, Markdown code, links, emphasis) turned into plain text.
 */
import type { DocHeading } from '../examples/doc-fences.js';

export interface Paragraph {
  /** Section number as doc-fences.ts counts them (0 before the first heading). */
  section: number;
  /** First and last page line (1-based). */
  startLine: number;
  endLine: number;
  /** As written, lines joined by a newline. */
  raw: string;
}

const RST_ADORNMENT = /^([=\-~^"'`#*+_.:<>])\1{2,}\s*$/;
/** First lines that start something other than prose: directives, fields, doctests, tables, HTML, images, mkdocstrings. */
const NOT_PROSE = /^(?:\.\.\s|\.\.$|:[\w-]+:|>>>|\||\+[-=]|<|!\[|\[!\[|:::|\$ |In \[|---|\{|\}|@|=+\s|[-*+]\s*$)/;

/** The paragraphs of a page at the left margin (indented text is a directive's body, a literal block or a list's nesting). */
export function paragraphs(text: string, kind: 'md' | 'rst', headings: readonly DocHeading[]): Paragraph[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const headingLines = new Set(headings.map((h) => h.line));
  const sorted = [...headings].sort((a, b) => a.line - b.line);
  const sectionAt = (line: number): number => {
    let s = 0;
    for (const h of sorted) {
      if (h.line > line) break;
      s = h.section;
    }
    return s;
  };
  const out: Paragraph[] = [];
  let cur: { start: number; lines: string[]; prose: boolean } | null = null;
  const flush = (end: number) => {
    if (cur?.prose) out.push({ section: sectionAt(cur.start), startLine: cur.start, endLine: end, raw: cur.lines.join('\n') });
    cur = null;
  };
  let fence: RegExp | null = null;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const n = i + 1;
    if (fence) {
      if (fence.test(l)) fence = null;
      continue;
    }
    if (kind === 'md') {
      const open = /^ {0,3}(`{3,}|~{3,})/.exec(l);
      if (open) {
        flush(n - 1);
        fence = new RegExp(`^ {0,3}${open[1]![0] === '`' ? '`' : '~'}{${open[1]!.length},}\\s*$`);
        continue;
      }
    }
    const heading = headingLines.has(n) || RST_ADORNMENT.test(l) || (kind === 'md' && /^#{1,6}\s/.test(l));
    const indented = kind === 'md' ? /^ {4,}|^\t/.test(l) : /^\s/.test(l);
    if (l.trim() === '' || heading || (indented && !cur)) {
      flush(n - 1);
      continue;
    }
    if (!cur) cur = { start: n, lines: [], prose: !NOT_PROSE.test(l.trim()) && /[A-Za-z]{2}/.test(l) };
    cur.lines.push(l.trim());
  }
  flush(lines.length);
  return out;
}

/** The heading titles above a section and its own, outermost first (at most the last `max`), as plain text. */
export function headingChain(headings: readonly DocHeading[], section: number, max = 3): string[] {
  const stack: DocHeading[] = [];
  for (const h of [...headings].sort((a, b) => a.line - b.line)) {
    if (h.section > section) break;
    while (stack.length && stack[stack.length - 1]!.level >= h.level) stack.pop();
    stack.push(h);
  }
  return stack.map((h) => plainText(h.title)).filter(Boolean).slice(-max);
}

/**
 * Inline markup as plain text: `:func:`~pkg.f`` is `f`, ``x`` and `x` are x, `text <url>`_ and [text](url) are
 * text, emphasis and substitutions lose their marks; whitespace is one space.
 */
export function plainText(s: string): string {
  return s
    // Issue, pull request and people references (`:issue:`902``, `:ghuser:`name``) say who and when, not what.
    .replace(/:(?:issue|pull|pr|ghuser|user|gh|commit|bug|doi|cite[pt]?|footcite[pt]?):`[^`]*`/g, '\u0000')
    .replace(/\s*\((?:\s*\u0000\s*[,;]?)+\s*\)|\u0000/g, '')
    .replace(/:[\w:-]+:`([^`<]*?)\s*<[^`>]*>`_*/g, '$1')
    .replace(/:[\w:-]+:`([^`]*)`/g, (_, t: string) => (t.startsWith('~') ? t.slice(1).split('.').pop()! : t.replace(/^[.!]+/, '')))
    .replace(/`([^`<]+?)\s*<[^`>]+>`_{1,2}/g, '$1')
    .replace(/``([^`]+)``/g, '$1')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1')
    .replace(/`([^`]+)`_{0,2}/g, '$1')
    .replace(/<\/?[a-zA-Z][^>]*>/g, ' ')
    .replace(/\*\*([^*]+)\*\*|__([^_]+)__/g, '$1$2')
    .replace(/(^|[\s(])\*([^*\s][^*]*)\*(?=[\s).,;:!?]|$)/g, '$1$2')
    .replace(/\|([\w -]+)\|_?/g, '$1')
    .replace(/\[\d+\]_|\[#\w*\]_/g, '')
    .replace(/::\s*$/, ':')
    .replace(/\s+/g, ' ')
    .replace(/ ([,;.!?])(?=\s|$)/g, '$1')
    .trim();
}

/** Texts as one, each ending a sentence (a heading-like line without its full stop gets one). */
export function joinSentences(texts: readonly string[]): string {
  return texts
    .filter(Boolean)
    .map((t, i, all) => (i < all.length - 1 && !/[.!?:;]$/.test(t) ? `${t}.` : t))
    .join(' ');
}

/**
 * The names a paragraph marks as code: cross-reference roles, reStructuredText literals, Markdown code spans.
 * `f(x)` reads as f; `call` tells a name written as a call or by a role (it names an object) from a bare literal.
 */
export function codeMentions(raw: string): { name: string; call: boolean }[] {
  const out: { name: string; call: boolean }[] = [];
  const add = (t: string, role: boolean) => {
    const target = (/<([^>]+)>\s*$/.exec(t)?.[1] ?? t).trim().replace(/^[~.!]+/, '');
    const m = /^([A-Za-z_][\w.]*?)(\(.*\))?$/s.exec(target);
    if (m) out.push({ name: m[1]!, call: role || m[2] !== undefined });
  };
  const rest = raw.replace(/:(?:py:)?(?:func|meth|class|obj|attr|data|exc|function|method):`([^`]+)`/g, (_, t: string) => {
    add(t, true);
    return ' ';
  });
  for (const m of rest.matchAll(/``([^`]+)``|(?<!`)`([^`]+)`(?![`_])/g)) add(m[1] ?? m[2]!, false);
  return out;
}
