/**
 * Python support: module-level functions and classes, methods of classes (nested classes too), imports,
 * __all__ and docstrings, read from a tree-sitter tree. The code is never imported or run.
 */
import { createRequire } from 'node:module';
import { Query, type Language as Grammar, type Node } from 'web-tree-sitter';
import type { Parameter } from '../domain/block.js';
import { parseDocstring, type DocInfo } from './pydoc.js';
import {
  blockCode,
  cleandoc,
  compactText,
  countCodeLines,
  lineCount,
  pushUnique,
  syntaxErrors,
  type CompactOptions,
  callsIn,
  isField,
} from './nodes.js';
import type { ExtractedSymbol, ImportStmt, LanguageSupport, ParsedFile } from './types.js';
import { pythonModuleOf } from '../python/modules.js';
import { stringLiteralValue, stringPrefix } from '../python/strings.js';

const require = createRequire(import.meta.url);

const COMPACT: CompactOptions = {
  atomic: new Set(['string']),
  skip: new Set(['comment']),
  trailingCommaParents: new Set(['parameters', 'argument_list', 'lambda_parameters']),
};

/** Statements whose blocks still run at import time, so definitions inside them are module (or class) members. */
const TRANSPARENT = new Set([
  'if_statement',
  'elif_clause',
  'else_clause',
  'try_statement',
  'except_clause',
  'except_group_clause',
  'finally_clause',
  'with_statement',
  'block',
  'ERROR',
]);

const EMPTY_DOC: DocInfo = { params: new Map(), types: new Map(), returns: null };

type Extracted = Omit<ParsedFile, 'path' | 'language' | 'module'>;

export const pythonSupport: LanguageSupport = {
  language: 'python',
  extensions: ['.py'],
  get grammarPath(): string {
    return require.resolve('tree-sitter-python/tree-sitter-python.wasm');
  },
  moduleOf: pythonModuleOf,
  extract(root: unknown, source: string): Extracted {
    return extractPython(root as Node, source);
  },
  statementStarts: pythonStatementStarts,
};

/**
 * Rows in [from, to] where a new top-level statement starts: a line at column 0 that is not a continuation
 * keyword (else/except/...), not part of a decorator run, with comments just above it taken along.
 */
export function pythonStatementStarts(lines: string[], from: number, to: number): number[] {
  const starts = [from];
  let glue = (lines[from] ?? '').startsWith('@');
  for (let r = from + 1; r <= to; r++) {
    const line = lines[r] ?? '';
    if (!/^[\p{L}_@]/u.test(line)) continue;
    if (/^(else|elif|except|finally)\b/.test(line)) continue;
    if (glue) {
      // Decorators belong to the def/class that follows them.
      glue = line.startsWith('@');
      continue;
    }
    let s = r;
    while (s - 1 > starts[starts.length - 1]! && (lines[s - 1] ?? '').startsWith('#')) s--;
    starts.push(s);
    glue = line.startsWith('@');
  }
  return starts;
}

// ---------------------------------------------------------------------------------------------------------

interface Ctx {
  source: string;
  lines: string[];
  symbols: ExtractedSymbol[];
  byLocalName: Map<string, number>;
  /**
   * The identifiers and calls of the class being read, with where each starts: its methods' own are the ones in
   * their range, so a class's code is walked once, not once for the class and again for each method.
   */
  enclosing: Enclosing | null;
}

interface Enclosing {
  identifiers: Spanned[];
  calls: Spanned[];
}

function extractPython(root: Node, source: string): Extracted {
  const lines = source.split('\n');
  const ctx: Ctx = { source, lines, symbols: [], byLocalName: new Map(), enclosing: null };
  const moduleDoc = docstringNode(root);
  const imports: ImportStmt[] = [];
  const all: AllState = { names: null, unknown: false };
  const assignedCalls: { name: string; call: string }[] = [];
  scanModule(root, imports, all, assignedCalls);
  collectDefinitions(ctx, root, null);
  return {
    moduleDocstring: moduleDoc ? docText(moduleDoc) : null,
    imports,
    allExports: all.unknown ? null : all.names,
    assignedCalls,
    symbols: ctx.symbols,
    errors: root.hasError ? syntaxErrors(root, lineCount(source)) : [],
  };
}

