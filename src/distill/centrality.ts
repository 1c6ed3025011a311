/**
 * How central each selected block is: how many of the repository's tests, examples, notebooks and docs use
 * it, how many other blocks call it, whether the authors export and document it (centralityScore).
 */
import type { FileRole } from '../ingest/types.js';
import { escapeRegExp } from '../kernel/text.js';
import type { ParsedFile } from '../parse/types.js';
import { parseImport, resolveRelative } from '../python/imports.js';
import { isInitFile, type SelectedSymbol } from './select.js';

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
  /** Command-line glue (select.ts isCommandLineGlue: `cli_*`, `main`, argparse setup): not library API. */
  commandLine?: boolean;
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
 *
 * Command-line glue scores a quarter of that: the tests that drive the command line and the package's exports
 * make `cli_action` or `main` look central, but a user of the library calls what they call, not them.
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
  return Math.round((f.commandLine ? s / 4 : s) * 1000) / 1000;
}

const REFERENCE_ROLES: ReadonlySet<FileRole> = new Set<FileRole>(['test', 'example', 'notebook', 'docs']);

/**
 * Does a file reference the symbol? With its text: the object's name (the class's, for methods, plus
 * `.method(`) appears as a word and the file mentions one of the object's import modules. Without text
 * (a parsed file only): an import binds the object, or a module it lives in, and a symbol of the file
 * calls it.
 */
function referencesByText(sel: SelectedSymbol, text: TextFacts): boolean {
  const objectName = sel.publicPath.split('.').pop()!;
  if (!hasWord(text, objectName)) return false;
  if (sel.kind === 'method' && !(WORD.test(sel.name) ? text.methodCalls.has(sel.name) : new RegExp(`\\.${escapeRegExp(sel.name)}\\s*\\(`).test(text.code))) return false;
  return hasWord(text, sel.module.split('.')[0]!);
}

/** A text's words and the names it calls as methods, read once: every symbol is tested against every text. */
interface TextFacts {
  code: string;
  words: Set<string>;
  methodCalls: Set<string>;
}

const WORD = /^\w+$/;

function textFacts(code: string): TextFacts {
  return { code, words: new Set(code.match(/\w+/g)), methodCalls: new Set([...code.matchAll(/\.(\w+)\s*\(/g)].map((m) => m[1]!)) };
}

/** `\bname\b` as a set lookup: for a name of word characters, a maximal run of them equal to it. */
function hasWord(text: TextFacts, name: string): boolean {
  return WORD.test(name) ? text.words.has(name) : new RegExp(`\\b${escapeRegExp(name)}\\b`).test(text.code);
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
  const textByPath = new Map(texts.map((t) => [t.path, textFacts(t.code)]));
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
        commandLine: sel.tags?.includes('cli') ?? false,
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
