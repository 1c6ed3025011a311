/**
 * Which parsed symbols become building blocks and where users import them from (how central each is:
 * centrality.ts).
 *
 * Only files with role 'library' contribute. Private names, trivial bodies and test helpers are left out;
 * dunder methods (`__init__`, `__call__`, ...) are not blocks of their own, their class block covers them.
 * The public API reached indirectly is kept: a public class's methods defined on private bases or mixins
 * (inherited.ts) become blocks under the class, and a docstring-only function a decorator turns into the real
 * one is kept as written. Command-line glue is kept and tagged 'cli' (centrality.ts ranks it low).
 */
import type { FileRole } from '../ingest/types.js';
import type { ExtractedSymbol, ParsedFile } from '../parse/types.js';
import { parseImport, resolveRelative, starImportBinds } from '../python/imports.js';
import { bodyStatements, decoratorName } from '../python/syntax.js';
import { ModuleBindings, type Definition } from './bindings.js';
import { ClassIndex, type ClassRef } from './inherited.js';

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
  /**
   * Extra search words for the block: 'cli' for command-line glue; 'inherited' and the defining class for a
   * method a public class gets from a private base; `wraps Cls.method` for a decorated stub that calls one.
   */
  tags?: string[];
  /** For an inherited method: the defining class's qualified name (the code, lines and file are its). */
  inheritedFrom?: string;
}

/** A test package: what pytest's layouts call one. */
const TEST_PACKAGE = /^(tests?|testing)$/;
/** A test module: what pytest collects (test_*.py, *_test.py) and conftest. */
const TEST_MODULE = /^(tests?|testing|conftest|test_.*|.*_tests?)$/;

/** Python hides names with a leading underscore; R with a leading dot (and the underscore habit is common too). */
function isPrivateName(name: string, language: ParsedFile['language'] = 'python'): boolean {
  if (language === 'r') return name.startsWith('.') || name.startsWith('_');
  return name.startsWith('_');
}

function hasPrivateSegment(dotted: string): boolean {
  return dotted.split('.').some((s) => s.startsWith('_') && !(s.startsWith('__') && s.endsWith('__')));
}

export function isInitFile(f: ParsedFile): boolean {
  return /(^|\/)__init__\.py$/.test(f.path);
}