// ---------------------------------------------------------------- definitions

function collectDefinitions(ctx: Ctx, container: Node, parentClass: string | null): void {
  for (const node of container.namedChildren) {
    switch (node.type) {
      case 'function_definition':
        addFunction(ctx, node, node, [], parentClass);
        break;
      case 'class_definition':
        addClass(ctx, node, node, [], parentClass);
        break;
      case 'decorated_definition': {
        const def = node.childForFieldName('definition');
        const decorators = node.namedChildren.filter((c) => c.type === 'decorator');
        if (def?.type === 'function_definition') addFunction(ctx, def, node, decorators, parentClass);
        else if (def?.type === 'class_definition') addClass(ctx, def, node, decorators, parentClass);
        break;
      }
      default:
        if (TRANSPARENT.has(node.type)) collectDefinitions(ctx, node, parentClass);
    }
  }
}

/** Header tokens of a def/class: everything before the body, up to and including the colon. */
function header(def: Node): Node[] {
  const out: Node[] = [];
  for (let i = 0; i < def.childCount; i++) {
    const c = def.child(i)!;
    if (def.fieldNameForChild(i) === 'body') break;
    out.push(c);
    if (c.type === ':') break;
  }
  return out;
}

function decoratorText(d: Node): string {
  return compactText(
    d.namedChildren.filter((c) => c.type !== 'comment'),
    COMPACT,
  );
}

function endRowOf(node: Node): number {
  const { row, column } = node.endPosition;
  return column === 0 && row > node.startPosition.row ? row - 1 : row;
}

/**
 * A second definition of the same name (property setter, if/else variants) keeps the first, which carries
 * the docstring; typing.overload stubs give way to the implementation that follows them.
 */
function register(ctx: Ctx, sym: ExtractedSymbol): boolean {
  const at = ctx.byLocalName.get(sym.localName);
  if (at === undefined) {
    ctx.byLocalName.set(sym.localName, ctx.symbols.length);
    ctx.symbols.push(sym);
    return true;
  }
  const prev = ctx.symbols[at]!;
  if (prev.decorators.some(isOverload) && !sym.decorators.some(isOverload)) {
    ctx.symbols[at] = sym;
    return true;
  }
  return false;
}

function isOverload(d: string): boolean {
  return d === 'overload' || d.endsWith('.overload');
}

function addFunction(ctx: Ctx, def: Node, outer: Node, decoratorNodes: Node[], parentClass: string | null): void {
  const name = def.childForFieldName('name')?.text;
  if (!name) return;
  const decorators = decoratorNodes.map(decoratorText);
  const body = def.childForFieldName('body');
  const docNode = body ? docstringNode(body) : null;
  const docstring = docNode ? docText(docNode) : null;
  const doc = docstring ? parseDocstring(docstring) : EMPTY_DOC;
  const isMethod = parentClass !== null;
  const dropsFirst = isMethod && !decorators.some((d) => d === 'staticmethod' || d.endsWith('.staticmethod'));
  const returnType = def.childForFieldName('return_type');
  register(ctx, {
    kind: isMethod ? 'method' : 'function',
    name,
    localName: parentClass ? `${parentClass}.${name}` : name,
    parent: parentClass,
    startLine: outer.startPosition.row + 1,
    endLine: endRowOf(outer) + 1,
    signature: compactText(header(def), COMPACT),
    docstring,
    decorators,
    parameters: parametersOf(def.childForFieldName('parameters'), doc, dropsFirst),
    returns: returnType ? compactText([returnType], COMPACT) : doc.returns,
    code: blockCode(ctx.source, outer.startIndex, outer.endIndex),
    calls: body ? (ctx.enclosing ? uniqueIn(ctx.enclosing.calls, body) : callsIn(body, calleeText)) : [],
    identifiers: ctx.enclosing ? uniqueIn(ctx.enclosing.identifiers, outer) : identifiersIn(outer),
    bodyLines: body ? countCodeLines(ctx.lines, body.startPosition.row, endRowOf(outer), rowsOf(docNode), '#') : 0,
  });
}

