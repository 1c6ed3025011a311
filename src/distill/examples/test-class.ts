/**
 * A test class as the setting of one of its tests: the class attributes, `setUpClass` and `setUp` (or
 * pytest's `setup_class`/`setup_method`) as module-level statements with `self.x` rewritten to `x`, the
 * class's helper methods as plain functions, and its pytest fixtures. Bases defined in the same module
 * are followed, nearest first, as Python's attribute lookup does for single inheritance.
 */
import type { ExtractedSymbol } from '../../parse/types.js';
import { bodyOf, boundNames, dedent, identifiersIn, mask, splitDocstring, statementGroups } from '../../python/syntax.js';
import type { ModuleInfo } from './module-info.js';
import { isFixture } from './module-info.js';
import { rewriteUnittestAsserts } from './test-rewrite.js';

/** One statement of the class's setup, already at module level. */
export interface SetupStatement {
  /** Null when the statement could not be rewritten (a `self.` left that is no attribute). */
  code: string | null;
  binds: Set<string>;
  reads: Set<string>;
}

export interface TestClass {
  /** Class attributes, then setUpClass, then setUp, in the order they run. */
  setup: SetupStatement[];
  /** Names `self.x` may stand for: attributes the setup assigns. */
  attributes: Set<string>;
  /** Helper methods (no tests, no setup or teardown, no fixtures), the nearest class's first. */
  helpers: Map<string, ExtractedSymbol>;
  fixtures: Map<string, ExtractedSymbol>;
}

const CLASS_SETUP = /^(setUpClass|setup_class)$/;
const INSTANCE_SETUP = /^(setUp|setup_method|setup)$/;
const NOT_HELPER = /^(test|setUp|tearDown|setup_|teardown_|setup$|teardown$|__)/;

/** The classes a test class's attributes are looked up in: itself, then its bases in the same module. */
function lineage(name: string, module: ModuleInfo): ExtractedSymbol[] {
  const out: ExtractedSymbol[] = [];
  const seen = new Set<string>();
  const visit = (n: string) => {
    const cls = module.classes.get(n);
    if (!cls || seen.has(n)) return;
    seen.add(n);
    out.push(cls);
    for (const base of basesOf(cls)) visit(base);
  };
  visit(name);
  return out;
}

function basesOf(cls: ExtractedSymbol): string[] {
  const m = /^class\s+\w+\s*\(([^]*)\)\s*:/.exec(cls.signature.trim());
  if (!m) return [];
  return m[1]!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => /^[A-Za-z_]\w*$/.test(s));
}

function methodsOf(cls: ExtractedSymbol, module: ModuleInfo): ExtractedSymbol[] {
  return module.file.symbols.filter((s) => s.kind === 'method' && s.parent === cls.name);
}

/** The setting of tests in class `name`, or null when the module does not define it. */
export function readTestClass(name: string, module: ModuleInfo): TestClass | null {
  const classes = lineage(name, module);
  if (classes.length === 0) return null;
  const helpers = new Map<string, ExtractedSymbol>();
  const fixtures = new Map<string, ExtractedSymbol>();
  const setupOf = { cls: [] as ExtractedSymbol[], inst: [] as ExtractedSymbol[] };
  for (const cls of classes) {
    for (const m of methodsOf(cls, module)) {
      if (isFixture(m)) {
        if (!fixtures.has(m.name)) fixtures.set(m.name, m);
      } else if (CLASS_SETUP.test(m.name)) setupOf.cls.push(m);
      else if (INSTANCE_SETUP.test(m.name)) setupOf.inst.push(m);
      else if (!NOT_HELPER.test(m.name) && !helpers.has(m.name)) helpers.set(m.name, m);
    }
  }
  // Class attributes: the farthest base's first, so a subclass's value wins, as the lookup would give.
  const raw: string[] = [];
  const attributes = new Set<string>();
  for (const cls of [...classes].reverse()) {
    for (const g of statementGroups(splitDocstring(bodyOf(cls.code).body).rest)) {
      const head = g.lines[0]!.masked.trim();
      if (/^(def|async|class|@|if|for|while|with|try)\b/.test(head)) continue;
      if (!/^[A-Za-z_]\w*(\s*,\s*[A-Za-z_]\w*)*\s*(:[^=]*)?=(?!=)/.test(head)) continue;
      // `key = staticmethod(f)` is `f` when read as `self.key`.
      const text = g.text.replace(/=\s*staticmethod\s*\(([^]*)\)\s*$/, '= $1');
      raw.push(text);
      for (const n of boundNames(text)) attributes.add(n);
    }
  }
  const setupBodies: string[] = [];
  for (const list of [setupOf.cls, setupOf.inst]) {
    const own = list[0];
    if (!own) continue;
    const body = expandSuper(own, list.slice(1));
    if (body === null) return null;
    setupBodies.push(body);
    for (const m of body.matchAll(/\b(?:self|cls)\.(\w+)\s*(?:\[[^\]]*\]\s*)?(?:,[^=\n]*)?=(?!=)/g)) attributes.add(m[1]!);
  }
  // A setup local named like an attribute would be overwritten once `self.x = ...` is `x = ...`.
  for (const b of setupBodies) if ([...localsOf(b)].some((n) => attributes.has(n))) return null;
  for (const b of setupBodies) for (const g of statementGroups(b)) raw.push(g.text);
  const names = new Set([...attributes, ...helpers.keys()]);
  const setup = raw.map((text): SetupStatement => {
    const code = unself(text, names);
    const shown = code ?? text;
    return { code, binds: boundNames(shown), reads: readsOf(shown) };
  });
  return { setup, attributes, helpers, fixtures };
}

