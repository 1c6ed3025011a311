/**
 * Doctests as scripts: the `>>>` examples of a docstring or a document turned into code a plain
 * interpreter runs, and the output doctest would expect from it.
 */
import { isExpressionStatement, mask, splitTopLevel, stripComment } from './syntax.js';

export interface DoctestConversion {
  /** Script form: expression statements with expected output print their repr. */
  code: string;
  /** Concatenated expected output of the kept statements, or null when none shows output. */
  expectedOutput: string | null;
  /** 0-based line (within the text) of the first prompt. */
  firstLine: number;
  statements: number;
}

interface DoctestPart {
  source: string;
  want: string[];
  line: number;
}

function parseDoctestParts(text: string): DoctestPart[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const parts: DoctestPart[] = [];
  let i = 0;
  while (i < lines.length) {
    const m = /^(\s*)>>>(?: (.*)|$)/.exec(lines[i]!);
    if (!m) {
      i++;
      continue;
    }
    const indent = m[1]!;
    const start = i;
    const src = [m[2] ?? ''];
    i++;
    while (i < lines.length) {
      const c = /^(\s*)\.\.\.(?: (.*)|$)/.exec(lines[i]!);
      if (!c || c[1] !== indent) break;
      src.push(c[2] ?? '');
      i++;
    }
    const want: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '' && !/^\s*>>>/.test(lines[i]!)) {
      const l = lines[i]!;
      const body = l.startsWith(indent) ? l.slice(indent.length) : l.trimStart();
      want.push(body.trim() === '<BLANKLINE>' ? '' : body);
      i++;
    }
    while (src.length > 1 && src[src.length - 1]!.trim() === '') src.pop();
    parts.push({ source: src.join('\n'), want, line: start });
  }
  return parts;
}

function directives(source: string): Set<string> {
  const out = new Set<string>();
  for (const m of source.matchAll(/#\s*doctest:\s*([^\n]+)/g)) {
    for (const d of m[1]!.split(/[\s,]+/)) if (d) out.add(d.toUpperCase());
  }
  return out;
}

/**
 * True when `expr` is one call to a function known to return nothing (it prints, and doctest shows only
 * what it prints): wrapping it in print(repr()) would add a "None" line.
 */
function callsNothingReturning(expr: string, returnsNothing?: (callee: string) => boolean): boolean {
  if (!returnsNothing) return false;
  const m = mask(expr).trim();
  const head = /^([A-Za-z_][\w.]*)\s*\(/.exec(m);
  if (!head) return false;
  let depth = 0;
  for (let i = head[0].length - 1; i < m.length; i++) {
    if (m[i] === '(') depth++;
    else if (m[i] === ')') {
      depth--;
      if (depth === 0) return m.slice(i + 1).trim() === '' && returnsNothing(head[1]!);
    }
  }
  return false;
}

/** True when `expr` is one call to print (its output is what doctest shows). */
function isPrintCall(expr: string): boolean {
  const m = mask(expr).trim();
  if (!/^print\s*\(/.test(m)) return false;
  let depth = 0;
  for (let i = m.indexOf('('); i < m.length; i++) {
    if (m[i] === '(') depth++;
    else if (m[i] === ')') {
      depth--;
      if (depth === 0) return m.slice(i + 1).trim() === '';
    }
  }
  return false;
}

/**
 * Turn a docstring's `>>>` examples into a script and its expected output. A script does not echo
 * expression values as the interpreter does, so an expression statement with expected output becomes
 * `print(repr(expr))` (doctest compares reprs); a print call, assignments and compound statements stay
 * as written. `+SKIP` statements and statements expected to raise are dropped; `+ELLIPSIS` outputs keep
 * their `...` wildcards for the comparator.
 */
export function convertDoctest(text: string, opts: { returnsNothing?: (callee: string) => boolean } = {}): DoctestConversion | null {
  const parts = parseDoctestParts(text);
  if (parts.length === 0) return null;
  const code: string[] = [];
  const output: string[] = [];
  let statements = 0;
  for (const p of parts) {
    const dirs = directives(p.source);
    if (dirs.has('+SKIP')) continue;
    if (p.want.length > 0 && /^Traceback \((most recent call last|innermost last)\):/.test(p.want[0]!.trim())) continue;
    const src = stripComment(p.source).replace(/;\s*$/, '');
    if (src.trim() === '') continue;
    statements++;
    if (p.want.length === 0) {
      code.push(src);
      continue;
    }
    output.push(...p.want);
    const pieces = splitTopLevel(mask(src), ';');
    const last = pieces[pieces.length - 1]!;
    const lastSrc = src.slice(last[0], last[1]);
    if (isExpressionStatement(lastSrc) && !isPrintCall(lastSrc) && !callsNothingReturning(lastSrc, opts.returnsNothing)) {
      const head = src.slice(0, last[0]);
      const expr = lastSrc.trim();
      // `a, b` is a tuple to doctest but two arguments to repr().
      const tuple = splitTopLevel(mask(expr), ',').length > 1;
      code.push(`${head}${head ? ' ' : ''}print(repr(${tuple ? `(${expr})` : expr}))`);
    } else code.push(src);
  }
  if (code.length === 0) return null;
  return {
    code: code.join('\n'),
    expectedOutput: output.length ? output.join('\n') + '\n' : null,
    firstLine: parts[0]!.line,
    statements,
  };
}
