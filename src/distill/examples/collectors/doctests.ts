/**
 * Doctests of the blocks' own docstrings, as scripts: the object and the names the doctest reads from its
 * module's globals are imported from the public module, and the expected output is kept for the runner.
 */
import type { Example } from '../../../domain/block.js';
import { contentKey } from '../../../kernel/content-cache.js';
import type { ParsedFile } from '../../../parse/types.js';
import { convertDoctest } from '../../../python/doctest.js';
import { bodyOf, freeNames, mask, splitDocstring } from '../../../python/syntax.js';
import { renderImport } from '../../../python/imports.js';
import { scopeOf, type BlockRef } from '../call-resolver.js';
import { makeExample, TIER, type Candidate, type Collector } from '../collector.js';
import type { MiningContext } from '../context.js';
import { mergeImports, normaliseImports, publicBinding } from '../import-rewrite.js';
import { projectDoctestSetup, setupLinesFor, type DoctestSetup } from '../doctest-setup.js';
import { packageAliases } from '../package-aliases.js';

export const doctestCollector: Collector = {
  source: 'doctest',
  async collect(ctx) {
    const { calls, input } = ctx;
    const candidates: Candidate[] = [];
    const byModule = new Map(ctx.libraryFiles.map((f) => [f.module, f]));
    const nothing = nothingReturning(ctx.libraryFiles);
    const returnsNothing = (callee: string) => nothing.get(callee.split('.').pop()!) === true;
    // The names the project's doctest runs provide (Sphinx doctest_global_setup, pytest doctest_namespace).
    const setup = await projectDoctestSetup(input.files, ctx.read);
    // `rd.` in a docstring that says "examples assume import radioactivedecay as rd".
    const aliases = await packageAliases(input.files, ctx.read, input.packageNames);
    const byFile = new Map<ParsedFile, BlockRef[]>();
    for (const b of input.blocks) {
      const file = b.kind === 'workflow' ? undefined : byModule.get(b.module);
      if (!file) continue;
      const list = byFile.get(file);
      if (list) list.push(b);
      else byFile.set(file, [b]);
    }
    const cached = input.cache ? doctestFileCache(ctx, nothing, setup, aliases) : null;
    for (const [file, blocks] of byFile) {
      const hit = await cached?.get(file);
      if (hit) {
        candidates.push(...hit);
        continue;
      }
      const own: Candidate[] = [];
      for (const b of blocks) await fileDoctest(b, file, own);
      await cached?.put(file, own);
      candidates.push(...own);
    }
    return candidates;

    async function fileDoctest(b: BlockRef, file: ParsedFile, out: Candidate[]): Promise<void> {
      await ctx.guard(b.qualifiedName, async () => {
        const local = b.qualifiedName.slice(b.module.length + 1);
        const sym = file.symbols.find((s) => s.localName === local);
        if (!sym?.docstring || !/>>>/.test(sym.docstring)) return;
        const conv = convertDoctest(sym.docstring, { returnsNothing });
        if (!conv) return;
        const info = await ctx.moduleInfo(file);
        const objName = b.kind === 'method' ? (b.parent ?? local.split('.')[0]!).split('.').pop()! : b.name;
        const own = scopeOf(conv.code, b.module, info.isPackage);
        const header: string[] = [];
        const fromSetup = new Set<string>();
        if (!own.bindings.has(objName)) header.push(`from ${b.publicImport} import ${objName}`);
        for (const n of freeNames(conv.code)) {
          if (n === objName || own.bindings.has(n)) continue;
          const binding = info.bindings.get(n);
          if (binding) {
            header.push(renderImport(publicBinding(binding, calls)));
            continue;
          }
          // A name the module defines at top level (doctest runs in the module's globals).
          const defined = file.symbols.some((s) => s.kind !== 'method' && s.name === n) || info.constants.has(n);
          if (defined) {
            const hit = calls.byPath.get(`${b.module}.${n}`)?.[0];
            header.push(`from ${hit && hit.kind !== 'method' ? hit.publicImport : b.module} import ${n}`);
          } else if (setup?.names.has(n)) {
            fromSetup.add(n);
          } else if (aliases.has(n)) {
            header.push(aliases.get(n)!);
          }
        }
        const normalised = normaliseImports(conv.code, b.module, info.isPackage, calls);
        if (normalised === null) return;
        // Only the setup lines the doctest needs: `import control as ct`, not every import conf.py makes.
        const preamble = [...new Set([...(setup?.always ?? []), ...(setup ? setupLinesFor(setup, fromSetup) : [])])];
        const code = `${[...preamble, ...mergeImports(header, input.packageNames)].join('\n')}\n${normalised}`;
        const codeLines = sym.code.split('\n');
        const firstPrompt = sym.docstring.split('\n')[conv.firstLine]?.trim() ?? '';
        const offset = firstPrompt ? codeLines.findIndex((l) => l.trim() === firstPrompt) : -1;
        const ex = makeExample(code, 'doctest', file.path, offset >= 0 ? sym.startLine + offset : sym.startLine, conv.expectedOutput);
        const called = calls.calledBy(code, scopeOf(code, '', false)).filter((x) => x !== b);
        out.push({ kind: 'example', example: ex, tier: conv.expectedOutput ? TIER.doctestWithOutput : TIER.doctest, needsPytest: false, blocks: [b, ...called] });
      });
    }
  },
};

