/**
 * Mining usage examples from what a repository already holds: doctests, tests, example scripts,
 * notebooks and README code. Everything here is static: code is read and rewritten, never run.
 *
 * Every example imports the package the way a user would (absolute imports, the public module when
 * the package re-exports a name); relative imports are resolved and sys.path hacks dropped. Test
 * helpers, fixtures and constants a test needs are inlined so the example runs on its own.
 */
import path from 'node:path';
import type { BlockKind, Example, ExampleSource } from '../../domain/block.js';
import type { FileRole, RepoFile } from '../../ingest/types.js';
import type { ExtractedSymbol, ParsedFile } from '../../parse/types.js';
import {
  bodyOf,
  boundNames,
  callsIn,
  dedent,
  freeNames,
  identifiersIn,
  logicalLines,
  mask,
  parseImport,
  renderImport,
  resolveRelative,
  splitDocstring,
  splitTopLevel,
  statementGroups,
  stripComment,
  type ImportBinding,
} from '../../python/syntax.js';
import { convertDoctest } from '../../python/doctest.js';
import { readNotebookContent } from '../../python/notebook.js';
import { publicPaths } from '../select.js';
import { clip, firstSentence } from '../summary.js';

/** What the miners need to know of a block. */
export interface BlockRef {
  qualifiedName: string;
  name: string;
  /** Defining module. */
  module: string;
  /** Module users import the object from (the class's, for methods). */
  publicImport: string;
  kind: BlockKind;
  parent: string | null;
}

export interface MineInput {
  blocks: BlockRef[];
  /** Library, test and example files, parsed. */
  parsedFiles: ParsedFile[];
  files: RepoFile[];
  readText(path: string): Promise<string>;
  /** Top-level packages the repository defines. */
  packageNames: string[];
  /** Notebooks already read (code cells joined); when absent, .ipynb files are read with readNotebook. */
  notebooks?: { path: string; code: string }[];
  /** Told of every file that could not be read or is broken (a NotebookError for a bad notebook). */
  onFileError?(path: string, error: unknown): void;
}

export interface WorkflowCandidate {
  path: string;
  code: string;
  /** Qualified names of the blocks it uses. */
  callsBlocks: string[];
  /** From the module docstring, the leading comment or the notebook's first markdown cell. */
  summary: string | null;
  source: 'script' | 'notebook';
}

export interface WorkflowInput extends Omit<MineInput, 'blocks'> {
  /** Blocks as refs, or as bare qualified names (resolved against the parsed library files). */
  blocks: (BlockRef | string)[];
}

export const MAX_EXAMPLES_PER_BLOCK = 3;
const MAX_SCRIPT_EXAMPLE_LINES = 120;
const MAX_WORKFLOW_LINES = 400;
const MAX_TEST_EXAMPLE_LINES = 80;
const MAX_INLINED_HELPER_LINES = 40;
const MAX_DOC_FILE_CHARS = 400_000;

// ---------------------------------------------------------------------------------------------
// Block resolution: which blocks a piece of code calls

class BlockIndex {
  /** object path (function, class, or class path + ".method") -> blocks */
  readonly byPath = new Map<string, BlockRef[]>();
  readonly byName = new Map<string, BlockRef[]>();
  /** class qualified name -> its method blocks */
  readonly methodsOfClass = new Map<string, BlockRef[]>();
  readonly classQn = new Map<BlockRef, string>();
  readonly libraryModules: Set<string>;

  constructor(
    readonly blocks: BlockRef[],
    libraryFiles: ParsedFile[],
    readonly packageNames: string[],
  ) {
    this.libraryModules = new Set(libraryFiles.map((f) => f.module));
    const aliases = publicPaths(libraryFiles);
    const add = (p: string, b: BlockRef) => {
      const list = this.byPath.get(p) ?? [];
      if (!list.includes(b)) list.push(b);
      this.byPath.set(p, list);
    };
    for (const b of blocks) {
      if (b.kind === 'workflow') continue;
      if (b.kind === 'method') {
        const cls = b.qualifiedName.slice(0, b.qualifiedName.length - b.name.length - 1);
        this.classQn.set(b, cls);
        const list = this.methodsOfClass.get(cls) ?? [];
        list.push(b);
        this.methodsOfClass.set(cls, list);
        const clsName = cls.split('.').pop()!;
        const paths = new Set([...(aliases.get(cls) ?? [cls]), `${b.publicImport}.${clsName}`]);
        for (const p of paths) add(`${p}.${b.name}`, b);
        continue;
      }
      const paths = new Set([...(aliases.get(b.qualifiedName) ?? [b.qualifiedName]), `${b.publicImport}.${b.name}`]);
      for (const p of paths) add(p, b);
      const named = this.byName.get(b.name) ?? [];
      named.push(b);
      this.byName.set(b.name, named);
    }
  }

  isPackageModule(mod: string): boolean {
    return this.libraryModules.has(mod) || this.packageNames.includes(mod.split('.')[0]!);
  }

  /** Blocks at a dotted path; falls back to a unique name under one of the packages. */
  lookup(full: string): BlockRef[] {
    const hit = this.byPath.get(full);
    if (hit) return hit;
    const parts = full.split('.');
    if (parts.length < 2 || !this.packageNames.includes(parts[0]!)) return [];
    const last = parts[parts.length - 1]!;
    const named = this.byName.get(last) ?? [];
    return named.length === 1 ? named : [];
  }

  /**
   * Blocks a snippet calls or constructs. Methods count when their class is referenced in the snippet
   * and a call ends in `.method(`.
   */
  calledBy(code: string, scope: Scope): BlockRef[] {
    const found = new Set<BlockRef>();
    const classes = new Set<string>();
    const attrCalls = new Set<string>();
    const resolveName = (dotted: string): BlockRef[] => {
      const parts = dotted.split('.');
      const bound = scope.bindings.get(parts[0]!);
      if (bound) return this.lookup([bound, ...parts.slice(1)].join('.'));
      for (const star of scope.stars) {
        const hit = this.lookup(`${star}.${dotted}`);
        if (hit.length) return hit;
      }
      return [];
    };
    for (const call of callsIn(code)) {
      if (call.startsWith('.')) {
        attrCalls.add(call.slice(1).split('.').pop()!);
        continue;
      }
      const hits = resolveName(call);
      for (const b of hits) {
        found.add(b);
        if (b.kind === 'class') classes.add(b.qualifiedName);
        if (b.kind === 'method') classes.add(this.classQn.get(b)!);
      }
      if (hits.length === 0 && call.includes('.')) attrCalls.add(call.split('.').pop()!);
    }
    // Classes referenced without a call (passed around, used with isinstance) still make methods count.
    for (const id of identifiersIn(code)) {
      for (const b of resolveName(id)) if (b.kind === 'class') classes.add(b.qualifiedName);
    }
    const m = mask(code);
    for (const am of m.matchAll(/\b([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)+)\b/g)) {
      for (const b of resolveName(am[1]!)) if (b.kind === 'class') classes.add(b.qualifiedName);
    }
    for (const cls of classes) {
      for (const meth of this.methodsOfClass.get(cls) ?? []) if (attrCalls.has(meth.name)) found.add(meth);
    }
    return [...found];
  }
}