function addClass(ctx: Ctx, def: Node, outer: Node, decoratorNodes: Node[], parentClass: string | null): void {
  const name = def.childForFieldName('name')?.text;
  if (!name) return;
  const localName = parentClass ? `${parentClass}.${name}` : name;
  const body = def.childForFieldName('body');
  const docNode = body ? docstringNode(body) : null;
  const docstring = docNode ? docText(docNode) : null;
  const classDoc = docstring ? parseDocstring(docstring) : EMPTY_DOC;
  // A class is called like its __init__, and numpydoc puts the constructor's parameters in the class docstring.
  const init = body ? findInit(body) : null;
  let parameters: Parameter[] = [];
  if (init) {
    const initBody = init.childForFieldName('body');
    const initDocNode = initBody ? docstringNode(initBody) : null;
    const initDoc = initDocNode ? parseDocstring(docText(initDocNode) ?? '') : EMPTY_DOC;
    const merged: DocInfo = { params: new Map([...classDoc.params, ...initDoc.params]), types: new Map([...classDoc.types, ...initDoc.types]), returns: null };
    parameters = parametersOf(init.childForFieldName('parameters'), merged, true);
  }
  // A class without syntax errors is walked once for itself and its methods (an error tree can hold zero-width
  // nodes at a range's edge, which a range cannot place: such a class is walked as each symbol needs).
  const outermost = ctx.enclosing === null && !outer.hasError;
  if (outermost) ctx.enclosing = { identifiers: spannedIdentifiers(outer), calls: body ? spannedCalls(body) : [] };
  const enclosing = ctx.enclosing;
  const added = register(ctx, {
    kind: 'class',
    name,
    localName,
    parent: parentClass,
    startLine: outer.startPosition.row + 1,
    endLine: endRowOf(outer) + 1,
    signature: compactText(header(def), COMPACT),
    docstring,
    decorators: decoratorNodes.map(decoratorText),
    bases: basesOf(def),
    parameters,
    returns: null,
    code: blockCode(ctx.source, outer.startIndex, outer.endIndex),
    calls: body ? (enclosing ? uniqueIn(enclosing.calls, body) : callsIn(body, calleeText)) : [],
    identifiers: enclosing ? uniqueIn(enclosing.identifiers, outer) : identifiersIn(outer),
    bodyLines: body ? countCodeLines(ctx.lines, body.startPosition.row, endRowOf(outer), rowsOf(docNode), '#') : 0,
  });
  try {
    if (added && body) collectDefinitions(ctx, body, localName);
  } finally {
    if (outermost) ctx.enclosing = null;
  }
}

/** The bases a class statement names: positional arguments of its superclass list, as written. */
function basesOf(def: Node): string[] {
  const list = def.childForFieldName('superclasses');
  if (!list) return [];
  return list.namedChildren
    .filter((c) => c.type !== 'keyword_argument' && c.type !== 'comment' && c.type !== 'list_splat' && c.type !== 'dictionary_splat')
    .map((c) => compactText([c], COMPACT));
}

function findInit(body: Node): Node | null {
  for (const node of body.namedChildren) {
    const def = node.type === 'decorated_definition' ? node.childForFieldName('definition') : node;
    if (def?.type === 'function_definition' && def.childForFieldName('name')?.text === '__init__') return def;
  }
  return null;
}

// ---------------------------------------------------------------- parameters

