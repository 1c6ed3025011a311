/**
 * Calls built offline for public functions, classes and methods that mining left without any example
 * (issue 15: "synthesize a call"). Feedback-directed in the spirit of Randoop and Pynguin: this file only
 * proposes a few candidate calls per block, best guess first; validate/synthesized.ts runs them and keeps the
 * first that runs cleanly. Nothing here runs code.
 *
 * An argument's value comes, in this order, from literal values the repository itself passes for a parameter
 * of that name (keyword arguments, and positional ones to a block whose signature names them, in its tests,
 * examples, docs and doctests; literal defaults of same-named parameters elsewhere), then from its type (the
 * annotation, else the type a numpydoc or Google docstring states), then from its name (`n` is a count,
 * `verbose` a flag). Parameters with a default are left to it.
 */
import type { Block, Parameter } from '../../domain/block.js';
import type { FileRole } from '../../ingest/types.js';
import type { ParsedFile } from '../../parse/types.js';
import { logicalLines, mask, splitTopLevel } from '../../python/syntax.js';
import { importLineFor } from '../usage.js';
import { docCodeBlocks } from './doc-fences.js';

export const MAX_CANDIDATES_PER_BLOCK = 3;
/** Values kept per parameter name from the repository, the most used first. */
const MAX_REPO_VALUES = 3;
const MAX_LITERAL_CHARS = 60;

/** Literal values the repository passes, by parameter name, the most used first. */
export type ArgumentValues = ReadonlyMap<string, readonly string[]>;

export interface CandidateCall {
  /** The whole snippet: imports, the call, and print(repr(...)) of its result. */
  code: string;
}

