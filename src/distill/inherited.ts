/**
 * What a class inherits from the repository's own classes: its bases resolved by name through each module's
 * imports (bindings.ts), the method resolution order over them, and for every method name the nearest class that
 * defines it.
 * A public class that gathers private mixins (`class Baseline(_Whittaker, _Polynomial, ...)`) has its API there;
 * select.ts turns what this finds into blocks named as users call them (`Baseline.asls`).
 *
 * Bases outside the repository (`object`, `np.ndarray`, another package's class) end the walk: their methods are
 * not the repository's code. Nothing is imported or run; a base that cannot be resolved from the text is skipped.
 */
import type { ExtractedSymbol, ParsedFile } from '../parse/types.js';
import { ModuleBindings, type Definition } from './bindings.js';

/** A class of the repository: the file that defines it and its symbol. */
export type ClassRef = Definition;

/** A method a class gets from one of its bases. */
export interface InheritedMethod {
  /** The defining method, as written in the base. */
  method: ExtractedSymbol;
  /** The base that defines it (the nearest in the method resolution order). */
  owner: ClassRef;
}

export class ClassIndex {
  private readonly mroCache = new Map<ExtractedSymbol, ClassRef[]>();
  private readonly bindings: ModuleBindings;

  constructor(files: readonly ParsedFile[]) {
    this.bindings = new ModuleBindings(files);
  }

  /** The class `dotted` names in module `module`'s namespace ("Cls", "mod.Cls", "pkg.mod.Cls"), or null. */
  resolve(module: string, dotted: string): ClassRef | null {
    const hit = this.bindings.resolve(module, dotted);
    return hit?.symbol.kind === 'class' ? hit : null;
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
