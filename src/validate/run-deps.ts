/**
 * What of the repository's own modules a run can depend on, so a run cache can tell which runs a change touches.
 *
 * Each module is read into two parts:
 *
 * - its **surface**: what importing it executes (imports, assignments, class bodies, decorators and signatures,
 *   defaults included), i.e. the text without the bodies of its functions and methods, comments left out. Every run
 *   imports the package (a package's `__init__` usually imports all of it), so a change to any surface touches
 *   every run;
 * - its **units**: each outermost function with its body, and each method of an outermost class with its body
 *   (`Class.method`: a class's own body is in the surface, as importing runs it), by name, with the names its text
 *   mentions (identifiers, words in strings: `getattr(m, "name")`, dispatch tables). Code that names a class
 *   reaches all its methods; code that uses a name as an attribute (`obj.fit(...)`) or a whole string reaches the
 *   methods of that name in every class (a parameter that shares a method's name does not).
 *
 * A run depends on the surfaces of all modules and on the units its code mentions by name, followed through the
 * names those units mention, in any module (a name defined twice counts both), and through module-level
 * assignments (a dispatch table `METHODS = {"a": _a}` names what a unit that mentions METHODS reaches). That over-counts (a local variable
 * that shares a function's name, a dispatcher whose every branch is reached though a run takes one) but misses
 * only code that builds names at run time. Where a run's trace says which code it executed (batch/driver.py),
 * `unitAt` maps that code to its units instead, which is exact.
 */
import { createHash } from 'node:crypto';
import { logicalLines, PY_KEYWORDS, scanPython } from '../python/syntax.js';

export interface ModuleText {
  /** Path in the repository. */
  path: string;
  text: string;
}

interface Unit {
  id: string;
  hash: string;
  mentions: Set<string>;
  /** The names it uses as attributes (`x.name`) or as whole strings (`getattr(x, "name")`): what reaches methods. */
  attrs: Set<string>;
}

/** A unit's lines in its module (0-based, first decorator to last line). */
interface Span {
  start: number;
  end: number;
  unit: Unit;
}

export interface RunDependencies {
  /** What every run depends on: the surfaces of all modules (a hash). */
  readonly surface: string;
  /** The part of a run's cache key that stands for the repository code it can reach: a hash. */
  digestOf(code: string): string;
  /** The units (`path:name`) the code can reach, for tests and the debug log. */
  unitsOf(code: string): string[];
  /** The units the code can reach by name, each with the hash of its text: the estimate when no trace is known. */
  reach(code: string): Array<[id: string, hash: string]>;
  /**
   * The unit that code starting at this line (1-based, as a code object's first line) of this module belongs to,
   * with its hash; null for module-level code (it is in the surface); undefined for a file that is not a module.
   */
  unitAt(path: string, line: number): [id: string, hash: string] | null | undefined;
  /** A unit's hash now, undefined when there is no such unit any more. */
  hashOf(id: string): string | undefined;
  /** Whether this file (a path in the repository) is one of the modules. */
  has(path: string): boolean;
  /**
   * The module a file installed at this path (relative to site-packages, as a wheel built from the repository puts
   * it) was built from: the one module whose path is it or ends with it (`src/pint/util.py` for `pint/util.py`).
   */
  installedFrom(rel: string): string | undefined;
}

const WORD = /[A-Za-z_][A-Za-z0-9_]*/g;
const DEF = /^(?:async\s+)?def\s+([A-Za-z_][A-Za-z0-9_]*)/;
const CLASS = /^class\s+([A-Za-z_][A-Za-z0-9_]*)/;
const ASSIGN = /^([A-Za-z_][A-Za-z0-9_]*)\s*(?::[^=]*)?=(?!=)/;

function words(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(WORD)) if (!PY_KEYWORDS.has(m[0])) out.add(m[0]);
  return out;
}

