/**
 * Which building blocks a piece of mined code calls: dotted call paths resolved through the snippet's own
 * imports to the blocks' defining and public paths. Methods count when their class appears in the snippet.
 */
import type { BlockKind } from '../../domain/block.js';
import type { ParsedFile } from '../../parse/types.js';
import { callsIn, identifiersIn, logicalLines, mask } from '../../python/syntax.js';
import { isImportStatement, parseImport, resolveRelative } from '../../python/imports.js';
import { publicPaths } from '../select.js';
import { methodCallsOnObjects, TypeIndex, type ChainLink, type HeadResolution } from './object-types.js';

/** What the miners need to know of a block. */
export interface BlockRef {
  qualifiedName: string;
  name: string;
  /** Defining module. */
  module: string;
  /** Module users import the object from (the class's, for methods). */
  publicImport: string;
  kind: BlockKind;
  parent: string | null;
}

export class CallResolver {
  /** object path (function, class, or class path + ".method") -> blocks */
  readonly byPath = new Map<string, BlockRef[]>();
  readonly byName = new Map<string, BlockRef[]>();
  /** class qualified name -> its method blocks */
  readonly methodsOfClass = new Map<string, BlockRef[]>();
  readonly classQn = new Map<BlockRef, string>();
  readonly libraryModules: Set<string>;
  /** method block by defining class qualified name + "." + method name */
  private readonly methodAt = new Map<string, BlockRef>();
  private readonly types: TypeIndex;

  constructor(
    blocks: BlockRef[],
    libraryFiles: ParsedFile[],
    readonly packageNames: string[],
  ) {
    this.libraryModules = new Set(libraryFiles.map((f) => f.module));
    const aliases = publicPaths(libraryFiles);
    this.types = new TypeIndex(libraryFiles, aliases);
    const add = (p: string, b: BlockRef) => {
      const list = this.byPath.get(p) ?? [];
      if (!list.includes(b)) list.push(b);
      this.byPath.set(p, list);
    };
    for (const b of blocks) {
      if (b.kind === 'workflow') continue;
      if (b.kind === 'method') {
        const cls = b.qualifiedName.slice(0, b.qualifiedName.length - b.name.length - 1);
        this.classQn.set(b, cls);
        const list = this.methodsOfClass.get(cls) ?? [];
        list.push(b);
        this.methodsOfClass.set(cls, list);
        // keyed as object-types.ts names methods: defining module, class, method
        this.methodAt.set(b.parent ? `${b.module}.${b.parent}.${b.name}` : b.qualifiedName, b);
        const clsName = cls.split('.').pop()!;
        const paths = new Set([...(aliases.get(cls) ?? [cls]), `${b.publicImport}.${clsName}`]);
        for (const p of paths) add(`${p}.${b.name}`, b);
        continue;
      }
      const paths = new Set([...(aliases.get(b.qualifiedName) ?? [b.qualifiedName]), `${b.publicImport}.${b.name}`]);
      for (const p of paths) add(p, b);
      const named = this.byName.get(b.name) ?? [];
      named.push(b);
      this.byName.set(b.name, named);
    }
  }

  /**
   * What mining can learn of the library through this resolver, as text: the blocks at each path and name, the
   * modules, and the type facts (object-types.ts). Equal digests give equal answers, however the library's files
   * changed otherwise (a function's body, a comment, the lines it moved to): the tests' mining cache is keyed by it.
   */
  digest(): string {
    const refs = (list: readonly BlockRef[]) => list.map((b) => `${b.kind}:${b.qualifiedName}`).join(',');
    const table = (m: ReadonlyMap<string, readonly BlockRef[]>) => [...m].map(([k, v]) => `${k}=${refs(v)}`).sort().join('\n');
    return [
      'modules', [...this.libraryModules].sort().join(','),
      'packages', this.packageNames.join(','),
      'paths', table(this.byPath),
      'names', table(this.byName),
      'class methods', table(this.methodsOfClass),
      'methods', [...this.methodAt].map(([k, b]) => `${k}=${b.kind}:${b.qualifiedName}`).sort().join('\n'),
      'types', this.types.digest(),
    ].join('\n\u0000\n');
  }

  isPackageModule(mod: string): boolean {
    return this.libraryModules.has(mod) || this.packageNames.includes(mod.split('.')[0]!);
  }

  /** Blocks at a dotted path; falls back to a unique name under one of the packages. */
  lookup(full: string): BlockRef[] {
    const hit = this.byPath.get(full);
    if (hit) return hit;
    const parts = full.split('.');
    if (parts.length < 2 || !this.packageNames.includes(parts[0]!)) return [];
    const last = parts[parts.length - 1]!;
    const named = this.byName.get(last) ?? [];
    return named.length === 1 ? named : [];
  }

