/**
 * Reading Python import statements as written, one logical line each (`from .core import (a,\n b as c)`).
 * An import statement holds no string literal, so its first "#" starts a comment: no tokenizer is
 * needed, and this file needs nothing else from python/.
 */

/** One binding made by an import statement. */
export interface ImportBinding {
  /** Local name bound ("np", "solve"); "*" for a star import. */
  local: string;
  /** Module as written, possibly relative (".core"). */
  module: string;
  /** Imported attribute for `from m import a [as b]`; null for `import m [as b]`. */
  name: string | null;
  /** For `import a.b.c` without alias: the full dotted module (binds "a"). */
  dotted: string | null;
}

/** Whether a statement (its code, comments and strings may be blanked) is an import statement. */
export function isImportStatement(text: string): boolean {
  return /^(import|from)\s/.test(text.trim());
}

/** The statement on one line: comments cut, line continuations joined, runs of space made one. */
function flatten(text: string): string {
  return text
    .replace(/#[^\n]*/g, '')
    .replace(/[ \t]+$/gm, '')
    .replace(/\\\n/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const FROM = /^from\s+(\.*[\w.]*)\s+import\s+(.+)$/;
const IMPORT = /^import\s+(.+)$/;

/** Parse an import statement as written (one logical line) into its bindings. */
export function parseImport(text: string): ImportBinding[] {
  const src = flatten(text);
  const from = FROM.exec(src);
  if (from) {
    const module = from[1]!;
    const list = from[2]!.replace(/[()]/g, ' ').split(',').map((s) => s.trim()).filter(Boolean);
    return list.map((item) => {
      if (item === '*') return { local: '*', module, name: '*', dotted: null };
      const m = /^([\w]+)(?:\s+as\s+(\w+))?$/.exec(item);
      const name = m ? m[1]! : item;
      return { local: m?.[2] ?? name, module, name, dotted: null };
    });
  }
  const imp = IMPORT.exec(src);
  if (imp) {
    return imp[1]!
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((item) => {
        const m = /^([\w.]+)(?:\s+as\s+(\w+))?$/.exec(item);
        const mod = m ? m[1]! : item;
        if (m?.[2]) return { local: m[2], module: mod, name: null, dotted: null };
        return { local: mod.split('.')[0]!, module: mod, name: null, dotted: mod };
      });
  }
  return [];
}

/**
 * Modules an import statement may load, as written: `from a.b import c, d` names a.b, a.b.c and
 * a.b.d (c may be a submodule); `import x.y as z` names x.y. The first line of a statement cut
 * short (`from a import (`) still names its module.
 */
export function importedModules(text: string): string[] {
  const src = flatten(text);
  const from = FROM.exec(src) ?? /^from\s+(\.*[\w.]*)\s+import\b/.exec(src);
  if (from) {
    const module = from[1]!;
    const names = parseImport(src)
      .map((b) => b.name)
      .filter((n): n is string => !!n && n !== '*' && /^\w+$/.test(n));
    return [module, ...names.map((n) => `${module}.${n}`)];
  }
  return parseImport(src).map((b) => b.module);
}

/** Render one binding back as an import statement. */
export function renderImport(b: { module: string; name: string | null; local: string; dotted?: string | null }): string {
  if (b.name === null) {
    if (b.dotted) return `import ${b.dotted}`;
    const last = b.module.split('.').pop();
    return b.local === b.module || (b.module.indexOf('.') < 0 && b.local === last) ? `import ${b.module}` : `import ${b.module} as ${b.local}`;
  }
  if (b.name === '*') return `from ${b.module} import *`;
  return b.local === b.name ? `from ${b.module} import ${b.name}` : `from ${b.module} import ${b.name} as ${b.local}`;
}

/**
 * Absolute module for a possibly relative one, seen from `fromModule`. `isPackage` is true when the
 * importing file is an `__init__.py` (then "." is the module itself).
 */
export function resolveRelative(module: string, fromModule: string, isPackage: boolean): string {
  const m = /^(\.*)(.*)$/.exec(module)!;
  const level = m[1]!.length;
  if (level === 0) return module;
  const parts = fromModule ? fromModule.split('.') : [];
  const pkg = isPackage ? parts : parts.slice(0, -1);
  const up = pkg.slice(0, Math.max(0, pkg.length - (level - 1)));
  const rest = m[2]!;
  return [...up, ...(rest ? [rest] : [])].filter(Boolean).join('.');
}

/**
 * Whether `from m import *` binds `name` of m: the names in m's `__all__` when it has one, else every name
 * without a leading underscore.
 */
export function starImportBinds(name: string, allExports: readonly string[] | null): boolean {
  return allExports ? allExports.includes(name) : !name.startsWith('_');
}
