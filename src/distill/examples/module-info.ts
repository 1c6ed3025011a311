/**
 * What a parsed Python file defines and imports at top level, as mining needs it: bindings to inline into
 * a test example or to resolve a doctest's names, module constants, helper functions and pytest fixtures.
 */
import type { FileRole } from '../../ingest/types.js';
import type { ExtractedSymbol, ParsedFile } from '../../parse/types.js';
import { decoratorName, statementGroups } from '../../python/syntax.js';
import { isImportStatement, parseImport, resolveRelative, type ImportBinding } from '../../python/imports.js';

export interface ModuleInfo {
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

export function isFixture(sym: ExtractedSymbol): boolean {
  return sym.decorators.some((d) => /^(pytest\.)?fixture$/.test(decoratorName(d)));
}

export function buildModuleInfo(file: ParsedFile, role: FileRole, text: string | null): ModuleInfo {
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
          if (!isImportStatement(h)) continue;
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
      if (/^(import|from|def|class|async|@)\b/.test(head)) continue;
      const m = /^([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*(?::[^=]*)?=(?!=)/.exec(head);
      if (!m) {
        // `cases = []` then a loop filling it (or `X += 1`, `X[0] = ...`): the constant is all of it, in order.
        // Only the constants the statement names can be changed by it (each test compiles regular expressions).
        const masked = g.lines.map((l) => l.masked).join('\n');
        const words = new Set(masked.match(/\w+/g));
        const changed = [...constants.keys()].filter((n) => words.has(n) && mutates(masked, n));
        if (changed.length === 1) {
          const c = constants.get(changed[0]!);
          if (c) constants.set(changed[0]!, { code: `${c.code}\n${g.text}`, names: c.names });
        } else for (const n of changed) constants.set(n, null);
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

const MUTATORS = 'append|extend|insert|update|add|setdefault|pop|popitem|remove|discard|clear|sort|reverse';

/** True when the statement changes `name` in place: a mutating method, an item or augmented assignment. */
function mutates(masked: string, name: string): boolean {
  const n = name.replace(/[^\w]/g, '');
  return (
    new RegExp(`(^|[^\\w.])${n}\\s*\\.\\s*(${MUTATORS})\\s*\\(`, 'm').test(masked) ||
    new RegExp(`(^|[^\\w.])${n}\\s*\\[[^\\]]*\\]\\s*=(?!=)`, 'm').test(masked) ||
    new RegExp(`^\\s*${n}\\s*(?:[-+*/%&|^@]|//|\\*\\*|>>|<<)=`, 'm').test(masked)
  );
}
