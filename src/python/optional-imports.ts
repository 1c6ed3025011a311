/**
 * Optional imports a module guards by binding None: `try: import algopy` / `except ImportError: algopy = None`.
 * When the package is not installed the module still imports, and the first use fails with
 * "'NoneType' object is not callable": a missing optional dependency, not a bug. Read as text.
 */
import { isImportStatement, parseImport } from './imports.js';

const TRY = /^(\s*)try\s*:\s*(?:#.*)?$/;
const EXCEPT = /^(\s*)except\b\s*(.*?)\s*:\s*(?:#.*)?$/;
/** `a = None`, `a = b = None`. */
const NONE_ASSIGN = /^\s*((?:[A-Za-z_]\w*\s*=\s*)+)None\s*(?:#.*)?$/;
const CATCHES_IMPORT = /^$|ImportError|ModuleNotFoundError|\bException\b|BaseException/;

function indentOf(line: string): number {
  return /^\s*/.exec(line)![0].length;
}

/** Name → the module it is imported from, for every name a failed import leaves bound to None. */
export function namesNoneWhenImportFails(code: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = code.replace(/\r\n?/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const t = TRY.exec(lines[i]!);
    if (!t) continue;
    const indent = t[1]!.length;
    const imported = new Map<string, string>();
    let j = i + 1;
    for (; j < lines.length; j++) {
      const l = lines[j]!;
      if (!l.trim() || l.trim().startsWith('#')) continue;
      if (indentOf(l) <= indent) break;
      const stmt = l.trim();
      if (!isImportStatement(stmt)) continue;
      for (const b of parseImport(stmt)) {
        if (b.name === '*') continue;
        imported.set(b.local.split('.')[0]!, b.module || b.dotted || b.local);
      }
    }
    // Every handler of this try, as long as they follow at its indentation.
    while (j < lines.length) {
      const e = EXCEPT.exec(lines[j]!);
      if (!e || e[1]!.length !== indent) break;
      const catches = CATCHES_IMPORT.test(e[2]!);
      let k = j + 1;
      for (; k < lines.length; k++) {
        const l = lines[k]!;
        if (!l.trim() || l.trim().startsWith('#')) continue;
        if (indentOf(l) <= indent) break;
        const m = catches ? NONE_ASSIGN.exec(l) : null;
        if (!m) continue;
        for (const name of m[1]!.split('=').map((s) => s.trim()).filter(Boolean)) {
          const mod = imported.get(name);
          if (mod) out.set(name, mod);
        }
      }
      j = k;
    }
    i = j - 1;
  }
  return out;
}
