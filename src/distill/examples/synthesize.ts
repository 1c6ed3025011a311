/**
 * Calls built offline for public functions, classes and methods that mining left without any example
 * (issue 15: "synthesize a call"). Feedback-directed in the spirit of Randoop and Pynguin: this file only
 * proposes a few candidate calls per block, best guess first; validate/synthesized.ts runs them and keeps the
 * first that runs cleanly. Nothing here runs code. The argument values come from synth-values.ts; this file
 * puts them into calls: a function or class called with them, a method on an instance built as the repository
 * builds one (any example that ran and constructs the class, through the class or a factory that returns it,
 * or the class's own synthesized call once it ran), else from the constructor's guessed arguments.
 */
import type { Block, Parameter } from '../../domain/block.js';
import { parseDocstring } from '../../parse/pydoc.js';
import { isImportStatement } from '../../python/imports.js';
import { bodyOf, logicalLines, mask, splitDocstring } from '../../python/syntax.js';
import { importLineFor } from '../usage.js';
import { parameterValues, READS_FILE, type ArgumentValues, type ArgValue, type Guess } from './synth-values.js';

export { argumentSources, argumentValues, isReusableLiteral, signaturesOf, valuesForName, valuesForType, type ArgumentValues, type ArgValue } from './synth-values.js';

export const MAX_CANDIDATES_PER_BLOCK = 3;
/** A value longer than this is assigned to its parameter's name on a line of its own, not written in the call. */
const INLINE_CHARS = 40;

export interface CandidateCall {
  /** The whole snippet: imports, the call, and print(repr(...)) of its result. */
  code: string;
}

const CALLABLE_KINDS = new Set<Parameter['kind']>(['positional', 'positional_only', 'keyword_only']);

/** The parameters a call must pass: no default, not *args/**kwargs. */
function requiredParameters(params: readonly Parameter[]): Parameter[] {
  return params.filter((p) => p.default === null && CALLABLE_KINDS.has(p.kind));
}

/** A candidate's pieces: the lines its values need first (imports, assignments) and the argument list. */
interface Arguments {
  imports: string[];
  lines: string[];
  args: string;
}

/** The k-th argument list (candidate k uses each parameter's k-th value, or its last one). */
function argumentList(params: readonly Parameter[], guesses: readonly Guess[], k: number, taken: ReadonlySet<string>): Arguments {
  const imports: string[] = [];
  const lines: string[] = [];
  const args = params.map((p, i) => {
    const vals = guesses[i]!.values;
    const v: ArgValue = vals[Math.min(k, vals.length - 1)]!;
    for (const s of v.setup) (isImportStatement(s) ? imports : lines).push(s);
    let expr = v.expr;
    // A long literal reads better named, as the repository names it; a multi-line one has to be.
    if (expr.length > INLINE_CHARS || expr.includes('\n')) {
      const name = taken.has(p.name) ? `${p.name}_` : p.name;
      lines.push(`${name} = ${expr}`);
      expr = name;
    }
    return p.kind === 'positional_only' ? expr : `${p.name}=${expr}`;
  });
  return { imports, lines, args: args.join(', ') };
}

/** True when the block is public, callable as users call it, and mining found no example of it that could run. */
export function wantsSynthesizedCall(block: Block, classes: ReadonlyMap<string, Block>): boolean {
  if (block.language !== 'python' || !block.module) return false;
  // Mined examples that were all skipped (a module they import that the environment lacks) show nothing of the
  // block: a call of its own may still run. One that ran, failed or was not run keeps the block as it is.
  if (block.examples.some((e) => e.run?.status !== 'skipped')) return false;
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
  /** Built by a synthesized call (guessed arguments), not by code the repository wrote. */
  synthesized?: boolean;
}

/**
 * Constructors by the bare name a call uses: each class (when its name is unique), and each public function
 * whose documented or annotated return is one class (a factory such as `ss(...)` for StateSpace).
 */
