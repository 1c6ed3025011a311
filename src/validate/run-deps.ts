/**
 * What of the repository's own modules a run can depend on, so a run cache can tell which runs a change touches.
 *
 * Each module is read into two parts:
 *
 * - its **surface**: what importing it executes (imports, assignments, class bodies, decorators and signatures,
 *   defaults included), i.e. the text without the bodies of its functions and methods, comments left out. Every run
 *   imports the package (a package's `__init__` usually imports all of it), so a change to any surface touches
 *   every run;
 * - its **units**: each outermost function with its body, and each class whole (its methods' bodies included), by
 *   name, with the names its text mentions (identifiers, words in strings: `getattr(m, "name")`, dispatch tables).
 *
 * A run depends on the surfaces of all modules and on the units its code mentions by name, followed through the
 * names those units mention, in any module (a name defined twice counts both). That over-counts (a local variable
 * that shares a function's name) but misses only code that builds names at run time.
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
}

export interface RunDependencies {
  /** The part of a run's cache key that stands for the repository code it can reach: a hash. */
  digestOf(code: string): string;
  /** The units (`path:name`) the code can reach, for tests and the debug log. */
  unitsOf(code: string): string[];
}

const WORD = /[A-Za-z_][A-Za-z0-9_]*/g;
const DEF = /^(?:async\s+)?def\s+([A-Za-z_][A-Za-z0-9_]*)/;
const CLASS = /^class\s+([A-Za-z_][A-Za-z0-9_]*)/;

function words(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(WORD)) if (!PY_KEYWORDS.has(m[0])) out.add(m[0]);
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
export function readModule(m: ModuleText): { surface: string; units: Array<{ name: string; text: string }> } {
  const lls = logicalLines(m.text, scanPython(m.text));
  const surface: string[] = [];
  const units: Array<{ name: string; text: string[] }> = [];
  // The innermost def whose body we are in (its indent), and the outermost unit being collected.
  let bodyOf: number | null = null;
  let unit: { indent: number; item: { name: string; text: string[] } } | null = null;
  let pendingDecorators: string[] = [];
  for (const ll of lls) {
    const text = withoutComments(ll.text, ll.masked);
    const head = ll.masked.trimStart();
    if (bodyOf !== null && ll.indent <= bodyOf) bodyOf = null;
    if (unit && ll.indent <= unit.indent) unit = null;
    const def = DEF.exec(head);
    const cls = def ? null : CLASS.exec(head);
    if (!unit && (def || cls)) {
      unit = { indent: ll.indent, item: { name: (def ?? cls)![1]!, text: [...pendingDecorators] } };
      units.push(unit.item);
    }
    if (head.startsWith('@')) pendingDecorators.push(text);
    else pendingDecorators = [];
    unit?.item.text.push(text);
    if (bodyOf !== null) continue;
    surface.push(text);
    if (def) bodyOf = ll.indent;
  }
  return { surface: surface.join('\n'), units: units.map((u) => ({ name: u.name, text: u.text.join('\n') })) };
}

/** The dependencies of runs over these modules (the repository's importable Python files). */
export function runDependencies(modules: readonly ModuleText[]): RunDependencies {
  const surfaces = createHash('sha256');
  const byName = new Map<string, Unit[]>();
  for (const m of [...modules].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const read = readModule(m);
    surfaces.update(`${m.path}\0${sha(read.surface)}\0`);
    for (const u of read.units) {
      const entry: Unit = { id: `${m.path}:${u.name}`, hash: sha(u.text).slice(0, 32), mentions: words(u.text) };
      const list = byName.get(u.name);
      if (list) list.push(entry);
      else byName.set(u.name, [entry]);
    }
  }
  const surfaceDigest = surfaces.digest('hex');
  const reach = (code: string): Unit[] => {
    const seen = new Set<Unit>();
    const queue: Unit[] = [];
    const visit = (names: Set<string>) => {
      for (const n of names) {
        for (const u of byName.get(n) ?? []) {
          if (seen.has(u)) continue;
          seen.add(u);
          queue.push(u);
        }
      }
    };
    visit(words(code));
    while (queue.length) visit(queue.pop()!.mentions);
    return [...seen].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  };
  return {
    digestOf(code) {
      const h = createHash('sha256').update(surfaceDigest);
      for (const u of reach(code)) h.update(`\0${u.id}=${u.hash}`);
      return h.digest('hex');
    },
    unitsOf: (code) => reach(code).map((u) => u.id),
  };
}
