/**
 * Rewrites that turn the body of a test into plain script code: unittest `self.assert*` calls become
 * `assert` statements, the first `@pytest.mark.parametrize` case becomes an assignment, and a body that
 * returns or yields at top level is recognised (it cannot be unwrapped).
 */
import { logicalLines, mask, splitTopLevel, stripComment } from '../../python/syntax.js';

/** unittest assertions that compare two arguments, and the operator each one stands for. */
const BINARY_ASSERTS: Readonly<Record<string, string>> = {
  assertEqual: '==',
  assertEquals: '==',
  assertListEqual: '==',
  assertTupleEqual: '==',
  assertDictEqual: '==',
  assertSetEqual: '==',
  assertNotEqual: '!=',
  assertIs: 'is',
  assertIsNot: 'is not',
  assertIn: 'in',
  assertNotIn: 'not in',
  assertGreater: '>',
  assertGreaterEqual: '>=',
  assertLess: '<',
  assertLessEqual: '<=',
};

/** `self.assertEqual(a, b)` and friends to plain asserts; returns null when a call cannot be rewritten. */
export function rewriteUnittestAsserts(body: string): string | null {
  const lines = body.split('\n');
  const replace: { start: number; end: number; text: string }[] = [];
  for (const ll of logicalLines(body)) {
    const m = /^self\.(assert\w+)\s*\(/.exec(ll.masked.trim());
    if (!m) continue;
    const text = stripComment(ll.text).trim();
    const mtext = mask(text);
    const open = mtext.indexOf('(');
    if (!mtext.endsWith(')')) return null;
    const innerMasked = mtext.slice(open + 1, -1);
    const inner = text.slice(open + 1, -1);
    const args: string[] = [];
    const kwargs = new Map<string, string>();
    for (const [a, b] of splitTopLevel(innerMasked, ',')) {
      const arg = inner.slice(a, b).trim();
      if (!arg) continue;
      const kw = /^(\w+)\s*=(?!=)\s*([^]*)$/.exec(arg);
      if (kw) kwargs.set(kw[1]!, kw[2]!);
      else args.push(arg);
    }
    const p = (s: string) => (/^[\w.[\]'"]+$/.test(s) || /^\w[\w.]*\([^()]*\)$/.test(s) ? s : `(${s})`);
    const [a, b] = args;
    const bin = (op: string) => (a !== undefined && b !== undefined ? `assert ${p(a)} ${op} ${p(b)}` : null);
    const method = m[1]!;
    const op = BINARY_ASSERTS[method];
    let out: string | null;
    if (op !== undefined) out = bin(op);
    else if (method === 'assertTrue') out = a !== undefined ? `assert ${a}` : null;
    else if (method === 'assertFalse') out = a !== undefined ? `assert not ${p(a)}` : null;
    else if (method === 'assertIsNone') out = a !== undefined ? `assert ${p(a)} is None` : null;
    else if (method === 'assertIsNotNone') out = a !== undefined ? `assert ${p(a)} is not None` : null;
    else if (method === 'assertIsInstance') out = a !== undefined && b !== undefined ? `assert isinstance(${a}, ${b})` : null;
    else if (method === 'assertAlmostEqual') {
      if (a === undefined || b === undefined) out = null;
      else if (kwargs.has('delta')) out = `assert abs(${p(a)} - ${p(b)}) <= ${kwargs.get('delta')}`;
      else out = `assert round(abs(${p(a)} - ${p(b)}), ${kwargs.get('places') ?? args[2] ?? '7'}) == 0`;
    } else out = null;
    if (out === null) return null;
    replace.push({ start: ll.start, end: ll.end, text: ' '.repeat(ll.indent) + out });
  }
  for (const r of replace.sort((x, y) => y.start - x.start)) lines.splice(r.start, r.end - r.start + 1, r.text);
  return lines.join('\n');
}

/** `return`/`yield` outside a nested def would be a syntax error once the body is unwrapped. */
export function hasTopLevelReturn(body: string): boolean {
  const defIndents: number[] = [];
  for (const ll of logicalLines(body)) {
    while (defIndents.length && ll.indent <= defIndents[defIndents.length - 1]!) defIndents.pop();
    const head = ll.masked.trim();
    if (/^(async\s+)?def\b|^class\b/.test(head)) {
      defIndents.push(ll.indent);
      continue;
    }
    if (defIndents.length === 0 && /^(return|yield)\b/.test(head)) return true;
    if (defIndents.length === 0 && /\byield\b/.test(head)) return true;
  }
  return false;
}

/** First case of `@pytest.mark.parametrize("a, b", [(1, 2), ...])` as an assignment, or null. */
export function inlineParametrize(decorator: string): string | null {
  const text = decorator.trim().replace(/^@/, '');
  const m = mask(text);
  const open = m.indexOf('(');
  if (open < 0 || !m.trimEnd().endsWith(')')) return null;
  const close = m.trimEnd().length - 1;
  const inner = text.slice(open + 1, close);
  const innerM = m.slice(open + 1, close);
  const args = splitTopLevel(innerM, ',')
    .map(([a, b]) => ({ text: inner.slice(a, b).trim(), masked: innerM.slice(a, b).trim() }))
    .filter((x) => x.text);
  const positional = args.filter((x) => !/^\w+\s*=(?!=)/.test(x.masked));
  const keywords = args.filter((x) => /^\w+\s*=(?!=)/.test(x.masked));
  if (keywords.some((k) => /^indirect\s*=/.test(k.masked))) return null;
  const [namesArg, valuesArg] = [
    positional[0] ?? keywords.find((k) => /^argnames\s*=/.test(k.masked)),
    positional[1] ?? keywords.find((k) => /^argvalues\s*=/.test(k.masked)),
  ];
  if (!namesArg || !valuesArg) return null;
  const namesText = namesArg.text.replace(/^argnames\s*=\s*/, '');
  let names: string[];
  const str = /^[rRuU]?(["'])([^"']*)\1$/.exec(namesText);
  if (str) names = str[2]!.split(',').map((s) => s.trim()).filter(Boolean);
  else if (/^[([]/.test(namesText)) names = [...namesText.matchAll(/["']([^"']+)["']/g)].map((x) => x[1]!.trim());
  else return null;
  if (names.length === 0 || names.some((n) => !/^[A-Za-z_]\w*$/.test(n))) return null;
  const valuesText = valuesArg.text.replace(/^argvalues\s*=\s*/, '');
  const valuesMasked = mask(valuesText);
  let first: string;
  if (/^[A-Za-z_][\w.]*$/.test(valuesText)) first = `${valuesText}[0]`;
  else if (/^[[(]/.test(valuesMasked)) {
    const body = valuesText.slice(1, -1);
    const bodyM = valuesMasked.slice(1, -1);
    const elems = splitTopLevel(bodyM, ',').map(([a, b]) => body.slice(a, b).trim()).filter(Boolean);
    if (elems.length === 0) return null;
    first = elems[0]!;
  } else return null;
  const param = /^pytest\.param\s*\(([^]*)\)$/.exec(first);
  if (param) {
    const pm = mask(param[1]!);
    const pieces = splitTopLevel(pm, ',').map(([a, b]) => ({ t: param[1]!.slice(a, b).trim(), m: pm.slice(a, b).trim() }));
    if (pieces.some((x) => /^marks\s*=/.test(x.m))) return null;
    const pos = pieces.filter((x) => x.t && !/^\w+\s*=(?!=)/.test(x.m)).map((x) => x.t);
    first = names.length === 1 ? (pos[0] ?? '') : `(${pos.join(', ')})`;
    if (!first) return null;
  }
  return `${names.join(', ')} = ${first}`;
}

const RAISES = /^with\s+(pytest\.raises|self\.assertRaises(Regex|Regexp)?|(np\.testing\.|numpy\.testing\.|testing\.)?assert_raises(_regex)?)\s*\(/;
const WARNS = /^with\s+(pytest\.(warns|deprecated_call)|self\.assertWarns(Regex)?|(np\.testing\.|numpy\.testing\.|testing\.)?assert_warns)\s*\(/;
const RAISES_CALL = /^(pytest\.raises|self\.assertRaises(Regex|Regexp)?|(np\.testing\.|numpy\.testing\.|testing\.)?assert_raises(_regex)?|pytest\.warns|self\.assertWarns|(np\.testing\.|numpy\.testing\.)?assert_warns)\s*\(/;

/**
 * The calls a test expects to fail taken out, so what remains is the block used as intended: a
 * `with pytest.raises(...)` (or `self.assertRaises`) block and `pytest.raises(E, f, x)` calls are dropped, a
 * `with pytest.warns(...)` block is kept without its `with` (the call runs and warns). Null when a dropped
 * block's `as` name is read later, or a `with` holds more than the one context.
 */
export function dropExpectedFailures(body: string): string | null {
  const lines = body.split('\n');
  const lls = logicalLines(body);
  const out: (string | null)[] = [...lines];
  const dropped: string[] = [];
  for (let i = 0; i < lls.length; i++) {
    const ll = lls[i]!;
    const head = ll.masked.trim();
    const raises = RAISES.test(head);
    const warns = !raises && WARNS.test(head);
    if (!raises && !warns) {
      if (RAISES_CALL.test(head)) for (let k = ll.start; k <= ll.end; k++) out[k] = null;
      continue;
    }
    // one context only: `with pytest.raises(E), open(f):` is not for a snippet
    const withItems = splitTopLevel(head.replace(/^with\s+/, '').replace(/:\s*$/, '').replace(/:[^]*$/, ''), ',');
    if (withItems.length > 1) return null;
    const as = /\)\s*as\s+([A-Za-z_]\w*)\s*:/.exec(head);
    if (as) dropped.push(as[1]!);
    let j = i + 1;
    while (j < lls.length && lls[j]!.indent > ll.indent) j++;
    const blockEnd = j > i + 1 ? lls[j - 1]!.end : ll.end;
    const inline = /:\s*(\S[^]*)$/.exec(stripComment(ll.text).replace(/^[^]*?\)\s*(as\s+\w+\s*)?:/, ':'));
    for (let k = ll.start; k <= blockEnd; k++) out[k] = null;
    if (warns) {
      if (inline && j === i + 1) out[ll.start] = ' '.repeat(ll.indent) + inline[1]!.trim();
      else {
        const inner = lls[i + 1];
        const shift = inner ? inner.indent - ll.indent : 0;
        for (let k = ll.end + 1; k <= blockEnd; k++) out[k] = lines[k]!.slice(Math.min(shift, lines[k]!.length - lines[k]!.trimStart().length));
      }
    }
    i = j - 1;
  }
  let kept = out.filter((l): l is string => l !== null).join('\n');
  kept = fillEmptyBlocks(kept);
  if (dropped.length) {
    const m = mask(kept);
    if (dropped.some((n) => new RegExp(`\\b${n}\\b`).test(m))) return null;
  }
  return kept;
}

/**
 * A block left with no statement (its only one was dropped): a loop or `with` around nothing goes too (it
 * showed only the dropped call), an `if`, `else` or `try` clause gets `pass`.
 */
function fillEmptyBlocks(code: string): string {
  for (let round = 0; round < 8; round++) {
    const lines = code.split('\n');
    const lls = logicalLines(code);
    const empty = lls.findIndex((ll, i) => /:\s*$/.test(stripComment(ll.masked)) && (!lls[i + 1] || lls[i + 1]!.indent <= ll.indent));
    if (empty < 0) return code;
    const ll = lls[empty]!;
    const head = ll.masked.trim();
    if (/^(for|while|with|async\s+(for|with))\b/.test(head)) lines.splice(ll.start, ll.end - ll.start + 1);
    else lines.splice(ll.end + 1, 0, ' '.repeat(ll.indent + 4) + 'pass');
    code = lines.join('\n');
  }
  return code;
}
