/**
 * Which repository class a value in mined code holds, read statically: a class's constructor, or a function
 * or method whose return annotation, docstring `Returns` section or `return Cls(...)` names a class
 * (`sys = ct.tf(...)` is a TransferFunction, `result = model.fit(...)` a ModelResult). With the class
 * hierarchy this says which method a call like `sys.step_response()` reaches, even when the class's name
 * never appears in the snippet (and a method defined on a base class counts for it).
 */
import type { ExtractedSymbol, ParsedFile } from '../../parse/types.js';
import { isImportStatement, parseImport, resolveRelative } from '../../python/imports.js';
import { logicalLines, mask } from '../../python/syntax.js';

export interface ChainLink {
  name: string;
  called: boolean;
}

export class TypeIndex {
  /** class qualified name -> the class and its ancestors (in the repository), nearest first */
  private readonly ancestry = new Map<string, string[]>();
  /** class qualified name + "." + method -> the method */
  private readonly methods = new Map<string, ExtractedSymbol>();
  /** function or method qualified name -> class qualified name it returns */
  private readonly returns = new Map<string, string>();
  /** any dotted path a class is reachable at (its definition, re-exports) -> its qualified name */
  private readonly classAt = new Map<string, string>();

  constructor(libraryFiles: readonly ParsedFile[], aliases: ReadonlyMap<string, string[]>) {
    const byShort = new Map<string, string[]>();
    for (const f of libraryFiles) {
      for (const s of f.symbols) {
        if (s.kind !== 'class') continue;
        const qn = `${f.module}.${s.localName}`;
        this.classAt.set(qn, qn);
        for (const a of aliases.get(qn) ?? []) this.classAt.set(a, qn);
        byShort.set(s.name, [...(byShort.get(s.name) ?? []), qn]);
      }
    }
    const bases = new Map<string, string[]>();
    const forwards: { qn: string; calls: string[] }[] = [];
    for (const f of libraryFiles) {
      const resolve = fileResolver(f, this.classAt, byShort);
      for (const s of f.symbols) {
        if (s.kind === 'class') {
          bases.set(`${f.module}.${s.localName}`, baseNames(s).map(resolve).filter((x): x is string => x !== null));
          continue;
        }
        const qn = `${f.module}.${s.localName}`;
        if (s.kind === 'method') this.methods.set(qn, s);
        const own = s.kind === 'method' && s.parent ? `${f.module}.${s.parent}` : null;
        const ret = returnedClass(s, resolve, own);
        if (ret) this.returns.set(qn, ret);
        else {
          // `return other_module.make(...)`: what that function returns, once it is known
          const calls = [...mask(s.code).matchAll(/\breturn\s+([A-Za-z_][\w.]*)\s*\(/g)].map((m) => resolve.path(m[1]!));
          if (calls.length) forwards.push({ qn, calls });
        }
      }
    }
    for (let round = 0; round < 3; round++) {
      for (const { qn, calls } of forwards) {
        const hit = calls.map((c) => this.returns.get(c)).find(Boolean);
        if (hit && !this.returns.has(qn)) this.returns.set(qn, hit);
      }
    }
    for (const qn of bases.keys()) {
      const out: string[] = [];
      const visit = (c: string) => {
        if (out.includes(c)) return;
        out.push(c);
        for (const b of bases.get(c) ?? []) visit(b);
      };
      visit(qn);
      this.ancestry.set(qn, out);
    }
  }

  /** The class at a dotted path (a definition or a re-export), or null. */
  classOf(path: string): string | null {
    return this.classAt.get(path) ?? null;
  }

  ancestors(cls: string): string[] {
    return this.ancestry.get(cls) ?? [cls];
  }

  /** The class that defines `method` for instances of `cls` (nearest in the hierarchy), or null. */
  definingClass(cls: string, method: string): string | null {
    for (const a of this.ancestors(cls)) if (this.methods.has(`${a}.${method}`)) return a;
    return null;
  }

  isProperty(cls: string, method: string): boolean {
    const s = this.methods.get(`${cls}.${method}`);
    // property, functools.cached_property and the lazy kinds scientific packages define (nitime's setattr_on_read)
    return !!s && s.decorators.some((d) => /(^|\.)(\w*property|setattr_on_read|auto_attr|\w*lazy\w*)$/i.test(d.trim().replace(/^@/, '').replace(/\(.*$/s, '')));
  }

  returnOf(qualifiedName: string): string | null {
    return this.returns.get(qualifiedName) ?? null;
  }

  /** Everything the methods above can answer, as text: equal digests give equal answers to every question. */
  digest(): string {
    const entries = (m: ReadonlyMap<string, string | string[]>) =>
      [...m].map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : v}`).sort().join('\n');
    const methods = [...this.methods.keys()].sort().map((k) => {
      const dot = k.lastIndexOf('.');
      return `${k}${this.isProperty(k.slice(0, dot), k.slice(dot + 1)) ? ' property' : ''}`;
    });
    return ['classes', entries(this.classAt), 'returns', entries(this.returns), 'ancestry', entries(this.ancestry), 'methods', ...methods].join('\n');
  }
}

/** A file's names for classes: its own top-level classes, its imports, else a class name unique in the repository. */
function fileResolver(f: ParsedFile, classAt: ReadonlyMap<string, string>, byShort: ReadonlyMap<string, string[]>) {
  const isPackage = /(^|\/)__init__\.py$/.test(f.path);
  const bindings = new Map<string, string>();
  for (const stmt of f.imports) {
    if (!isImportStatement(stmt.text)) continue;
    for (const b of parseImport(stmt.text)) {
      if (b.local === '*') continue;
      const mod = resolveRelative(b.module, f.module, isPackage);
      bindings.set(b.local, b.name === null ? (b.dotted ? b.dotted.split('.')[0]! : mod) : `${mod}.${b.name}`);
    }
  }
  const resolveClass = (name: string): string | null => {
    const clean = name.replace(/^~/, '').trim();
    if (!/^[A-Za-z_][\w.]*$/.test(clean)) return null;
    const parts = clean.split('.');
    const head = bindings.get(parts[0]!);
    const candidates = [head ? [head, ...parts.slice(1)].join('.') : null, `${f.module}.${clean}`, clean];
    for (const c of candidates) {
      const hit = c ? classAt.get(c) : undefined;
      if (hit) return hit;
    }
    const short = byShort.get(parts[parts.length - 1]!);
    return short && short.length === 1 ? short[0]! : null;
  };
  /** The absolute dotted path a name of the file stands for. */
  const path = (name: string): string => {
    const parts = name.split('.');
    const head = bindings.get(parts[0]!);
    return head ? [head, ...parts.slice(1)].join('.') : `${f.module}.${name}`;
  };
  return Object.assign(resolveClass, { path });
}

function baseNames(cls: ExtractedSymbol): string[] {
  const m = /^class\s+\w+\s*\(([^]*)\)\s*:/.exec(cls.signature.trim());
  if (!m) return [];
  return m[1]!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => /^[A-Za-z_][\w.]*$/.test(s));
}

/** The class a function or method returns: its annotation, its docstring's Returns section, or `return Cls(...)`. */
function returnedClass(s: ExtractedSymbol, resolve: (n: string) => string | null, ownClass: string | null): string | null {
  if (s.returns) {
    const ann = s.returns.replace(/^["']|["']$/g, '').trim();
    const hit = /^(Self|typing\.Self)$/.test(ann) ? ownClass : resolve(ann);
    if (hit) return hit;
  }
  const doc = s.docstring ?? '';
  const section =
    /\n\s*Returns?\s*\n\s*-{3,}\s*\n\s*([^\n]+)/.exec(doc)?.[1] ??
    /:Returns?:\s*\n\s*([^\n]+)/.exec(doc)?.[1] ??
    /:rtype:\s*([^\n]+)/.exec(doc)?.[1] ??
    null;
  if (section) {
    const line = section.replace(/:(class|py:class|obj):`/g, '`').replace(/[`*]/g, '');
    const typed = /^(?:[A-Za-z_]\w*\s*:\s*)?([A-Za-z_~][\w.]*)/.exec(line.trim());
    const hit = typed ? resolve(typed[1]!) : null;
    if (hit) return hit;
  }
  const body = mask(s.code);
  if (ownClass && /\breturn\s+(self|cls\s*\(|type\s*\(\s*self\s*\)\s*\(|self\s*\.\s*__class__\s*\()/.test(body)) {
    if (/\breturn\s+self\s*$/m.test(body) || /\breturn\s+(cls|type\s*\(\s*self\s*\)|self\s*\.\s*__class__)\s*\(/.test(body)) return ownClass;
  }
  for (const m of body.matchAll(/\breturn\s+([A-Za-z_][\w.]*)\s*\(/g)) {
    const hit = resolve(m[1]!);
    if (hit) return hit;
  }
  return null;
}

/**
 * Attribute chains in masked code: `a.b(...).c` gives links a, b (called), c. A chain starts at a name not
 * preceded by a dot and stops at a subscript or anything else.
 */
export function chainsIn(masked: string): { links: ChainLink[]; start: number; end: number }[] {
  const out: { links: ChainLink[]; start: number; end: number }[] = [];
  const ident = /[A-Za-z_]\w*/y;
  for (let i = 0; i < masked.length; i++) {
    const ch = masked[i]!;
    if (!/[A-Za-z_]/.test(ch)) continue;
    if (i > 0 && /[\w.]/.test(masked[i - 1]!)) continue;
    let back = i - 1;
    while (back >= 0 && masked[back] === ' ') back--;
    if (back >= 0 && masked[back] === '.') continue;
    const links: ChainLink[] = [];
    let j = i;
    for (;;) {
      ident.lastIndex = j;
      const m = ident.exec(masked);
      if (!m) break;
      links.push({ name: m[0], called: false });
      j += m[0].length;
      if (masked[j] === '(') {
        let depth = 0;
        let k = j;
        for (; k < masked.length; k++) {
          if (masked[k] === '(' || masked[k] === '[' || masked[k] === '{') depth++;
          else if ((masked[k] === ')' || masked[k] === ']' || masked[k] === '}') && --depth === 0) break;
        }
        if (k >= masked.length) break;
        links[links.length - 1]!.called = true;
        j = k + 1;
      }
      if (masked[j] === '.' && /[A-Za-z_]/.test(masked[j + 1] ?? '')) {
        j++;
        continue;
      }
      break;
    }
    out.push({ links, start: i, end: j });
    i += links[0]!.name.length - 1;
  }
  return out;
}

/** What a chain's head resolves to: a class (to construct) or a function (to call), by qualified name. */
export interface HeadResolution {
  /** How many links the head used. */
  used: number;
  cls: string | null;
  fn: string | null;
}

/**
 * The methods (as `class qn`, `method`) a snippet calls on values of repository classes, following the
 * values through plain assignments in the order the statements run.
 */
export function methodCallsOnObjects(
  code: string,
  types: TypeIndex,
  resolveHead: (links: ChainLink[]) => HeadResolution | null,
  /** Filled with the names the code binds to a value of a known class. */
  typed?: Set<string>,
): { cls: string; method: string; on: string }[] {
  const vars = new Map<string, string>();
  const out: { cls: string; method: string; on: string }[] = [];
  const evaluate = (links: ChainLink[]): string | null => {
    let cur: string | null = null;
    let k = 0;
    const v = vars.get(links[0]!.name);
    if (v) {
      cur = v;
      k = 1;
    } else {
      const head = resolveHead(links);
      if (!head) return null;
      k = head.used;
      const last = links[k - 1]!;
      if (head.cls) cur = last.called ? head.cls : null;
      else if (head.fn) cur = last.called ? types.returnOf(head.fn) : null;
      if (head.cls && !last.called && k < links.length) {
        // `Cls.method(...)` called on the class: a classmethod or an unbound call
        const owner = types.definingClass(head.cls, links[k]!.name);
        if (owner && links[k]!.called) {
          out.push({ cls: owner, method: links[k]!.name, on: head.cls });
          cur = types.returnOf(`${owner}.${links[k]!.name}`);
          k++;
        } else return null;
      }
    }
    for (; k < links.length && cur; k++) {
      const link = links[k]!;
      const owner = types.definingClass(cur, link.name);
      if (!owner) return null;
      if (link.called || types.isProperty(owner, link.name)) out.push({ cls: owner, method: link.name, on: cur });
      cur = link.called || types.isProperty(owner, link.name) ? types.returnOf(`${owner}.${link.name}`) : null;
    }
    return k === links.length ? cur : null;
  };
  for (const ll of logicalLines(code)) {
    const m = ll.masked;
    const chains = chainsIn(m);
    const results = new Map<number, string | null>();
    for (const c of chains) results.set(c.start, evaluate(c.links));
    const head = m.trim();
    const asg = /^([A-Za-z_]\w*)\s*(?::[^=]*)?=(?!=)\s*/.exec(head);
    const indent = m.length - m.trimStart().length;
    if (asg) {
      const rhsStart = indent + asg[0].length;
      const whole = chains.find((c) => c.start === rhsStart && m.slice(c.end).trim() === '');
      const t = whole ? (results.get(whole.start) ?? null) : null;
      if (t) {
        vars.set(asg[1]!, t);
        typed?.add(asg[1]!);
      } else vars.delete(asg[1]!);
      continue;
    }
    const withAs = /^with\s+([^]*?)\s+as\s+([A-Za-z_]\w*)\s*:/.exec(head);
    if (withAs) {
      const c = chains.find((x) => x.start === indent + head.indexOf(withAs[1]!) && x.end === indent + head.indexOf(withAs[1]!) + withAs[1]!.length);
      const t = c ? (results.get(c.start) ?? null) : null;
      if (t) {
        vars.set(withAs[2]!, t);
        typed?.add(withAs[2]!);
      } else vars.delete(withAs[2]!);
      continue;
    }
    // Any other binding of a tracked name (a loop, a tuple target) forgets what it held.
    for (const t of head.matchAll(/\bfor\s+([\w\s,]+?)\s+in\b/g)) for (const n of t[1]!.split(',')) vars.delete(n.trim());
    const tuple = /^([A-Za-z_][\w\s,]*,[\w\s,]*)=(?!=)/.exec(head);
    if (tuple) for (const n of tuple[1]!.split(',')) vars.delete(n.trim());
  }
  return out;
}