function constructors(blocks: readonly Block[]): Map<string, string> {
  const classes = new Map<string, string | null>();
  for (const b of blocks) if (b.kind === 'class') classes.set(b.name, classes.has(b.name) ? null : b.qualifiedName);
  const out = new Map<string, string>();
  for (const [name, q] of classes) if (q) out.set(name, q);
  for (const b of blocks) {
    if (b.kind !== 'function' || b.name.startsWith('_') || !b.returns || out.has(b.name)) continue;
    // The first type the return names: `StateSpace`, `sys : StateSpace`, `Formula, the parsed formula`.
    const m = /^(?:[A-Za-z_]\w*\s*:\s*)?`*~?(?:[\w.]+\.)?([A-Z]\w*)`*(?=$|[\s,.;:(])/.exec(b.returns.trim());
    const q = m ? classes.get(m[1]!) : null;
    if (q) out.set(b.name, q);
  }
  return out;
}

/**
 * For each class, the shortest start of any example that ran (mined from tests, docs or doctests of any block,
 * or a synthesized call of the class or of a factory that ran) that builds an instance with a top-level
 * `name = Class(...)`, `name = mod.Class(...)` or `name = factory(...)`: a method's synthesized call then starts
 * from an instance built as the repository builds it.
 */
export function instanceSetups(blocks: readonly Block[]): Map<string, InstanceSetup> {
  const ctors = constructors(blocks);
  const out = new Map<string, InstanceSetup>();
  if (!ctors.size) return out;
  const ctor = /^([A-Za-z_]\w*)\s*=\s*(?:[A-Za-z_][\w.]*\.)?([A-Za-z_]\w*)\s*\(/;
  for (const b of blocks) {
    for (const ex of b.examples) {
      if (ex.run?.status !== 'passed' || ex.source === 'import') continue;
      // A synthesized method call built its instance from a setup already known; only the classes' and the
      // factories' own synthesized calls construct something new.
      if (ex.source === 'synthesized' && b.kind !== 'class' && b.kind !== 'function') continue;
      const lines = ex.code.split('\n');
      for (const ll of logicalLines(ex.code)) {
        const m = ll.indent === 0 ? ctor.exec(ll.masked) : null;
        const cls = m ? ctors.get(m[2]!) : undefined;
        if (!m || !cls) continue;
        const code = lines.slice(0, ll.end + 1).join('\n');
        // A mined example ran beside the repository's test files; a synthesized call does not have them.
        if (READS_FILE.test(code)) break;
        const known = out.get(cls);
        // The repository's own construction wins over a guessed one, then the shortest.
        const synthesized = ex.source === 'synthesized';
        if (!known || (!!known.synthesized === synthesized ? code.length < known.code.length : !synthesized)) out.set(cls, { code, name: m[1]!, ...(synthesized ? { synthesized } : {}) });
        break;
      }
    }
  }
  return out;
}

/**
 * Code that draws from numpy's global generator (an example's `np.random.randn(...)`) gets `np.random.seed(0)`
 * after its imports, so what it prints is the same on every run.
 */
function seeded(code: string): string {
  if (!/\bnp\.random\.(?!seed|default_rng)\w+\(/.test(code) || /\bnp\.random\.seed\(/.test(code)) return code;
  const lines = code.split('\n');
  const first = logicalLines(code).find((ll) => !isImportStatement(ll.masked.trim()));
  if (!first || first.indent > 0 || !/^import numpy as np$/m.test(lines.slice(0, first.start).join('\n'))) return code;
  return [...lines.slice(0, first.start), 'np.random.seed(0)', ...lines.slice(first.start)].join('\n');
}

/** Whether the block's own code draws random numbers: its call is then seeded, so what it prints is repeatable. */
function seedLines(block: Block, useNumpy: boolean): string[] {
  if (useNumpy && /\b(np|numpy)\.random\.(?!default_rng)/.test(block.code)) return ['np.random.seed(0)'];
  if (/(^|[^.\w])random\.\w+\(/m.test(block.code) && /^\s*import random\b/m.test(block.code)) return ['import random', 'random.seed(0)'];
  return [];
}

/** Decorators that make a method an attribute read, not a call (nitime's `desc.setattr_on_read`, `reify`, `lazyproperty`). */
const PROPERTY_DECORATOR = /(^|\.)(\w*property|setattr_on_read|auto_attr|reify|lazy_?attr\w*|cached)$/i;

/** CamelCase → snake_case: a parameter named `time_series` takes a `TimeSeries`. */
const snake = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

/** The repository class a parameter takes, by its stated type or its name, among `names` (bare name → qualified). */
function parameterClass(p: Parameter, docTypes: ReadonlyMap<string, string>, names: ReadonlyMap<string, string>): string | null {
  const type = p.annotation ?? p.docType ?? docTypes.get(p.name) ?? '';
  for (const m of type.matchAll(/[A-Z]\w*/g)) {
    const q = names.get(m[0]);
    if (q) return q;
  }
  for (const [bare, q] of names) if (snake(bare) === p.name || bare.toLowerCase() === p.name) return q;
  return null;
}

/** Bare class names → qualified names, for the classes whose names are unique. */
function classNames(classes: ReadonlyMap<string, Block>): Map<string, string> {
  const out = new Map<string, string>();
  const dup = new Set<string>();
  for (const [q, c] of classes) {
    if (out.has(c.name)) dup.add(c.name);
    out.set(c.name, q);
  }
  for (const d of dup) out.delete(d);
  return out;
}

/** An instance setup as a value: its statements split into imports and the rest, the instance's name passed. */
function instanceValue(setup: InstanceSetup): ArgValue {
  return { expr: setup.name, setup: logicalLines(setup.code).map((ll) => ll.text.replace(/^\s+/, '')) };
}

/**
 * Whether the block's call wants an instance no example that ran builds yet: a method (not static) whose class
 * has no setup, or a required parameter that takes a repository class without one. Such blocks wait for the
 * classes' own synthesized calls.
 */
export function wantsInstances(block: Block, classes: ReadonlyMap<string, Block>, setups: ReadonlyMap<string, InstanceSetup>): boolean {
  if (block.kind === 'method' && !block.decorators.some((d) => /(^|\.)(staticmethod|classmethod)$/.test(d))) {
    if (!setups.has(block.qualifiedName.slice(0, block.qualifiedName.lastIndexOf('.')))) return true;
  }
  const names = classNames(classes);
  const types = block.docstring ? parseDocstring(block.docstring).types : new Map<string, string>();
  return requiredParameters(block.parameters).some((p) => {
    const q = parameterClass(p, types, names);
    return q !== null && q !== block.qualifiedName && !setups.has(q);
  });
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
  const names = classNames(classes);
  const ownerSetup = block.kind === 'method' ? setups.get(block.qualifiedName.slice(0, block.qualifiedName.lastIndexOf('.'))) : undefined;
  const guess = (b: Block) => {
    const types = b.docstring ? parseDocstring(b.docstring).types : new Map<string, string>();
    // An optional parameter that takes one of the repository's classes (nitime's `Analyzer(input=None)` takes a
    // TimeSeries) is passed when the repository shows how to build one: without it the instance is empty.
    const instanceFor = (p: Parameter) => {
      const cls = parameterClass(p, types, names);
      const inst = cls && cls !== b.qualifiedName ? setups.get(cls) : undefined;
      return inst && !inst.synthesized && !['obj', 'result', 'out', ownerSetup?.name].includes(inst.name) ? inst : undefined;
    };
    const params = b.parameters.filter(
      (p) => CALLABLE_KINDS.has(p.kind) && (p.default === null || (p.default === 'None' && p.kind !== 'positional_only' && instanceFor(p))),
    );
    return {
      params,
      guesses: params.map((p) => {
        const g = parameterValues(p, repo, types, useNumpy);
        // A parameter that takes one of the repository's classes gets an instance built as the repository builds it
        // (not a guessed construction: an empty `Formula()` says nothing), under a name the call does not use.
        const inst = instanceFor(p);
        if (p.default !== null) return { values: inst ? [instanceValue(inst)] : [] };
        return inst ? { values: [instanceValue(inst), ...g.values] } : g;
      }),
    };
  };
  const target = guess(block);
  const imp = importLineFor(block);
  let owner: { params: Parameter[]; guesses: Guess[] } | null = null;
  const isStatic = block.decorators.some((d) => /(^|\.)(staticmethod|classmethod)$/.test(d));
  const isProperty = block.decorators.some((d) => PROPERTY_DECORATOR.test(d));
  let clsName = '';
  let setup: InstanceSetup | null = null;
  if (block.kind === 'method') {
    const cls = block.qualifiedName.slice(0, block.qualifiedName.lastIndexOf('.'));
    clsName = cls.slice(cls.lastIndexOf('.') + 1);
    const c = classes.get(cls);
    if (!isStatic) owner = c ? guess(c) : { params: [], guesses: [] };
    if (!isStatic) setup = setups.get(cls) ?? null;
  }
  if (setup) owner = null;
  const rounds = Math.max(1, ...target.guesses.map((g) => g.values.length), ...(owner?.guesses ?? []).map((g) => g.values.length));
  const yieldsResults = block.kind !== 'class' && isGenerator(block.code);
  const seed = seedLines(block, useNumpy);
  const out: CandidateCall[] = [];
  const seen = new Set<string>();
  const own = block.kind === 'class' ? setups.get(block.qualifiedName) : undefined;
  if (own) {
    // The class built as an example of another block builds it: that construction, shown.
    const code = `${own.code.replace(/\s+$/, '')}\nprint(repr(${own.name}))\n`;
    out.push({ code });
    seen.add(code);
  }
  for (let k = 0; k < rounds && out.length < max; k++) {
    const instance = setup?.name ?? 'obj';
    const varName = block.kind === 'class' ? 'obj' : instance === 'result' ? 'out' : 'result';
    const taken = new Set([instance, varName, 'np']);
    const targetArgs = argumentList(target.params, target.guesses, k, taken);
    const ownerArgs = owner ? argumentList(owner.params, owner.guesses, k, taken) : null;
    let call: string;
    const body: string[] = [...(ownerArgs?.lines ?? []), ...targetArgs.lines];
    if (block.kind === 'method') {
      if (isStatic) call = `${clsName}.${block.name}(${targetArgs.args})`;
      else {
        if (!setup) body.push(`obj = ${clsName}(${ownerArgs!.args})`);
        call = isProperty ? `${instance}.${block.name}` : `${instance}.${block.name}(${targetArgs.args})`;
      }
    } else call = `${block.name}(${targetArgs.args})`;
    // A generator's repr says nothing; what it yields does (the first few, as a user would look at them).
    if (yieldsResults && !isProperty) call = `list(itertools.islice(${call}, 5))`;
    body.push(...seed.filter((l) => !isImportStatement(l)), `${varName} = ${call}`, `print(repr(${varName}))`);
    const head = [...(setup ? [setup.code.replace(/\s+$/, '')] : []), ...body].join('\n');
    const valueImports = [...(ownerArgs?.imports ?? []), ...targetArgs.imports, ...seed.filter((l) => isImportStatement(l))];
    const numpy = /\bnp\./.test(head) && !valueImports.includes('import numpy as np') && !/^import numpy as np$/m.test(setup?.code ?? '');
    const imports = [...new Set([...(yieldsResults ? ['import itertools'] : []), ...(numpy ? ['import numpy as np'] : []), ...valueImports])].filter((l) => !(setup && setup.code.split('\n').includes(l)));
    const code = seeded(setup ? [...imports, head, ''].join('\n') : [...imports, imp, '', head, ''].join('\n'));
    if (seen.has(code)) continue;
    seen.add(code);
    out.push({ code });
  }
  return out;
}

/** Whether a function's own body yields (nested functions and classes are not its body). */
export function isGenerator(code: string): boolean {
  let body: string;
  try {
    body = mask(splitDocstring(bodyOf(code).body).rest);
  } catch {
    return false;
  }
  const lines = body.split('\n');
  const base = Math.min(...lines.filter((l) => l.trim()).map((l) => /^\s*/.exec(l)![0].length));
  let nested: number | null = null;
  for (const l of lines) {
    if (!l.trim()) continue;
    const indent = /^\s*/.exec(l)![0].length;
    if (nested !== null && indent > nested) continue;
    nested = null;
    if (/^\s*(async\s+)?(def|class)\s/.test(l)) {
      nested = indent;
      continue;
    }
    if (/(^|[^\w.])yield\b/.test(l) && indent >= base) return true;
  }
  return false;
}

/** Class blocks by qualified name, for the methods' constructors. */
export function classesOf(blocks: readonly Block[]): Map<string, Block> {
  return new Map(blocks.filter((b) => b.kind === 'class').map((b) => [b.qualifiedName, b]));
}