  /**
   * Blocks a snippet calls or constructs. Methods count when their class (or a subclass) is referenced in
   * the snippet and a call ends in `.method(`, and when they are called on a value the snippet got from a
   * repository class's constructor or from a function that returns one (object-types.ts).
   */
  calledBy(code: string, scope: Scope): BlockRef[] {
    const found = new Set<BlockRef>();
    const classes = new Set<string>();
    const attrCalls = new Set<string>();
    const resolveName = (dotted: string): BlockRef[] => {
      for (const p of this.candidatePaths(dotted, scope)) {
        const hit = this.lookup(p);
        if (hit.length) return hit;
      }
      return [];
    };
    // Values whose class is known from where they came (`traj = fs.point_to_point(...)`): their method calls are
    // that class's, never those of another class the snippet happens to name.
    const typed = new Set<string>();
    const resolveHead = (links: ChainLink[]): HeadResolution | null => {
      for (let used = links.length; used >= 1; used--) {
        if (links.slice(0, used - 1).some((l) => l.called)) continue;
        const dotted = links.slice(0, used).map((l) => l.name).join('.');
        for (const p of this.candidatePaths(dotted, scope)) {
          const cls = this.types.classOf(p);
          if (cls) return { used, cls, fn: null };
          const fn = this.lookup(p).find((b) => b.kind === 'function');
          if (fn) return { used, cls: null, fn: `${fn.module}.${fn.name}` };
        }
      }
      return null;
    };
    const onObjects = methodCallsOnObjects(code, this.types, resolveHead, typed);
    for (const call of callsIn(code)) {
      if (call.startsWith('.')) {
        attrCalls.add(call.slice(1).split('.').pop()!);
        continue;
      }
      const hits = resolveName(call);
      for (const b of hits) {
        found.add(b);
        if (b.kind === 'class') classes.add(b.qualifiedName);
        if (b.kind === 'method') classes.add(this.classQn.get(b)!);
      }
      // `json.dumps(...)`, `np.random.normal(...)`: what another package's import binds, never a method of the repository's classes.
      const head = scope.bindings.get(call.split('.')[0]!);
      const otherModule = head !== undefined && !this.isPackageModule(head);
      if (hits.length === 0 && call.includes('.') && !otherModule && !typed.has(call.split('.')[0]!)) attrCalls.add(call.split('.').pop()!);
    }
    // Classes referenced without a call (passed around, used with isinstance) still make methods count.
    for (const id of identifiersIn(code)) {
      for (const b of resolveName(id)) if (b.kind === 'class') classes.add(b.qualifiedName);
    }
    const m = mask(code);
    for (const am of m.matchAll(/\b([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)+)\b/g)) {
      for (const b of resolveName(am[1]!)) if (b.kind === 'class') classes.add(b.qualifiedName);
    }
    for (const cls of classes) {
      for (const owner of this.types.ancestors(cls)) {
        for (const meth of this.methodsOfClass.get(owner) ?? []) if (attrCalls.has(meth.name)) found.add(meth);
      }
    }
    for (const { cls, method, on } of onObjects) {
      // A method inherited from a private base is a block under the public class it is called on.
      const b = this.methodAt.get(`${cls}.${method}`) ?? this.methodAt.get(`${on}.${method}`);
      if (b) found.add(b);
    }
    return [...found];
  }

  /** The absolute paths a dotted name in the snippet may stand for, through its imports and star imports. */
  private candidatePaths(dotted: string, scope: Scope): string[] {
    const parts = dotted.split('.');
    const bound = scope.bindings.get(parts[0]!);
    if (bound) return [[bound, ...parts.slice(1)].join('.')];
    return scope.stars.map((star) => `${star}.${dotted}`);
  }
}

/** Names bound by imports in a snippet: local -> absolute dotted target; star-imported modules. */
export interface Scope {
  bindings: Map<string, string>;
  stars: string[];
}

export function scopeOf(code: string, fromModule: string, isPackage: boolean): Scope {
  const bindings = new Map<string, string>();
  const stars: string[] = [];
  for (const ll of logicalLines(code)) {
    const head = ll.masked.trim();
    if (!isImportStatement(head)) continue;
    for (const b of parseImport(ll.text.trim())) {
      const mod = resolveRelative(b.module, fromModule, isPackage);
      if (b.name === '*') stars.push(mod);
      else if (b.name === null) bindings.set(b.local, b.dotted ? b.dotted.split('.')[0]! : mod);
      else bindings.set(b.local, `${mod}.${b.name}`);
    }
  }
  return { bindings, stars };
}
