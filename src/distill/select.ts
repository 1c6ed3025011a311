/**
 * Which parsed symbols become building blocks, where users import them from, and how central each is.
 *
 * Only files with role 'library' contribute. Private names, trivial bodies and test helpers are left out;
 * dunder methods (`__init__`, `__call__`, ...) are not blocks of their own, their class block covers them.
 */
import type { FileRole } from '../ingest/types.js';
import type { ExtractedSymbol, ParsedFile } from '../parse/types.js';
import { parseImport, resolveRelative } from '../python/imports.js';
import { bodyStatements, decoratorName } from '../python/syntax.js';

export interface SelectedSymbol {
  file: ParsedFile;
  symbol: ExtractedSymbol;
  kind: ExtractedSymbol['kind'];
  name: string;
  /** Enclosing class for methods. */
  parent: string | null;
  /** Module that defines it ("pkg.mod"). */
  module: string;
  /** Defining module + local name: "pkg.mod.f", "pkg.mod.Class.method". */
  qualifiedName: string;
  /**
   * The module a user imports it from: "pkg" when `pkg/__init__.py` re-exports it, else the defining
   * module. For a method, the module the class is imported from. Examples write
   * `from <publicImport> import <name or class>`.
   */
  publicImport: string;
  /** Dotted path of the importable object: `publicImport + "." + name` (the class for methods). */
  publicPath: string;
  /** Re-exported by a package `__init__` or listed in an `__all__`. */
  exported: boolean;
  /** Every dotted path the object (the class, for methods) can be imported at, preferred first. */
  aliases: string[];
}

const TEST_MODULE_SEGMENT = /^(tests?|testing|conftest|test_.*|.*_tests?)$/;

/** Python hides names with a leading underscore; R with a leading dot (and the underscore habit is common too). */
function isPrivateName(name: string, language: ParsedFile['language'] = 'python'): boolean {
  if (language === 'r') return name.startsWith('.') || name.startsWith('_');
  return name.startsWith('_');
}

function hasPrivateSegment(dotted: string): boolean {
  return dotted.split('.').some((s) => s.startsWith('_') && !(s.startsWith('__') && s.endsWith('__')));
}

function isInitFile(f: ParsedFile): boolean {
  return /(^|\/)__init__\.py$/.test(f.path);
}

/**
 * Public import paths for every top-level function and class of the library files: the defining path
 * plus every `pkg.name` a package `__init__` re-exports it as (`from .mod import name`, absolute
 * `from pkg.mod import name`, or a star import honouring the module's `__all__`). Chains of
 * re-exports through sub-packages are followed.
 */
export function publicPaths(libraryFiles: ParsedFile[]): Map<string, string[]> {
  // alias path -> canonical qualified name
  const canonical = new Map<string, string>();
  const byModule = new Map<string, ParsedFile>();
  for (const f of libraryFiles) {
    byModule.set(f.module, f);
    for (const s of f.symbols) {
      if (s.kind === 'method') continue;
      const qn = `${f.module}.${s.localName}`;
      canonical.set(qn, qn);
    }
  }
  const inits = libraryFiles.filter(isInitFile);
  for (let round = 0; round < 6; round++) {
    let added = 0;
    for (const f of inits) {
      for (const stmt of f.imports) {
        const bindings = parseImport(stmt.text);
        for (const b of bindings) {
          if (b.name === null) continue;
          const from = resolveRelative(b.module, f.module, true);
          if (b.name === '*') {
            const src = byModule.get(from);
            const allow = src?.allExports ?? null;
            for (const [alias, qn] of [...canonical]) {
              if (!alias.startsWith(from + '.')) continue;
              const rest = alias.slice(from.length + 1);
              if (rest.includes('.')) continue;
              if (allow ? !allow.includes(rest) : isPrivateName(rest)) continue;
              const target = `${f.module}.${rest}`;
              if (!canonical.has(target)) {
                canonical.set(target, qn);
                added++;
              }
            }
            continue;
          }
          const qn = canonical.get(`${from}.${b.name}`);
          // An alias (`from .m import f as g`) would make examples call a name the block does not have.
          if (!qn || b.local !== b.name) continue;
          const target = `${f.module}.${b.local}`;
          if (!canonical.has(target)) {
            canonical.set(target, qn);
            added++;
          }
        }
      }
    }
    if (added === 0) break;
  }
  const out = new Map<string, string[]>();
  for (const [alias, qn] of canonical) {
    const list = out.get(qn) ?? [];
    list.push(alias);
    out.set(qn, list);
  }
  for (const list of out.values()) list.sort(comparePaths);
  return out;
}

