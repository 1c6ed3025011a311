/**
 * Static, text-level helpers for reading Python source without running it.
 *
 * The tree-sitter parser gives symbols and imports; the miners also need finer things (statement
 * boundaries inside a test body, the names a snippet reads or binds, top-level constants). These
 * helpers work on a "masked" copy of the code where string contents and comments are blanked, so
 * brackets, keywords and identifiers inside literals never confuse the scans. They are heuristics:
 * good enough for mining examples, never used to decide anything about safety. Import statements
 * are read by python/imports.ts.
 */
import { importedModules, isImportStatement, parseImport } from './imports.js';

export interface Scanned {
  /** Same length as the input; string contents and comments replaced by spaces (newlines kept). */
  masked: string;
  /** 1 at the index of every newline that lies inside a (triple-quoted) string. */
  newlineInString: Uint8Array;
}

const IDENT_CHAR = /[A-Za-z0-9_]/;

/** The string prefix (r, b, f, rb, fr, u ...) directly before the quote at `quoteAt`, unless part of a longer name. */
function stringPrefixBefore(code: string, quoteAt: number): string {
  let p = quoteAt - 1;
  let prefix = '';
  while (p >= 0 && /[rRbBuUfF]/.test(code[p]!) && prefix.length < 2) {
    prefix = code[p]! + prefix;
    p--;
  }
  return p >= 0 && IDENT_CHAR.test(code[p]!) ? '' : prefix;
}

/**
 * Blank string contents and comment text (the '#' stays). Quotes stay, so `"abc"` becomes `"   "`. For f-strings the
 * `{expression}` parts are kept, since they read names the snippet needs.
 *
 * This runs over every file and snippet, several times per distill, so it jumps from one character that matters
 * to the next with a regular expression and builds the mask from slices, not from an array of single characters.
 */
