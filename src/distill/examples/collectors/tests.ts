/**
 * Test functions and unittest test methods as examples, each inlined into a standalone script (a test too
 * long for one example gives one per paragraph). Fixtures
 * are looked up as pytest does (the test's module, then conftest.py files up to the root), helper modules
 * as pytest's sys.path makes them importable.
 */
import path from 'node:path';
import type { ParsedFile } from '../../../parse/types.js';
import { scopeOf } from '../call-resolver.js';
import { makeExample, TIER, type Candidate, type Collector } from '../collector.js';
import type { MiningContext } from '../context.js';
import { isFixture, type ModuleInfo } from '../module-info.js';
import { buildTestExamples, type TestEnv, type TestExample } from '../test-example.js';

export const testCollector: Collector = {
  source: 'test',
  async collect(ctx) {
    const { calls, input } = ctx;
    const testFiles = input.parsedFiles.filter((f) => ctx.roles.get(f.path) === 'test' && f.language === 'python');
    const nonLibrary = input.parsedFiles.filter((f) => ctx.roles.get(f.path) !== 'library' && f.language === 'python');
    const infos = new Map<string, ModuleInfo>();
    for (const f of nonLibrary) infos.set(f.path, await ctx.moduleInfo(f));
    const env = pytestEnv(ctx, nonLibrary, infos);
    const candidates: Candidate[] = [];
    for (const f of testFiles) {
      const info = infos.get(f.path)!;
      for (const sym of f.symbols) {
        const isTest =
          (sym.kind === 'function' && /^test/.test(sym.name)) ||
          (sym.kind === 'method' && /^test/.test(sym.name) && /^Test|Test$|Tests$/.test(sym.parent ?? ''));
        if (!isTest || isFixture(sym)) continue;
        let built: TestExample[] = [];
        try {
          built = buildTestExamples(sym, info, env);
        } catch {
          built = []; // a construct the text scans do not understand: skip this test, keep the rest
        }
        for (const one of built) {
          const called = calls.calledBy(one.code, scopeOf(one.code, '', false));
          if (called.length === 0) continue;
          candidates.push({
            kind: 'example',
            example: makeExample(one.code, 'test', one.path, one.line, null),
            tier: one.hasAsserts ? TIER.testWithAsserts : TIER.test,
            needsPytest: one.needsPytest,
            blocks: called,
          });
        }
      }
    }
    return candidates;
  },
};

function pytestEnv(ctx: MiningContext, nonLibrary: ParsedFile[], infos: Map<string, ModuleInfo>): TestEnv {
  return {
    calls: ctx.calls,
    findFixture: (name, from) => {
      const own = from.fixtures.get(name);
      if (own) return { sym: own, info: from };
      let dir = path.posix.dirname(from.file.path);
      for (;;) {
        const conf = nonLibrary.find((f) => f.path === (dir === '.' ? 'conftest.py' : `${dir}/conftest.py`));
        const info = conf ? infos.get(conf.path) : undefined;
        const sym = info?.fixtures.get(name);
        if (info && sym) return { sym, info };
        if (dir === '.' || dir === '') break;
        dir = path.posix.dirname(dir);
      }
      return null;
    },
    localModule: (module, from) => {
      if (!module) return null;
      const exact = nonLibrary.find((f) => f.module === module);
      if (exact) return infos.get(exact.path) ?? null;
      // pytest puts the test folder on sys.path: `from helpers import x` means tests/helpers.py
      const dir = path.posix.dirname(from.file.path);
      const rel = module.replace(/\./g, '/');
      const near = nonLibrary.find((f) => f.path === (dir === '.' ? `${rel}.py` : `${dir}/${rel}.py`) || f.path === `${dir}/${rel}/__init__.py`);
      if (near) return infos.get(near.path) ?? null;
      const suffix = nonLibrary.find((f) => f.module.endsWith('.' + module) && !ctx.calls.isPackageModule(module));
      return suffix ? (infos.get(suffix.path) ?? null) : null;
    },
  };
}
