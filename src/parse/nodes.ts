/**
 * Helpers shared by the language supports: syntax error collection, header text built from tokens,
 * docstring cleaning, line counting. Nothing here knows a particular grammar beyond node type names
 * passed in by the caller.
 */
import type { Node } from 'web-tree-sitter';

export interface SyntaxErrorInfo {
  line: number;
  message: string;
}

/** Enough to locate the problems; a file with hundreds of errors is not worth listing in full. */
const MAX_ERRORS = 50;

/**
 * ERROR and MISSING nodes, 1-based lines. Only subtrees flagged hasError are entered, so a clean tree costs
 * one check.
 */
export function syntaxErrors(root: Node, lineCount: number): SyntaxErrorInfo[] {
  const out: SyntaxErrorInfo[] = [];
  const seen = new Set<string>();
  const add = (row: number, message: string) => {
    // A MISSING node at end of file sits on the line after the last one; clamp to a line that exists.
    const line = Math.min(Math.max(row + 1, 1), Math.max(lineCount, 1));
    const key = `${line}:${message}`;
    if (seen.has(key) || out.length >= MAX_ERRORS) return;
    seen.add(key);
    out.push({ line, message });
  };
  const visit = (node: Node) => {
    if (out.length >= MAX_ERRORS) return;
    if (node.isMissing) {
      add(node.startPosition.row, `missing ${JSON.stringify(node.type)}`);
      return;
    }
    if (node.isError) {
      // Recovery often starts an ERROR node at intact statements before the real problem (a valid module
      // docstring, say); the first piece that is not a whole clean line is where the problem shows.
      const kids = node.children;
      let i = 0;
      while (
        i < kids.length - 1 &&
        kids[i]!.isNamed &&
        !kids[i]!.hasError &&
        kids[i + 1]!.startPosition.row > kids[i]!.endPosition.row
      ) {
        i++;
      }
      const at = kids[i] ?? node;
      const text = node.text.slice(Math.max(0, at.startIndex - node.startIndex));
      add(at.startPosition.row, `syntax error near ${JSON.stringify(snippet(text))}`);
      // Nested errors inside an ERROR node rarely add information; the outer one already points at the spot.
      return;
    }
    if (!node.hasError) return;
    for (const child of node.children) visit(child);
  };
  visit(root);
  return out;
}

function snippet(text: string): string {
  // An ERROR node can span the rest of the file; its first line is where the problem shows.
  const oneLine = (text.split('\n')[0] ?? '').replace(/\s+/g, ' ').trim();
  return oneLine.length > 40 ? `${oneLine.slice(0, 40)}…` : oneLine;
}

export interface CompactOptions {
  /** Node types kept whole (their text as written), e.g. string literals whose spaces matter. */
  atomic: ReadonlySet<string>;
  /** Node types dropped, e.g. comments inside a parameter list that would otherwise swallow the rest of the line. */
  skip: ReadonlySet<string>;
  /** Parent node types in which a comma right before a closing bracket can go (f(a,) is f(a)). */
  trailingCommaParents?: ReadonlySet<string>;
}

interface Tok {
  text: string;
  start: number;
  end: number;
  parentType: string | null;
}

/**
 * The text of a run of nodes with whitespace normalised: one space where the source had any, none inside
 * brackets or before commas, comments removed. Literals named in `atomic` keep their spacing, so a default
 * of "a  b" is not changed.
 */
export function compactText(nodes: Node[], opts: CompactOptions): string {
  const toks: Tok[] = [];
  const collect = (n: Node, parentType: string | null) => {
    if (opts.skip.has(n.type)) return;
    if (n.childCount === 0 || opts.atomic.has(n.type)) {
      if (n.endIndex > n.startIndex) toks.push({ text: n.text, start: n.startIndex, end: n.endIndex, parentType });
      return;
    }
    for (const c of n.children) collect(c, n.type);
  };
  for (const n of nodes) collect(n, n.parent?.type ?? null);
  let out = '';
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    const next = toks[i + 1];
    if (
      t.text === ',' &&
      next &&
      /^[)\]}]$/.test(next.text) &&
      opts.trailingCommaParents &&
      t.parentType !== null &&
      opts.trailingCommaParents.has(t.parentType)
    ) {
      continue;
    }
    const prev = toks[i - 1];
    if (prev && out.length > 0) {
      const gap = t.start > prev.end;
      const afterOpen = /[([{]$/.test(out);
      const beforeClose = /^[)\]},:]$/.test(t.text);
      if (gap && !afterOpen && !beforeClose) out += ' ';
    }
    out += t.text;
  }
  return out;
}