export function scanPython(code: string): Scanned {
  const n = code.length;
  const nlIn = new Uint8Array(n);
  const parts: string[] = [];
  let kept = 0; // code[0, kept) is in parts
  const blank = (from: number, to: number) => {
    if (to <= from) return;
    if (from > kept) parts.push(code.slice(kept, from));
    parts.push(' '.repeat(to - from));
    kept = to;
  };
  const OUTSIDE = /[#"']/g;
  let i = 0;
  while (i < n) {
    OUTSIDE.lastIndex = i;
    const hit = OUTSIDE.exec(code);
    if (!hit) break;
    i = hit.index;
    const c = code[i]!;
    if (c === '#') {
      // The '#' stays so comment starts can be found in the mask; the text after it is blanked.
      const eol = code.indexOf('\n', i + 1);
      const end = eol < 0 ? n : eol;
      blank(i + 1, end);
      i = end;
      continue;
    }
    const prefix = stringPrefixBefore(code, i);
    const isF = /f/i.test(prefix);
    const triple = code.startsWith(c.repeat(3), i);
    const q = triple ? c.repeat(3) : c;
    const special = c === '"' ? (isF ? IN_DQ_F : IN_DQ) : isF ? IN_SQ_F : IN_SQ;
    let j = i + q.length;
    let depth = 0;
    while (j < n) {
      if (depth === 0) {
        // Up to the next character that can end the literal, escape, end a line or open a replacement field.
        special.lastIndex = j;
        const m = special.exec(code);
        const at = m ? m.index : n;
        blank(j, at);
        j = at;
        if (j >= n) break;
        const d = code[j]!;
        if (d === '\\') {
          if (code[j + 1] !== '\n') blank(j, j + 1);
          if (j + 1 < n && code[j + 1] !== '\n') blank(j + 1, j + 2);
          else if (code[j + 1] === '\n') nlIn[j + 1] = 1;
          j += 2;
          continue;
        }
        if (code.startsWith(q, j)) break;
        if (d === '\n') {
          if (!triple) break; // unterminated single-quoted string: stop at end of line
          nlIn[j] = 1;
          j++;
          continue;
        }
        if (d === '{') {
          if (code[j + 1] === '{') {
            blank(j, j + 2);
            j += 2;
            continue;
          }
          depth = 1;
        }
        // '{' opening a field, or a quote that does not close this literal
        blank(j, j + 1);
        j++;
      } else {
        // Inside an f-string replacement field: keep the expression text.
        const d = code[j]!;
        if (d === '{') depth++;
        else if (d === '}') {
          depth--;
          if (depth === 0) blank(j, j + 1);
        } else if (d === '\n') nlIn[j] = 1;
        else if (d === '"' || d === "'") blank(j, j + 1);
        else if (d === ':' && depth === 1) {
          // format spec: blank until the closing brace
          let k = j;
          while (k < n && code[k] !== '}' && code[k] !== '\n') k++;
          blank(j, k);
          j = k;
          continue;
        }
        j++;
      }
    }
    i = code.startsWith(q, j) ? j + q.length : j;
  }
  if (kept === 0) return { masked: code, newlineInString: nlIn };
  if (kept < n) parts.push(code.slice(kept));
  return { masked: parts.join(''), newlineInString: nlIn };
}

/** Inside a literal: the characters that can end it, escape, end a line, or (in an f-string) open a field. */
const IN_DQ = /["\\\n]/g;
const IN_SQ = /['\\\n]/g;
const IN_DQ_F = /["\\\n{]/g;
const IN_SQ_F = /['\\\n{]/g;

export function mask(code: string): string {
  return scanPython(code).masked;
}

export interface StringLiteral {
  /** [start, end) of the whole literal in the code, prefix and quotes included. */
  start: number;
  end: number;
  /** The prefix letters as written ("", "r", "f", "rb", ...). */
  prefix: string;
  /** The text between the quotes, as written (escapes not resolved). */
  body: string;
}

/**
 * The string literals of Python code, in order, found on its mask: a quote the mask keeps opens or
 * closes a literal, so quotes inside comments or other strings are never taken for one. An
 * unterminated single-quoted literal ends at its line's end, as scanPython reads it.
 */
export function stringLiterals(code: string, scanned: Scanned = scanPython(code)): StringLiteral[] {
  const { masked, newlineInString } = scanned;
  const out: StringLiteral[] = [];
  let i = 0;
  while (i < masked.length) {
    const c = masked[i]!;
    if (c !== '"' && c !== "'") {
      i++;
      continue;
    }
    const prefix = stringPrefixBefore(code, i);
    const q = masked.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
    const from = i + q.length;
    let j = from;
    while (j < masked.length && !masked.startsWith(q, j) && (q.length === 3 || masked[j] !== '\n' || newlineInString[j] === 1)) j++;
    const closed = masked.startsWith(q, j);
    out.push({ start: i - prefix.length, end: closed ? j + q.length : j, prefix, body: code.slice(from, j) });
    i = closed ? j + q.length : j;
  }
  return out;
}

export interface LogicalLine {
  /** 0-based index of the first and last physical line. */
  start: number;
  end: number;
  /** The physical lines joined with "\n", as written. */
  text: string;
  masked: string;
  indent: number;
}

function indentOf(line: string): number {
  let k = 0;
  while (k < line.length && (line[k] === ' ' || line[k] === '\t')) k++;
  return k;
}

/** A line continued by a backslash (trailing whitespace allowed): the masked text in [from, to). */
function endsWithBackslash(masked: string, from: number, to: number): boolean {
  let k = to - 1;
  while (k >= from && (masked.charCodeAt(k) === 32 || (masked.charCodeAt(k) >= 9 && masked.charCodeAt(k) <= 13))) k--;
  return k >= from && masked.charCodeAt(k) === 92;
}

/** Whether the masked line in [from, to) is blank or a comment only (as `line.trimStart()` reads it). */
function isBlankOrComment(masked: string, from: number, to: number): boolean {
  let k = from;
  while (k < to && (masked.charCodeAt(k) === 32 || masked.charCodeAt(k) === 9)) k++;
  if (k === to) return true;
  const c = masked.charCodeAt(k);
  if (c === 35 /* # */) return true;
  if (c > 32 && c < 0xa0) return false;
  // Other whitespace (form feed, no-break space...): what trimStart takes for it.
  const first = masked.slice(k, to).trimStart();
  return first === '' || first.charCodeAt(0) === 35;
}

/**
 * Each logical line of the code in order, with the offsets [from, to) of its text, until `visit` returns true.
 * Texts are slices of the code and its mask (physical lines joined with "\n" are the code between them), so a
 * caller that needs only the first lines stops there and nothing is split or joined.
 */
function eachLogicalLine(code: string, scanned: Scanned, visit: (ll: LogicalLine, from: number, to: number) => boolean | void): void {
  const { masked, newlineInString } = scanned;
  const n = masked.length;
  let li = 0;
  let lineStart = 0;
  let depth = 0;
  let curFrom = -1;
  let curLine = 0;
  let curIndent = 0;
  for (;;) {
    const nl = masked.indexOf('\n', lineStart);
    const last = nl < 0;
    const lineEnd = last ? n : nl;
    let skip = false;
    if (curFrom < 0) {
      // Comment-only lines are not statements (and their indentation means nothing).
      if (isBlankOrComment(masked, lineStart, lineEnd)) skip = true;
      else {
        curFrom = lineStart;
        curLine = li;
        let k = lineStart;
        while (k < lineEnd && (code.charCodeAt(k) === 32 || code.charCodeAt(k) === 9)) k++;
        curIndent = k - lineStart;
      }
    }
    if (!skip) {
      // Char codes: this loop sees every character of every file several times.
      for (let k = lineStart; k < lineEnd; k++) {
        const c = masked.charCodeAt(k);
        if (c === 40 || c === 91 || c === 123) depth++;
        else if ((c === 41 || c === 93 || c === 125) && depth > 0) depth--;
      }
      const continued = depth > 0 || newlineInString[lineEnd] === 1 || endsWithBackslash(masked, lineStart, lineEnd);
      if (!continued || last) {
        const ll: LogicalLine = { start: curLine, end: li, text: code.slice(curFrom, lineEnd), masked: masked.slice(curFrom, lineEnd), indent: curIndent };
        if (visit(ll, curFrom, lineEnd) === true) return;
        curFrom = -1;
        depth = 0;
      }
    }
    if (last) return;
    lineStart = nl + 1;
    li++;
  }
}

/**
 * Split code into logical lines: a statement spanning lines inside brackets, after a backslash or
 * inside a triple-quoted string is one entry. Blank and comment-only lines are left out.
 */
export function logicalLines(code: string, scanned: Scanned = scanPython(code)): LogicalLine[] {
  const result: LogicalLine[] = [];
  eachLogicalLine(code, scanned, (ll) => {
    result.push(ll);
  });
  return result;
}

/**
 * Top-level modules named by import statements anywhere in the code, at any depth (absolute imports only).
 * Here rather than in imports.ts because it needs logicalLines, and this file already imports that one.
 */
export function importedTopModules(code: string): string[] {
  return logicalLines(code)
    .filter((ll) => isImportStatement(ll.masked))
    .flatMap((ll) => importedModules(ll.text))
    .filter((m) => !m.startsWith('.'))
    .map((m) => m.split('.')[0]!);
}

export interface StatementGroup {
  start: number;
  end: number;
  /** Source lines of the statement including its indented block and, for decorated defs, decorators. */
  text: string;
  /** Logical lines in the group (the first is the header, or the first decorator). */
  lines: LogicalLine[];
}

const CONTINUATION_KEYWORDS = /^(elif\b|else\b|except\b|finally\b|case\b)/;

/**
 * Group logical lines into statements at the smallest indentation: a compound statement with its
 * block, `else`/`except` clauses attached to their `if`/`try`, decorators attached to their def.
 */
export function statementGroups(code: string): StatementGroup[] {
  const lls: LogicalLine[] = [];
  const froms: number[] = [];
  const tos: number[] = [];
  eachLogicalLine(code, scanPython(code), (ll, from, to) => {
    lls.push(ll);
    froms.push(from);
    tos.push(to);
  });
  if (lls.length === 0) return [];
  let base = Infinity;
  for (const l of lls) if (l.indent < base) base = l.indent;
  // Each group as the indexes of its first and last logical line: its text is the code between them.
  const groups: { lines: LogicalLine[]; first: number; last: number }[] = [];
  let pendingDecorators: number[] = [];
  for (let k = 0; k < lls.length; k++) {
    const ll = lls[k]!;
    const head = ll.masked.trim();
    if (ll.indent > base && groups.length > 0) {
      const g = groups[groups.length - 1]!;
      g.lines.push(ll);
      g.last = k;
      continue;
    }
    if (head.startsWith('@')) {
      pendingDecorators.push(k);
      continue;
    }
    if (CONTINUATION_KEYWORDS.test(head) && groups.length > 0 && pendingDecorators.length === 0) {
      const g = groups[groups.length - 1]!;
      g.lines.push(ll);
      g.last = k;
      continue;
    }
    groups.push({ lines: [...pendingDecorators.map((d) => lls[d]!), ll], first: pendingDecorators[0] ?? k, last: k });
    pendingDecorators = [];
  }
  if (pendingDecorators.length) {
    groups.push({ lines: pendingDecorators.map((d) => lls[d]!), first: pendingDecorators[0]!, last: pendingDecorators[pendingDecorators.length - 1]! });
  }
  return groups.map((g) => {
    const start = g.lines[0]!.start;
    const end = g.lines[g.lines.length - 1]!.end;
    return { start, end, lines: g.lines, text: code.slice(froms[g.first]!, tos[g.last]!) };
  });
}

/** Remove the common leading whitespace of all non-blank lines. */
export function dedent(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  // Lines that start inside a triple-quoted string are its value: neither measured nor cut.
  const inString = linesStartingInString(lines);
  let min = Infinity;
  lines.forEach((l, k) => {
    if (l.trim() === '' || inString[k]) return;
    min = Math.min(min, indentOf(l));
  });
  const cut = Number.isFinite(min) ? min : 0;
  return lines.map((l, k) => (inString[k] ? l : l.trim() === '' ? '' : l.slice(cut))).join('\n');
}

/** For each line, whether it begins inside a triple-quoted string of the code the lines make. */
function linesStartingInString(lines: string[]): boolean[] {
  const joined = lines.join('\n');
  if (!/'''|"""/.test(joined)) return lines.map(() => false);
  const { newlineInString } = scanPython(joined);
  const out: boolean[] = [false];
  let at = 0;
  for (let k = 0; k < lines.length - 1; k++) {
    at += lines[k]!.length;
    out.push(newlineInString[at] === 1);
    at += 1;
  }
  return out;
}

/** Bracket depth before each character of masked code. */
function depths(masked: string): Int32Array {
  const d = new Int32Array(masked.length + 1);
  let depth = 0;
  for (let i = 0; i < masked.length; i++) {
    d[i] = depth;
    const c = masked.charCodeAt(i);
    if (c === 40 || c === 91 || c === 123) depth++;
    else if ((c === 41 || c === 93 || c === 125) && depth > 0) depth--;
  }
  d[masked.length] = depth;
  return d;
}

/** Index of the first character in masked code that is `ch` at bracket depth 0, or -1. */
export function topLevelIndex(masked: string, test: (masked: string, i: number) => boolean): number {
  const d = depths(masked);
  for (let i = 0; i < masked.length; i++) if (d[i] === 0 && test(masked, i)) return i;
  return -1;
}

/** Split masked text at top-level occurrences of a single character; returns [start, end) ranges. */
export function splitTopLevel(masked: string, sep: string): [number, number][] {
  const d = depths(masked);
  const out: [number, number][] = [];
  let from = 0;
  for (let i = 0; i < masked.length; i++) {
    if (masked[i] === sep && d[i] === 0) {
      out.push([from, i]);
      from = i + 1;
    }
  }
  out.push([from, masked.length]);
  return out;
}

export const PY_KEYWORDS = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif',
  'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or',
  'pass', 'raise', 'return', 'try', 'while', 'with', 'yield',
]);

export const PY_BUILTINS = new Set([
  'abs', 'all', 'any', 'ascii', 'bin', 'bool', 'breakpoint', 'bytearray', 'bytes', 'callable', 'chr', 'classmethod',
  'compile', 'complex', 'delattr', 'dict', 'dir', 'divmod', 'enumerate', 'eval', 'exec', 'filter', 'float', 'format',
  'frozenset', 'getattr', 'globals', 'hasattr', 'hash', 'help', 'hex', 'id', 'input', 'int', 'isinstance',
  'issubclass', 'iter', 'len', 'list', 'locals', 'map', 'max', 'memoryview', 'min', 'next', 'object', 'oct', 'open',
  'ord', 'pow', 'print', 'property', 'range', 'repr', 'reversed', 'round', 'set', 'setattr', 'slice', 'sorted',
  'staticmethod', 'str', 'sum', 'super', 'tuple', 'type', 'vars', 'zip', '__import__', '__name__', '__file__',
  'Exception', 'BaseException', 'ValueError', 'TypeError', 'KeyError', 'IndexError', 'RuntimeError',
  'AssertionError', 'AttributeError', 'ZeroDivisionError', 'NotImplementedError', 'NotImplemented', 'StopIteration',
  'ArithmeticError', 'OverflowError', 'FloatingPointError', 'ImportError', 'ModuleNotFoundError', 'OSError',
  'IOError', 'FileNotFoundError', 'LookupError', 'NameError', 'UnboundLocalError', 'Warning', 'UserWarning',
  'DeprecationWarning', 'RuntimeWarning', 'FutureWarning', 'Ellipsis', 'self', 'cls',
]);

const IDENT_RE = /[A-Za-z_][A-Za-z0-9_]*/g;

/** Masked code with import statements blanked: module names in them are not names the code reads. */
function withoutImports(code: string, scanned: Scanned): string {
  const lines = scanned.masked.split('\n');
  for (const ll of logicalLines(code, scanned)) {
    if (!isImportStatement(ll.masked)) continue;
    for (let k = ll.start; k <= ll.end; k++) lines[k] = ' '.repeat(lines[k]!.length);
  }
  return lines.join('\n');
}

/**
 * Names the code reads: identifiers not preceded by a dot, minus keywords, builtins and keyword
 * argument names (`f(x=1)` does not read `x`).
 */
export function identifiersIn(code: string): Set<string> {
  const m = withoutImports(code, scanPython(code));
  const d = depths(m);
  const out = new Set<string>();
  for (const match of m.matchAll(IDENT_RE)) {
    const idx = match.index!;
    const name = match[0];
    if (idx > 0 && /[0-9]/.test(name[0]!)) continue;
    let p = idx - 1;
    while (p >= 0 && (m[p] === ' ' || m[p] === '\t')) p--;
    if (p >= 0 && m[p] === '.') continue;
    if (p >= 0 && /[0-9]/.test(m[p]!) && p === idx - 1) continue; // 1e5, 0x1f
    if (PY_KEYWORDS.has(name) || PY_BUILTINS.has(name)) continue;
    if (d[idx]! > 0) {
      const rest = m.slice(idx + name.length);
      if (/^\s*=(?!=)/.test(rest)) continue;
    }
    out.add(name);
  }
  return out;
}

/** Dotted names that are called: `f(`, `np.sum(`, `obj.method(`. Keywords excluded. */
export function callsIn(code: string): string[] {
  const m = mask(code);
  const out: string[] = [];
  const re = /([A-Za-z_][A-Za-z0-9_]*(?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*)\s*\(/g;
  for (const match of m.matchAll(re)) {
    const idx = match.index!;
    if (idx > 0 && /[A-Za-z0-9_.]/.test(m[idx - 1]!)) {
      // `f().y(` or `x[0].y(`: an attribute call on an expression, marked with a leading dot
      if (m[idx - 1] === '.') out.push('.' + match[1]!.replace(/\s+/g, ''));
      continue;
    }
    const name = match[1]!.replace(/\s+/g, '');
    if (PY_KEYWORDS.has(name.split('.')[0]!)) continue;
    out.push(name);
  }
  return out;
}

/**
 * Names a snippet binds anywhere (assignment targets, loop and comprehension variables, `as`
 * names, defs, classes, imports, parameters of nested defs and lambdas). Over-approximates on
 * purpose: a name wrongly thought bound only costs a missing import that the run will reveal.
 */
export function boundNames(code: string): Set<string> {
  const out = new Set<string>();
  const addTargets = (s: string) => {
    for (const part of s.split(',')) {
      const t = part.replace(/[()[\]*\s]/g, '');
      if (/^[A-Za-z_]\w*$/.test(t)) out.add(t);
    }
  };
  for (const ll of logicalLines(code)) {
    const m = ll.masked;
    const head = m.trim();
    if (isImportStatement(head)) {
      for (const b of parseImport(ll.text.trim())) if (b.local !== '*') out.add(b.local);
      continue;
    }
    const def = /^(?:async\s+)?(def|class)\s+(\w+)\s*(\(([^]*)\))?/.exec(head);
    if (def) {
      out.add(def[2]!);
      if (def[1] === 'def' && def[4]) {
        for (const p of def[4].split(',')) {
          const name = /^\s*\**\s*(\w+)/.exec(p);
          if (name) out.add(name[1]!);
        }
      }
    }
    // assignments: every top-level "=" that is not a comparison splits off a target list
    const pieces = splitTopLevel(m, '=');
    if (pieces.length > 1) {
      for (let k = 0; k < pieces.length - 1; k++) {
        const [a, b] = pieces[k]!;
        const next = m[b + 1];
        const prev = m[b - 1];
        if (next === '=' || prev === '=' || prev === '!' || prev === '<' || prev === '>') continue;
        let target = m.slice(a, b);
        target = target.replace(/[+\-*/%&|^@:]+$/, '').replace(/:\s*[^,]*$/, '');
        addTargets(target.trim());
      }
    }
    for (const fm of m.matchAll(/\bfor\s+([\w\s,()[\]*]+?)\s+in\b/g)) addTargets(fm[1]!);
    for (const am of m.matchAll(/\bas\s+(\w+)/g)) out.add(am[1]!);
    for (const wm of m.matchAll(/(\w+)\s*:=/g)) out.add(wm[1]!);
    for (const lm of m.matchAll(/\blambda\s+([^:]*):/g)) addTargets(lm[1]!.replace(/=[^,]*/g, ''));
    const glob = /^(global|nonlocal)\s+(.+)$/.exec(head);
    if (glob) addTargets(glob[2]!);
  }
  return out;
}

/** Names a snippet reads but never binds itself (and that are not builtins). */
export function freeNames(code: string): Set<string> {
  const bound = boundNames(code);
  const out = new Set<string>();
  for (const n of identifiersIn(code)) if (!bound.has(n)) out.add(n);
  return out;
}

const STMT_KEYWORDS =
  /^(for|while|if|elif|else|def|class|with|try|except|finally|import|from|return|raise|assert|del|pass|break|continue|global|nonlocal|async|yield|print\s+[^(]|@)\b/;

/**
 * True when the statement is a bare expression (doctest would echo its value): no top-level
 * assignment, not a compound or simple statement keyword.
 */
export function isExpressionStatement(stmt: string): boolean {
  const m = mask(stmt).trim();
  if (m === '') return false;
  if (STMT_KEYWORDS.test(m)) return false;
  if (/^lambda\b/.test(m)) return true;
  const d = depths(m);
  for (let i = 0; i < m.length; i++) {
    if (d[i] !== 0) continue;
    const ch = m[i];
    if (ch === ';') return false;
    if (ch === ':' && m[i + 1] !== '=') return false; // annotation or compound header
    if (ch === '=') {
      const prev = m[i - 1] ?? '';
      const next = m[i + 1] ?? '';
      if (next === '=' || prev === '=' || prev === '!' || prev === '<' || prev === '>' || prev === ':') {
        if (next === '=') i++;
        continue;
      }
      return false;
    }
  }
  return true;
}

/** Cut comments from code (string-aware), line by line; trailing spaces go too. */
export function stripComment(code: string): string {
  const m = mask(code).split('\n');
  return code
    .split('\n')
    .map((line, k) => {
      const idx = (m[k] ?? '').indexOf('#');
      return (idx >= 0 ? line.slice(0, idx) : line).replace(/\s+$/, '');
    })
    .join('\n');
}

/**
 * The body of a def or class as written in `code` (decorators and header removed), dedented,
 * with its docstring left in place. Handles one-line bodies (`def f(): return 1`).
 */
export function bodyOf(code: string): { body: string; headerEndLine: number } {
  let found: { body: string; headerEndLine: number } | null = null;
  // Only the logical lines up to the header are read.
  eachLogicalLine(code, scanPython(code), (ll, _from, to) => {
    const head = ll.masked.trim();
    if (!/^(async\s+def|def|class)\b/.test(head)) return false;
    const colon = topLevelIndex(ll.masked, (s, i) => s[i] === ':' && s[i + 1] !== '=');
    if (colon < 0) return false;
    const after = ll.text.slice(colon + 1);
    const inline = stripComment(after).trim();
    // The physical lines after the header's last one.
    const rest = code.slice(to + 1);
    if (inline) found = { body: dedent(inline + (rest.trim() ? '\n' + dedent(rest) : '')), headerEndLine: ll.end };
    else found = { body: dedent(rest), headerEndLine: ll.end };
    return true;
  });
  return found ?? { body: dedent(code), headerEndLine: -1 };
}

/** A lone string literal's mask: contents are blanked, so it is prefix + quotes + spaces only. */
function isStringStatement(masked: string): boolean {
  const m = masked.trim();
  return /^[rRuUbB]{0,2}["']/.test(m) && !/[^"'\s]/.test(m.replace(/^[rRuUbB]{0,2}/, ''));
}

/** Whether the first line that is neither blank nor a comment starts with a string literal's prefix or quote. */
function startsWithString(body: string): boolean {
  let from = 0;
  for (;;) {
    const nl = body.indexOf('\n', from);
    const first = body.slice(from, nl < 0 ? body.length : nl).trimStart();
    if (first !== '' && first.charCodeAt(0) !== 35) return /^[rRuUbB]{0,2}["']/.test(first);
    if (nl < 0) return false;
    from = nl + 1;
  }
}

/**
 * Split a body into its docstring (if the first statement is a string) and the rest. The docstring is the
 * first statement group of the body (statementGroups); only as many logical lines as that group holds are read.
 */
export function splitDocstring(body: string): { docstring: string | null; rest: string } {
  if (!startsWithString(body)) return { docstring: null, rest: body };
  let from = -1;
  let end = -1;
  let decorated = false;
  let string = true;
  let fallback = false;
  eachLogicalLine(body, scanPython(body), (ll, llFrom, llTo) => {
    if (from < 0) {
      // The first logical line: a lone string at indentation 0, the smallest there is, opens the first group.
      if (!isStringStatement(ll.masked)) string = false;
      else if (ll.indent !== 0) fallback = true;
      else {
        from = llFrom;
        end = llTo;
        return false;
      }
      return true;
    }
    // What statementGroups joins to the first group at indentation 0: deeper lines (even after a decorator
    // line, which waits for its def), and else/except/... clauses unless a decorator waits.
    const head = ll.masked.trim();
    if (ll.indent > 0) end = llTo;
    else if (head.startsWith('@')) decorated = true;
    else if (CONTINUATION_KEYWORDS.test(head) && !decorated) end = llTo;
    else return true;
    return false;
  });
  if (fallback) return splitDocstringGrouped(body);
  if (!string || from < 0) return { docstring: null, rest: body };
  return { docstring: body.slice(from, end), rest: body.slice(end + 1) };
}

/** splitDocstring by the whole body's statement groups (a docstring indented deeper than code after it). */
function splitDocstringGrouped(body: string): { docstring: string | null; rest: string } {
  const groups = statementGroups(body);
  const first = groups[0];
  if (!first) return { docstring: null, rest: body };
  if (isStringStatement(first.lines[0]!.masked)) {
    const lines = body.split('\n');
    return { docstring: first.text, rest: lines.slice(first.end + 1).join('\n') };
  }
  return { docstring: null, rest: body };
}

/** Non-blank, non-comment statements (logical lines) of a body without its docstring. */
export function bodyStatements(code: string): LogicalLine[] {
  const { body } = bodyOf(code);
  const { rest } = splitDocstring(body);
  return logicalLines(rest);
}

/** The name a decorator applies ("pytest.fixture" for "@pytest.fixture(scope='module')"). */
export function decoratorName(d: string): string {
  return d.trim().replace(/^@/, '').replace(/\(.*$/s, '').trim();
}
