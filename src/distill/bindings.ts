/**
 * What a name in a module's namespace is bound to among the repository's own definitions: the module's own
 * top-level function or class, or what its imports bring in (relative imports, `from pkg import mod` then
 * `mod.name`, package re-exports, star imports), followed through chains and ended on cycles. The one import
 * resolver of distill/: inherited.ts resolves base classes with it, select.ts the names an `__all__` declares.
 *
 * Names bound outside the repository (`numpy`, another package's function) resolve to nothing: their code is not
 * the repository's. Nothing is imported or run.
 */
import type { ExtractedSymbol, ParsedFile } from '../parse/types.js';
import { parseImport, resolveRelative, starImportBinds } from '../python/imports.js';

/** A top-level definition of the repository: the file that defines it and its symbol. */
export interface Definition {
  file: ParsedFile;
  symbol: ExtractedSymbol;
}

export interface BindingOptions {
  /**
   * Whether a star import binds only what Python's does (the source's `__all__`, else its names without a
   * leading underscore). Off, a star import reaches every name of its source: generous, which suits resolving
   * base classes (a private mixin named through a star import is still the mixin).
   */
  strictStar?: boolean;
  /** Whether only star imports are followed: what a module re-exports wholesale, not what it imports to use. */
  starOnly?: boolean;
}

/** Re-export chains longer than this are not followed (and a cycle of imports ends here). */
const MAX_IMPORT_HOPS = 6;

export class ModuleBindings {
  private readonly byModule = new Map<string, ParsedFile>();
  /** "module:name" -> what it resolves to; null while being resolved, so an import cycle ends. */
  private readonly resolved = new Map<string, Definition | null>();
  private readonly starCache = new Map<string, string[]>();
  private readonly strictStar: boolean;
  private readonly starOnly: boolean;

  constructor(files: readonly ParsedFile[], options: BindingOptions = {}) {
    for (const f of files) if (f.language === 'python') this.byModule.set(f.module, f);
    this.strictStar = options.strictStar ?? false;
    this.starOnly = options.starOnly ?? false;
  }

  hasModule(module: string): boolean {
    return this.byModule.has(module);
  }

  /** The definition `dotted` names in module `module`'s namespace ("f", "mod.Cls", "pkg.mod.f"), or null. */
  resolve(module: string, dotted: string, hops = 0): Definition | null {
    const f = this.byModule.get(module);
    if (!f || hops > MAX_IMPORT_HOPS) return null;
    const name = dotted.replace(/\[.*$/s, '').trim();
    if (!/^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/.test(name)) return null;
    // Packages that star-import each other would otherwise be walked again for every name.
    const key = `${module}:${name}`;
    if (this.resolved.has(key)) return this.resolved.get(key)!;
    this.resolved.set(key, null);
    const hit = this.lookup(f, name, hops);
    this.resolved.set(key, hit);
    return hit;
  }

  private lookup(f: ParsedFile, name: string, hops: number): Definition | null {
    const own = f.symbols.find((s) => s.kind !== 'method' && s.localName === name);
    if (own) return { file: f, symbol: own };
    const [head, ...rest] = name.split('.');
    const isPackage = /(^|\/)__init__\.py$/.test(f.path);
    for (const stmt of f.imports) {
      for (const b of parseImport(stmt.text)) {
        const from = resolveRelative(b.module, f.module, isPackage);
        if (b.name === '*') {
          if (this.strictStar && !starImportBinds(head!, this.byModule.get(from)?.allExports ?? null)) continue;
          const hit = this.resolve(from, name, hops + 1);
          if (hit) return hit;
          continue;
        }
        if (this.starOnly || b.local !== head) continue;
        if (b.name === null) {
          // `import pkg.mod` binds pkg: the rest of the name walks down the modules; `import pkg.mod as m` binds m.
          const target = b.dotted ? head! : from;
          const parts = rest.slice();
          let mod = target;
          while (parts.length > 1 && this.byModule.has(`${mod}.${parts[0]}`)) mod = `${mod}.${parts.shift()}`;
          return parts.length ? this.resolve(mod, parts.join('.'), hops + 1) : null;
        }
        // `from pkg import mod` then `mod.f`, or `from mod import f`.
        if (rest.length && this.byModule.has(`${from}.${b.name}`)) return this.resolve(`${from}.${b.name}`, rest.join('.'), hops + 1);
        return this.resolve(from, [b.name, ...rest].join('.'), hops + 1);
      }
    }
    return null;
  }

  /**
   * The names `from <module> import *` binds, as Python binds them: the module's `__all__`, else every name it
   * defines or imports at top level without a leading underscore (star imports of its own followed). Empty for a
   * module outside the repository.
   */
  starNames(module: string, visiting: Set<string> = new Set()): string[] {
    const known = this.starCache.get(module);
    if (known) return known;
    const f = this.byModule.get(module);
    if (!f || visiting.has(module)) return [];
    if (f.allExports) return f.allExports;
    visiting.add(module);
    const isPackage = /(^|\/)__init__\.py$/.test(f.path);
    const names = new Set<string>();
    for (const s of f.symbols) if (s.kind !== 'method' && !s.localName.includes('.')) names.add(s.localName);
    for (const stmt of f.imports) {
      for (const b of parseImport(stmt.text)) {
        if (b.name === '*') for (const n of this.starNames(resolveRelative(b.module, f.module, isPackage), visiting)) names.add(n);
        else names.add(b.local);
      }
    }
    visiting.delete(module);
    const out = [...names].filter((n) => starImportBinds(n, null));
    // Inside a cycle of star imports the answer is partial (Python's own depends on which module loads first).
    this.starCache.set(module, out);
    return out;
  }
}
