/**
 * The call chains a piece of Python code makes on other packages, read lexically: what cross-repository pattern
 * mining compares. Local names are resolved through the code's imports (`import numpy as np`, `from scipy import
 * optimize as opt`, `from scipy.optimize import curve_fit`), so `np.fft.rfft` and `numpy.fft.rfft` are one call;
 * literals and argument values are dropped, keyword names kept.
 *
 * Two kinds of chain come out of one piece of code:
 * - a value chain: a value built by a call (`sol = solve_ivp(...)`) and what the code then does with it, in order:
 *   attributes read (`sol.y`), methods called (`model.fit(...)`, and what is read off their results), the value
 *   called (`f(x)`), unpacked (`popt, pcov = curve_fit(...)`), or passed to another package's call (`np.abs(X)`);
 * - a module chain: the distinct functions of one submodule the code calls (`numpy.fft.rfft`, `numpy.fft.rfftfreq`).
 * Heuristics over logical lines, like the rest of python/: good enough to find idioms, never used for safety.
 */
import { isImportStatement, parseImport } from './imports.js';
import { logicalLines, mask, PY_KEYWORDS } from './syntax.js';

/** One step of a value chain, normalised: `.y`, `.fit()`, `.fit().params`, `()`, `unpack:2`, `numpy.abs(_)`, `numpy.diag(_[1])`. */
export type ChainEvent = string;

export interface CallSite {
  /** The qualified name called (`scipy.integrate.solve_ivp`). */
  call: string;
  /** Keyword argument names it was given (`t_eval`, `method`). */
  keywords: string[];
  /** 0-based line of the call in the code. */
  line: number;
}

export interface ValueChain {
  /** The call that built the value, qualified. */
  anchor: CallSite;
  /** The local name(s) the code gave it (for rendering a template the way people write it). */
  names: string[];
  /** What was done with it, in first-use order, each once. */
  events: ChainEvent[];
  /** The names of further calls that took part (`numpy.abs`), qualified. */
  calls: string[];
  /** Names given to results along the chain (`ax = fig.add_subplot(...)`: path ".add_subplot()" → "ax"). */
  derived: Array<{ path: string; name: string }>;
}

export interface ModuleChain {
  /** The submodule (`numpy.fft`). */
  module: string;
  /** Its functions called, in first-call order, each once (`rfft`, `rfftfreq`). */
  functions: string[];
  sites: CallSite[];
}

export interface CodeChains {
  values: ValueChain[];
  modules: ModuleChain[];
}

export interface ChainOptions {
  /** Import statements in effect besides those in the code (a block's module-level imports). */
  imports?: readonly string[];
  /** Whether a top-level package counts (third-party, not the code's own package, not the standard library). */
  counts: (top: string) => boolean;
}

const IDENT_START = /[A-Za-z_]/;

/** Local name → qualified name, from import statements as written (relative and star imports are the code's own). */
export function aliasesOf(statements: Iterable<string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of statements) {
    for (const b of parseImport(s)) {
      if (b.local === '*' || b.module.startsWith('.')) continue;
      if (b.name === null) out.set(b.local, b.dotted ? b.local : b.module);
      else out.set(b.local, `${b.module}.${b.name}`);
    }
  }
  return out;
}

/** A dotted name as written, its head resolved through the aliases; null when the head is not an imported name. */
export function resolveDotted(name: string, aliases: ReadonlyMap<string, string>): string | null {
  const parts = name.replace(/\s+/g, '').split('.');
  const head = aliases.get(parts[0]!);
  if (!head) return null;
  return [head, ...parts.slice(1)].join('.');
}

interface Subject {
  chain: ValueChain;
  /** Where on the chain's value this name sits: '' the value itself, '[1]' an unpacked part, '.fit()' a method's result. */
  path: string;
}

interface Paren {
  callee: string | null;
  start: number;
  calleeAt: number;
}

/** The dotted name written right before a "(" (`np.fft.rfft`), if any. */
const CALLEE_BEFORE = /([A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*)*)\s*$/;

