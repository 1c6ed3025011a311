import type { Language, Parameter } from '../domain/block.js';
import type { ModuleRoot } from '../python/modules.js';

/** One import statement at module level. */
export interface ImportStmt {
  /** The statement as written, e.g. "import numpy as np" or "from .core import solve". */
  text: string;
  /** Module imported from, as written ("numpy", ".core"). */
  module: string;
  /** Local names the statement binds ("np", "solve"); "*" for a star import. */
  names: string[];
  line: number;
}

export interface ExtractedSymbol {
  kind: 'function' | 'class' | 'method';
  name: string;
  /** Name inside the module: "f", "Class", "Class.method". */
  localName: string;
  parent: string | null;
  startLine: number;
  endLine: number;
  /** The header as written (decorators excluded), e.g. "def f(x: float, y=2) -> float:". */
  signature: string;
  docstring: string | null;
  decorators: string[];
  /**
   * For a class: its base classes as written ("_Mixin", "mod.Base", "Generic[T]"), keywords (`metaclass=`) and
   * splats left out. Unset for languages that do not read them.
   */
  bases?: string[];
  parameters: Parameter[];
  returns: string | null;
  /** Full source including decorators. */
  code: string;
  /** Called names, dotted as written ("np.sum", "self.solve", "helper"). */
  calls: string[];
  /** Every identifier the body reads; used to pick the module imports it needs. */
  identifiers: string[];
  /** Lines in the body that are not the docstring, comments or blank. */
  bodyLines: number;
}

export interface ParsedFile {
  path: string;
  language: Language;
  /** Dotted module path derived from the file path ("pkg.sub.mod"; "pkg" for pkg/__init__.py). */
  module: string;
  moduleDocstring: string | null;
  imports: ImportStmt[];
  /** Names in __all__, when the module defines it. */
  allExports: string[] | null;
  /**
   * Module-level `name = callee(...)` assignments, the call as written: a decorator made once and applied by name
   * (`_wrapper = _class_wrapper(_Impl)`, then `@_wrapper`) is read through them. Unset for other languages.
   */
  assignedCalls?: { name: string; call: string }[];
  symbols: ExtractedSymbol[];
  /** Syntax errors found by the parser (tree-sitter recovers; the file is still usable in part). */
  errors: { line: number; message: string }[];
}

/** What a language contributes; adding a language is one of these and a grammar. */
export interface LanguageSupport {
  language: Language;
  extensions: string[];
  /** Absolute path of the grammar's .wasm file. */
  grammarPath: string;
  /** Module path from a repo-relative file path and the import roots ("src" layouts). */
  moduleOf(relPath: string, importRoots: readonly ModuleRoot[]): string;
  /** Extract symbols from a parsed tree; never executes the code. */
  extract(root: unknown, source: string, relPath: string, module: string): Omit<ParsedFile, 'path' | 'language' | 'module'>;
  /**
   * Optional. Rows in [from, to] (0-based) where a new top-level statement begins. When a file has syntax errors,
   * the parser re-parses these pieces alone and blanks the broken ones, so intact definitions after an error
   * are still extracted (tree-sitter's own recovery often swallows the rest of the file).
   */
  statementStarts?(lines: string[], from: number, to: number): number[];
}

export interface CodeParser {
  languages(): Language[];
  languageOf(relPath: string): Language | null;
  /** Parse one file. Throws only on internal failure; syntax errors are reported in ParsedFile.errors. */
  parse(relPath: string, source: string, importRoots: readonly ModuleRoot[]): ParsedFile;
  /**
   * Optional: parse many files, on worker threads too (pool.ts); the outcomes in the order given, each what
   * parse() returns or throws for that file. Without it, callers parse file by file.
   */
  parseAll?(jobs: readonly ParseJob[], opts?: { signal?: AbortSignal }): Promise<ParseOutcome[]>;
  /** Optional: stop the parser's worker threads (idle ones never keep the process alive). */
  close?(): Promise<void>;
}

/** One file to parse. */
export interface ParseJob {
  relPath: string;
  source: string;
  importRoots: readonly ModuleRoot[];
}

/** One file's parse: the file, or the error parsing it threw. */
export type ParseOutcome = { parsed: ParsedFile; error?: undefined } | { parsed?: undefined; error: Error };
