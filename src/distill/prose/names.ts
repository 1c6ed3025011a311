/**
 * The blocks a name written in prose denotes (`solarposition.get_solarposition`, ``Location.get_airmass``,
 * `spa_python()`): through the call resolver's paths, under the page's current module or a package, by the
 * unique block ending in the written path, or, for a bare name, the one function or class so named when the
 * name could not be an ordinary word.
 */
import type { BlockRef, CallResolver } from '../examples/call-resolver.js';
import { resolveDocumented } from '../examples/collectors/docs.js';

export class ProseNames {
  /** The last two parts of every path a block is reachable by ("Location.get_solarposition") -> blocks. */
  private readonly bySuffix = new Map<string, Set<BlockRef>>();

  constructor(private readonly calls: CallResolver) {
    for (const [p, list] of calls.byPath) {
      const parts = p.split('.');
      if (parts.length < 2) continue;
      const key = parts.slice(-2).join('.');
      const set = this.bySuffix.get(key) ?? new Set<BlockRef>();
      for (const b of list) set.add(b);
      this.bySuffix.set(key, set);
    }
  }

  /** Blocks `name` denotes, `module` being the page's current module; none when it is ambiguous. */
  resolve(name: string, module: string | null, call: boolean): BlockRef[] {
    const documented = resolveDocumented({ name, module, inClass: null }, this.calls);
    if (documented.length) return documented.length === 1 ? documented : [];
    for (const pkg of this.calls.packageNames) {
      if (name === pkg || name.startsWith(`${pkg}.`)) continue;
      const hit = this.calls.lookup(`${pkg}.${name}`);
      if (hit.length) return hit.length === 1 ? hit : [];
    }
    const parts = name.split('.');
    if (parts.length >= 2) {
      const set = this.bySuffix.get(parts.slice(-2).join('.'));
      return set?.size === 1 ? [...set] : [];
    }
    // `fit` or `data` in backticks may be any variable; `get_solarposition`, `StateSpace` or `spa()` is a name.
    if (name.length < 4 || !(call || /_|[a-z][A-Z]|^[A-Z][a-z]/.test(name))) return [];
    const named = this.calls.byName.get(name) ?? [];
    return named.length === 1 ? named : [];
  }
}
