/**
 * R support: top-level functions bound with `<-`, `=` or `<<-`, their roxygen blocks, and the packages a file
 * uses (library/require calls and pkg::f references). S4/R6 definitions are not extracted.
 */
import { createRequire } from 'node:module';
import type { Node } from 'web-tree-sitter';
import type { Parameter } from '../domain/block.js';
import { blockCode, compactText, countCodeLines, lineCount, pushUnique, syntaxErrors, type CompactOptions, callsIn, isField } from './nodes.js';
import type { ExtractedSymbol, ImportStmt, LanguageSupport, ParsedFile } from './types.js';

const require = createRequire(import.meta.url);

const COMPACT: CompactOptions = { atomic: new Set(['string']), skip: new Set(['comment']) };
const LEFT_ASSIGN = new Set(['<-', '=', '<<-']);
const RIGHT_ASSIGN = new Set(['->', '->>']);
const LOADERS = new Set(['library', 'require', 'requireNamespace', 'loadNamespace']);

type Extracted = Omit<ParsedFile, 'path' | 'language' | 'module'>;

export const rSupport: LanguageSupport = {
  language: 'r',
  extensions: ['.R', '.r'],
  get grammarPath(): string {
    return require.resolve('@davisvaughan/tree-sitter-r/tree-sitter-r.wasm');
  },
  moduleOf: rModuleOf,
  extract(root: unknown, source: string): Extracted {
    return extractR(root as Node, source);
  },
  statementStarts: rStatementStarts,
};