function parametersOf(node: Node | null, doc: DocInfo, dropFirst: boolean): Parameter[] {
  if (!node) return [];
  const out: Parameter[] = [];
  let afterStar = false;
  const plain = (): Parameter['kind'] => (afterStar ? 'keyword_only' : 'positional');
  const add = (name: string, kind: Parameter['kind'], annotation: Node | null, dflt: Node | null) => {
    out.push({
      name,
      annotation: annotation ? compactText([annotation], COMPACT) : null,
      default: dflt ? compactText([dflt], COMPACT) : null,
      kind,
      description: doc.params.get(name) ?? null,
      ...(doc.types.has(name) ? { docType: doc.types.get(name)! } : {}),
    });
  };
  const splatName = (n: Node) => n.namedChildren.find((c) => c.type === 'identifier')?.text ?? n.text.replace(/^\*+/, '');
  for (const p of node.namedChildren) {
    switch (p.type) {
      case 'identifier':
        add(p.text, plain(), null, null);
        break;
      case 'typed_parameter': {
        const type = p.childForFieldName('type');
        const inner = p.namedChildren.find((c) => c.type !== 'type' && c.type !== 'comment');
        if (!inner) break;
        if (inner.type === 'list_splat_pattern') {
          add(splatName(inner), 'var_positional', type, null);
          afterStar = true;
        } else if (inner.type === 'dictionary_splat_pattern') {
          add(splatName(inner), 'var_keyword', type, null);
        } else {
          add(inner.text, plain(), type, null);
        }
        break;
      }
      case 'default_parameter':
      case 'typed_default_parameter': {
        const name = p.childForFieldName('name');
        if (name) add(name.text, plain(), p.childForFieldName('type'), p.childForFieldName('value'));
        break;
      }
      case 'list_splat_pattern':
        add(splatName(p), 'var_positional', null, null);
        afterStar = true;
        break;
      case 'dictionary_splat_pattern':
        add(splatName(p), 'var_keyword', null, null);
        break;
      case 'keyword_separator':
        afterStar = true;
        break;
      case 'positional_separator':
        for (const q of out) q.kind = 'positional_only';
        break;
      case 'comment':
        break;
      default:
        // Python 2 tuple parameters and error-recovered pieces: keep the text so the count stays right.
        if (p.text.trim() !== '') add(p.text, plain(), null, null);
    }
  }
  // The instance/class argument is bound by Python, not passed by the caller.
  if (dropFirst && out[0] && (out[0].kind === 'positional' || out[0].kind === 'positional_only')) out.shift();
  return out;
}

// ---------------------------------------------------------------- calls and identifiers

function calleeText(n: Node): string | null {
  switch (n.type) {
    case 'identifier':
      return n.text;
    case 'attribute': {
      const obj = n.childForFieldName('object');
      const attr = n.childForFieldName('attribute');
      const left = obj ? calleeText(obj) : null;
      return left && attr ? `${left}.${attr.text}` : null;
    }
    case 'call': {
      const f = n.childForFieldName('function');
      const left = f ? calleeText(f) : null;
      return left ? `${left}()` : null;
    }
    case 'subscript': {
      const v = n.childForFieldName('value');
      const left = v ? calleeText(v) : null;
      return left ? `${left}[]` : null;
    }
    default:
      return null;
  }
}


const PARAM_CONTAINERS = new Set(['parameters', 'lambda_parameters', 'typed_parameter']);

/** A name found in the tree, with the index where its node starts. */
interface Spanned {
  at: number;
  text: string;
}

/** Identifiers the code reads: attribute names, keyword names, parameter names and bound names are left out. */
function identifiersIn(node: Node): string[] {
  return uniqueIn(spannedIdentifiers(node), null);
}

/** The texts of the names whose node starts inside `within` (all of them for null), in order, once each. */
function uniqueIn(list: readonly Spanned[], within: Node | null): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const from = within ? within.startIndex : -Infinity;
  const to = within ? within.endIndex : Infinity;
  // The list is in document order: the first name at or after `from`, by bisection.
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.at < from) lo = mid + 1;
    else hi = mid;
  }
  for (let k = lo; k < list.length && list[k]!.at < to; k++) pushUnique(out, seen, list[k]!.text);
  return out;
}

/** Callee text of every call under `node`, in document order, repeats kept. */
function spannedCalls(node: Node): Spanned[] {
  const out: Spanned[] = [];
  for (const call of node.descendantsOfType('call')) {
    const f = call.childForFieldName('function');
    const text = f ? calleeText(f) : null;
    if (text) out.push({ at: call.startIndex, text });
  }
  return out;
}

/**
 * The identifiers a symbol's code does not read, as tree-sitter query patterns: attribute names, keyword names,
 * the def's or class's own name, parameters (splats too), import paths and aliases, global/nonlocal names,
 * assignment and loop targets. Each is an identifier in that field or as that child of its parent; one pass of
 * the query engine finds them all, where reading every identifier's parent from here costs a walk each.
 */