/** Preferred import path first: public before private segments, then shorter, then alphabetical. */
function comparePaths(a: string, b: string): number {
  const pa = hasPrivateSegment(a) ? 1 : 0;
  const pb = hasPrivateSegment(b) ? 1 : 0;
  if (pa !== pb) return pa - pb;
  const la = a.split('.').length;
  const lb = b.split('.').length;
  if (la !== lb) return la - lb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Body statements with the docstring, comments and blank lines removed. */
function statements(sym: ExtractedSymbol): string[] {
  try {
    return bodyStatements(sym.code).map((l) => l.text.trim());
  } catch {
    return [];
  }
}

/** Why a symbol is too trivial to be a block, or null when it is worth keeping. */
export function trivialReason(sym: ExtractedSymbol, language: ParsedFile['language'] = 'python'): string | null {
  // The body checks below read Python; other languages only get the size test.
  if (language !== 'python') return sym.bodyLines <= 1 && !sym.docstring ? 'one-line body without docstring' : null;
  const decos = sym.decorators.map(decoratorName);
  if (decos.some((d) => /\.(setter|deleter)$/.test(d))) return 'property setter/deleter';
  if (decos.some((d) => d === 'overload' || d === 'typing.overload')) return 'typing overload stub';
  const stmts = statements(sym);
  if (stmts.length === 0) return sym.kind === 'class' ? 'empty class' : 'docstring-only body';
  if (stmts.every((s) => s === 'pass' || s === '...')) return 'pass-only body';
  if (stmts.length === 1 && /^raise\s+NotImplementedError\b/.test(stmts[0]!)) return 'abstract stub';
  if (stmts.length === 1 && /^return\s+NotImplemented\s*$/.test(stmts[0]!)) return 'abstract stub';
  const isProperty = decos.some((d) => /(^|\.)(property|cached_property)$/.test(d));
  if (isProperty && stmts.length === 1 && /^return\s+self\.[A-Za-z_]\w*\s*$/.test(stmts[0]!)) return 'property getter';
  if (sym.bodyLines <= 1 && !sym.docstring) return 'one-line body without docstring';
  return null;
}

function isTestModule(module: string): boolean {
  return module.split('.').some((s) => TEST_MODULE_SEGMENT.test(s));
}

/**
 * The public, non-trivial symbols of the library files, with their preferred import. Methods of
 * private or left-out classes are left out with them.
 */
export function selectSymbols(files: ParsedFile[], roles: Map<string, FileRole>): SelectedSymbol[] {
  const libraryFiles = files.filter((f) => roles.get(f.path) === 'library');
  const paths = publicPaths(libraryFiles);
  const out: SelectedSymbol[] = [];
  for (const f of libraryFiles) {
    if (isTestModule(f.module)) continue;
    const keptClasses = new Map<string, SelectedSymbol>();
    // Classes first, so methods can look up whether their class was kept.
    const ordered = [...f.symbols].sort((a, b) => (a.kind === 'class' ? 0 : 1) - (b.kind === 'class' ? 0 : 1) || a.startLine - b.startLine);
    const picked: SelectedSymbol[] = [];
    for (const sym of ordered) {
      if (isPrivateName(sym.name, f.language)) continue;
      if (sym.kind !== 'class' && /^test($|_)/.test(sym.name)) continue;
      const parentPath = sym.parent ?? (sym.kind === 'method' ? sym.localName.split('.').slice(0, -1).join('.') : null);
      if (sym.kind === 'method') {
        if (!parentPath || parentPath.split('.').some((p) => isPrivateName(p, f.language))) continue;
      }
      const objectLocal = sym.kind === 'method' ? parentPath! : sym.localName;
      const python = f.language === 'python';
      // Nested classes (Outer.Inner) cannot be imported by name; users reach them through the outer class.
      // (R names may hold dots, and R has no import paths: the defining module is all there is.)
      if (python && objectLocal.includes('.')) continue;
      const qnObject = `${f.module}.${objectLocal}`;
      const aliases = paths.get(qnObject) ?? [qnObject];
      const preferred = aliases[0]!;
      // A public name inside a private module is an implementation detail unless a public path exports it.
      if (hasPrivateSegment(preferred)) continue;
      // Methods go with their class: left out when it was.
      if (sym.kind === 'method' && !keptClasses.has(parentPath!)) continue;
      const trivial = trivialReason(sym, f.language);
      const isClass = sym.kind === 'class';
      // A class whose own body is thin still earns a block when it carries public methods.
      if (trivial && !(isClass && hasPublicMethods(f, sym))) continue;
      const objectName = python ? objectLocal.split('.').pop()! : objectLocal;
      const publicImport = python ? preferred.slice(0, preferred.length - objectName.length - 1) : f.module;
      const inAll =
        (f.allExports?.includes(objectLocal.split('.')[0]!) ?? false) ||
        (f.language === 'r' && /^@export\b/m.test(sym.docstring ?? ''));
      const sel: SelectedSymbol = {
        file: f,
        symbol: sym,
        kind: sym.kind,
        name: sym.name,
        parent: sym.kind === 'method' ? parentPath : null,
        module: f.module,
        qualifiedName: `${f.module}.${sym.localName}`,
        publicImport,
        publicPath: preferred,
        exported: aliases.length > 1 || inAll,
        aliases,
      };
      if (isClass) keptClasses.set(sym.localName, sel);
      picked.push(sel);
    }
    picked.sort((a, b) => a.symbol.startLine - b.symbol.startLine);
    out.push(...picked);
  }
  return out;
}

function hasPublicMethods(f: ParsedFile, cls: ExtractedSymbol): boolean {
  return f.symbols.some((s) => s.kind === 'method' && s.parent === cls.localName && !isPrivateName(s.name, f.language) && !trivialReason(s, f.language));
}

/** The inputs of the centrality score, exposed so a caller can explain a rank. */
export interface RankFeatures {
  exported: boolean;
  hasDocstring: boolean;
  docstringHasExample: boolean;
  /** Distinct test, example, notebook and docs files that use it. */
  referencingFiles: number;
  /** Distinct other blocks that call it. */
  callers: number;
  kind: SelectedSymbol['kind'];
}

/**
 * Centrality score, higher = more central:
 *
 *   3   if re-exported by a package __init__ or listed in __all__ (the authors call it public API)
 * + 2   if it has a docstring, + 1 more when the docstring holds a `>>>` example
 * + 4 * log2(1 + files)   distinct test/example/notebook/docs files that use it: the strongest signal,
 *                         since what the authors exercise and show is what users need; log so a helper
 *                         used by fifty tests does not drown everything else
 * + 1.5 * log2(1 + callers)   distinct other blocks that call it (building blocks of building blocks)
 * + kind: class 1.5 (entry points that bundle state), function 1, method 0.5 (reached through a class)
 */
export function centralityScore(f: RankFeatures): number {
  const kind = f.kind === 'class' ? 1.5 : f.kind === 'function' ? 1 : 0.5;
  const s =
    (f.exported ? 3 : 0) +
    (f.hasDocstring ? 2 : 0) +
    (f.docstringHasExample ? 1 : 0) +
    4 * Math.log2(1 + f.referencingFiles) +
    1.5 * Math.log2(1 + f.callers) +
    kind;
  return Math.round(s * 1000) / 1000;
}

const REFERENCE_ROLES: ReadonlySet<FileRole> = new Set<FileRole>(['test', 'example', 'notebook', 'docs']);

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Does a file reference the symbol? With its text: the object's name (the class's, for methods, plus
 * `.method(`) appears as a word and the file mentions one of the object's import modules. Without text
 * (a parsed file only): an import binds the object, or a module it lives in, and a symbol of the file
 * calls it.
 */