/** Like Python's inspect.cleandoc: strip the first line, remove the common indent of the rest, drop blank edges. */
export function cleandoc(text: string): string {
  // Tabs in the indentation count as 8 columns, as in Python; tabs inside the text are content and stay.
  const lines = text.split('\n').map((l) => l.replace(/^[ \t]+/, (ws) => ws.replace(/\t/g, '        ')));
  const first = (lines[0] ?? '').trim();
  const rest = lines.slice(1);
  let margin = Infinity;
  for (const l of rest) {
    const content = l.trimStart();
    if (content.length === 0) continue;
    margin = Math.min(margin, l.length - content.length);
  }
  const body = rest.map((l) => (margin === Infinity ? l.trim() : l.slice(margin).trimEnd()));
  const all = [first, ...body];
  while (all.length > 0 && all[0]!.trim() === '') all.shift();
  while (all.length > 0 && all[all.length - 1]!.trim() === '') all.pop();
  return all.join('\n');
}

/** Remove the indentation every non-blank line shares (textwrap.dedent). */
export function dedent(text: string): string {
  const lines = text.split('\n');
  let prefix: string | null = null;
  for (const l of lines) {
    if (l.trim() === '') continue;
    const ws = /^[ \t]*/.exec(l)![0];
    if (prefix === null) prefix = ws;
    else {
      let k = 0;
      while (k < prefix.length && k < ws.length && prefix[k] === ws[k]) k++;
      prefix = prefix.slice(0, k);
    }
    if (prefix === '') return text;
  }
  if (!prefix) return text;
  const cut = prefix.length;
  return lines.map((l) => (l.trim() === '' ? l.trimEnd() : l.slice(cut))).join('\n');
}

/** Index of the first character of the line holding `index`. */
export function lineStart(source: string, index: number): number {
  return source.lastIndexOf('\n', index - 1) + 1;
}

/** The source from the start of the node's first line to its end, dedented so methods read like functions. */
export function blockCode(source: string, startIndex: number, endIndex: number): string {
  return dedent(source.slice(lineStart(source, startIndex), endIndex));
}

/**
 * Non-blank lines in [fromRow, toRow] (0-based, inclusive) that are neither comments nor in `excluded`
 * (e.g. the docstring's rows), nor made only of closing/opening braces.
 */
export function countCodeLines(
  lines: string[],
  fromRow: number,
  toRow: number,
  excluded: ReadonlySet<number>,
  commentPrefix: string,
): number {
  let n = 0;
  for (let r = fromRow; r <= toRow && r < lines.length; r++) {
    if (excluded.has(r)) continue;
    const t = lines[r]!.trim();
    if (t === '' || t.startsWith(commentPrefix) || /^[{}]+$/.test(t)) continue;
    n++;
  }
  return n;
}

/** Append to `list` unless already present (order of first appearance is kept). */
export function pushUnique(list: string[], seen: Set<string>, value: string): void {
  if (seen.has(value)) return;
  seen.add(value);
  list.push(value);
}

/** Lines in a text, not counting the empty piece after a final newline. */
export function lineCount(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return text.endsWith('\n') ? n - 1 : n;
}

/** Split on newlines after folding CRLF and lone CR, so rows match what tree-sitter counts. */
export function normaliseSource(source: string): string {
  let s = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  if (s.includes('\r')) s = s.replace(/\r\n?/g, '\n');
  return s;
}

/** Callee text of every call node under `node`, in order, once each; `callee` renders a call's function node. */
export function callsIn(node: Node, callee: (fn: Node) => string | null): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const call of node.descendantsOfType('call')) {
    const f = call.childForFieldName('function');
    const text = f ? callee(f) : null;
    if (text) pushUnique(out, seen, text);
  }
  return out;
}

export function isField(parent: Node, field: string, child: Node): boolean {
  return parent.childForFieldName(field)?.id === child.id;
}
