/**
 * Doctests of the blocks' own docstrings, as scripts: the object and the names the doctest reads from its
 * module's globals are imported from the public module, and the expected output is kept for the runner.
 */
import type { ParsedFile } from '../../../parse/types.js';
import { convertDoctest } from '../../../python/doctest.js';
import { bodyOf, freeNames, mask, splitDocstring } from '../../../python/syntax.js';
import { renderImport } from '../../../python/imports.js';
import { scopeOf } from '../call-resolver.js';
import { makeExample, TIER, type Candidate, type Collector } from '../collector.js';
import { mergeImports, normaliseImports, publicBinding } from '../import-rewrite.js';
import { projectDoctestSetup, setupLinesFor } from '../doctest-setup.js';
import { packageAliases } from '../package-aliases.js';

export const doctestCollector: Collector = {
  source: 'doctest',
  async collect(ctx) {
    const { calls, input } = ctx;
    const candidates: Candidate[] = [];
    const byModule = new Map(ctx.libraryFiles.map((f) => [f.module, f]));
    const returnsNothing = nothingReturning(ctx.libraryFiles);
    // The names the project's doctest runs provide (Sphinx doctest_global_setup, pytest doctest_namespace).
    const setup = await projectDoctestSetup(input.files, ctx.read);
    // `rd.` in a docstring that says "examples assume import radioactivedecay as rd".
    const aliases = await packageAliases(input.files, ctx.read, input.packageNames);
    for (const b of input.blocks) {
      await ctx.guard(b.qualifiedName, async () => {
        if (b.kind === 'workflow') return;
        const file = byModule.get(b.module);
        if (!file) return;
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
        candidates.push({ kind: 'example', example: ex, tier: conv.expectedOutput ? TIER.doctestWithOutput : TIER.doctest, needsPytest: false, blocks: [b, ...called] });
      });
    }
    return candidates;
  },
};

/**
 * Library functions and methods that never return a value, by bare name (all same-named ones must agree):
 * a doctest calling one shows what it prints, so the call is not wrapped in print(repr()).
 */
function nothingReturning(libraryFiles: ParsedFile[]): (callee: string) => boolean {
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
  return (callee) => nothingByName.get(callee.split('.').pop()!) === true;
}