/** The calls in a masked line: callee as written, where its bracket opens and closes, and its keyword names. */
function callsOf(m: string): { callee: string; open: number; close: number; keywords: string[]; attrOfExpr: boolean }[] {
  const out: { callee: string; open: number; close: number; keywords: string[]; attrOfExpr: boolean }[] = [];
  const stack: Paren[] = [];
  for (let i = 0; i < m.length; i++) {
    const ch = m[i]!;
    if (ch === '(' || ch === '[' || ch === '{') {
      let callee: string | null = null;
      let calleeAt = i;
      if (ch === '(') {
        const name = CALLEE_BEFORE.exec(m.slice(0, i));
        if (name && !PY_KEYWORDS.has(name[1]!.split('.')[0]!.trim())) {
          callee = name[1]!.replace(/\s+/g, '');
          calleeAt = name.index;
        }
      }
      stack.push({ callee, start: i, calleeAt });
    } else if (ch === ')' || ch === ']' || ch === '}') {
      const top = stack.pop();
      if (top?.callee) {
        const before = m.slice(0, top.calleeAt).trimEnd();
        out.push({ callee: top.callee, open: top.start, close: i, keywords: topLevelKeywords(m.slice(top.start + 1, i)), attrOfExpr: /[)\].\w]$/.test(before) });
      }
    }
  }
  return out;
}

/** Keyword names at the top level of an argument list (`f(x, t_eval=t, **kw)` → t_eval). */
function topLevelKeywords(args: string): string[] {
  const out: string[] = [];
  let depth = 0;
  for (let i = 0; i < args.length; i++) {
    const ch = args[i]!;
    if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch)) depth--;
    else if (depth === 0 && IDENT_START.test(ch) && (i === 0 || /[\s,(]/.test(args[i - 1]!))) {
      const m = /^([A-Za-z_]\w*)\s*=(?!=)/.exec(args.slice(i));
      if (m) out.push(m[1]!);
    }
  }
  return out;
}

/** The innermost call whose brackets hold index `at`. */
function enclosingCall<T extends { open: number; close: number }>(calls: readonly T[], at: number): T | null {
  let best: T | null = null;
  for (const c of calls) if (c.open < at && at < c.close && (!best || c.open > best.open)) best = c;
  return best;
}

/** Split an assignment `targets = value` at its first top-level "=" (not ==, <=, +=, annotations). */
function splitAssignment(m: string): { targets: string[]; valueAt: number } | null {
  let depth = 0;
  for (let i = 0; i < m.length; i++) {
    const ch = m[i]!;
    if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch)) depth--;
    else if (ch === '=' && depth === 0) {
      const prev = m[i - 1] ?? '';
      if (m[i + 1] === '=' || '=!<>+-*/%&|^@:'.includes(prev)) return null;
      const lhs = m.slice(0, i).trim().replace(/^\(|\)$/g, '').replace(/^\[|\]$/g, '');
      const targets = lhs.split(',').map((t) => t.trim()).filter(Boolean);
      if (!targets.length || !targets.every((t) => /^\*?[A-Za-z_]\w*$/.test(t))) return null;
      return { targets: targets.map((t) => t.replace(/^\*/, '')), valueAt: i + 1 };
    }
  }
  return null;
}

function push<T>(list: T[], item: T): void {
  if (!list.includes(item)) list.push(item);
}