/**
 * Public import paths for every top-level function and class of the library files: the defining path
 * plus every `pkg.name` a package `__init__` re-exports it as (`from .mod import name`, absolute
 * `from pkg.mod import name`, or a star import honouring the module's `__all__`). Chains of
 * re-exports through sub-packages are followed.
 *
 * A definition in a private module is also at `mod.name` when a public module declares it: its `__all__` names it
 * and it binds the name by importing it (`from ._impl import name`, or a star import reaching it; see
 * declaredPaths). A package `__init__` that binds a private module's definition adds `pkg.name` (initBinding).
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
  const bindings = new ModuleBindings(libraryFiles, { strictStar: true });
  const stars = new ModuleBindings(libraryFiles, { strictStar: true, starOnly: true });
  const declared = declaredPaths(libraryFiles, bindings, canonical);
  for (const [alias, qn] of declared) canonical.set(alias, qn);
  const declaredQns = new Set(declared.values());
  const qnOf = (d: Definition | null, name: string) => (d && d.symbol.localName === name ? `${d.file.module}.${name}` : null);
  /**
   * What an `__init__` binds by importing `name` from `from` when `from` does not define it: a declared
   * definition through any chain, or a private module's definition the init names itself or star-imports from a
   * module whose `__all__` lists it, or one reached through star imports only (a chain of wholesale re-exports:
   * GSW's `from ._fixed_wrapped_ufuncs import *`, itself `from ._wrapped_ufuncs import *`). A star import does not
   * carry what a module imports by name to use.
   */
  const initBinding = (from: string, name: string, star: boolean): string | null => {
    const qn = qnOf(bindings.resolve(from, name), name);
    if (!qn || declaredQns.has(qn)) return qn;
    if (!hasPrivateSegment(qn)) return null;
    // A star import of a module with an `__all__` takes what that list names: the list is the declaration.
    if (!star || byModule.get(from)?.allExports) return qn;
    return qnOf(stars.resolve(from, name), name) === qn ? qn : null;
  };
  const inits = libraryFiles.filter(isInitFile);
  for (let round = 0; round < 6; round++) {
    let added = 0;
    const add = (target: string, qn: string) => {
      if (canonical.has(target)) return;
      canonical.set(target, qn);
      added++;
    };
    for (const f of inits) {
      for (const stmt of f.imports) {
        for (const b of parseImport(stmt.text)) {
          if (b.name === null) continue;
          const from = resolveRelative(b.module, f.module, true);
          if (b.name === '*') {
            const src = byModule.get(from);
            const allow = src?.allExports ?? null;
            for (const [alias, qn] of [...canonical]) {
              if (!alias.startsWith(from + '.')) continue;
              const rest = alias.slice(from.length + 1);
              if (rest.includes('.')) continue;
              if (!starImportBinds(rest, allow)) continue;
              add(`${f.module}.${rest}`, qn);
            }
            for (const n of bindings.starNames(from)) {
              const qn = canonical.has(`${f.module}.${n}`) ? null : initBinding(from, n, true);
              if (qn) add(`${f.module}.${n}`, qn);
            }
            continue;
          }
          // An alias (`from .m import f as g`) would make examples call a name the block does not have.
          if (b.local !== b.name) continue;
          const qn = canonical.get(`${from}.${b.name}`) ?? initBinding(from, b.name, false);
          if (qn) add(`${f.module}.${b.local}`, qn);
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

/**
 * `mod.name` -> the definition's qualified name, for each name a public module's `__all__` lists that the module
 * does not define but binds, by its imports, to a top-level function or class defined in a private module under
 * the same name (`gsw/conversions.py`: `__all__ = ['CT_from_t', ...]` over `from ._fixed_wrapped_ufuncs import
 * (...)`). The `__all__` is the declaration: packages import private helpers for their own use all the time, so an
 * import alone makes nothing public. A definition in a public module keeps the paths it has.
 */
function declaredPaths(libraryFiles: readonly ParsedFile[], bindings: ModuleBindings, canonical: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of libraryFiles) {
    if (f.language !== 'python' || !f.allExports || hasPrivateSegment(f.module) || isTestModule(f.module, f.path)) continue;
    for (const name of f.allExports) {
      const alias = `${f.module}.${name}`;
      if (canonical.has(alias)) continue;
      const def = bindings.resolve(f.module, name);
      // An alias (`from ._m import f as g`) would make examples call a name the block does not have.
      if (!def || def.symbol.localName !== name) continue;
      const qn = `${def.file.module}.${name}`;
      if (hasPrivateSegment(qn)) out.set(alias, qn);
    }
  }
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

/**
 * trivialReason and the body statements read once per symbol in one selection: a class asks about its methods,
 * inherited and wrapped ones are asked about again, and reading a class's statements scans all of its code.
 */
interface Reader {
  trivial(sym: ExtractedSymbol, language?: ParsedFile['language']): string | null;
  statements(sym: ExtractedSymbol): string[];
}

function reader(): Reader {
  const stmts = new Map<ExtractedSymbol, string[]>();
  const trivial = new Map<ExtractedSymbol, Map<string, string | null>>();
  const statementsOf = (sym: ExtractedSymbol) => {
    let got = stmts.get(sym);
    if (!got) stmts.set(sym, (got = statements(sym)));
    return got;
  };
  return {
    statements: statementsOf,
    trivial(sym, language = 'python') {
      let byLanguage = trivial.get(sym);
      if (!byLanguage) trivial.set(sym, (byLanguage = new Map()));
      if (!byLanguage.has(language)) byLanguage.set(language, trivialReason(sym, language, statementsOf));
      return byLanguage.get(language)!;
    },
  };
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
export function trivialReason(sym: ExtractedSymbol, language: ParsedFile['language'] = 'python', statementsOf: (sym: ExtractedSymbol) => string[] = statements): string | null {
  // The body checks below read Python; other languages only get the size test.
  if (language !== 'python') return sym.bodyLines <= 1 && !sym.docstring ? 'one-line body without docstring' : null;
  const decos = sym.decorators.map(decoratorName);
  if (decos.some((d) => /\.(setter|deleter)$/.test(d))) return 'property setter/deleter';
  if (decos.some((d) => d === 'overload' || d === 'typing.overload')) return 'typing overload stub';
  const stmts = statementsOf(sym);
  if (stmts.length === 0) {
    if (sym.kind === 'class') return 'empty class';
    // `@_class_wrapper(_Impl) def f(...): """doc"""`: the decorator makes the real function; the stub is its entry.
    if (sym.docstring && decos.some(makesTheFunction)) return null;
    return 'docstring-only body';
  }
  if (stmts.every((s) => s === 'pass' || s === '...')) return 'pass-only body';
  if (stmts.length === 1 && /^raise\s+NotImplementedError\b/.test(stmts[0]!)) return 'abstract stub';
  if (stmts.length === 1 && /^return\s+NotImplemented\s*$/.test(stmts[0]!)) return 'abstract stub';
  const isProperty = decos.some((d) => /(^|\.)(property|cached_property)$/.test(d));
  if (isProperty && stmts.length === 1 && /^return\s+self\.[A-Za-z_]\w*\s*$/.test(stmts[0]!)) return 'property getter';
  if (sym.bodyLines <= 1 && !sym.docstring) return 'one-line body without docstring';
  return null;
}

/** Decorators that leave a docstring-only body what it is: a stub (the rest may make the function). */
const STUB_DECORATORS = /(^|\.)(staticmethod|classmethod|property|cached_property|abstract\w*|overload|override|final|no_type_check)$/;

function makesTheFunction(decorator: string): boolean {
  return !STUB_DECORATORS.test(decorator);
}

/** Names of command-line entry points and argparse setup. */
const CLI_NAME = /^(cli|cli_\w+|\w+_cli|main|run_cli|parse_args|parse_arguments|(create|build|get|make|setup)_(arg_)?parser|add_arguments?)$/;

/**
 * Command-line glue: a `cli_*`/`main`-like name, code that builds an ArgumentParser or adds arguments, a click or
 * typer command, or a function whose `args` parameter is read like an argparse namespace (`args.x`).
 */
export function isCommandLineGlue(sym: ExtractedSymbol): boolean {
  if (sym.kind === 'class') return false;
  if (CLI_NAME.test(sym.name)) return true;
  if (sym.decorators.some((d) => /^(click|typer)\b|\.(command|group)$/.test(decoratorName(d)))) return true;
  if (/\bArgumentParser\s*\(|\.add_argument\s*\(|\.add_subparsers\s*\(/.test(sym.code)) return true;
  const first = sym.parameters[0];
  return first?.name === 'args' && first.kind !== 'var_positional' && /\bargs\.[A-Za-z_]\w*/.test(sym.code);
}

/**
 * Tests, by their import path: a test package anywhere on it, or a test module as its last part. A package of the
 * library named like a test module (SALib.test_functions holds the Ishigami and Sobol-G functions users call) is
 * library code.
 */
function isTestModule(module: string, path: string): boolean {
  const parts = module.split('.');
  const isPackage = /(^|\/)__init__\.py$/.test(path);
  return parts.some((s, i) => TEST_PACKAGE.test(s) || (i === parts.length - 1 && !isPackage && TEST_MODULE.test(s)));
}

/**
 * The public, non-trivial symbols of the library files, with their preferred import. Methods of
 * private or left-out classes are left out with them, except where a kept public class inherits them
 * (then they are blocks under that class, after its own).
 */
export function selectSymbols(files: ParsedFile[], roles: Map<string, FileRole>): SelectedSymbol[] {
  const libraryFiles = files.filter((f) => roles.get(f.path) === 'library');
  const paths = publicPaths(libraryFiles);
  const out: SelectedSymbol[] = [];
  const classIndex = new ClassIndex(libraryFiles);
  const read = reader();
  for (const f of libraryFiles) {
    if (isTestModule(f.module, f.path)) continue;
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
      const trivial = read.trivial(sym, f.language);
      const isClass = sym.kind === 'class';
      // A class whose own body is thin still earns a block when it carries public methods, its own or inherited.
      if (trivial && !(isClass && (hasPublicMethods(f, sym, read) || inheritsPublicMethods(f, sym, classIndex, read)))) continue;
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
      const tags = [
        ...(isCommandLineGlue(sym) ? ['cli'] : []),
        ...(python && sym.kind === 'function' && read.statements(sym).length === 0 ? wrapperTags(f, sym, classIndex, read) : []),
      ];
      if (tags.length) sel.tags = tags;
      if (isClass) keptClasses.set(sym.localName, sel);
      picked.push(sel);
    }
    picked.sort((a, b) => a.symbol.startLine - b.symbol.startLine);
    out.push(...picked);
  }
  return [...out, ...inheritedSelections(out, classIndex, read)];
}

/**
 * Blocks for the methods kept public classes inherit from repository classes that have no blocks of their own
 * (private bases and mixins, public classes in private modules): named under the public class
 * (`pkg.api.Baseline.asls`), imported as the class is, with the defining method's code, docstring and lines. A
 * method a kept base already carries (under it or inherited by it) is left to that base's block, so a subclass
 * of a public class does not repeat its methods.
 */
function inheritedSelections(selected: readonly SelectedSymbol[], index: ClassIndex, read: Reader): SelectedSymbol[] {
  const keptClasses = new Map<ExtractedSymbol, SelectedSymbol>();
  for (const s of selected) if (s.kind === 'class' && s.file.language === 'python') keptClasses.set(s.symbol, s);
  const own = new Set(selected.filter((s) => s.kind === 'method').map((s) => s.symbol));
  const out: SelectedSymbol[] = [];
  for (const cls of keptClasses.values()) {
    const ref: ClassRef = { file: cls.file, symbol: cls.symbol };
    const keptBases = index.mro(ref).slice(1).filter((b) => keptClasses.has(b.symbol));
    for (const { method, owner } of index.inheritedMethods(ref)) {
      if (isPrivateName(method.name) || /^test($|_)/.test(method.name)) continue;
      if (own.has(method) || read.trivial(method)) continue;
      // A kept base that reaches the same definition has the block already (its own, or inherited by it).
      if (keptBases.some((b) => b.symbol === owner.symbol || index.inheritedMethods(b).some((m) => m.method === method))) continue;
      const sym: ExtractedSymbol = { ...method, localName: `${cls.symbol.localName}.${method.name}`, parent: cls.symbol.localName };
      out.push({
        file: owner.file,
        symbol: sym,
        kind: 'method',
        name: method.name,
        parent: cls.symbol.localName,
        module: cls.module,
        qualifiedName: `${cls.qualifiedName}.${method.name}`,
        publicImport: cls.publicImport,
        publicPath: cls.publicPath,
        exported: cls.exported,
        aliases: cls.aliases,
        tags: ['inherited', owner.symbol.localName, ...(isCommandLineGlue(method) ? ['cli'] : [])],
        inheritedFrom: `${owner.file.module}.${owner.symbol.localName}`,
      });
    }
  }
  return out;
}

/**
 * For a docstring-only function: `wraps Cls.name` when one of its decorators is a call (written in place, or
 * assigned to the name it is applied by) whose first argument is a repository class with a non-trivial method
 * of the function's name, the code that runs when the function is called (`_class_wrapper(_Whittaker)`).
 */
function wrapperTags(f: ParsedFile, sym: ExtractedSymbol, index: ClassIndex, read: Reader): string[] {
  const assigned = new Map((f.assignedCalls ?? []).map((a) => [a.name, a.call]));
  for (const d of sym.decorators) {
    const text = d.trim().replace(/^@/, '');
    const call = /\(/.test(text) ? text : assigned.get(text);
    const arg = call ? /^[\w.]+\s*\(\s*([A-Za-z_][\w.]*)\s*[,)]/.exec(call)?.[1] : undefined;
    const cls = arg ? index.resolve(f.module, arg) : null;
    if (!cls) continue;
    const order = index.mro(cls);
    for (const c of order) {
      const m = c.file.symbols.find((s) => s.kind === 'method' && s.parent === c.symbol.localName && s.name === sym.name);
      if (!m) continue;
      if (!read.trivial(m)) return [`wraps ${c.symbol.localName}.${sym.name}`];
      break;
    }
  }
  return [];
}

function inheritsPublicMethods(f: ParsedFile, cls: ExtractedSymbol, index: ClassIndex, read: Reader): boolean {
  if (f.language !== 'python' || !cls.docstring) return false;
  return index.inheritedMethods({ file: f, symbol: cls }).some((m) => !isPrivateName(m.method.name) && !read.trivial(m.method));
}

function hasPublicMethods(f: ParsedFile, cls: ExtractedSymbol, read: Reader): boolean {
  return f.symbols.some((s) => s.kind === 'method' && s.parent === cls.localName && !isPrivateName(s.name, f.language) && !read.trivial(s, f.language));
}