/** A number, True/False, a short one-line string, or a short flat list/tuple of numbers: a value worth reusing. */
export function isReusableLiteral(text: string): boolean {
  const t = text.trim();
  if (!t || t.length > MAX_LITERAL_CHARS || t.includes('\n')) return false;
  const num = /^[-+]?(\d[\d_]*\.?\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?)j?$/;
  if (num.test(t) || t === 'True' || t === 'False') return true;
  if (/^[rRuU]?(['"])[^'"\\\n]{0,40}\1$/.test(t)) return true;
  const seq = /^[[(]\s*(.*?)\s*[\])]$/.exec(t);
  if (seq && /^[[(]/.test(t) && (t[0] === '[') === t.endsWith(']')) {
    const items = seq[1]!.split(',').map((s) => s.trim()).filter(Boolean);
    return items.length > 0 && items.every((s) => num.test(s));
  }
  return false;
}

/** The code of a docstring's doctest lines, prompts removed. */
function doctestCode(doc: string): string {
  const out: string[] = [];
  for (const line of doc.split('\n')) {
    const m = /^\s*(>>>|\.\.\.)( |$)(.*)$/.exec(line);
    if (m) out.push(m[3] ?? '');
  }
  return out.join('\n');
}

/**
 * What the repository's own code says about argument values: its test and example files, the docs and
 * notebook code the caller read, and the doctests in the library's docstrings.
 */
export async function argumentSources(
  parsed: readonly ParsedFile[],
  roles: ReadonlyMap<string, FileRole>,
  readText: (path: string) => Promise<string>,
  docs: readonly { path: string; code: string }[],
): Promise<string[]> {
  const out: string[] = [];
  for (const f of parsed) {
    const role = roles.get(f.path);
    if (role === 'library') {
      for (const s of f.symbols) if (s.docstring?.includes('>>>')) out.push(doctestCode(s.docstring));
      if (f.moduleDocstring?.includes('>>>')) out.push(doctestCode(f.moduleDocstring));
    } else if (role === 'test' || role === 'example') {
      out.push(await readText(f.path).catch(() => ''));
    }
  }
  // Docs pages are prose around code: only their code blocks read as Python; notebooks' cells are code already.
  for (const d of docs) {
    const kind = /\.md$/i.test(d.path) ? 'md' : /\.(rst|txt)$/i.test(d.path) ? 'rst' : null;
    if (kind) out.push(...docCodeBlocks(d.code, kind).map((b) => b.code));
    else out.push(d.code);
  }
  return out;
}

/** End of the bracket opened at `open` in masked code, or -1. */
function closing(masked: string, open: number): number {
  let depth = 0;
  for (let i = open; i < masked.length; i++) {
    const c = masked[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/**
 * Literal values passed for each parameter name in `sources`: `f(x=1.5)` counts 1.5 for x, and `f(1.5)`
 * does too when `signatures` says f's first parameter is x. Literal defaults in the signatures count once.
 */
export function argumentValues(sources: readonly string[], signatures: ReadonlyMap<string, readonly Parameter[]>): ArgumentValues {
  const counts = new Map<string, Map<string, number>>();
  const add = (name: string, value: string) => {
    const v = value.trim();
    if (!isReusableLiteral(v)) return;
    const m = counts.get(name) ?? new Map<string, number>();
    m.set(v, (m.get(v) ?? 0) + 1);
    counts.set(name, m);
  };
  for (const params of signatures.values()) for (const p of params) if (p.default !== null) add(p.name, p.default);
  for (const code of sources) {
    let masked: string;
    try {
      masked = mask(code);
    } catch {
      continue;
    }
    for (const m of masked.matchAll(/([A-Za-z_][\w.]*)\s*\(/g)) {
      const open = m.index! + m[0].length - 1;
      const close = closing(masked, open);
      if (close < 0) continue;
      const callee = m[1]!.split('.').pop()!;
      const positional = (signatures.get(callee) ?? []).filter((p) => p.kind === 'positional' || p.kind === 'positional_only');
      const inner = masked.slice(open + 1, close);
      let index = 0;
      for (const [a, b] of splitTopLevel(inner, ',')) {
        const maskedArg = inner.slice(a, b).trim();
        if (!maskedArg) continue;
        const text = code.slice(open + 1 + a, open + 1 + b).trim();
        const kw = /^([A-Za-z_]\w*)\s*=(?!=)/.exec(maskedArg);
        if (kw) {
          add(kw[1]!, text.slice(kw[0].length));
          continue;
        }
        if (maskedArg.startsWith('*')) break;
        const p = positional[index++];
        if (p) add(p.name, text);
      }
    }
  }
  const out = new Map<string, string[]>();
  for (const [name, m] of counts) {
    out.set(
      name,
      [...m]
        .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
        .slice(0, MAX_REPO_VALUES)
        .map(([v]) => v),
    );
  }
  return out;
}

/** The signatures argumentValues maps positional arguments with: functions and classes by bare name, when unique. */
export function signaturesOf(blocks: readonly Block[]): Map<string, readonly Parameter[]> {
  const out = new Map<string, readonly Parameter[]>();
  const seen = new Set<string>();
  for (const b of blocks) {
    if (b.language !== 'python' || b.kind === 'workflow') continue;
    if (seen.has(b.name)) out.delete(b.name);
    else out.set(b.name, b.parameters);
    seen.add(b.name);
  }
  return out;
}

/** Parameter name → the type its docstring states (numpydoc `x : float, optional`, Google `x (float): ...`). */
export function docstringTypes(doc: string | null): Map<string, string> {
  const out = new Map<string, string>();
  if (!doc) return out;
  for (const line of doc.split('\n')) {
    const numpy = /^\s*\**([A-Za-z_]\w*(?:\s*,\s*\**[A-Za-z_]\w*)*)\s+:\s+(\S.*)$/.exec(line);
    const google = /^\s*\**([A-Za-z_]\w*)\s*\(([^)]+)\)\s*:/.exec(line);
    const hit = numpy ?? google;
    if (!hit) continue;
    for (const n of hit[1]!.split(',')) {
      const name = n.trim().replace(/^\*+/, '');
      if (!out.has(name)) out.set(name, hit[2]!.trim());
    }
  }
  return out;
}

interface Guess {
  values: string[];
  numpy: boolean;
}

/** Quoted options a description or type names (`{'linear', 'cubic'}`, "'ab' or 'cd'"). */
function quotedOptions(text: string): string[] {
  return [...text.matchAll(/(['"])([A-Za-z0-9_\- .]{1,30})\1/g)].map((m) => `'${m[2]!}'`);
}

/** Values for a parameter from its stated type; empty when the type says nothing usable. */
export function valuesForType(type: string, description: string | null, useNumpy: boolean): Guess {
  const t = type.toLowerCase().replace(/optional|default.*$/g, '');
  const options = quotedOptions(type + ' ' + (description ?? ''));
  if (/\b(array|ndarray|array[_-]like|vector|matrix)\b/.test(t)) {
    return useNumpy ? { values: ['np.array([1.0, 2.0, 3.0])', '[1.0, 2.0, 3.0]'], numpy: true } : { values: ['[1.0, 2.0, 3.0]'], numpy: false };
  }
  if (/\bbool(ean)?\b/.test(t)) return { values: ['True', 'False'], numpy: false };
  if (/\b(int|integer)\b/.test(t) && !/\bfloat\b/.test(t)) return { values: ['2', '1', '3'], numpy: false };
  if (/\b(float|number|scalar|real|double|numeric)\b/.test(t)) return { values: ['1.0', '0.5', '2.0'], numpy: false };
  if (/\bcomplex\b/.test(t)) return { values: ['1+1j'], numpy: false };
  if (/\b(str|string)\b/.test(t)) return { values: options.length ? options : [], numpy: false };
  if (/\b(list|sequence|iterable|tuple)\b/.test(t)) return { values: ['[1.0, 2.0, 3.0]'], numpy: false };
  if (/\b(dict|mapping)\b/.test(t)) return { values: ['{}'], numpy: false };
  if (/\b(callable|function)\b/.test(t)) return { values: ['lambda x: x'], numpy: false };
  if (options.length) return { values: options, numpy: false };
  return { values: [], numpy: false };
}

/** Values for a parameter from its name alone: the last resort. */
export function valuesForName(name: string, useNumpy = false): string[] {
  const n = name.toLowerCase();
  // In scientific code a capital letter or two (X, Y, AB) is a matrix or an array, except the usual counts.
  if (/^[A-Z][A-Z0-9]?$/.test(name) && !/^[NMKDT]$/.test(name)) {
    return useNumpy ? ['np.array([1.0, 2.0, 3.0])', '1.0'] : ['[1.0, 2.0, 3.0]', '1.0'];
  }
  if (/^(n|m|k|num|count|order|degree|size|length|steps|n_.*|num_.*|.*_count|n[a-z]|nsteps|npoints|ndim)$/.test(n) || /^(n|num)[A-Z]/.test(name)) {
    return ['2', '3'];
  }
  if (/^(is|use|has|do|allow|enable)_|^(verbose|debug|inplace|copy|normalize|normalise)$/.test(n)) return ['True', 'False'];
  if (/^(f|fn|fun|func|function|callback|cb)$/.test(n)) return ['lambda x: x'];
  if (/^(name|label|title|key|method|kind|mode|unit|units)$/.test(n)) return [`'${n}'`];
  if (/^(xs|ys|values|data|points|samples|arr|array|vals|seq|sequence|iterable|items|elements)$|_(list|array|values)$/.test(n)) return ['[1.0, 2.0, 3.0]'];
  // A scalar first; then an array, which is what most untyped scientific parameters turn out to be.
  return ['1.0', useNumpy ? 'np.array([1.0, 2.0, 3.0])' : '[1.0, 2.0, 3.0]', '2'];
}

/** Ordered, distinct candidate values for one parameter of `block`. */
function parameterValues(p: Parameter, repo: ArgumentValues, docTypes: Map<string, string>, useNumpy: boolean): Guess {
  const fromRepo = repo.get(p.name) ?? [];
  const type = p.annotation ?? docTypes.get(p.name) ?? '';
  const typed = type ? valuesForType(type, p.description, useNumpy) : { values: [], numpy: false };
  const values = [...new Set([...fromRepo, ...typed.values, ...(typed.values.length ? [] : valuesForName(p.name, useNumpy))])];
  return { values, numpy: typed.numpy };
}

const CALLABLE_KINDS = new Set<Parameter['kind']>(['positional', 'positional_only', 'keyword_only']);

/** The parameters a call must pass: no default, not *args/**kwargs. */
function requiredParameters(params: readonly Parameter[]): Parameter[] {
  return params.filter((p) => p.default === null && CALLABLE_KINDS.has(p.kind));
}

/** The k-th argument list (candidate k uses each parameter's k-th value, or its last one). */
function argumentList(params: readonly Parameter[], guesses: readonly Guess[], k: number): string {
  return params
    .map((p, i) => {
      const vals = guesses[i]!.values;
      const v = vals[Math.min(k, vals.length - 1)]!;
      return p.kind === 'positional_only' ? v : `${p.name}=${v}`;
    })
    .join(', ');
}

/** True when the block is public, callable as users call it, and mining found no example of it. */
export function wantsSynthesizedCall(block: Block, classes: ReadonlyMap<string, Block>): boolean {
  if (block.language !== 'python' || block.examples.length > 0 || !block.module) return false;
  if (block.kind !== 'function' && block.kind !== 'method' && block.kind !== 'class') return false;
  if (block.name.startsWith('_') || block.compute.network || block.compute.gpu || block.compute.dataFiles) return false;
  if (/^async\s/.test(block.signature.trim())) return false;
  // Command-line glue is called by argparse, and a function taking `self` is a method attached elsewhere.
  if (/^(cli_|main$|run_cli$|parse_args$)/.test(block.name)) return false;
  if (block.kind === 'function' && /^(self|cls)$/.test(block.parameters[0]?.name ?? '')) return false;
  if (block.decorators.some((d) => /abstract|overload|contextmanager|fixture/.test(d))) return false;
  if (block.kind === 'method') {
    const cls = block.qualifiedName.slice(0, block.qualifiedName.lastIndexOf('.'));
    const clsName = cls.slice(cls.lastIndexOf('.') + 1);
    if (clsName.startsWith('_')) return false;
    const owner = classes.get(cls);
    // A class with *args/**kwargs only, or none known, is tried bare: the run says whether it can be built.
    if (owner && owner.decorators.some((d) => /abstract/.test(d))) return false;
  }
  return true;
}

/** How an example the repository already has builds an instance: its code up to `name = Class(...)`. */
export interface InstanceSetup {
  code: string;
  name: string;
}

/**
 * For each class, the shortest start of one of its examples that ran (the class's own, or one of its methods')
 * that builds an instance with a top-level `name = Class(...)` (or `mod.Class(...)`): a method's synthesized call
 * then starts from an instance built as the repository builds it.
 */
export function instanceSetups(blocks: readonly Block[]): Map<string, InstanceSetup> {
  const out = new Map<string, InstanceSetup>();
  for (const b of blocks) {
    const cls = b.kind === 'class' ? b.qualifiedName : b.kind === 'method' ? b.qualifiedName.slice(0, b.qualifiedName.lastIndexOf('.')) : null;
    if (!cls) continue;
    const clsName = cls.slice(cls.lastIndexOf('.') + 1);
    const ctor = new RegExp(`^([A-Za-z_]\\w*)\\s*=\\s*(?:[A-Za-z_][\\w.]*\\.)?${clsName}\\s*\\(`);
    for (const ex of b.examples) {
      if (ex.run?.status !== 'passed' || ex.source === 'synthesized') continue;
      const lines = ex.code.split('\n');
      for (const ll of logicalLines(ex.code)) {
        const m = ll.indent === 0 ? ctor.exec(ll.masked) : null;
        if (!m) continue;
        const code = lines.slice(0, ll.end + 1).join('\n');
        const known = out.get(cls);
        if (!known || code.length < known.code.length) out.set(cls, { code, name: m[1]! });
        break;
      }
    }
  }
  return out;
}

/** Up to `max` distinct candidate snippets for one block, best guess first; none when it takes no call. */
export function candidateCalls(
  block: Block,
  repo: ArgumentValues,
  classes: ReadonlyMap<string, Block>,
  max = MAX_CANDIDATES_PER_BLOCK,
  setups: ReadonlyMap<string, InstanceSetup> = new Map(),
): CandidateCall[] {
  const useNumpy = [...block.requirements, ...block.imports].some((s) => /\bnumpy\b/.test(s));
  const guess = (b: Block) => {
    const params = requiredParameters(b.parameters);
    const types = docstringTypes(b.docstring);
    return { params, guesses: params.map((p) => parameterValues(p, repo, types, useNumpy)) };
  };
  const target = guess(block);
  const imp = importLineFor(block);
  let owner: { params: Parameter[]; guesses: Guess[] } | null = null;
  const isStatic = block.decorators.some((d) => /(^|\.)(staticmethod|classmethod)$/.test(d));
  const isProperty = block.decorators.some((d) => /(^|\.)(property|cached_property)$/.test(d));
  let clsName = '';
  let setup: InstanceSetup | null = null;
  if (block.kind === 'method') {
    const cls = block.qualifiedName.slice(0, block.qualifiedName.lastIndexOf('.'));
    clsName = cls.slice(cls.lastIndexOf('.') + 1);
    const c = classes.get(cls);
    if (!isStatic) owner = c ? guess(c) : { params: [], guesses: [] };
    if (!isStatic) setup = setups.get(cls) ?? null;
  }
  const rounds = Math.max(1, ...target.guesses.map((g) => g.values.length), ...(owner?.guesses ?? []).map((g) => g.values.length));
  const out: CandidateCall[] = [];
  const seen = new Set<string>();
  for (let k = 0; k < rounds && out.length < max; k++) {
    if (setup) {
      // The repository's own construction, then the call: its imports are the example's.
      const args = argumentList(target.params, target.guesses, k);
      const call = isProperty ? `${setup.name}.${block.name}` : `${setup.name}.${block.name}(${args})`;
      const numpy = /\bnp\./.test(args) && !/^import numpy as np$/m.test(setup.code);
      const code = [...(numpy ? ['import numpy as np'] : []), setup.code.replace(/\s+$/, ''), `result = ${call}`, 'print(repr(result))', ''].join('\n');
      if (!seen.has(code)) {
        seen.add(code);
        out.push({ code });
      }
      continue;
    }
    const lines: string[] = [];
    const args = argumentList(target.params, target.guesses, k);
    let call: string;
    if (block.kind === 'method') {
      if (isStatic) call = `${clsName}.${block.name}(${args})`;
      else {
        lines.push(`obj = ${clsName}(${argumentList(owner!.params, owner!.guesses, k)})`);
        call = isProperty ? `obj.${block.name}` : `obj.${block.name}(${args})`;
      }
    } else call = `${block.name}(${args})`;
    const varName = block.kind === 'class' ? 'obj' : 'result';
    lines.push(`${varName} = ${call}`, `print(repr(${varName}))`);
    const body = lines.join('\n');
    const numpy = /\bnp\./.test(body);
    const code = [...(numpy ? ['import numpy as np'] : []), imp, '', body, ''].join('\n');
    if (seen.has(code)) continue;
    seen.add(code);
    out.push({ code });
  }
  return out;
}

/** Class blocks by qualified name, for the methods' constructors. */
export function classesOf(blocks: readonly Block[]): Map<string, Block> {
  return new Map(blocks.filter((b) => b.kind === 'class').map((b) => [b.qualifiedName, b]));
}