/** Every value chain and module chain the code makes on the packages `counts` accepts. */
export function codeChains(code: string, opts: ChainOptions): CodeChains {
  const lines = logicalLines(code);
  const aliases = aliasesOf([...(opts.imports ?? []), ...lines.filter((l) => isImportStatement(l.masked.trim())).map((l) => l.text.trim())]);
  const values: ValueChain[] = [];
  const modules = new Map<string, ModuleChain>();
  const subjects = new Map<string, Subject>();
  const qualified = (callee: string): string | null => {
    const q = resolveDotted(callee, aliases);
    return q && opts.counts(q.split('.')[0]!) ? q : null;
  };

  for (const ll of lines) {
    const m = ll.masked.replace(/\n/g, ' ');
    const head = m.trim();
    if (!head || isImportStatement(head) || /^(def|class|async\s+def)\b/.test(head) || head.startsWith('@')) continue;
    const calls = callsOf(m);
    const assign = splitAssignment(m);

    // Module chains: the submodule functions called on this line.
    for (const c of calls) {
      if (c.attrOfExpr) continue;
      const q = qualified(c.callee);
      if (!q) continue;
      const parts = q.split('.');
      if (parts.length < 3) continue;
      const mod = parts.slice(0, -1).join('.');
      const chain = modules.get(mod) ?? { module: mod, functions: [], sites: [] };
      modules.set(mod, chain);
      push(chain.functions, parts[parts.length - 1]!);
      chain.sites.push({ call: q, keywords: c.keywords, line: ll.start });
    }

    // Uses of the values already built: `x.attr`, `x.meth(`, `x(`, `pkg.f(x)`.
    const derived: { target: string; subject: Subject }[] = [];
    for (const [name, subject] of subjects) {
      const re = new RegExp(`(?<![\\w.])${name}\\b`, 'g');
      for (const hit of m.matchAll(re)) {
        const at = hit.index!;
        if (assign && at < assign.valueAt && assign.targets.includes(name)) continue;
        const rest = m.slice(at + name.length);
        const attr = /^\s*\.\s*([A-Za-z_]\w*)\s*(\()?/.exec(rest);
        const p = subject.path;
        let event: string | null = null;
        if (attr) event = `${p}.${attr[1]}${attr[2] ? '()' : ''}`;
        else if (/^\s*\(/.test(rest)) event = `${p}()`;
        else {
          const call = enclosingCall(calls, at);
          const q = call && !call.attrOfExpr ? qualified(call.callee) : null;
          if (q && q !== subject.chain.anchor.call) {
            event = `${q}(_${p})`;
            push(subject.chain.calls, q);
          }
        }
        if (event) push(subject.chain.events, event);
        // `r = x.fit(...)` / `y = x.attr`: r stands for that result from now on.
        if (assign && attr && assign.targets.length === 1 && at === assign.valueAt + (m.slice(assign.valueAt).length - m.slice(assign.valueAt).trimStart().length)) {
          const open = attr[2] ? at + name.length + attr[0].length - 1 : -1;
          const end = open >= 0 ? calls.find((c) => c.open === open)?.close ?? -1 : at + name.length + attr[0].length - 1;
          if (m.slice(end + 1).trim() === '') derived.push({ target: assign.targets[0]!, subject: { chain: subject.chain, path: event! } });
        }
      }
    }

    if (assign) {
      for (const t of assign.targets) subjects.delete(t);
      for (const d of derived) {
        subjects.set(d.target, d.subject);
        if (!d.subject.chain.derived.some((x) => x.path === d.subject.path)) d.subject.chain.derived.push({ path: d.subject.path, name: d.target });
      }
      // `v = pkg.f(...)` (also `v = pkg.f(...)[0]`, `v = pkg.Class(...).method(...)`: the first call builds it).
      const value = m.slice(assign.valueAt);
      const lead = value.length - value.trimStart().length + assign.valueAt;
      const dotted = /[A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*)*/y;
      dotted.lastIndex = lead;
      const dm = dotted.exec(m);
      const build = dm ? calls.find((c) => c.open >= lead + dm[0].length && m.slice(lead + dm[0].length, c.open).trim() === '' && c.callee === dm[0].replace(/\s+/g, '')) : undefined;
      const q = build ? qualified(build.callee) : null;
      if (build && q && !derived.length) {
        const chain: ValueChain = { anchor: { call: q, keywords: build.keywords, line: ll.start }, names: assign.targets, events: [], calls: [], derived: [] };
        values.push(chain);
        if (assign.targets.length > 1) {
          chain.events.push(`unpack:${assign.targets.length}`);
          assign.targets.forEach((t, i) => subjects.set(t, { chain, path: `[${i}]` }));
        } else {
          subjects.set(assign.targets[0]!, { chain, path: '' });
        }
      }
    }
    const loop = /^for\s+([\w\s,()]+?)\s+in\b/.exec(head);
    if (loop) for (const t of loop[1]!.split(',')) subjects.delete(t.replace(/[()\s]/g, ''));
  }
  return { values, modules: [...modules.values()] };
}

/** Whether a masked line is code at all (for callers that only have a snippet of one). */
export function hasCode(code: string): boolean {
  return mask(code).trim() !== '';
}