const SKIPPED_IDENTIFIERS = `
(identifier) @id
(attribute attribute: (identifier) @skip)
(keyword_argument name: (identifier) @skip)
(function_definition name: (identifier) @skip)
(class_definition name: (identifier) @skip)
(parameters (identifier) @skip)
(lambda_parameters (identifier) @skip)
(typed_parameter (identifier) @skip)
(dotted_name (identifier) @skip)
(aliased_import (identifier) @skip)
(global_statement (identifier) @skip)
(nonlocal_statement (identifier) @skip)
(default_parameter name: (identifier) @skip)
(typed_default_parameter name: (identifier) @skip)
(parameters (list_splat_pattern (identifier) @skip))
(parameters (dictionary_splat_pattern (identifier) @skip))
(lambda_parameters (list_splat_pattern (identifier) @skip))
(lambda_parameters (dictionary_splat_pattern (identifier) @skip))
(typed_parameter (list_splat_pattern (identifier) @skip))
(typed_parameter (dictionary_splat_pattern (identifier) @skip))
(assignment left: (identifier) @skip)
(for_statement left: (identifier) @skip)
(for_in_clause left: (identifier) @skip)
`;

/** The query compiled once per grammar object (a cache: the grammar's wasm memory holds it). */
const identifierQueries = new WeakMap<Grammar, Query>();

/** The identifiers identifiersIn keeps, in document order, repeats kept. */
function spannedIdentifiers(node: Node): Spanned[] {
  // A tree with errors is read node by node: its zero-width (missing) identifiers share a start with real ones.
  if (node.hasError) return spannedIdentifiersByParent(node);
  const grammar = node.tree.language;
  let query = identifierQueries.get(grammar);
  if (!query) {
    query = new Query(grammar, SKIPPED_IDENTIFIERS);
    identifierQueries.set(grammar, query);
  }
  const captures = query.captures(node);
  const skipped = new Set<number>();
  for (const c of captures) if (c.name === 'skip') skipped.add(c.node.startIndex);
  const out: Spanned[] = [];
  for (const c of captures) {
    if (c.name !== 'id') continue;
    const at = c.node.startIndex;
    if (!skipped.has(at)) out.push({ at, text: c.node.text });
  }
  return out;
}

/** spannedIdentifiers by each identifier's parent (the reference the query reproduces). */
function spannedIdentifiersByParent(node: Node): Spanned[] {
  const out: Spanned[] = [];
  for (const id of node.descendantsOfType('identifier')) {
    const p = id.parent;
    if (!p) continue;
    switch (p.type) {
      case 'attribute':
        if (isField(p, 'attribute', id)) continue;
        break;
      case 'keyword_argument':
        if (isField(p, 'name', id)) continue;
        break;
      case 'function_definition':
      case 'class_definition':
        if (isField(p, 'name', id)) continue;
        break;
      case 'parameters':
      case 'lambda_parameters':
      case 'typed_parameter':
      case 'dotted_name':
      case 'aliased_import':
      case 'global_statement':
      case 'nonlocal_statement':
        continue;
      case 'default_parameter':
      case 'typed_default_parameter':
        if (isField(p, 'name', id)) continue;
        break;
      case 'list_splat_pattern':
      case 'dictionary_splat_pattern':
        if (p.parent && PARAM_CONTAINERS.has(p.parent.type)) continue;
        break;
      case 'assignment':
      case 'for_statement':
      case 'for_in_clause':
        if (isField(p, 'left', id)) continue;
        break;
    }
    out.push({ at: id.startIndex, text: id.text });
  }
  return out;
}

// ---------------------------------------------------------------- docstrings and strings

/** The string literal that is the first statement of a module or block, if any. */
function docstringNode(container: Node): Node | null {
  for (const stmt of container.namedChildren) {
    if (stmt.type === 'comment') continue;
    if (stmt.type !== 'expression_statement' || stmt.namedChildCount !== 1) return null;
    const expr = stmt.namedChild(0)!;
    if (expr.type !== 'string' && expr.type !== 'concatenated_string') return null;
    // f-strings and bytes are not docstrings in Python.
    const prefixes = expr.type === 'string' ? [stringPrefix(expr.text)] : expr.namedChildren.map((c) => stringPrefix(c.text));
    if (prefixes.some((p) => /[fFbB]/.test(p))) return null;
    return expr;
  }
  return null;
}

function docText(node: Node): string | null {
  const cleaned = cleandoc(stringValue(node));
  return cleaned === '' ? null : cleaned;
}

