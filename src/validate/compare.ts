/**
 * Doctest-like comparison of printed output: whitespace-insensitive, numbers compared with a tolerance,
 * and `...` in the expected text matching anything (doctest's ELLIPSIS).
 */

export interface CompareOptions {
  /** Relative tolerance for numbers. */
  rtol?: number;
  /** Absolute tolerance for numbers. */
  atol?: number;
}

type Token =
  | {
      kind: 'num' | 'word';
      text: string;
      value: number;
      /** Glued to an ellipsis before / after it ("...ab", "0x..."): matched as a suffix / prefix of the text. */
      glueBefore: boolean;
      glueAfter: boolean;
    }
  | { kind: 'any' };

// Order matters: the ellipsis before numbers (".5" vs "..."), numbers before words, words before symbols.
// A number's decimal point is not the start of an ellipsis ("3..." is 3 followed by "...").
const TOKEN =
  /(\.\.\.)|([-+]?(?:(?:\d+(?:\.(?!\.\.)\d*)?|\.\d+)(?:[eE][-+]?\d+)?|inf(?:inity)?\b|nan\b))|([\p{L}\p{N}_]+)|(\S)/giu;

function tokenize(text: string, ellipsis: boolean): Token[] {
  const tokens: Token[] = [];
  let prevEnd = -1;
  let prevWasAny = false;
  for (const m of text.matchAll(TOKEN)) {
    const start = m.index ?? 0;
    const end = start + m[0].length;
    if (m[1] !== undefined && ellipsis) {
      const prev = tokens[tokens.length - 1];
      if (prev && prev.kind !== 'any' && prevEnd === start) prev.glueAfter = true;
      // Adjacent wildcards are one wildcard.
      if (!prevWasAny) tokens.push({ kind: 'any' });
      prevWasAny = true;
      prevEnd = end;
      continue;
    }
    const glueBefore = ellipsis && prevWasAny && prevEnd === start;
    if (m[2] !== undefined) {
      tokens.push({ kind: 'num', text: m[2], value: parseNumber(m[2]), glueBefore, glueAfter: false });
    } else {
      tokens.push({ kind: 'word', text: m[0], value: Number.NaN, glueBefore, glueAfter: false });
    }
    prevWasAny = false;
    prevEnd = end;
  }
  return tokens;
}

function parseNumber(text: string): number {
  const t = text.toLowerCase().replace(/^\+/, '');
  if (/^-?inf/.test(t)) return t.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (/^[-]?nan$/.test(t)) return Number.NaN;
  return Number(t);
}

function numbersClose(a: number, b: number, rtol: number, atol: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= atol + rtol * Math.max(Math.abs(a), Math.abs(b));
}

function tokenEquals(exp: Token, act: Token, rtol: number, atol: number): boolean {
  if (exp.kind === 'any' || act.kind === 'any') return false;
  if (exp.glueBefore || exp.glueAfter) {
    // Part of a token hidden by the ellipsis: compare the visible part as text.
    if (exp.glueBefore && exp.glueAfter) return act.text.includes(exp.text);
    return exp.glueAfter ? act.text.startsWith(exp.text) : act.text.endsWith(exp.text);
  }
  if (exp.kind === 'num' && act.kind === 'num') return numbersClose(exp.value, act.value, rtol, atol);
  if (exp.kind === 'word' && act.kind === 'word') return exp.text === act.text;
  return false;
}

/** numpy 2's scalar reprs: `np.float64(5.0)`, `np.str_('H-3')`, `np.True_`. */
const NUMPY_SCALAR_SOURCE = /\b(?:np|numpy)\.(?:float|int|uint|complex|longdouble|clongdouble|str_|bytes_|bool_?|datetime64|timedelta64)\d*\(/;

/**
 * `actual` with numpy 2's scalar reprs written as numpy 1 and plain Python write them (`np.float64(5.0)` → `5.0`),
 * unless `expected` itself shows them: most stated outputs predate numpy 2, and the value is what they state, not
 * the wrapper's name (numpy's own `np.set_printoptions(legacy="1.25")` prints them so).
 */
export function withLegacyScalarReprs(actual: string, expected: string): string {
  if (/\b(?:np|numpy)\.(?:[a-z]+\d*_?\(|True_|False_)/.test(expected)) return actual;
  let out = actual.replace(/\b(?:np|numpy)\.(True|False)_\b/g, '$1');
  // A fresh regex per call (no shared lastIndex); scanning resumes where the last wrapper began, since what it
  // wrapped may hold another (np.str_ inside a tuple repr), so each character is scanned a bounded number of times.
  const scalar = new RegExp(NUMPY_SCALAR_SOURCE.source, 'g');
  for (let m = scalar.exec(out); m; m = scalar.exec(out)) {
    const open = m.index + m[0].length - 1;
    const close = closingParen(out, open);
    if (close < 0) break;
    // The argument is the value as numpy 1 printed it: 5.0, 'H-3', '2020-01-01'.
    const inner = out.slice(open + 1, close).trim();
    out = out.slice(0, m.index) + inner + out.slice(close + 1);
    scalar.lastIndex = m.index;
  }
  return out;
}

/** The index of the parenthesis closing the one at `open`, skipping quoted text; -1 when there is none. */
function closingParen(text: string, open: number): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

/**
 * True when `actual` is what `expected` describes. Whitespace (including trailing newlines and numpy's
 * column padding) does not count, except that it separates words; numbers match within
 * `atol + rtol * max(|a|, |b|)`; `...` in `expected` matches any run of text; numpy 2's scalar reprs read as the
 * values they wrap when `expected` does not show them (withLegacyScalarReprs).
 */
export function outputsMatch(expected: string, actual: string, opts: CompareOptions = {}): boolean {
  const rtol = opts.rtol ?? 1e-6;
  const atol = opts.atol ?? 1e-9;
  const exp = tokenize(expected, true);
  const act = tokenize(withLegacyScalarReprs(actual, expected), false);

  // Wildcard matching with backtracking to the last wildcard: linear in the usual case.
  let i = 0;
  let j = 0;
  let star = -1;
  let starJ = 0;
  while (j < act.length) {
    const e = exp[i];
    const a = act[j];
    if (e && a && e.kind !== 'any' && tokenEquals(e, a, rtol, atol)) {
      i++;
      j++;
    } else if (e?.kind === 'any') {
      star = i++;
      starJ = j;
    } else if (star >= 0) {
      i = star + 1;
      j = ++starJ;
    } else {
      return false;
    }
  }
  while (exp[i]?.kind === 'any') i++;
  return i === exp.length;
}

/** A short, human-readable account of where two outputs differ (for a run's message). */
export function describeMismatch(expected: string, actual: string, max = 120): string {
  const clip = (s: string) => {
    const one = s.trim().replace(/\s+/g, ' ');
    return one.length > max ? `${one.slice(0, max - 3)}...` : one;
  };
  return `expected "${clip(expected)}", got "${clip(actual)}"`;
}