function referencesByText(sel: SelectedSymbol, text: string): boolean {
  const objectName = sel.publicPath.split('.').pop()!;
  if (!new RegExp(`\\b${escapeRe(objectName)}\\b`).test(text)) return false;
  if (sel.kind === 'method' && !new RegExp(`\\.${escapeRe(sel.name)}\\s*\\(`).test(text)) return false;
  const top = sel.module.split('.')[0]!;
  return new RegExp(`\\b${escapeRe(top)}\\b`).test(text);
}

/** What a reference file imports and calls, computed once per file. */
interface FileFacts {
  bindings: { from: string; name: string | null; local: string }[];
  calls: string[];
  /** Last segments of every call, for a quick "could it call this at all" test. */
  callNames: Set<string>;
  importedNames: Set<string>;
}

function factsOf(f: ParsedFile): FileFacts {
  const isPkg = isInitFile(f);
  const bindings: FileFacts['bindings'] = [];
  for (const stmt of f.imports) {
    for (const b of parseImport(stmt.text)) bindings.push({ from: resolveRelative(b.module, f.module, isPkg), name: b.name, local: b.local });
  }
  const calls = [...new Set(f.symbols.flatMap((s) => s.calls))];
  return {
    bindings,
    calls,
    callNames: new Set(calls.map((c) => c.split('.').pop()!)),
    importedNames: new Set(bindings.map((b) => b.name ?? '')),
  };
}