/**
 * A setup method's statements, dedented, with `super().setUp()` replaced by the base's setup (or dropped
 * when the base is unittest's own). Null when the body does what a script cannot (self.addCleanup and the like
 * are caught later, when a needed statement keeps a `self.`).
 */
function expandSuper(own: ExtractedSymbol, bases: ExtractedSymbol[]): string | null {
  const body = dedent(splitDocstring(bodyOf(own.code).body).rest).replace(/^\n+|\s+$/g, '');
  const lines: string[] = [];
  for (const g of statementGroups(body)) {
    const head = g.lines[0]!.masked.trim();
    if (/^super\s*\([^)]*\)\s*\.\s*\w+\s*\(\s*\)$|^\w+\s*\.\s*(setUp|setUpClass|setup_method|setup_class)\s*\(\s*(self|cls)?\s*\)$/.test(head)) {
      const base = bases[0];
      if (base) {
        const inner = expandSuper(base, bases.slice(1));
        if (inner === null) return null;
        lines.push(inner);
      }
      continue;
    }
    lines.push(g.text);
  }
  return lines.join('\n');
}

/**
 * `self.x` (and `cls.x`, `type(self).x`, `self.__class__.x`) to `x` for the names given; null when a
 * `self` or `cls` is left over.
 */
export function unself(code: string, names: ReadonlySet<string>): string | null {
  const m = mask(code);
  let out = '';
  let last = 0;
  const re = /\b(?:type\s*\(\s*self\s*\)|self\s*\.\s*__class__|self|cls)\s*\.\s*([A-Za-z_]\w*)/g;
  for (const hit of m.matchAll(re)) {
    const idx = hit.index!;
    if (idx > 0 && m[idx - 1] === '.') continue;
    if (!names.has(hit[1]!)) continue;
    out += code.slice(last, idx) + hit[1]!;
    last = idx + hit[0].length;
  }
  out += code.slice(last);
  return /\b(self|cls)\b/.test(mask(out)) ? null : out;
}

/**
 * The statements of `setup` that `needed` names depend on, in order: those that bind a needed name, and those
 * that bind nothing but touch one (`x.configure()`, a loop filling `x`) or seed the random state.
 */