/** Names bound by imports in a snippet: local -> absolute dotted target; star-imported modules. */
interface Scope {
  bindings: Map<string, string>;
  stars: string[];
}

function scopeOf(code: string, fromModule: string, isPackage: boolean): Scope {
  const bindings = new Map<string, string>();
  const stars: string[] = [];
  for (const ll of logicalLines(code)) {
    const head = ll.masked.trim();
    if (!/^(import|from)\s/.test(head)) continue;
    for (const b of parseImport(ll.text.trim())) {
      const mod = resolveRelative(b.module, fromModule, isPackage);
      if (b.name === '*') stars.push(mod);
      else if (b.name === null) bindings.set(b.local, b.dotted ? b.dotted.split('.')[0]! : mod);
      else bindings.set(b.local, `${mod}.${b.name}`);
    }
  }
  return { bindings, stars };
}

// ---------------------------------------------------------------------------------------------
// Rewriting imports so snippets import the package as users do

/**
 * Rewrite import lines: relative modules resolved against `fromModule`, a name imported from a
 * private module (or any module) rewritten to the block's public module, `sys.path` edits dropped.
 * Returns null when a relative import points outside the package (the snippet cannot run alone).
 */
function normaliseImports(code: string, fromModule: string, isPackage: boolean, index: BlockIndex): string | null {
  const lines = code.split('\n');
  const lls = logicalLines(code);
  const replace: { start: number; end: number; text: string[] }[] = [];
  const hacks: string[] = [];
  for (const ll of lls) {
    const head = ll.masked.trim();
    const indent = ' '.repeat(ll.indent);
    if (/\bsys\.path\.(insert|append|extend)\s*\(|\bsite\.addsitedir\s*\(|\bsys\.path\s*(\+=|=)/.test(ll.masked)) {
      hacks.push(ll.text);
      replace.push({ start: ll.start, end: ll.end, text: ll.indent > 0 ? [`${indent}pass`] : [] });
      continue;
    }
    if (!/^(import|from)\s/.test(head)) continue;
    const bindings = parseImport(ll.text.trim());
    if (bindings.length === 0) continue;
    const relative = bindings.some((b) => b.module.startsWith('.'));
    const out: string[] = [];
    let changed = relative;
    for (const b of bindings) {
      const mod = resolveRelative(b.module, fromModule, isPackage);
      if (relative && (!mod || !index.isPackageModule(mod))) return null;
      const rewritten = publicBinding({ ...b, module: mod }, index);
      if (rewritten.module !== b.module) changed = true;
      out.push(renderImport(rewritten));
    }
    if (changed) replace.push({ start: ll.start, end: ll.end, text: dedupe(out).map((t) => indent + t) });
  }
  for (const r of replace.sort((a, b) => b.start - a.start)) lines.splice(r.start, r.end - r.start + 1, ...r.text);
  const out = lines.join('\n');
  return hacks.length ? dropImportsOnlyHacksUsed(out, hacks.join('\n')) : out;
}

/** After sys.path edits are dropped, `import sys, os` that only served them go too. */
function dropImportsOnlyHacksUsed(code: string, hackText: string): string {
  const used = identifiersIn(code);
  const hackNames = identifiersIn(hackText);
  const lines = code.split('\n');
  const drop: { start: number; end: number }[] = [];
  for (const ll of logicalLines(code)) {
    if (ll.indent !== 0 || !/^(import|from)\s/.test(ll.masked.trim())) continue;
    const locals = parseImport(ll.text.trim()).map((b) => b.local);
    if (locals.length && locals.every((l) => !used.has(l) && hackNames.has(l))) drop.push(ll);
  }
  for (const d of drop.sort((a, b) => b.start - a.start)) lines.splice(d.start, d.end - d.start + 1);
  return lines.join('\n');
}

/** `from pkg._impl import f` -> `from pkg import f` when the block's public module is pkg. */
function publicBinding(b: ImportBinding, index: BlockIndex): ImportBinding {
  if (b.name === null || b.name === '*') return b;
  if (!index.isPackageModule(b.module)) return b;
  const hits = index.byPath.get(`${b.module}.${b.name}`) ?? [];
  const obj = hits.find((h) => h.kind === 'function' || h.kind === 'class');
  if (obj && obj.publicImport !== b.module) return { ...b, module: obj.publicImport };
  return b;
}

function dedupe(list: string[]): string[] {
  return [...new Set(list)];
}

/**
 * One line per module: `from m import a` and `from m import b` become `from m import a, b`; plain
 * imports stay. Standard library and third-party first, the package's own last.
 */
export function mergeImports(lines: string[], packageNames: string[]): string[] {
  const from = new Map<string, string[]>();
  const plain: string[] = [];
  for (const line of lines) {
    const bindings = parseImport(line);
    if (bindings.length === 0) continue;
    for (const b of bindings) {
      if (b.name === null) plain.push(renderImport(b));
      else {
        const list = from.get(b.module) ?? [];
        const item = b.name === b.local ? b.name : `${b.name} as ${b.local}`;
        if (!list.includes(item)) list.push(item);
        from.set(b.module, list);
      }
    }
  }
  const out = [...new Set(plain)];
  for (const [mod, names] of from) {
    out.push(names.includes('*') ? `from ${mod} import *` : `from ${mod} import ${names.sort().join(', ')}`);
  }
  return out.sort(importOrder(packageNames));
}

function importsPackage(code: string, packageNames: string[]): boolean {
  for (const ll of logicalLines(code)) {
    const head = ll.masked.trim();
    if (!/^(import|from)\s/.test(head)) continue;
    for (const b of parseImport(ll.text.trim())) {
      if (!b.module.startsWith('.') && packageNames.includes(b.module.split('.')[0]!)) return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Module context: what a file defines at top level (for inlining into tests, resolving doctest names)

interface ModuleInfo {
  file: ParsedFile;
  role: FileRole;
  isPackage: boolean;
  /** local name -> binding (module resolved to absolute; `relative` says how it was written) */
  bindings: Map<string, ImportBinding & { relative: boolean }>;
  /** top-level assignments: name -> source; names assigned more than once map to null */
  constants: Map<string, { code: string; names: string[] } | null>;
  /** top-level defs that are not tests or fixtures */
  functions: Map<string, ExtractedSymbol>;
  fixtures: Map<string, ExtractedSymbol>;
  classes: Map<string, ExtractedSymbol>;
  /** Absolute modules star-imported at top level. */
  stars: string[];
}

function decoratorName(d: string): string {
  return d.trim().replace(/^@/, '').replace(/\(.*$/s, '').trim();
}

function isFixture(sym: ExtractedSymbol): boolean {
  return sym.decorators.some((d) => /^(pytest\.)?fixture$/.test(decoratorName(d)));
}

function buildModuleInfo(file: ParsedFile, role: FileRole, text: string | null): ModuleInfo {
  const isPackage = /(^|\/)__init__\.py$/.test(file.path);
  const bindings = new Map<string, ImportBinding & { relative: boolean }>();
  const stars: string[] = [];
  for (const stmt of file.imports) {
    for (const b of parseImport(stmt.text)) {
      if (b.local === '*') {
        stars.push(resolveRelative(b.module, file.module, isPackage));
        continue;
      }
      bindings.set(b.local, { ...b, module: resolveRelative(b.module, file.module, isPackage), relative: b.module.startsWith('.') });
    }
  }
  const constants = new Map<string, { code: string; names: string[] } | null>();
  if (text !== null) {
    for (const g of statementGroups(text)) {
      const first = g.lines[0]!;
      if (first.indent !== 0) continue;
      const head = first.masked.trim();
      if (/^try\s*:/.test(head)) {
        // `try: import scipy / except ImportError: ...`: the import in the try body is the binding a test relies on.
        for (const ll of g.lines.slice(1)) {
          const h = ll.masked.trim();
          if (ll.indent === 0) break; // the except clause
          if (!/^(import|from)\s/.test(h)) continue;
          for (const b of parseImport(ll.text.trim())) {
            if (b.local === '*' || bindings.has(b.local)) continue;
            bindings.set(b.local, { ...b, module: resolveRelative(b.module, file.module, isPackage), relative: b.module.startsWith('.') });
          }
        }
        continue;
      }
      // `scipy = pytest.importorskip("scipy")` is an import for a snippet's purposes.
      const skipImport = /^([A-Za-z_]\w*)\s*=\s*pytest\.importorskip\(/.exec(head);
      if (skipImport) {
        const mod = /importorskip\(\s*["']([\w.]+)["']/.exec(g.text)?.[1];
        if (mod && !bindings.has(skipImport[1]!)) {
          bindings.set(skipImport[1]!, { local: skipImport[1]!, module: mod, name: null, dotted: null, relative: false });
        }
        continue;
      }
      if (/^(import|from|def|class|async|@|if|for|while|with)\b/.test(head)) continue;
      const m = /^([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*(?::[^=]*)?=(?!=)/.exec(head);
      if (!m) {
        // `X += 1`, `X[0] = ...`: a later change makes earlier definitions unsafe to inline alone
        const aug = /^([A-Za-z_]\w*)\s*(?:[-+*/%&|^@]|\/\/|\*\*|>>|<<)=|^([A-Za-z_]\w*)\s*\[/.exec(head);
        const n = aug?.[1] ?? aug?.[2];
        if (n && constants.has(n)) constants.set(n, null);
        continue;
      }
      const names = m[1]!.split(',').map((s) => s.trim());
      for (const n of names) constants.set(n, constants.has(n) ? null : { code: g.text, names });
    }
  }
  const functions = new Map<string, ExtractedSymbol>();
  const fixtures = new Map<string, ExtractedSymbol>();
  const classes = new Map<string, ExtractedSymbol>();
  for (const s of file.symbols) {
    if (s.kind === 'class') {
      classes.set(s.name, s);
      continue;
    }
    if (s.kind !== 'function') continue;
    if (isFixture(s)) {
      const nameArg = s.decorators.map((d) => /name\s*=\s*["']([^"']+)["']/.exec(d)?.[1]).find(Boolean);
      fixtures.set(nameArg ?? s.name, s);
    } else if (!/^test/.test(s.name)) functions.set(s.name, s);
  }
  return { file, role, isPackage, bindings, constants, functions, fixtures, classes, stars };
}

// ---------------------------------------------------------------------------------------------
// Tests

const BUILTIN_FIXTURES =
  /^(tmp_path|tmpdir|tmp_path_factory|tmpdir_factory|monkeypatch|capsys|capfd|capsysbinary|capfdbinary|caplog|request|recwarn|pytestconfig|cache|record_property|record_testsuite_property|doctest_namespace|mocker|benchmark|subtests|event_loop)$/;
const DISALLOWED_IN_TEST =
  /\bpytest\.(raises|warns|deprecated_call|skip|fail|xfail|importorskip|exit)\b|\b(monkeypatch|capsys|capfd|caplog|tmp_path|tmpdir|mocker)\b|\bmock\.|\bMagicMock\b|\bMock\(|\bpatch(\.object)?\(|\bunittest\.mock\b|\bawait\b|\bself\.assertRaises\b|\bassertWarns\b/;

interface TestCandidate {
  code: string;
  hasAsserts: boolean;
  needsPytest: boolean;
  path: string;
  line: number;
}

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
    let out: string | null;
    switch (m[1]) {
      case 'assertEqual':
      case 'assertEquals':
      case 'assertListEqual':
      case 'assertTupleEqual':
      case 'assertDictEqual':
      case 'assertSetEqual':
        out = bin('==');
        break;
      case 'assertNotEqual':
        out = bin('!=');
        break;
      case 'assertTrue':
        out = a !== undefined ? `assert ${a}` : null;
        break;
      case 'assertFalse':
        out = a !== undefined ? `assert not ${p(a)}` : null;
        break;
      case 'assertIs':
        out = bin('is');
        break;
      case 'assertIsNot':
        out = bin('is not');
        break;
      case 'assertIsNone':
        out = a !== undefined ? `assert ${p(a)} is None` : null;
        break;
      case 'assertIsNotNone':
        out = a !== undefined ? `assert ${p(a)} is not None` : null;
        break;
      case 'assertIn':
        out = bin('in');
        break;
      case 'assertNotIn':
        out = bin('not in');
        break;
      case 'assertIsInstance':
        out = a !== undefined && b !== undefined ? `assert isinstance(${a}, ${b})` : null;
        break;
      case 'assertGreater':
        out = bin('>');
        break;
      case 'assertGreaterEqual':
        out = bin('>=');
        break;
      case 'assertLess':
        out = bin('<');
        break;
      case 'assertLessEqual':
        out = bin('<=');
        break;
      case 'assertAlmostEqual': {
        if (a === undefined || b === undefined) out = null;
        else if (kwargs.has('delta')) out = `assert abs(${p(a)} - ${p(b)}) <= ${kwargs.get('delta')}`;
        else out = `assert round(abs(${p(a)} - ${p(b)}), ${kwargs.get('places') ?? args[2] ?? '7'}) == 0`;
        break;
      }
      default:
        out = null;
    }
    if (out === null) return null;
    replace.push({ start: ll.start, end: ll.end, text: ' '.repeat(ll.indent) + out });
  }
  for (const r of replace.sort((x, y) => y.start - x.start)) lines.splice(r.start, r.end - r.start + 1, r.text);
  return lines.join('\n');
}

/** `return`/`yield` outside a nested def would be a syntax error once the body is unwrapped. */
function hasTopLevelReturn(body: string): boolean {
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

interface Piece {
  key: string;
  code: string;
  /** Defs get blank lines around them; runs of assignments stay together. */
  isDef: boolean;
}

/**
 * Build a runnable example from one test function: the imports its body needs (absolute, public), the
 * module constants, helper functions and simple fixtures it uses inlined, the first parametrize case
 * as an assignment, then the body with its asserts. Null when the test needs what a snippet cannot give
 * (tmp_path, monkeypatch, mocks, pytest.raises, a fixture with a yield, ...).
 */
function buildTestExample(test: ExtractedSymbol, ctx: ModuleInfo, env: TestEnv): TestCandidate | null {
  const assigns: string[] = [];
  for (const d of test.decorators) {
    const name = decoratorName(d);
    if (/(^|\.)parametrize$/.test(name)) {
      const a = inlineParametrize(d);
      if (!a) return null;
      assigns.push(a);
      continue;
    }
    if (/(^|\.)mark\.(skip|skipif|xfail|usefixtures)$/.test(name)) return null;
    if (/(^|\.)mark\.\w+$/.test(name)) continue; // slow, filterwarnings, timeout...: no effect on a snippet
    return null; // hypothesis @given, mock.patch, custom decorators
  }
  let body = splitDocstring(bodyOf(test.code).body).rest;
  body = dedent(body).replace(/^\n+|\s+$/g, '');
  if (test.kind === 'method') {
    const rewritten = rewriteUnittestAsserts(body);
    if (rewritten === null) return null;
    body = rewritten;
    if (/\bself\b/.test(mask(body))) return null;
  }
  const maskedBody = mask(body);
  if (DISALLOWED_IN_TEST.test(maskedBody) || hasTopLevelReturn(body)) return null;
  // Paths next to the test file do not exist beside a snippet run elsewhere.
  if (/\b__file__\b/.test(maskedBody)) return null;
  if (body.trim() === '' || body.trim() === 'pass') return null;

  const params = test.parameters.map((p) => p.name).filter((n) => n !== 'self' && n !== 'cls');
  const bodyNames = new Set([...identifiersIn(body), ...boundNames(body)]);
  const paramNames = new Set(assigns.flatMap((a) => a.split('=')[0]!.split(',').map((s) => s.trim())));
  const pieces: Piece[] = [];
  const imports: string[] = [];
  const visiting = new Set<string>();
  const done = new Set<string>();

  const needFixture = (name: string, where: ModuleInfo): boolean => {
    const key = `fixture:${name}`;
    if (done.has(key)) return true;
    if (visiting.has(key) || BUILTIN_FIXTURES.test(name)) return false;
    const found = env.findFixture(name, where);
    if (!found) return false;
    const { sym, info } = found;
    if (sym.decorators.some((d) => /params\s*=/.test(d))) return false;
    const stmts = splitDocstring(bodyOf(sym.code).body).rest;
    const lls = logicalLines(stmts);
    if (lls.length === 0 || lls.some((l) => l.indent !== lls[0]!.indent)) return false; // straight-line only
    const last = lls[lls.length - 1]!;
    const ret = /^return\s+([^]+)$/.exec(last.text.trim());
    if (!ret) return false;
    if (lls.slice(0, -1).some((l) => /^(return|yield|if|for|while|with|try|def|class)\b/.test(l.masked.trim()))) return false;
    const prefix = dedent(lls.slice(0, -1).map((l) => l.text).join('\n'));
    // The fixture's locals become module-level names of the snippet; they must not clash with the test's.
    const clash = [...boundNames(prefix)].some((n) => bodyNames.has(n));
    if (clash) return false;
    const code = `${prefix ? prefix + '\n' : ''}${name} = ${ret[1]!.trim()}`;
    visiting.add(key);
    for (const p of sym.parameters.map((x) => x.name)) if (!needFixture(p, info)) return false;
    if (!needNames(code, info, new Set(sym.parameters.map((x) => x.name)))) return false;
    visiting.delete(key);
    done.add(key);
    pieces.push({ key, code, isDef: false });
    return true;
  };

  // Resolve the free names of `code` in module `where`; false when something required is unresolvable.
  const needNames = (code: string, where: ModuleInfo, skip: Set<string> = new Set()): boolean => {
    for (const n of freeNames(code)) {
      if (skip.has(n)) continue;
      if (!needName(n, where)) return false;
    }
    return true;
  };

  // `required`: the name must be found in `where` (it was imported from there), not just possibly a local.
  const needName = (n: string, where: ModuleInfo, required = false): boolean => {
    const key = `${where.file.path}:${n}`;
    if (done.has(key) || visiting.has(key)) return true;
    const b = where.bindings.get(n);
    if (b) {
      done.add(key);
      const local = env.localModule(b.module, where);
      if (local) {
        if (b.name === null) return false; // `import helpers` then helpers.x: too indirect to inline
        return needName(b.name, local, true) && (b.local === b.name || aliasPiece(b.local, b.name));
      }
      if (b.relative && !env.index.isPackageModule(b.module)) return false;
      const { relative: _relative, ...plain } = b;
      imports.push(renderImport(publicBinding(plain, env.index)));
      return true;
    }
    if (where.constants.has(n)) {
      const c = where.constants.get(n);
      if (!c) return false;
      if (c.code.split('\n').length > MAX_INLINED_HELPER_LINES) return false;
      visiting.add(key);
      const ok = needNames(c.code, where, new Set(c.names));
      visiting.delete(key);
      if (!ok) return false;
      for (const name of c.names) done.add(`${where.file.path}:${name}`);
      pieces.push({ key, code: c.code, isDef: false });
      return true;
    }
    const fn = where.functions.get(n) ?? where.classes.get(n);
    if (fn) {
      if (fn.endLine - fn.startLine + 1 > MAX_INLINED_HELPER_LINES) return false;
      visiting.add(key);
      const ok = needNames(fn.code, where, new Set([n]));
      visiting.delete(key);
      if (!ok) return false;
      done.add(key);
      pieces.push({ key, code: dedent(fn.code), isDef: true });
      return true;
    }
    // `from pkg import *`: a name the package provides gets its own explicit import.
    for (const star of where.stars) {
      const hit = env.index.lookup(`${star}.${n}`).find((h) => h.kind !== 'method');
      if (hit) {
        done.add(key);
        imports.push(`from ${hit.publicImport} import ${n}`);
        return true;
      }
    }
    return !required; // a local of the body, a builtin, or an attribute: nothing to bring in
  };

  const aliasPiece = (local: string, name: string): boolean => {
    pieces.push({ key: `alias:${local}`, code: `${local} = ${name}`, isDef: false });
    return true;
  };

  // Body names first, so module constants come before the fixtures in the snippet, as they would in a file.
  const skip = new Set([...params, ...paramNames]);
  for (const a of assigns) if (!needNames(a.slice(a.indexOf('=') + 1), ctx, skip)) return null;
  if (!needNames(body, ctx, skip)) return null;
  for (const p of params) {
    if (paramNames.has(p)) continue;
    if (!needFixture(p, ctx)) return null;
  }

  const importBlock = mergeImports(imports, env.index.packageNames);
  let middle = '';
  pieces.forEach((p, k) => {
    const prev = pieces[k - 1];
    if (prev) middle += prev.isDef || p.isDef ? '\n\n' : '\n';
    middle += p.code.replace(/\s+$/, '');
  });
  const sections = [importBlock.join('\n'), middle, assigns.join('\n'), body].filter((s) => s.trim() !== '');
  let code = sections.join('\n\n') + '\n';
  const needsPytest = /\bpytest\./.test(mask(code));
  if (needsPytest && !importBlock.includes('import pytest')) code = `import pytest\n${code}`;
  if (needsPytest) code = `# needs pytest${/\bpytest\.approx\b/.test(code) ? ' (pytest.approx)' : ''}\n${code}`;
  if (!importsPackage(code, env.index.packageNames)) return null;
  if (code.split('\n').length > MAX_TEST_EXAMPLE_LINES) return null;
  const hasAsserts = /^\s*assert\b/m.test(mask(code)) || /\bassert_\w*\s*\(|\btesting\.assert/.test(mask(code));
  return { code, hasAsserts, needsPytest, path: ctx.file.path, line: test.startLine };
}

/** Standard library and third-party imports first, the package's own last, each group sorted. */
function importOrder(packageNames: string[]) {
  const own = (s: string) => {
    const m = /^(?:from|import)\s+([\w.]+)/.exec(s);
    return m && packageNames.includes(m[1]!.split('.')[0]!) ? 1 : 0;
  };
  return (a: string, b: string) => own(a) - own(b) || (a < b ? -1 : a > b ? 1 : 0);
}

interface TestEnv {
  index: BlockIndex;
  findFixture(name: string, from: ModuleInfo): { sym: ExtractedSymbol; info: ModuleInfo } | null;
  /** A test/example helper module (conftest, tests/helpers.py) by absolute name, seen from a file. */
  localModule(module: string, from: ModuleInfo): ModuleInfo | null;
}

// ---------------------------------------------------------------------------------------------
// README and docs code

interface DocSnippet {
  code: string;
  expectedOutput: string | null;
  line: number;
  doctest: boolean;
}

/** Python code blocks of a Markdown or reStructuredText document, in order. */
export function docCodeBlocks(text: string, kind: 'md' | 'rst'): DocSnippet[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const raw: { code: string; line: number; lang: string }[] = [];
  if (kind === 'md') {
    for (let i = 0; i < lines.length; i++) {
      const open = /^( {0,3})(`{3,}|~{3,})\s*\{?([\w+-]*)\}?\s*([\w+-]*)/.exec(lines[i]!);
      if (!open) continue;
      const fence = open[2]!;
      let lang = (open[3] ?? '').toLowerCase();
      if (lang === 'code-cell' || lang === 'jupyter-execute') lang = (open[4] ?? 'python').toLowerCase();
      const body: string[] = [];
      let j = i + 1;
      while (j < lines.length && !new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`).test(lines[j]!)) body.push(lines[j++]!);
      raw.push({ code: dedent(body.join('\n')), line: i + 2, lang });
      i = j;
    }
  } else {
    for (let i = 0; i < lines.length; i++) {
      const dir = /^(\s*)\.\.\s+(code-block|code|sourcecode|testcode|doctest)::\s*(\w*)/.exec(lines[i]!);
      const literal = !dir && /::\s*$/.test(lines[i]!) && !/^\s*\.\./.test(lines[i]!);
      const doctestPara = !dir && /^\s*>>>/.test(lines[i]!) && (i === 0 || lines[i - 1]!.trim() === '');
      if (doctestPara) {
        const body: string[] = [];
        let j = i;
        while (j < lines.length && lines[j]!.trim() !== '') body.push(lines[j++]!);
        raw.push({ code: dedent(body.join('\n')), line: i + 1, lang: 'pycon' });
        i = j;
        continue;
      }
      if (!dir && !literal) continue;
      const baseIndent = dir ? dir[1]!.length : /^\s*/.exec(lines[i]!)![0].length;
      let j = i + 1;
      while (j < lines.length && (lines[j]!.trim() === '' || /^\s+:\w[\w-]*:/.test(lines[j]!))) j++;
      const body: string[] = [];
      while (j < lines.length && (lines[j]!.trim() === '' || /^\s*/.exec(lines[j]!)![0].length > baseIndent)) body.push(lines[j++]!);
      const lang = dir ? (dir[2] === 'doctest' ? 'pycon' : (dir[3] || 'python').toLowerCase()) : 'literal';
      raw.push({ code: dedent(body.join('\n')).replace(/\s+$/, ''), line: i + 1, lang });
      i = j - 1;
    }
  }
  const out: DocSnippet[] = [];
  for (const r of raw) {
    const isDoctest = /^\s*>>>/m.test(r.code);
    const pythonish = ['python', 'py', 'python3', 'pycon', 'ipython', 'ipython3', 'pyodide'].includes(r.lang);
    if (!pythonish && !(r.lang === '' || r.lang === 'literal')) continue;
    if (isDoctest) {
      const conv = convertDoctest(r.code);
      if (conv) out.push({ code: conv.code, expectedOutput: conv.expectedOutput, line: r.line, doctest: true });
      continue;
    }
    if (!pythonish && !/^\s*(import|from)\s+\w/m.test(r.code)) continue;
    // Shell sessions and IPython prompts are not scripts.
    if (/^\s*(\$ |In \[\d+\]:|pip install|conda )/m.test(r.code)) continue;
    out.push({ code: r.code, expectedOutput: null, line: r.line, doctest: false });
  }
  return out;
}

const CONVENTIONAL_ALIASES: Record<string, string> = {
  np: 'import numpy as np',
  pd: 'import pandas as pd',
  plt: 'import matplotlib.pyplot as plt',
};

// ---------------------------------------------------------------------------------------------
// Orchestration

interface Candidate {
  example: Example;
  tier: number;
  needsPytest: boolean;
  blocks: BlockRef[];
}

/** Lower is better: the order examples are offered in, whatever their length. */
const TIER = {
  doctestWithOutput: 0,
  testWithAsserts: 1,
  doctest: 2,
  test: 2,
  readme: 3,
  script: 4,
  notebook: 5,
} as const;

function makeExample(code: string, source: ExampleSource, p: string | null, line: number | null, expected: string | null): Example {
  return { code: code.replace(/\s+$/, '') + '\n', source, path: p, startLine: line, expectedOutput: expected, run: null };
}

interface Mined {
  candidates: Candidate[];
  workflows: WorkflowCandidate[];
}

/** mineExamples and mineWorkflows called with the same input object share one mining pass. */
const cache = new WeakMap<object, Promise<Mined>>();

function roleMap(files: RepoFile[]): Map<string, FileRole> {
  return new Map(files.map((f) => [f.path, f.role]));
}

/** Block refs for bare qualified names, resolved against the parsed library files (public import included). */
function refsFromNames(names: (BlockRef | string)[], parsedFiles: ParsedFile[], roles: Map<string, FileRole>): BlockRef[] {
  const libs = parsedFiles.filter((f) => roles.get(f.path) === 'library');
  const aliases = publicPaths(libs);
  const out: BlockRef[] = [];
  for (const n of names) {
    if (typeof n !== 'string') {
      out.push(n);
      continue;
    }
    for (const f of libs) {
      if (!n.startsWith(f.module + '.')) continue;
      const local = n.slice(f.module.length + 1);
      const sym = f.symbols.find((s) => s.localName === local);
      if (!sym) continue;
      const objLocal = sym.kind === 'method' ? local.split('.').slice(0, -1).join('.') : local;
      const objName = objLocal.split('.').pop()!;
      const pref = (aliases.get(`${f.module}.${objLocal}`) ?? [`${f.module}.${objLocal}`])[0]!;
      out.push({ qualifiedName: n, name: sym.name, module: f.module, publicImport: pref.slice(0, pref.length - objName.length - 1), kind: sym.kind, parent: sym.parent });
      break;
    }
  }
  return out;
}

async function mineEverything(input: WorkflowInput): Promise<Mined> {
  const roles = roleMap(input.files);
  const blocks = refsFromNames(input.blocks, input.parsedFiles, roles);
  const libraryFiles = input.parsedFiles.filter((f) => roles.get(f.path) === 'library');
  const index = new BlockIndex(blocks, libraryFiles, input.packageNames);
  const candidates: Candidate[] = [];
  const workflows: WorkflowCandidate[] = [];
  const texts = new Map<string, Promise<string | null>>();
  const read = (p: string): Promise<string | null> => {
    let t = texts.get(p);
    if (!t) {
      t = input.readText(p).then(
        (s) => s.replace(/\r\n?/g, '\n'),
        (e: unknown) => {
          input.onFileError?.(p, e);
          return null;
        },
      );
      texts.set(p, t);
    }
    return t;
  };

  // --- module infos for library and test/example files
  const infos = new Map<string, ModuleInfo>();
  const infoOf = async (f: ParsedFile): Promise<ModuleInfo> => {
    let info = infos.get(f.path);
    if (!info) {
      info = buildModuleInfo(f, roles.get(f.path) ?? 'other', await read(f.path));
      infos.set(f.path, info);
    }
    return info;
  };
  const byModuleLib = new Map(libraryFiles.map((f) => [f.module, f]));
  // Library functions and methods that never return a value, by bare name (all same-named ones must agree).
  const nothingByName = new Map<string, boolean>();
  for (const f of libraryFiles) {
    for (const sym of f.symbols) {
      if (sym.kind === 'class') {
        nothingByName.set(sym.name, false);
        continue;
      }
      const body = mask(splitDocstring(bodyOf(sym.code).body).rest);
      const nothing = !/^\s*return\s+[^\s#]/m.test(body) && !/\byield\b/.test(body);
      nothingByName.set(sym.name, (nothingByName.get(sym.name) ?? true) && nothing);
    }
  }
  const returnsNothing = (callee: string) => nothingByName.get(callee.split('.').pop()!) === true;

  // A construct the text scans do not understand costs that one source, never the whole mining run.
  const guard = async (where: string, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (e) {
      input.onFileError?.(where, new Error(`examples could not be mined from ${where}: ${e instanceof Error ? e.message : String(e)}`, { cause: e }));
    }
  };

  // --- doctests
  for (const b of blocks) {
    await guard(b.qualifiedName, async () => {
      if (b.kind === 'workflow') return;
      const file = byModuleLib.get(b.module);
      if (!file) return;
      const local = b.qualifiedName.slice(b.module.length + 1);
      const sym = file.symbols.find((s) => s.localName === local);
      if (!sym?.docstring || !/>>>/.test(sym.docstring)) return;
      const conv = convertDoctest(sym.docstring, { returnsNothing });
      if (!conv) return;
      const info = await infoOf(file);
      const objName = b.kind === 'method' ? (b.parent ?? local.split('.')[0]!).split('.').pop()! : b.name;
      const own = scopeOf(conv.code, b.module, info.isPackage);
      const header: string[] = [];
      if (!own.bindings.has(objName)) header.push(`from ${b.publicImport} import ${objName}`);
      for (const n of freeNames(conv.code)) {
        if (n === objName || own.bindings.has(n)) continue;
        const binding = info.bindings.get(n);
        if (binding) {
          header.push(renderImport(publicBinding(binding, index)));
          continue;
        }
        // A name the module defines at top level (doctest runs in the module's globals).
        const defined = file.symbols.some((s) => s.kind !== 'method' && s.name === n) || info.constants.has(n);
        if (defined) {
          const hit = index.byPath.get(`${b.module}.${n}`)?.[0];
          header.push(`from ${hit && hit.kind !== 'method' ? hit.publicImport : b.module} import ${n}`);
        }
      }
      const normalised = normaliseImports(conv.code, b.module, info.isPackage, index);
      if (normalised === null) return;
      const code = `${mergeImports(header, input.packageNames).join('\n')}\n${normalised}`;
      const codeLines = sym.code.split('\n');
      const firstPrompt = sym.docstring.split('\n')[conv.firstLine]?.trim() ?? '';
      const offset = firstPrompt ? codeLines.findIndex((l) => l.trim() === firstPrompt) : -1;
      const ex = makeExample(code, 'doctest', file.path, offset >= 0 ? sym.startLine + offset : sym.startLine, conv.expectedOutput);
      const called = index.calledBy(code, scopeOf(code, '', false)).filter((x) => x !== b);
      candidates.push({ example: ex, tier: conv.expectedOutput ? TIER.doctestWithOutput : TIER.doctest, needsPytest: false, blocks: [b, ...called] });
    });
  }

  // --- tests
  const testFiles = input.parsedFiles.filter((f) => roles.get(f.path) === 'test' && f.language === 'python');
  const nonLibrary = input.parsedFiles.filter((f) => roles.get(f.path) !== 'library' && f.language === 'python');
  const env: TestEnv = {
    index,
    findFixture: (name, from) => {
      const own = from.fixtures.get(name);
      if (own) return { sym: own, info: from };
      let dir = path.posix.dirname(from.file.path);
      for (;;) {
        const conf = nonLibrary.find((f) => f.path === (dir === '.' ? 'conftest.py' : `${dir}/conftest.py`));
        const info = conf ? infos.get(conf.path) : undefined;
        const sym = info?.fixtures.get(name);
        if (info && sym) return { sym, info };
        if (dir === '.' || dir === '') break;
        dir = path.posix.dirname(dir);
      }
      return null;
    },
    localModule: (module, from) => {
      if (!module) return null;
      const exact = nonLibrary.find((f) => f.module === module);
      if (exact) return infos.get(exact.path) ?? null;
      // pytest puts the test folder on sys.path: `from helpers import x` means tests/helpers.py
      const dir = path.posix.dirname(from.file.path);
      const rel = module.replace(/\./g, '/');
      const near = nonLibrary.find((f) => f.path === (dir === '.' ? `${rel}.py` : `${dir}/${rel}.py`) || f.path === `${dir}/${rel}/__init__.py`);
      if (near) return infos.get(near.path) ?? null;
      const suffix = nonLibrary.find((f) => f.module.endsWith('.' + module) && !index.isPackageModule(module));
      return suffix ? (infos.get(suffix.path) ?? null) : null;
    },
  };
  for (const f of nonLibrary) await infoOf(f);
  for (const f of testFiles) {
    const info = infos.get(f.path)!;
    for (const sym of f.symbols) {
      const isTest =
        (sym.kind === 'function' && /^test/.test(sym.name)) ||
        (sym.kind === 'method' && /^test/.test(sym.name) && /^Test|Test$|Tests$/.test(sym.parent ?? ''));
      if (!isTest || isFixture(sym)) continue;
      let built: TestCandidate | null = null;
      try {
        built = buildTestExample(sym, info, env);
      } catch {
        built = null; // a construct the text scans do not understand: skip this test, keep the rest
      }
      if (!built) continue;
      const called = index.calledBy(built.code, scopeOf(built.code, '', false));
      if (called.length === 0) continue;
      candidates.push({
        example: makeExample(built.code, 'test', built.path, built.line, null),
        tier: built.hasAsserts ? TIER.testWithAsserts : TIER.test,
        needsPytest: built.needsPytest,
        blocks: called,
      });
    }
  }

  // --- README and docs
  const docFiles = input.files.filter(
    (f) => /\.(md|markdown|rst)$/i.test(f.path) && (f.role === 'docs' || /(^|\/)readme\.[^/]+$/i.test(f.path)) && f.size <= MAX_DOC_FILE_CHARS,
  );
  docFiles.sort((a, b) => Number(!/readme/i.test(a.path)) - Number(!/readme/i.test(b.path)) || a.path.localeCompare(b.path));
  for (const f of docFiles) {
    await guard(f.path, async () => {
      const text = await read(f.path);
      if (text === null) return;
      const snippets = docCodeBlocks(text, /\.rst$/i.test(f.path) ? 'rst' : 'md');
      for (let k = 0; k < snippets.length; k++) {
        const s = snippets[k]!;
        const code = standaloneDocCode(snippets, k);
        if (code === null) continue;
        const normalised = normaliseImports(code.code, '', false, index);
        if (normalised === null || !importsPackage(normalised, input.packageNames)) continue;
        // Blocks the snippet itself calls; earlier snippets only provide its context.
        const own = new Set(callsIn(s.code).map((c) => c.split('.').pop()!));
        const called = index.calledBy(normalised, scopeOf(normalised, '', false)).filter((b) => own.has(b.name));
        if (called.length === 0) continue;
        candidates.push({ example: makeExample(normalised, 'readme', f.path, s.line, code.expectedOutput), tier: TIER.readme, needsPytest: false, blocks: called });
      }
    });
  }

  // --- example scripts
  for (const f of input.files.filter((x) => x.role === 'example' && /\.py$/.test(x.path))) {
    await guard(f.path, async () => {
      const text = await read(f.path);
      if (text === null) return;
      const pf = input.parsedFiles.find((p) => p.path === f.path);
      const normalised = normaliseImports(text, pf?.module ?? '', false, index);
      if (normalised === null || !importsPackage(normalised, input.packageNames)) return;
      const code = normalised.replace(/^#!.*\n/, '').replace(/^#.*coding[:=].*\n/, '').replace(/\s+$/, '') + '\n';
      const called = index.calledBy(code, scopeOf(code, '', false));
      if (called.length === 0) return;
      const lines = code.split('\n').length;
      const summary = scriptSummary(pf?.moduleDocstring ?? null, code);
      if (lines <= MAX_WORKFLOW_LINES) workflows.push({ path: f.path, code, callsBlocks: called.map((b) => b.qualifiedName), summary, source: 'script' });
      if (lines <= MAX_SCRIPT_EXAMPLE_LINES && !needsCommandLine(code)) {
        candidates.push({ example: makeExample(code, 'script', f.path, 1, null), tier: TIER.script, needsPytest: false, blocks: called });
      }
    });
  }

  // --- notebooks
  const notebooks: { path: string; code: string; summary: string | null }[] = [];
  if (input.notebooks) {
    for (const nb of input.notebooks) notebooks.push({ ...nb, summary: null });
  } else {
    for (const f of input.files.filter((x) => x.role === 'notebook' || /\.ipynb$/i.test(x.path))) {
      const text = await read(f.path);
      if (text === null) continue;
      try {
        const nb = readNotebookContent(text, f.path);
        if (nb.language && !/^(python|ipython)/i.test(nb.language)) continue;
        notebooks.push({ path: f.path, code: nb.codeCells.join('\n\n'), summary: notebookSummary(nb.markdownCells) });
      } catch (e) {
        input.onFileError?.(f.path, e);
      }
    }
  }
  for (const nb of notebooks) {
    await guard(nb.path, async () => {
      if (!nb.code.trim()) return;
      const normalised = normaliseImports(nb.code, '', false, index);
      if (normalised === null || !importsPackage(normalised, input.packageNames)) return;
      const code = normalised.replace(/\s+$/, '') + '\n';
      const called = index.calledBy(code, scopeOf(code, '', false));
      if (called.length === 0) return;
      const lines = code.split('\n').length;
      let summary = nb.summary;
      if (summary === null && input.notebooks) {
        const text = await read(nb.path);
        if (text !== null) {
          try {
            summary = notebookSummary(readNotebookContent(text, nb.path).markdownCells);
          } catch {
            summary = null; // the caller already reported this notebook
          }
        }
      }
      if (lines <= MAX_WORKFLOW_LINES) workflows.push({ path: nb.path, code, callsBlocks: called.map((b) => b.qualifiedName), summary, source: 'notebook' });
      if (lines <= MAX_SCRIPT_EXAMPLE_LINES) {
        candidates.push({ example: makeExample(code, 'notebook', nb.path, null, null), tier: TIER.notebook, needsPytest: false, blocks: called });
      }
    });
  }
  return { candidates, workflows };
}

/** Scripts that need command-line arguments fail when run bare. */
function needsCommandLine(code: string): boolean {
  const m = mask(code);
  if (/\bsys\.argv\s*\[\s*[1-9]/.test(m)) return true;
  for (const am of code.matchAll(/add_argument\s*\(\s*(["'])([^"']*)\1([^)]*)\)/g)) {
    if (!am[2]!.startsWith('-') && !/nargs\s*=\s*["'][?*]["']|default\s*=/.test(am[3]!)) return true;
    if (/required\s*=\s*True/.test(am[3]!)) return true;
  }
  return false;
}

/**
 * Code for doc snippet k that runs alone: the snippet itself when every name it reads is bound there (or
 * by a conventional alias such as np), else the shortest run of preceding snippets that binds them.
 */
function standaloneDocCode(snippets: DocSnippet[], k: number): { code: string; expectedOutput: string | null } | null {
  for (let j = k; j >= 0; j--) {
    const run = snippets.slice(j, k + 1);
    const joined = run.map((s) => s.code).join('\n');
    const free = [...freeNames(joined)];
    const missing = free.filter((n) => !CONVENTIONAL_ALIASES[n]);
    if (missing.length > 0) continue;
    const extra = free.map((n) => CONVENTIONAL_ALIASES[n]!);
    // Expected output is known only when every part is a doctest (plain code may print too).
    const expected = run.every((s) => s.doctest) && run.some((s) => s.expectedOutput) ? run.map((s) => s.expectedOutput ?? '').join('') : null;
    return { code: [...extra, joined].join('\n'), expectedOutput: expected };
  }
  return null;
}

function scriptSummary(docstring: string | null, code: string): string | null {
  if (docstring && docstring.trim()) return clip(firstSentence(docstring.split(/\n\s*\n/)[0]!), 300);
  const lines = code.split('\n');
  const comment: string[] = [];
  for (const l of lines) {
    const t = l.trim();
    if (t.startsWith('#!') || /coding[:=]/.test(t)) continue;
    if (t.startsWith('#')) {
      comment.push(t.replace(/^#+\s?/, ''));
      continue;
    }
    if (t === '' && comment.length === 0) continue;
    break;
  }
  const text = comment.join(' ').trim();
  return text ? clip(firstSentence(text), 300) : null;
}

function notebookSummary(markdown: string[]): string | null {
  let title: string | null = null;
  for (const cell of markdown) {
    for (const para of cell.split(/\n\s*\n/)) {
      const p = para.trim();
      if (!p) continue;
      const h = /^#{1,6}\s+(.+)$/.exec(p.split('\n')[0]!);
      if (h && p.split('\n').length === 1) {
        title ??= h[1]!.trim();
        continue;
      }
      const text = p.replace(/^#{1,6}\s+.*\n/, '').replace(/\s+/g, ' ').trim();
      if (!text) continue;
      const sentence = firstSentence(text);
      return clip(title ? `${title}: ${sentence}` : sentence, 300);
    }
  }
  return title;
}

function sortCandidates(list: Candidate[]): Candidate[] {
  return [...list].sort(
    (a, b) =>
      a.tier - b.tier ||
      Number(a.needsPytest) - Number(b.needsPytest) ||
      a.example.code.split('\n').length - b.example.code.split('\n').length ||
      a.example.code.length - b.example.code.length,
  );
}

function mined(input: WorkflowInput): Promise<Mined> {
  let p = cache.get(input);
  if (!p) {
    p = mineEverything(input);
    cache.set(input, p);
  }
  return p;
}

/**
 * Examples per block (by qualified name), best first, at most three: doctest with expected output,
 * test with asserts, README, script, notebook; shorter first within a kind.
 */
export async function mineExamples(input: MineInput): Promise<Map<string, Example[]>> {
  const { candidates } = await mined(input);
  const out = new Map<string, Example[]>();
  const per = new Map<string, Candidate[]>();
  for (const c of candidates) {
    for (const b of c.blocks) {
      const list = per.get(b.qualifiedName) ?? [];
      list.push(c);
      per.set(b.qualifiedName, list);
    }
  }
  for (const [qn, list] of per) {
    const seen = new Set<string>();
    const picked: Example[] = [];
    for (const c of sortCandidates(list)) {
      if (seen.has(c.example.code)) continue;
      seen.add(c.example.code);
      // Each block gets its own Example object: the run record is written on it later.
      picked.push({ ...c.example });
      if (picked.length >= MAX_EXAMPLES_PER_BLOCK) break;
    }
    out.set(qn, picked);
  }
  return out;
}

/** Example scripts and notebooks that use the package, as workflow candidates. */
export async function mineWorkflows(input: WorkflowInput): Promise<WorkflowCandidate[]> {
  const { workflows } = await mined(input);
  return workflows;
}