const ATTRIBUTE = /\.\s*([A-Za-z_][A-Za-z0-9_]*)|(['"])([A-Za-z_][A-Za-z0-9_]*)\2/g;

/** Names used as attributes or as whole strings: a method is reached through these, not through any word. */
function attributes(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(ATTRIBUTE)) out.add(m[1] ?? m[3]!);
  return out;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** A logical line as written, less its comments (found in the mask, so a '#' inside a string stays). */
function withoutComments(text: string, masked: string): string {
  const lines = text.split('\n');
  const mlines = masked.split('\n');
  return lines
    .map((l, i) => {
      const at = (mlines[i] ?? '').indexOf('#');
      return (at >= 0 ? l.slice(0, at) : l).trimEnd();
    })
    .join('\n');
}

/** A module's surface and units (see the header). */
export function readModule(m: ModuleText): {
  surface: string;
  /** Outermost functions, and the methods of outermost classes (`owner` the class): each with its text and lines. */
  units: Array<{ name: string; owner?: string; text: string; start: number; end: number }>;
  /** Module-level assignments by the name they bind (`METHODS = {"a": _a}`), with their text. */
  bindings: Array<{ name: string; text: string }>;
} {
  const bindings: Array<{ name: string; text: string }> = [];
  const lls = logicalLines(m.text, scanPython(m.text));
  const surface: string[] = [];
  type Collected = { name: string; owner?: string; text: string[]; start: number; end: number };
  const units: Collected[] = [];
  // The innermost def whose body we are in (its indent); the outermost def or class; the method being collected.
  let bodyOf: number | null = null;
  let top: { indent: number; kind: 'def' | 'class'; name: string; item: Collected | null } | null = null;
  let method: { indent: number; item: Collected } | null = null;
  let pendingDecorators: { text: string; start: number }[] = [];
  for (const ll of lls) {
    const text = withoutComments(ll.text, ll.masked);
    const head = ll.masked.trimStart();
    if (bodyOf !== null && ll.indent <= bodyOf) bodyOf = null;
    if (method && ll.indent <= method.indent) method = null;
    if (top && ll.indent <= top.indent) top = method = null;
    const def = DEF.exec(head);
    const cls = def ? null : CLASS.exec(head);
    const start = pendingDecorators[0]?.start ?? ll.start;
    const decorators = pendingDecorators.map((d) => d.text);
    if (!top && def) {
      const item = { name: def[1]!, text: decorators, start, end: ll.end };
      units.push(item);
      top = { indent: ll.indent, kind: 'def', name: item.name, item };
    } else if (!top && cls) {
      // A class's own body runs at import: it is in the surface; each of its methods is a unit of its own.
      top = { indent: ll.indent, kind: 'class', name: cls[1]!, item: null };
    } else if (top?.kind === 'class' && !method && def && bodyOf === null) {
      const item = { name: def[1]!, owner: top.name, text: decorators, start, end: ll.end };
      units.push(item);
      method = { indent: ll.indent, item };
    }
    if (head.startsWith('@')) pendingDecorators.push({ text, start: ll.start });
    else pendingDecorators = [];
    for (const u of [top?.item, method?.item]) {
      if (!u) continue;
      u.text.push(text);
      u.end = ll.end;
    }
    if (bodyOf !== null) continue;
    surface.push(text);
    const bound = ll.indent === 0 && !top ? ASSIGN.exec(head) : null;
    if (bound) bindings.push({ name: bound[1]!, text });
    if (def) bodyOf = ll.indent;
  }
  return {
    surface: surface.join('\n'),
    units: units.map((u) => ({ name: u.name, ...(u.owner ? { owner: u.owner } : {}), text: u.text.join('\n'), start: u.start, end: u.end })),
    bindings,
  };
}

/** The dependencies of runs over these modules (the repository's importable Python files). */
export function runDependencies(modules: readonly ModuleText[]): RunDependencies {
  const surfaces = createHash('sha256');
  const byName = new Map<string, Unit[]>();
  // Methods by their own name, reached through attributes (`obj.fit(...)`); by their class's name through byName.
  const byMethod = new Map<string, Unit[]>();
  const spans = new Map<string, Span[]>();
  const byId = new Map<string, Unit>();
  // What a module-level name is bound to: a dispatch table names the functions a unit reaches through it.
  const bound = new Map<string, Set<string>>();
  for (const m of [...modules].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const read = readModule(m);
    surfaces.update(`${m.path}\0${sha(read.surface)}\0`);
    const inModule: Span[] = [];
    // A name defined twice in one module (one def per Python version) is one unit: either may be the one that runs.
    const here = new Map<string, Unit>();
    const named = (index: Map<string, Unit[]>, name: string, entry: Unit) => {
      const list = index.get(name);
      if (!list) index.set(name, [entry]);
      else if (!list.includes(entry)) list.push(entry);
    };
    for (const u of read.units) {
      const local = u.owner ? `${u.owner}.${u.name}` : u.name;
      let entry = here.get(local);
      if (entry) {
        entry.hash = sha(entry.hash + u.text).slice(0, 32);
        for (const w of words(u.text)) entry.mentions.add(w);
        for (const w of attributes(u.text)) entry.attrs.add(w);
      } else {
        entry = { id: `${m.path}:${local}`, hash: sha(u.text).slice(0, 32), mentions: words(u.text), attrs: attributes(u.text) };
        here.set(local, entry);
        byId.set(entry.id, entry);
        named(u.owner ? byMethod : byName, u.name, entry);
      }
      // Code that names the class (to make one, or to call it) may run any of its methods.
      if (u.owner) named(byName, u.owner, entry);
      inModule.push({ start: u.start, end: u.end, unit: entry });
    }
    spans.set(m.path, inModule);
    for (const b of read.bindings) {
      const into = bound.get(b.name) ?? new Set<string>();
      for (const w of words(b.text)) if (w !== b.name) into.add(w);
      bound.set(b.name, into);
    }
  }
  const surfaceDigest = surfaces.digest('hex');
  const reach = (code: string): Unit[] => {
    const seen = new Set<Unit>();
    const queue: Unit[] = [];
    const followed = new Set<string>();
    const take = (units: Unit[] | undefined) => {
      for (const u of units ?? []) {
        if (seen.has(u)) continue;
        seen.add(u);
        queue.push(u);
      }
    };
    const visit = (names: Set<string>, attrs: Set<string>) => {
      for (const n of names) {
        const via = bound.get(n);
        if (via && !followed.has(n)) {
          followed.add(n);
          // A table's names may be looked up as attributes or strings too.
          visit(via, via);
        }
        take(byName.get(n));
      }
      for (const a of attrs) take(byMethod.get(a));
    };
    visit(words(code), attributes(code));
    while (queue.length) {
      const u = queue.pop()!;
      visit(u.mentions, u.attrs);
    }
    return [...seen].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  };
  let bySuffix: Map<string, string | null> | undefined;
  return {
    surface: surfaceDigest,
    digestOf(code) {
      const h = createHash('sha256').update(surfaceDigest);
      for (const u of reach(code)) h.update(`\0${u.id}=${u.hash}`);
      return h.digest('hex');
    },
    unitsOf: (code) => reach(code).map((u) => u.id),
    reach: (code) => reach(code).map((u) => [u.id, u.hash]),
    unitAt(file, line) {
      const inModule = spans.get(file);
      if (!inModule) return undefined;
      const at = line - 1;
      const span = inModule.find((sp) => sp.start <= at && at <= sp.end);
      return span ? [span.unit.id, span.unit.hash] : null;
    },
    hashOf: (id) => byId.get(id)?.hash,
    has: (file) => spans.has(file),
    installedFrom(rel) {
      if (spans.has(rel)) return rel;
      bySuffix ??= suffixes([...spans.keys()]);
      return bySuffix.get(rel) ?? undefined;
    },
  };
}

/** Each module by every tail of its path at a folder boundary; a tail two modules share maps to null. */
function suffixes(paths: string[]): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const p of paths) {
    for (let i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) {
      const tail = p.slice(i + 1);
      out.set(tail, out.has(tail) && out.get(tail) !== p ? null : p);
    }
  }
  return out;
}
