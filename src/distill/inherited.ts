/**
 * What a class inherits from the repository's own classes: its bases resolved by name through each module's
 * imports, the method resolution order over them, and for every method name the nearest class that defines it.
 * A public class that gathers private mixins (`class Baseline(_Whittaker, _Polynomial, ...)`) has its API there;
 * select.ts turns what this finds into blocks named as users call them (`Baseline.asls`).
 *
 * Bases outside the repository (`object`, `np.ndarray`, another package's class) end the walk: their methods are
 * not the repository's code. Nothing is imported or run; a base that cannot be resolved from the text is skipped.
 */
import type { ExtractedSymbol, ParsedFile } from '../parse/types.js';
import { parseImport, resolveRelative } from '../python/imports.js';

/** A class of the repository: the file that defines it and its symbol. */
export interface ClassRef {
  file: ParsedFile;
  symbol: ExtractedSymbol;
}

/** A method a class gets from one of its bases. */
export interface InheritedMethod {
  /** The defining method, as written in the base. */
  method: ExtractedSymbol;
  /** The base that defines it (the nearest in the method resolution order). */
  owner: ClassRef;
}

/** Re-export chains longer than this are not followed (and a cycle of imports ends here). */
const MAX_IMPORT_HOPS = 6;

export class ClassIndex {
  private readonly byModule = new Map<string, ParsedFile>();
  private readonly mroCache = new Map<ExtractedSymbol, ClassRef[]>();
  /** "module:name" -> what it resolves to; null while being resolved, so an import cycle ends. */
  private readonly resolved = new Map<string, ClassRef | null>();

  constructor(files: readonly ParsedFile[]) {
    for (const f of files) if (f.language === 'python') this.byModule.set(f.module, f);
  }

  /** The class `dotted` names in module `module`'s namespace ("Cls", "mod.Cls", "pkg.mod.Cls"), or null. */
  resolve(module: string, dotted: string, hops = 0): ClassRef | null {
    const f = this.byModule.get(module);
    if (!f || hops > MAX_IMPORT_HOPS) return null;
    const name = dotted.replace(/\[.*$/s, '').trim();
    if (!/^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/.test(name)) return null;
    // Packages that star-import each other would otherwise be walked again for every base.
    const key = `${module}:${name}`;
    if (this.resolved.has(key)) return this.resolved.get(key)!;
    this.resolved.set(key, null);
    const hit = this.lookup(f, name, hops);
    this.resolved.set(key, hit);
    return hit;
  }

  private lookup(f: ParsedFile, name: string, hops: number): ClassRef | null {
    const own = f.symbols.find((s) => s.kind === 'class' && s.localName === name);
    if (own) return { file: f, symbol: own };
    const [head, ...rest] = name.split('.');
    const isPackage = /(^|\/)__init__\.py$/.test(f.path);
    for (const stmt of f.imports) {
      for (const b of parseImport(stmt.text)) {
        const from = resolveRelative(b.module, f.module, isPackage);
        if (b.name === '*') {
          const hit = this.resolve(from, name, hops + 1);
          if (hit) return hit;
          continue;
        }
        if (b.local !== head) continue;
        if (b.name === null) {
          // `import pkg.mod` binds pkg: the rest of the name walks down the modules; `import pkg.mod as m` binds m.
          const target = b.dotted ? head! : from;
          const parts = rest.slice();
          let mod = target;
          while (parts.length > 1 && this.byModule.has(`${mod}.${parts[0]}`)) mod = `${mod}.${parts.shift()}`;
          return parts.length ? this.resolve(mod, parts.join('.'), hops + 1) : null;
        }
        // `from pkg import mod` then `mod.Cls`, or `from mod import Cls`.
        if (rest.length && this.byModule.has(`${from}.${b.name}`)) return this.resolve(`${from}.${b.name}`, rest.join('.'), hops + 1);
        return this.resolve(from, [b.name, ...rest].join('.'), hops + 1);
      }
    }
    return null;
  }

  /** The repository classes a class names as its bases, in order. */
  bases(cls: ClassRef): ClassRef[] {
    const out: ClassRef[] = [];
    for (const text of cls.symbol.bases ?? []) {
      const hit = this.resolve(cls.file.module, text);
      if (hit && hit.symbol !== cls.symbol && !out.some((o) => o.symbol === hit.symbol)) out.push(hit);
    }
    return out;
  }

  /**
   * The class and its repository bases in Python's method resolution order (C3); when the bases cannot be
   * linearised (Python would refuse the class), depth-first left to right, each class once.
   */
  mro(cls: ClassRef, visiting: Set<ExtractedSymbol> = new Set()): ClassRef[] {
    const known = this.mroCache.get(cls.symbol);
    if (known) return known;
    if (visiting.has(cls.symbol)) return [cls];
    visiting.add(cls.symbol);
    const bases = this.bases(cls);
    const lists = [...bases.map((b) => this.mro(b, visiting)), bases];
    const merged = c3Merge(lists.map((l) => l.slice()));
    const rest = merged ?? depthFirst(lists.slice(0, -1));
    const out = [cls, ...rest.filter((r) => r.symbol !== cls.symbol)];
    visiting.delete(cls.symbol);
    this.mroCache.set(cls.symbol, out);
    return out;
  }

  /**
   * The methods `cls` gets from its bases: for each name no class before it in the order defines, the nearest
   * base's definition. A name the class defines itself is its own (an override), whatever its body.
   */
  inheritedMethods(cls: ClassRef): InheritedMethod[] {
    const order = this.mro(cls);
    const seen = new Set<string>();
    const out: InheritedMethod[] = [];
    for (const [i, c] of order.entries()) {
      for (const s of c.file.symbols) {
        if (s.kind !== 'method' || s.parent !== c.symbol.localName || seen.has(s.name)) continue;
        seen.add(s.name);
        if (i > 0) out.push({ method: s, owner: c });
      }
    }
    return out;
  }
}

/** C3 merge of linearisations; null when no consistent order exists. */
function c3Merge(lists: ClassRef[][]): ClassRef[] | null {
  const out: ClassRef[] = [];
  for (;;) {
    const live = lists.filter((l) => l.length > 0);
    if (live.length === 0) return out;
    const head = live.map((l) => l[0]!).find((h) => !live.some((l) => l.slice(1).some((x) => x.symbol === h.symbol)));
    if (!head) return null;
    out.push(head);
    for (const l of live) if (l[0]!.symbol === head.symbol) l.shift();
  }
}

function depthFirst(lists: ClassRef[][]): ClassRef[] {
  const out: ClassRef[] = [];
  for (const l of lists) for (const c of l) if (!out.some((o) => o.symbol === c.symbol)) out.push(c);
  return out;
}
