/**
 * Argument values for synthesized calls (synthesize.ts builds the calls from them). A parameter's values come, in
 * this order, from what the repository itself passes for a parameter of that name (keyword arguments, and
 * positional ones to a block whose signature names them, in its tests, examples, docs and doctests; a name passed
 * there is followed to the assignment and the imports it needs: `problem = {...}`, `x = np.linspace(0, 1, 50)`,
 * `pt.Fe`; literal defaults of same-named parameters elsewhere), then from its type (the annotation, else the
 * type the docstring states, read by parse/pydoc.ts) with its shape, units and option set, then from its name.
 */
import type { Block, Parameter } from '../../domain/block.js';
import type { FileRole } from '../../ingest/types.js';
import type { ParsedFile } from '../../parse/types.js';
import { isImportStatement, parseImport, renderImport } from '../../python/imports.js';
import { freeNames, logicalLines, mask, splitTopLevel } from '../../python/syntax.js';
import { docCodeBlocks } from './doc-fences.js';

/** Values kept per parameter name from the repository, the most used first. */
const MAX_REPO_VALUES = 3;
const MAX_LITERAL_CHARS = 60;
/** A data literal followed through an assignment (a SALib `problem` dict) may be longer. */
const MAX_ASSIGNED_CHARS = 600;
/** Lines of setup (imports, assignments) one value may bring. */
const MAX_SETUP_LINES = 6;
/** Points of a synthesized 1-D array: a three-point array makes many signal and fit functions fail. */
export const ARRAY_POINTS = 50;
/** A value that reads a file: its path is the test's or the docs' own, relative to where they run, not to the sandbox's. */
export const READS_FILE = /\bopen\(|\bload(txt)?\(|\bread_\w+\(|\bfrom\w*file\(|__file__|\bos\.path\b|\bPath\(|(['"])[^'"\n]*\.(csv|txt|dat|json|npy|npz|h5|hdf5?|xlsx?|fits|mat|pkl|pickle)\2/;
/** Modules whose names a value may not need: test scaffolding, not what a user writes. */
const SCAFFOLD_MODULES = /^(pytest|unittest|mock|conftest|tests?|hypothesis|_pytest|doctest)$/;

/** One argument value: the expression passed, and the lines (imports, then assignments) it needs first. */
export interface ArgValue {
  expr: string;
  setup: readonly string[];
}

/** Values the repository passes, by parameter name, the most used first. */
export type ArgumentValues = ReadonlyMap<string, readonly ArgValue[]>;

const NUM = /^[-+]?(\d[\d_]*\.?\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?)j?$/;

/** A number, True/False, a short one-line string, or a short flat list/tuple of numbers: a value worth reusing. */
export function isReusableLiteral(text: string): boolean {
  const t = text.trim();
  if (!t || t.length > MAX_LITERAL_CHARS || t.includes('\n')) return false;
  if (NUM.test(t) || t === 'True' || t === 'False') return true;
  if (/^[rRuU]?(['"])[^'"\\\n]{0,40}\1$/.test(t)) return true;
  const seq = /^[[(]\s*(.*?)\s*[\])]$/.exec(t);
  if (seq && /^[[(]/.test(t) && (t[0] === '[') === t.endsWith(']')) {
    const items = seq[1]!.split(',').map((s) => s.trim()).filter(Boolean);
    return items.length > 0 && items.every((s) => NUM.test(s));
  }
  return false;
}

/**
 * Plain data: numbers, strings, True/False/None and brackets of them, nested (`{'names': ['x1'], 'bounds':
 * [[0, 1]]}`), with no name in it: it runs the same anywhere.
 */
export function isDataLiteral(text: string): boolean {
  const t = text.trim();
  if (!t || t.length > MAX_ASSIGNED_CHARS) return false;
  let masked: string;
  try {
    masked = mask(t);
  } catch {
    return false;
  }
  const rest = masked
    .replace(/[rRuUbB]?(['"])\s*\1/g, ' ')
    .replace(/(?<![\w.])[-+]?(\d[\d_]*\.?\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?)j?(?![\w.])/g, ' ')
    .replace(/\b(True|False|None)\b/g, ' ');
  return /^[\s[\](){},:+\-]*$/.test(rest);
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

/** What one source binds: its imports (local name → the import line) and its simple assignments, in order. */
interface SourceScope {
  imports: Map<string, string>;
  assigned: Map<string, { offset: number; expr: string }[]>;
}

function scopeOf(code: string): SourceScope {
  const imports = new Map<string, string>();
  const assigned = new Map<string, { offset: number; expr: string }[]>();
  const lines = code.split('\n');
  const offsets: number[] = [];
  for (let i = 0, o = 0; i < lines.length; i++) {
    offsets.push(o);
    o += lines[i]!.length + 1;
  }
  for (const ll of logicalLines(code)) {
    const head = ll.masked.trim();
    if (isImportStatement(head)) {
      for (const b of parseImport(ll.text.trim())) {
        if (b.local === '*' || b.module.startsWith('.') || SCAFFOLD_MODULES.test(b.module.split('.')[0]!)) continue;
        imports.set(b.local, renderImport(b));
      }
      continue;
    }
    const m = /^([A-Za-z_]\w*)\s*=(?!=)/.exec(head);
    if (!m) continue;
    const text = ll.text.trim();
    const expr = text.slice(text.indexOf('=') + 1).trim();
    const list = assigned.get(m[1]!) ?? [];
    list.push({ offset: offsets[ll.start] ?? 0, expr });
    assigned.set(m[1]!, list);
  }
  return { imports, assigned };
}

/**
 * An argument as written at `offset` in a source → a value that runs on its own: a literal as it is; an
 * expression whose names are imports or earlier assignments (followed up to three deep) with those lines as
 * its setup; else null (a loop variable, a fixture, `self.x`).
 */
function resolveValue(text: string, offset: number, scope: SourceScope, depth = 0): ArgValue | null {
  const t = text.trim();
  if (isReusableLiteral(t)) return { expr: t, setup: [] };
  if (t.includes('\n') || t.length > MAX_LITERAL_CHARS * 2 || /\bself\b|\bcls\b|\bawait\b|\byield\b/.test(t)) return null;
  let free: Set<string>;
  try {
    free = freeNames(t);
  } catch {
    return null;
  }
  const importsNeeded: string[] = [];
  const assigns: string[] = [];
  for (const n of free) {
    const imp = scope.imports.get(n);
    if (imp) {
      importsNeeded.push(imp);
      continue;
    }
    if (depth >= 3) return null;
    const prior = (scope.assigned.get(n) ?? []).filter((a) => a.offset < offset).pop();
    if (!prior) return null;
    const dep = isDataLiteral(prior.expr) ? { expr: prior.expr, setup: [] } : resolveValue(prior.expr, prior.offset, scope, depth + 1);
    if (!dep) return null;
    for (const s of dep.setup) (isImportStatement(s) ? importsNeeded : assigns).push(s);
    assigns.push(`${n} = ${dep.expr}`);
  }
  const setup = [...new Set(importsNeeded), ...new Set(assigns)];
  if (READS_FILE.test(t) || setup.some((l) => READS_FILE.test(l))) return null;
  if (setup.length > MAX_SETUP_LINES || setup.join('\n').length > MAX_ASSIGNED_CHARS + 200) return null;
  return { expr: t, setup };
}

/**
 * Values passed for each parameter name in `sources`: `f(x=1.5)` counts 1.5 for x, and `f(1.5)` does too when
 * `signatures` says f's first parameter is x; `f(x=data)` counts `data` with the lines that make it. Literal
 * defaults in the signatures count once.
 */
export function argumentValues(sources: readonly string[], signatures: ReadonlyMap<string, readonly Parameter[]>): ArgumentValues {
  // Values passed in calls (`passed`) come before defaults of other blocks' same-named parameters: a default
  // `isotope=False` elsewhere is a flag there, while a call shows what the parameter takes.
  const counts = new Map<string, Map<string, { value: ArgValue; n: number; passed: number }>>();
  const add = (name: string, value: ArgValue | null, passed = 1) => {
    if (!value) return;
    const key = [...value.setup, value.expr].join('\n');
    const m = counts.get(name) ?? new Map<string, { value: ArgValue; n: number; passed: number }>();
    const known = m.get(key);
    m.set(key, { value, n: (known?.n ?? 0) + 1, passed: (known?.passed ?? 0) + passed });
    counts.set(name, m);
  };
  for (const params of signatures.values()) {
    for (const p of params) if (p.default !== null && isReusableLiteral(p.default)) add(p.name, { expr: p.default.trim(), setup: [] }, 0);
  }
  for (const code of sources) {
    let masked: string;
    let scope: SourceScope;
    try {
      masked = mask(code);
      scope = scopeOf(code);
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
          add(kw[1]!, resolveValue(text.slice(kw[0].length), open, scope));
          continue;
        }
        if (maskedArg.startsWith('*')) break;
        const p = positional[index++];
        if (p) add(p.name, resolveValue(text, open, scope));
      }
    }
  }
  const out = new Map<string, ArgValue[]>();
  for (const [name, m] of counts) {
    out.set(
      name,
      [...m]
        .sort((x, y) => Math.sign(y[1].passed) - Math.sign(x[1].passed) || y[1].n - x[1].n || (x[0] < y[0] ? -1 : 1))
        .slice(0, MAX_REPO_VALUES)
        .map(([, v]) => v.value),
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

export interface Guess {
  values: ArgValue[];
}

const plain = (exprs: readonly string[]): ArgValue[] => exprs.map((expr) => ({ expr, setup: [] }));

/** Quoted options a description or type names (`{'linear', 'cubic'}`, "'ab' or 'cd'"). */
function quotedOptions(text: string): string[] {
  return [...new Set([...text.matchAll(/(['"])([A-Za-z0-9_\- .]{1,30})\1/g)].map((m) => `'${m[2]!}'`))];
}

const LIN = `np.linspace(1.0, 10.0, ${ARRAY_POINTS})`;
// Deterministic noise: seeded, positive, so logarithms and square roots of it are defined.
const NOISY = `np.random.default_rng(0).uniform(1.0, 2.0, ${ARRAY_POINTS})`;
const SQUARE = 'np.array([[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 4.0]])';
const TALL = 'np.random.default_rng(0).uniform(1.0, 2.0, (20, 3))';
const LIST = `[${Array.from({ length: 10 }, (_, i) => `${i + 1}.0`).join(', ')}]`;

/** How many dimensions a type or description gives an array: `shape (n,)`, `(N, M)`, `2-D`; square when the two are alike. */
function arrayShape(text: string): '1d' | 'square' | '2d' | null {
  const shape = /\(\s*([A-Za-z_]\w*|\d+)\s*,\s*([A-Za-z_]\w*|\d+)?\s*\)/.exec(text);
  if (shape) {
    if (!shape[2]) return '1d';
    return shape[1]!.toLowerCase() === shape[2].toLowerCase() ? 'square' : '2d';
  }
  if (/\bsquare\b/i.test(text)) return 'square';
  if (/\b2-?d\b|\btwo[- ]dimensional\b|\bmatrix\b/i.test(text)) return '2d';
  if (/\b1-?d\b|\bone[- ]dimensional\b|\bvector\b/i.test(text)) return '1d';
  return null;
}

/** Arrays for a shape: numpy ones first when the block uses numpy, with at least ten points. */
function arrays(shape: ReturnType<typeof arrayShape>, useNumpy: boolean): ArgValue[] {
  if (!useNumpy) return plain(shape === 'square' ? ['[[2.0, 1.0], [1.0, 3.0]]'] : [LIST, '[1.0, 2.0, 3.0]']);
  if (shape === 'square') return plain([SQUARE, TALL]);
  if (shape === '2d') return plain([TALL, SQUARE]);
  return plain([LIN, NOISY, 'np.array([1.0, 2.0, 3.0])']);
}

/** A scalar the units or words of a description suggest (298.15 for a temperature in K), or null. */
function scaledScalar(name: string, description: string): string | null {
  const d = `${name} ${description}`.toLowerCase();
  if (/\b(probability|fraction|between 0 and 1|in \[0, ?1\]|quantile|percentile)\b/.test(d)) return '0.5';
  if (/\btemperature|\btemp\b/.test(d) || name === 'T') return /celsius|°c|\bdeg(rees)? c\b/.test(d) ? '25.0' : '298.15';
  if (/\bpressure\b/.test(d)) return /\bpa\b|pascal/.test(d) ? '101325.0' : '1.0';
  if (/\bwavelength\b/.test(d)) return /\bnm\b|nanomet/.test(d) ? '500.0' : /angstrom|å/.test(d) ? '1.54' : null;
  if (/\b(angle|degrees?)\b/.test(d)) return /radian/.test(d) ? '0.5' : '30.0';
  if (/\b(sampling (rate|frequency)|fs)\b/.test(d)) return '100.0';
  return null;
}

/** Values for a parameter from its stated type; empty when the type says nothing usable. */
export function valuesForType(type: string, description: string | null, useNumpy: boolean, name = ''): Guess {
  const desc = description ?? '';
  const t = type.toLowerCase().replace(/optional|default.*$/g, '');
  const options = quotedOptions(type + ' ' + desc);
  if (/^\s*\{/.test(type) && options.length) return { values: plain(options) };
  if (/\b(array|ndarray|array[_-]like|vector|matrix)\b/.test(t)) return { values: arrays(arrayShape(`${type} ${desc}`), useNumpy) };
  if (/\bbool(ean)?\b/.test(t)) return { values: plain(['True', 'False']) };
  if (/\b(int|integer)\b/.test(t) && !/\bfloat\b/.test(t)) return { values: plain(countLike(name) ? ['10', '2', '3'] : ['2', '1', '3']) };
  if (/\b(float|number|scalar|real|double|numeric)\b/.test(t)) {
    const scaled = scaledScalar(name, desc);
    return { values: plain([...new Set([...(scaled ? [scaled] : []), '1.0', '0.5', '2.0'])]) };
  }
  if (/\bcomplex\b/.test(t)) return { values: plain(['1+1j']) };
  if (/\b(str|string)\b/.test(t)) return { values: plain(options) };
  if (/\b(list|sequence|iterable|tuple)\b/.test(t)) return { values: plain(['[1.0, 2.0, 3.0]']) };
  if (/\b(dict|mapping)\b/.test(t)) return { values: plain(['{}']) };
  if (/\b(callable|function)\b/.test(t)) return { values: plain(['lambda x: x']) };
  if (options.length) return { values: plain(options) };
  return { values: [] };
}

/** A count of samples or points, where 2 is too few to mean anything. */
function countLike(name: string): boolean {
  return /^(n|N|n_?samples|n_?points|npts|num_?points|num_?samples|samples|size|length|nfft|NFFT|n_?obs)$/.test(name);
}

/** Values for a parameter from its name alone: the last resort. */
export function valuesForName(name: string, useNumpy = false): ArgValue[] {
  const n = name.toLowerCase();
  // In scientific code a capital letter or two (X, Y, AB) is a matrix or an array, except the usual counts.
  if (/^[A-Z][A-Z0-9]?$/.test(name) && !/^[NMKDT]$/.test(name)) {
    return useNumpy ? plain([LIN, '1.0']) : plain([LIST, '1.0']);
  }
  if (countLike(name)) return plain(['10', '2', '3']);
  if (/^(n|m|k|num|count|order|degree|steps|n_.*|num_.*|.*_count|n[a-z]|nsteps|ndim)$/.test(n) || /^(n|num)[A-Z]/.test(name)) {
    return plain(['2', '3']);
  }
  if (/^(is|use|has|do|allow|enable)_|^(verbose|debug|inplace|copy|normalize|normalise)$/.test(n)) return plain(['True', 'False']);
  if (/^(f|fn|fun|func|function|callback|cb)$/.test(n)) return plain(['lambda x: x']);
  if (/^(name|label|title|key|method|kind|mode|unit|units)$/.test(n)) return plain([`'${n}'`]);
  // Text by its name: a string that reads as the name says, not a number.
  if (/^(str|string|text|line|word|symbol|formula|formula_str|expr|expression)$/.test(n)) return plain([`'${n === 'symbol' ? 'Fe' : n.startsWith('formula') ? 'H2O' : 'abc'}'`]);
  if (/^(xs|ys|times|signal|sig|ts|values|data|points|samples|arr|array|vals|seq|sequence|iterable|items|elements|spectrum|freqs?)$|_(list|array|values|data)$/.test(n)) {
    return useNumpy ? plain([LIN, NOISY]) : plain([LIST]);
  }
  const scaled = scaledScalar(name, '');
  // A scalar first; then an array, which is what most untyped scientific parameters turn out to be.
  return plain([...new Set([...(scaled ? [scaled] : []), '1.0', useNumpy ? LIN : LIST, '2'])]);
}

/** Ordered, distinct candidate values for one parameter. */
export function parameterValues(p: Parameter, repo: ArgumentValues, docTypes: ReadonlyMap<string, string>, useNumpy: boolean): Guess {
  const fromRepo = repo.get(p.name) ?? [];
  const type = p.annotation ?? p.docType ?? docTypes.get(p.name) ?? '';
  const typed = type ? valuesForType(type, p.description, useNumpy, p.name) : { values: [] };
  const all = [...fromRepo, ...typed.values, ...(typed.values.length ? [] : valuesForName(p.name, useNumpy))];
  const seen = new Set<string>();
  const values = all.filter((v) => {
    const key = [...v.setup, v.expr].join('\n');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { values };
}
