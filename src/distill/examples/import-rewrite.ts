/**
 * Imports of mined code rewritten the way a user would write them: relative modules made absolute, names
 * imported from the public module the package re-exports them from, sys.path edits dropped, and one
 * import line per module with the package's own imports last.
 */
import { identifiersIn, logicalLines } from '../../python/syntax.js';
import { isImportStatement, parseImport, renderImport, resolveRelative, type ImportBinding } from '../../python/imports.js';
import type { CallResolver } from './call-resolver.js';

/**
 * Rewrite import lines: relative modules resolved against `fromModule`, a name imported from a
 * private module (or any module) rewritten to the block's public module, `sys.path` edits dropped.
 * Returns null when a relative import points outside the package (the snippet cannot run alone).
 */
export function normaliseImports(code: string, fromModule: string, isPackage: boolean, calls: CallResolver): string | null {
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
    if (!isImportStatement(head)) continue;
    const bindings = parseImport(ll.text.trim());
    if (bindings.length === 0) continue;
    const relative = bindings.some((b) => b.module.startsWith('.'));
    const out: string[] = [];
    let changed = relative;
    for (const b of bindings) {
      const mod = resolveRelative(b.module, fromModule, isPackage);
      if (relative && (!mod || !calls.isPackageModule(mod))) return null;
      const rewritten = publicBinding({ ...b, module: mod }, calls);
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
    if (ll.indent !== 0 || !isImportStatement(ll.masked)) continue;
    const locals = parseImport(ll.text.trim()).map((b) => b.local);
    if (locals.length && locals.every((l) => !used.has(l) && hackNames.has(l))) drop.push(ll);
  }
  for (const d of drop.sort((a, b) => b.start - a.start)) lines.splice(d.start, d.end - d.start + 1);
  return lines.join('\n');
}

/** `from pkg._impl import f` -> `from pkg import f` when the block's public module is pkg. */
export function publicBinding(b: ImportBinding, calls: CallResolver): ImportBinding {
  if (b.name === null || b.name === '*') return b;
  if (!calls.isPackageModule(b.module)) return b;
  const hits = calls.byPath.get(`${b.module}.${b.name}`) ?? [];
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

/** True when the code imports one of the packages by absolute name, as an example must. */
export function importsPackage(code: string, packageNames: string[]): boolean {
  for (const ll of logicalLines(code)) {
    const head = ll.masked.trim();
    if (!isImportStatement(head)) continue;
    for (const b of parseImport(ll.text.trim())) {
      if (!b.module.startsWith('.') && packageNames.includes(b.module.split('.')[0]!)) return true;
    }
  }
  return false;
}

/** Standard library and third-party imports first, the package's own last, each group sorted. */
function importOrder(packageNames: string[]) {
  const own = (s: string) => {
    const m = /^(?:from|import)\s+([\w.]+)/.exec(s);
    return m && packageNames.includes(m[1]!.split('.')[0]!) ? 1 : 0;
  };
  return (a: string, b: string) => own(a) - own(b) || (a < b ? -1 : a > b ? 1 : 0);
}