export function sliceSetup(setup: readonly SetupStatement[], needed: ReadonlySet<string>): SetupStatement[] | null {
  const want = new Set(needed);
  const kept: SetupStatement[] = [];
  for (let i = setup.length - 1; i >= 0; i--) {
    const s = setup[i]!;
    const bindsNeeded = [...s.binds].some((n) => want.has(n));
    // `x.a = v` and `x[k] = v` change x only: reading a needed name in v does not make them part of its story.
    const itemTarget = s.code === null ? null : /^([A-Za-z_]\w*)\s*[.[][^=]*[^=!<>]=(?!=)/.exec(s.code.trim());
    const touches = itemTarget
      ? want.has(itemTarget[1]!)
      : [...s.reads].some((n) => want.has(n)) && ![...s.binds].some((n) => !want.has(n) && !s.reads.has(n));
    const seeds = s.code !== null && /\bseed\s*\(/.test(s.code);
    if (!bindsNeeded && !touches && !seeds) continue;
    if (s.code === null) return null;
    kept.unshift(s);
    // A plain assignment defines what it binds: earlier definitions of those names are no longer needed.
    if (!/^(for|while|if|with|try|async)\b/.test(s.code.trim()) && !/^[A-Za-z_]\w*\s*(\[|\.|(?:[-+*/%&|^@]|\/\/|\*\*|>>|<<)=)/.test(s.code.trim())) {
      for (const n of s.binds) if (!s.reads.has(n)) want.delete(n);
    }
    for (const n of s.reads) want.add(n);
  }
  return kept;
}

/**
 * A helper method as a module-level function: decorators and the `self`/`cls` parameter dropped, unittest
 * asserts rewritten, `self.x` made `x`. Null when it assigns attributes or calls the setup again.
 */
export function helperAsFunction(sym: ExtractedSymbol, names: ReadonlySet<string>): string | null {
  const isStatic = sym.decorators.some((d) => /staticmethod$/.test(d.trim()));
  const code = dedent(sym.code.split('\n').slice(sym.decorators.length ? lineOfDef(sym.code) : 0).join('\n'));
  const { body } = bodyOf(code);
  const rewritten = rewriteUnittestAsserts(body);
  if (rewritten === null) return null;
  if (/\b(self|cls)\s*\.\s*\w+\s*(\[[^\]]*\]\s*)?=(?!=)|\bself\s*\.\s*(setUp|setup_method)\s*\(/.test(mask(rewritten))) return null;
  // `a, b = result` then `self.a`: once `self.a` is `a`, the helper would compare its local with itself.
  const locals = new Set([...boundNames(rewritten), ...sym.parameters.map((p) => p.name)]);
  if ([...mask(rewritten).matchAll(/\bself\s*\.\s*([A-Za-z_]\w*)/g)].some((m) => locals.has(m[1]!))) return null;
  const plain = unself(rewritten, names);
  if (plain === null) return null;
  const header = /^(async\s+)?def\s+\w+\s*\(([^]*)\)\s*(->[^:]*)?:/.exec(sym.signature.trim());
  if (!header) return null;
  let args = header[2]!;
  if (!isStatic) args = args.replace(/^\s*\w+\s*(,\s*)?/, '');
  const indented = plain
    .split('\n')
    .map((l) => (l.trim() ? '    ' + l : ''))
    .join('\n');
  return `${header[1] ?? ''}def ${sym.name}(${args.trim()}):\n${indented}`;
}

function lineOfDef(code: string): number {
  const lines = code.split('\n');
  const k = lines.findIndex((l) => /^\s*(async\s+)?def\b/.test(l));
  return k < 0 ? 0 : k;
}

/** Names a body binds in its own scope: not lambda parameters or comprehension variables. */
function localsOf(body: string): Set<string> {
  const m = mask(body);
  let out = '';
  let depth = 0;
  for (const ch of m) {
    if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch)) depth = Math.max(0, depth - 1);
    out += depth > 0 && !'([{)]}\n'.includes(ch) ? ' ' : ch;
  }
  return boundNames(out.replace(/\blambda\b[^:\n]*:/g, ''));
}

/** The names a statement reads: a plain assignment's targets are not among them unless its value reads them too. */
export function readsOf(code: string): Set<string> {
  const all = identifiersIn(code);
  const head = code.trim();
  if (/^(for|while|if|with|try|async|def|class)\b/.test(head)) return all;
  const m = mask(code);
  const eq = m.search(/[^=!<>]=(?!=)/);
  if (eq < 0 || /[[.]/.test(m.slice(0, eq + 1))) return all;
  const rhs = identifiersIn(code.slice(eq + 2));
  const targets = boundNames(code.slice(0, eq + 1) + ' = 0');
  return new Set([...all].filter((n) => !targets.has(n) || rhs.has(n)));
}