function rowsOf(node: Node | null): Set<number> {
  const rows = new Set<number>();
  if (node) for (let r = node.startPosition.row; r <= node.endPosition.row; r++) rows.add(r);
  return rows;
}

/** The value of a plain (non-f) string literal node; a concatenation is its parts joined. */
export function stringValue(node: Node): string {
  if (node.type === 'concatenated_string') return node.namedChildren.filter((c) => c.type === 'string').map(stringValue).join('');
  return stringLiteralValue(node.text);
}

// ---------------------------------------------------------------- imports and __all__

interface AllState {
  names: string[] | null;
  unknown: boolean;
}

/** A call assigned to a bare name is kept when it is short (a decorator factory's call, not a data table). */
const MAX_ASSIGNED_CALL_CHARS = 200;

function scanModule(container: Node, imports: ImportStmt[], all: AllState, assignedCalls: { name: string; call: string }[]): void {
  for (const node of container.namedChildren) {
    switch (node.type) {
      case 'import_statement':
        imports.push(...plainImports(node));
        break;
      case 'import_from_statement':
      case 'future_import_statement':
        imports.push(fromImport(node));
        break;
      case 'expression_statement': {
        const expr = node.namedChild(0);
        if (expr) readAll(expr, all);
        if (expr) readAssignedCall(expr, assignedCalls);
        break;
      }
      default:
        if (TRANSPARENT.has(node.type)) scanModule(node, imports, all, assignedCalls);
    }
  }
}

/** "import a as b, c.d" binds b and c; each module becomes its own statement so blocks can take just one. */
function plainImports(node: Node): ImportStmt[] {
  const names = node.childrenForFieldName('name');
  const line = node.startPosition.row + 1;
  if (names.length === 1) return [importOf(names[0]!, node.text, line)];
  return names.map((n) => importOf(n, `import ${n.text.replace(/\s+/g, ' ')}`, line));
}

function importOf(n: Node, text: string, line: number): ImportStmt {
  if (n.type === 'aliased_import') {
    const mod = n.childForFieldName('name')?.text ?? '';
    return { text, module: mod, names: [n.childForFieldName('alias')?.text ?? mod], line };
  }
  return { text, module: n.text, names: [n.text.split('.')[0]!], line };
}

function fromImport(node: Node): ImportStmt {
  const module = node.type === 'future_import_statement' ? '__future__' : (node.childForFieldName('module_name')?.text ?? '');
  const names: string[] = [];
  if (node.namedChildren.some((c) => c.type === 'wildcard_import')) names.push('*');
  for (const n of node.childrenForFieldName('name')) {
    if (n.type === 'aliased_import') names.push(n.childForFieldName('alias')?.text ?? n.text);
    else names.push(n.text);
  }
  return { text: node.text, module: module.replace(/\s+/g, ''), names, line: node.startPosition.row + 1 };
}

function literalStrings(node: Node | null): string[] | null {
  if (!node || (node.type !== 'list' && node.type !== 'tuple')) return null;
  const out: string[] = [];
  for (const c of node.namedChildren) {
    if (c.type === 'comment') continue;
    if (c.type !== 'string' || /[fF]/.test(stringPrefix(c.text))) return null;
    out.push(stringValue(c));
  }
  return out;
}

function readAssignedCall(expr: Node, out: { name: string; call: string }[]): void {
  if (expr.type !== 'assignment') return;
  const left = expr.childForFieldName('left');
  const right = expr.childForFieldName('right');
  if (left?.type !== 'identifier' || right?.type !== 'call') return;
  const call = compactText([right], COMPACT);
  if (call.length <= MAX_ASSIGNED_CALL_CHARS) out.push({ name: left.text, call });
}

function readAll(expr: Node, all: AllState): void {
  if (expr.type !== 'assignment' && expr.type !== 'augmented_assignment') return;
  if (expr.childForFieldName('left')?.text !== '__all__') return;
  const values = literalStrings(expr.childForFieldName('right'));
  if (expr.type === 'assignment') {
    // A computed __all__ cannot be known without running the module.
    all.names = values;
    all.unknown = values === null;
    return;
  }
  if (expr.childForFieldName('operator')?.text !== '+=' || values === null || all.names === null) {
    all.unknown = true;
    return;
  }
  all.names = [...all.names, ...values];
}
