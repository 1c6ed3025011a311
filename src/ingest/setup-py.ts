/**
 * Reading a setup.py as text, never running it: the literals passed to setup() (install_requires,
 * extras_require, license, classifiers). Brackets and keywords are found on python/syntax's mask,
 * where string contents and comments are blank, so a bracket or a "license =" inside a string or a
 * comment is never taken for code; the literal text is then taken from the original.
 */
import { scanPython, stringLiterals, type Scanned, type StringLiteral } from '../python/syntax.js';

export interface SetupPy {
  text: string;
  scanned: Scanned;
  literals: StringLiteral[];
}

export function readSetupPy(text: string): SetupPy {
  const scanned = scanPython(text);
  return { text, scanned, literals: stringLiterals(text, scanned) };
}

const CLOSER: Record<string, string> = { '[': ']', '(': ')', '{': '}' };

/** Index just past the bracket that closes the one at `open` in masked code; -1 when unbalanced. */
function matchBracket(masked: string, open: number): number {
  const stack: string[] = [];
  for (let i = open; i < masked.length; i++) {
    const c = masked[i]!;
    if (CLOSER[c]) stack.push(CLOSER[c]!);
    else if (c === ']' || c === ')' || c === '}') {
      if (stack.pop() !== c) return -1;
      if (stack.length === 0) return i + 1;
    }
  }
  return -1;
}

/**
 * The [start, end) range of the bracketed literal assigned to `name` (keyword argument or
 * module-level variable); `install_requires=REQUIREMENTS` is followed to REQUIREMENTS' literal.
 */
export function assignedBracket(sp: SetupPy, name: string, seen = new Set<string>()): [number, number] | null {
  if (seen.has(name) || seen.size > 4) return null;
  seen.add(name);
  const masked = sp.scanned.masked;
  const re = new RegExp(`(?:^|[\\s,(])${name}\\s*=\\s*`, 'gm');
  let m: RegExpExecArray | null;
  while ((m = re.exec(masked))) {
    const at = m.index + m[0].length;
    const c = masked[at];
    if (c === '[' || c === '(' || c === '{') {
      const end = matchBracket(masked, at);
      if (end > 0) return [at, end];
    }
    const ident = /^[A-Za-z_]\w*/.exec(masked.slice(at, at + 200));
    if (ident && ident[0] !== name && !/^(True|False|None)$/.test(ident[0])) {
      const inner = assignedBracket(sp, ident[0], seen);
      if (inner) return inner;
    }
  }
  return null;
}

/** The value of a literal the way Python reads it; null for f-strings and bytes, which are not text values. */
function literalValue(l: StringLiteral): string | null {
  if (/[fFbB]/.test(l.prefix)) return null;
  return /[rR]/.test(l.prefix) ? l.body : l.body.replace(/\\(.)/g, '$1');
}

/** The string values of the literals lying inside [start, end). */
export function stringsIn(sp: SetupPy, [start, end]: [number, number]): string[] {
  return sp.literals.filter((l) => l.start >= start && l.end <= end).flatMap((l) => literalValue(l) ?? []);
}

/** `'key': [ ... ]` pairs at the top level of the dict literal at [start, end): each key with its list's strings. */
export function dictOfLists(sp: SetupPy, [start, end]: [number, number]): Array<{ key: string; values: string[] }> {
  const masked = sp.scanned.masked;
  if (masked[start] !== '{') return [];
  const out: Array<{ key: string; values: string[] }> = [];
  const inside = sp.literals.filter((l) => l.start > start && l.end < end);
  let from = start + 1;
  for (const key of inside) {
    if (key.start < from || /["'\n]/.test(key.body) || !key.body) continue;
    const colon = /^\s*:\s*([[(])/.exec(masked.slice(key.end, end));
    if (!colon) continue;
    const open = key.end + colon[0].length - 1;
    const close = matchBracket(masked, open);
    if (close < 0) break;
    out.push({ key: key.body, values: stringsIn(sp, [open, close]) });
    from = close;
  }
  return out;
}

/** The first `licence = '...'` (or `license=`) string in the file, up to 200 characters on one line. */
export function licenceKeyword(sp: SetupPy): string | null {
  const re = /\blicen[cs]e\s*=\s*/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(sp.scanned.masked))) {
    const at = m.index + m[0].length;
    const lit = sp.literals.find((l) => l.start === at);
    if (!lit || /[fFbB]/.test(lit.prefix) || lit.prefix.length > 1) continue;
    if (lit.body.length >= 1 && lit.body.length <= 200 && !/['"\n]/.test(lit.body)) return lit.body;
  }
  return null;
}

/** The `License :: ...` trove classifiers among the file's string literals, in order. */
export function licenceClassifiers(sp: SetupPy): string[] {
  return sp.literals.map((l) => l.body).filter((b) => /^License\s*::[^'"\n]+$/.test(b));
}

/** `'key': 'value'` pairs at the top level of the dict literal at [start, end), such as package_dir's. */
export function dictOfStrings(sp: SetupPy, [start, end]: [number, number]): Array<{ key: string; value: string }> {
  const masked = sp.scanned.masked;
  if (masked[start] !== '{') return [];
  const inside = sp.literals.filter((l) => l.start > start && l.end < end);
  const out: Array<{ key: string; value: string }> = [];
  for (let i = 0; i + 1 < inside.length; i++) {
    const key = inside[i]!;
    const value = inside[i + 1]!;
    if (!/^\s*:\s*$/.test(masked.slice(key.end, value.start))) continue;
    const k = literalValue(key);
    const v = literalValue(value);
    if (k !== null && v !== null) out.push({ key: k, value: v });
    i++;
  }
  return out;
}

/** The folder given to the first find_packages() / find_namespace_packages() call ("where"), if it is a literal. */
export function findPackagesWhere(sp: SetupPy): string | null {
  const m = /\bfind_(?:namespace_)?packages\s*\(/.exec(sp.scanned.masked);
  if (!m) return null;
  const at = m.index + m[0].length;
  const close = matchBracket(sp.scanned.masked, at - 1);
  if (close < 0) return null;
  const args = sp.scanned.masked.slice(at, close - 1);
  // The first positional argument, or where=.
  const kw = /\bwhere\s*=\s*/.exec(args);
  const from = kw ? at + kw.index + kw[0].length : /^\s*/.exec(args)![0].length + at;
  const lit = sp.literals.find((l) => l.start === from);
  if (!lit || (!kw && /^\s*\w+\s*=/.test(args))) return null;
  return literalValue(lit);
}