const NAMESPACE = 'mined-doctests';

interface CachedDoctests {
  candidates: { example: Example; tier: number; blocks: number[] }[];
}

/**
 * Each library file's doctest candidates under the digest of its text, the mining context (the blocks, what the
 * call resolver knows of the library, the code version) and the project-wide facts they are built with: which
 * functions return nothing, the doctest setup of docs/conf.py and conftests, the package aliases the docs use.
 * Blocks are kept by their index in the context's block list, which the context digest fixes.
 */
function doctestFileCache(ctx: MiningContext, nothing: ReadonlyMap<string, boolean>, setup: DoctestSetup | null, aliases: ReadonlyMap<string, string>) {
  const store = ctx.input.cache!.store;
  const blocks = ctx.input.blocks;
  const index = new Map(blocks.map((b, i) => [b, i]));
  const project = contentKey(
    [...nothing].map(([k, v]) => `${k}=${v ? 1 : 0}`).sort().join(','),
    setup ? JSON.stringify({ lines: setup.lines, always: setup.always, names: [...setup.names].sort() }) : '',
    [...aliases].map(([k, v]) => `${k}=${v}`).sort().join('\n'),
  );
  const keyOf = async (f: ParsedFile) => contentKey(ctx.input.cache!.context, NAMESPACE, project, f.path, (await ctx.read(f.path)) ?? '\u0000unreadable');
  return {
    async get(f: ParsedFile): Promise<Candidate[] | null> {
      const hit = (await store.get(NAMESPACE, await keyOf(f))) as CachedDoctests | undefined;
      if (!hit || !Array.isArray(hit.candidates)) return null;
      if (hit.candidates.some((c) => !Array.isArray(c.blocks) || c.blocks.some((i) => !blocks[i]))) return null;
      return hit.candidates.map((c) => ({ kind: 'example', example: c.example, tier: c.tier, needsPytest: false, blocks: c.blocks.map((i) => blocks[i]!) }));
    },
    async put(f: ParsedFile, candidates: Candidate[]): Promise<void> {
      const entry: CachedDoctests = { candidates: [] };
      for (const c of candidates) {
        if (c.kind !== 'example') return;
        const ids = c.blocks.map((b) => index.get(b));
        if (ids.some((i) => i === undefined)) return;
        entry.candidates.push({ example: c.example, tier: c.tier, blocks: ids as number[] });
      }
      await store.put(NAMESPACE, await keyOf(f), entry);
    },
  };
}

/**
 * Library functions and methods that never return a value, by bare name (all same-named ones must agree):
 * a doctest calling one shows what it prints, so the call is not wrapped in print(repr()).
 */
function nothingReturning(libraryFiles: ParsedFile[]): Map<string, boolean> {
  const nothingByName = new Map<string, boolean>();
  for (const f of libraryFiles) {
    for (const sym of f.symbols) {
      if (sym.kind === 'class') {
        nothingByName.set(sym.name, false);
        continue;
      }
      const body = mask(splitDocstring(bodyOf(sym.code).body).rest);
      const nothing = !/^\s*return\s+[^\s#]/m.test(body) && !/\byield\b/.test(body);
      nothingByName.set(sym.name, (nothingByName.get(sym.name) ?? true) && nothing);
    }
  }
  return nothingByName;
}