function referencesByParse(sel: SelectedSymbol, facts: FileFacts): boolean {
  const objectName = sel.publicPath.split('.').pop()!;
  // Cheap exits first: most files cannot mention most symbols.
  if (sel.kind === 'method' && !facts.callNames.has(sel.name)) return false;
  if (sel.kind !== 'method' && !facts.importedNames.has(objectName) && !facts.importedNames.has('*') && !facts.callNames.has(objectName)) return false;
  const modules = new Set(sel.aliases.map((a) => a.slice(0, a.lastIndexOf('.'))));
  let bound = false;
  const moduleLocals: string[] = [];
  for (const b of facts.bindings) {
    if (b.name === null) {
      for (const m of modules) {
        if (m === b.from || m.startsWith(b.from + '.')) {
          moduleLocals.push(b.local);
          break;
        }
      }
    } else if ((b.name === objectName || b.name === '*') && modules.has(b.from)) bound = true;
    else if (modules.has(`${b.from}.${b.name}`)) moduleLocals.push(b.local);
  }
  if (sel.kind === 'method') return (bound || moduleLocals.length > 0) && facts.callNames.has(sel.name);
  if (bound) return true;
  if (moduleLocals.length === 0 || !facts.callNames.has(objectName)) return false;
  return moduleLocals.some((l) => facts.calls.some((c) => c.startsWith(`${l}.`) && c.endsWith(`.${objectName}`)));
}

/**
 * Rank the selected symbols (see centralityScore). `texts` are extra sources read as text (notebooks'
 * code, READMEs, scripts): a parsed file with a text entry is judged on its text, which also sees
 * module-level code the parser's symbols do not hold.
 */
export function rankSymbols(
  selected: SelectedSymbol[],
  parsedFiles: ParsedFile[],
  roles: Map<string, FileRole>,
  texts: { path: string; code: string }[] = [],
): Map<string, number> {
  const textByPath = new Map(texts.map((t) => [t.path, t.code]));
  const refFiles = parsedFiles.filter((f) => REFERENCE_ROLES.has(roles.get(f.path) ?? 'other') && !textByPath.has(f.path));
  const facts = refFiles.map(factsOf);
  const callers = callerCounts(selected);
  const out = new Map<string, number>();
  for (const sel of selected) {
    let refs = 0;
    for (const ff of facts) if (referencesByParse(sel, ff)) refs++;
    for (const [, code] of textByPath) if (referencesByText(sel, code)) refs++;
    const doc = sel.symbol.docstring ?? '';
    out.set(
      sel.qualifiedName,
      centralityScore({
        exported: sel.exported,
        hasDocstring: doc.trim().length > 0,
        docstringHasExample: /^\s*>>>/m.test(doc),
        referencingFiles: refs,
        callers: callers.get(sel.qualifiedName) ?? 0,
        kind: sel.kind,
      }),
    );
  }
  return out;
}

/**
 * Distinct selected symbols whose calls reach each selected symbol: a bare call in the same module
 * or through an import binding the name, `mod.name` through a module import, or `self.name` inside
 * the same class.
 */
function callerCounts(selected: SelectedSymbol[]): Map<string, number> {
  const byName = new Map<string, SelectedSymbol[]>();
  for (const s of selected) {
    const list = byName.get(s.name) ?? [];
    list.push(s);
    byName.set(s.name, list);
  }
  const bindingsCache = new Map<ParsedFile, Map<string, string>>();
  const bindingsOf = (f: ParsedFile) => {
    let m = bindingsCache.get(f);
    if (!m) {
      m = new Map();
      for (const stmt of f.imports) {
        for (const b of parseImport(stmt.text)) {
          const from = resolveRelative(b.module, f.module, isInitFile(f));
          m.set(b.local, b.name === null ? (b.dotted ? b.dotted.split('.')[0]! : from) : `${from}.${b.name}`);
        }
      }
      bindingsCache.set(f, m);
    }
    return m;
  };
  const counts = new Map<string, Set<string>>();
  for (const caller of selected) {
    const binds = bindingsOf(caller.file);
    for (const call of new Set(caller.symbol.calls)) {
      const parts = call.split('.');
      const last = parts[parts.length - 1]!;
      for (const target of byName.get(last) ?? []) {
        if (target.qualifiedName === caller.qualifiedName) continue;
        let hit = false;
        const targetPaths = new Set(
          target.kind === 'method' ? target.aliases.map((a) => `${a}.${target.name}`) : target.aliases,
        );
        if (parts.length === 1) {
          if (target.kind === 'method') continue;
          if (target.module === caller.module) hit = true;
          else {
            const b = binds.get(last);
            if (b && targetPaths.has(b)) hit = true;
          }
        } else if ((parts[0] === 'self' || parts[0] === 'cls') && parts.length === 2) {
          hit = target.kind === 'method' && target.parent === caller.parent && target.module === caller.module;
        } else {
          const b = binds.get(parts[0]!);
          const full = b ? [b, ...parts.slice(1)].join('.') : null;
          if (full && targetPaths.has(full)) hit = true;
          else if (target.module === caller.module && targetPaths.has(`${target.module}.${call}`)) hit = true;
        }
        if (hit) {
          const set = counts.get(target.qualifiedName) ?? new Set<string>();
          set.add(caller.qualifiedName);
          counts.set(target.qualifiedName, set);
        }
      }
    }
  }
  return new Map([...counts].map(([k, v]) => [k, v.size]));
}