/** R has no module path; the file path with dots keeps blocks from different files apart ("R/utils.R" → "R.utils"). */
export function rModuleOf(relPath: string): string {
  return relPath
    .replace(/\\/g, '/')
    .replace(/^\.\//, '')
    .replace(/\.[Rr]$/, '')
    .split('/')
    .filter((s) => s !== '')
    .join('.');
}

export function rStatementStarts(lines: string[], from: number, to: number): number[] {
  const starts = [from];
  for (let r = from + 1; r <= to; r++) {
    const line = lines[r] ?? '';
    if (!/^[\p{L}._`"']/u.test(line) || /^else\b/.test(line)) continue;
    // Roxygen comments above a function travel with it.
    let s = r;
    while (s - 1 > starts[starts.length - 1]! && (lines[s - 1] ?? '').startsWith('#')) s--;
    starts.push(s);
  }
  return starts;
}

function unquote(name: string): string {
  if (/^`.*`$/s.test(name)) return name.slice(1, -1);
  if (/^(".*"|'.*')$/s.test(name)) return name.slice(1, -1);
  return name;
}

interface FunctionBinding {
  name: string;
  nameText: string;
  op: string;
  fn: Node;
}

function functionBinding(node: Node): FunctionBinding | null {
  if (node.type !== 'binary_operator') return null;
  const lhs = node.childForFieldName('lhs');
  const rhs = node.childForFieldName('rhs');
  const op = node.childForFieldName('operator')?.text ?? '';
  const isName = (n: Node | null) => n !== null && (n.type === 'identifier' || n.type === 'string');
  if (LEFT_ASSIGN.has(op) && rhs?.type === 'function_definition' && isName(lhs)) {
    return { name: unquote(lhs!.text), nameText: lhs!.text, op, fn: rhs };
  }
  if (RIGHT_ASSIGN.has(op) && lhs?.type === 'function_definition' && isName(rhs)) {
    return { name: unquote(rhs!.text), nameText: rhs!.text, op: op === '->' ? '<-' : '<<-', fn: lhs };
  }
  return null;
}

function extractR(root: Node, source: string): Extracted {
  const lines = source.split('\n');
  const children = root.namedChildren;
  const symbols: ExtractedSymbol[] = [];
  const seenNames = new Set<string>();
  for (let i = 0; i < children.length; i++) {
    const node = children[i]!;
    const binding = functionBinding(node);
    // A later redefinition replaces the function at run time, but the first one carries the documentation.
    if (!binding || seenNames.has(binding.name)) continue;
    seenNames.add(binding.name);
    const roxygen: Node[] = [];
    for (let j = i - 1; j >= 0 && children[j]!.type === 'comment' && children[j]!.text.startsWith("#'"); j--) {
      roxygen.unshift(children[j]!);
    }
    symbols.push(functionSymbol(node, binding, roxygen, source, lines));
  }
  return {
    moduleDocstring: null,
    imports: importsOf(root),
    allExports: null,
    symbols,
    errors: root.hasError ? syntaxErrors(root, lineCount(source)) : [],
  };
}

interface Roxygen {
  text: string | null;
  params: Map<string, string>;
  returns: string | null;
}

function readRoxygen(comments: Node[]): Roxygen {
  const raw = comments.map((c) => c.text.replace(/^#'\s?/, '').trimEnd());
  while (raw.length > 0 && raw[0]!.trim() === '') raw.shift();
  while (raw.length > 0 && raw[raw.length - 1]!.trim() === '') raw.pop();
  const params = new Map<string, string>();
  let returns: string | null = null;
  const tags: { tag: string; text: string[] }[] = [];
  for (const line of raw) {
    const m = /^\s*@(\w+)\s*(.*)$/.exec(line);
    if (m) tags.push({ tag: m[1]!, text: [m[2]!] });
    else if (tags.length > 0) tags[tags.length - 1]!.text.push(line.trim());
  }
  for (const { tag, text } of tags) {
    const joined = text.join(' ').replace(/\s+/g, ' ').trim();
    if (tag === 'param') {
      const m = /^(\S+)\s*(.*)$/.exec(joined);
      if (!m || m[2] === '') continue;
      for (const name of m[1]!.split(',')) if (name && !params.has(name)) params.set(name, m[2]!);
    } else if ((tag === 'return' || tag === 'returns') && returns === null && joined !== '') {
      returns = joined;
    }
  }
  return { text: raw.length > 0 ? raw.join('\n') : null, params, returns };
}

function endRowOf(node: Node): number {
  const { row, column } = node.endPosition;
  return column === 0 && row > node.startPosition.row ? row - 1 : row;
}

function functionSymbol(node: Node, b: FunctionBinding, roxygen: Node[], source: string, lines: string[]): ExtractedSymbol {
  const doc = readRoxygen(roxygen);
  const paramsNode = b.fn.childForFieldName('parameters');
  const keyword = b.fn.childForFieldName('name');
  const body = b.fn.childForFieldName('body');
  const headerNodes = [keyword, paramsNode].filter((n): n is Node => n !== null);
  const endRow = endRowOf(node);
  let bodyLines = 0;
  if (body) {
    // The line holding "{" is the header line; its code is counted as the signature, not the body.
    const from = body.type === 'braced_expression' ? body.startPosition.row + 1 : body.startPosition.row;
    bodyLines = countCodeLines(lines, from, endRow, new Set(), '#');
  }
  return {
    kind: 'function',
    name: b.name,
    localName: b.name,
    parent: null,
    startLine: node.startPosition.row + 1,
    endLine: endRow + 1,
    signature: `${b.nameText} ${b.op} ${compactText(headerNodes, COMPACT)}`,
    docstring: doc.text,
    decorators: [],
    parameters: paramsNode ? parametersOf(paramsNode, doc.params) : [],
    returns: doc.returns,
    code: blockCode(source, node.startIndex, node.endIndex),
    calls: body ? callsIn(body, calleeText) : [],
    identifiers: identifiersIn(node),
    bodyLines,
  };
}

function parametersOf(node: Node, docs: Map<string, string>): Parameter[] {
  const out: Parameter[] = [];
  // Arguments after "..." can only be matched by their full name.
  let afterDots = false;
  for (const p of node.namedChildren) {
    if (p.type !== 'parameter') continue;
    const nameNode = p.childForFieldName('name');
    if (!nameNode) continue;
    const dflt = p.childForFieldName('default');
    if (nameNode.type === 'dots') {
      out.push({ name: '...', annotation: null, default: null, kind: 'var_positional', description: docs.get('...') ?? null });
      afterDots = true;
      continue;
    }
    const name = unquote(nameNode.text);
    out.push({
      name,
      annotation: null,
      default: dflt ? compactText([dflt], COMPACT) : null,
      kind: afterDots ? 'keyword_only' : 'positional',
      description: docs.get(name) ?? null,
    });
  }
  return out;
}

function calleeText(n: Node): string | null {
  switch (n.type) {
    case 'identifier':
      return unquote(n.text);
    case 'namespace_operator':
      return n.text.replace(/\s+/g, '');
    case 'extract_operator': {
      const lhs = n.childForFieldName('lhs');
      const rhs = n.childForFieldName('rhs');
      const left = lhs ? calleeText(lhs) : null;
      const op = n.childForFieldName('operator')?.text ?? '$';
      return left && rhs ? `${left}${op}${unquote(rhs.text)}` : null;
    }
    default:
      return null;
  }
}


function identifiersIn(node: Node): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const id of node.descendantsOfType('identifier')) {
    const p = id.parent;
    if (!p) continue;
    if ((p.type === 'parameter' || p.type === 'argument') && isField(p, 'name', id)) continue;
    if ((p.type === 'namespace_operator' || p.type === 'extract_operator') && isField(p, 'rhs', id)) continue;
    if (p.type === 'binary_operator' && isField(p, 'lhs', id) && LEFT_ASSIGN.has(p.childForFieldName('operator')?.text ?? '')) {
      continue;
    }
    pushUnique(out, seen, unquote(id.text));
  }
  return out;
}

function stringOrName(n: Node | null): string | null {
  if (!n) return null;
  if (n.type === 'identifier') return unquote(n.text);
  if (n.type === 'string') return n.namedChildren.find((c) => c.type === 'string_content')?.text ?? null;
  return null;
}

/** library()/require() anywhere in the file, and the first pkg:: reference of each package. */
function importsOf(root: Node): ImportStmt[] {
  const out: ImportStmt[] = [];
  for (const call of root.descendantsOfType('call')) {
    const f = call.childForFieldName('function');
    if (f?.type !== 'identifier' || !LOADERS.has(f.text)) continue;
    const args = (call.childForFieldName('arguments')?.namedChildren ?? []).filter((a) => a.type === 'argument');
    // With character.only the package name is in a variable, unknown without running the code.
    if (args.some((a) => a.childForFieldName('name')?.text === 'character.only')) continue;
    const first = args.find((a) => {
      const n = a.childForFieldName('name')?.text;
      return n === undefined || n === 'package';
    });
    const pkg = stringOrName(first?.childForFieldName('value') ?? null);
    if (pkg) out.push({ text: call.text, module: pkg, names: [pkg], line: call.startPosition.row + 1 });
  }
  const seen = new Set<string>();
  for (const ns of root.descendantsOfType('namespace_operator')) {
    const pkg = stringOrName(ns.childForFieldName('lhs'));
    if (!pkg || seen.has(pkg)) continue;
    seen.add(pkg);
    out.push({ text: ns.text, module: pkg, names: [pkg], line: ns.startPosition.row + 1 });
  }
  return out.sort((a, b) => a.line - b.line);
}
