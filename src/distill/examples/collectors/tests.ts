/**
 * Test functions and unittest test methods as examples, each inlined into a standalone script (a test too
 * long for one example gives one per paragraph). Fixtures
 * are looked up as pytest does (the test's module, then conftest.py files up to the root), helper modules
 * as pytest's sys.path makes them importable.
 */
import path from 'node:path';
import type { Example } from '../../../domain/block.js';
import { contentKey } from '../../../kernel/content-cache.js';
import type { ParsedFile } from '../../../parse/types.js';
import { scopeOf } from '../call-resolver.js';
import { makeExample, TIER, type Candidate, type Collector } from '../collector.js';
import type { MiningContext } from '../context.js';
import { isFixture, type ModuleInfo } from '../module-info.js';
import { buildTestExamples, type TestEnv, type TestExample } from '../test-example.js';

export const testCollector: Collector = {
  source: 'test',
  async collect(ctx) {
    const { input } = ctx;
    const testFiles = input.parsedFiles.filter((f) => ctx.roles.get(f.path) === 'test' && f.language === 'python');
    const nonLibrary = input.parsedFiles.filter((f) => ctx.roles.get(f.path) !== 'library' && f.language === 'python');
    const infos = new Map<string, ModuleInfo>();
    for (const f of nonLibrary) infos.set(f.path, await ctx.moduleInfo(f));
    const env = pytestEnv(ctx, nonLibrary, infos);
    const candidates: Candidate[] = [];
    const cached = ctx.input.cache ? testFileCache(ctx, nonLibrary) : null;
    for (const f of testFiles) {
      const hit = await cached?.get(f);
      if (hit) {
        candidates.push(...hit);
        continue;
      }
      const reads = new Set<string>();
      const own = await collectFile(ctx, f, infos.get(f.path)!, tracking(env, reads));
      await cached?.put(f, reads, own);
      candidates.push(...own);
    }
    return candidates;
  },
};

/** The candidates of one test file. */
async function collectFile(ctx: MiningContext, f: ParsedFile, info: ModuleInfo, env: TestEnv): Promise<Candidate[]> {
  const candidates: Candidate[] = [];
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
      const called = ctx.calls.calledBy(one.code, scopeOf(one.code, '', false));
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
  return candidates;
}

/** The environment, noting every module a test's example is built from besides its own (conftests consulted, helpers). */
function tracking(env: TestEnv, reads: Set<string>): TestEnv {
  return {
    calls: env.calls,
    findFixture: (name, from) => {
      // Every conftest on the way up is consulted, found or not: a fixture added to one changes the answer.
      let dir = path.posix.dirname(from.file.path);
      for (;;) {
        reads.add(dir === '.' ? 'conftest.py' : `${dir}/conftest.py`);
        if (dir === '.' || dir === '') break;
        dir = path.posix.dirname(dir);
      }
      const hit = env.findFixture(name, from);
      if (hit) reads.add(hit.info.file.path);
      return hit;
    },
    localModule: (module, from) => {
      const hit = env.localModule(module, from);
      if (hit) reads.add(hit.file.path);
      return hit;
    },
  };
}

const NAMESPACE = 'mined-tests';

interface CachedTestFile {
  /** The files besides the test file its examples were built from, with the digest of each one's text. */
  reads: [string, string][];
  candidates: { example: Example; tier: number; needsPytest: boolean; blocks: number[] }[];
}

/**
 * Each test file's candidates under the digest of its text, the mining context (blocks, library files, code
 * version) and which non-library files exist (a helper or conftest appearing changes lookups), kept with the
 * files they were read from: reused while those are unchanged too. Blocks are kept by their index in the
 * context's block list, which the context digest fixes.
 */
function testFileCache(ctx: MiningContext, nonLibrary: ParsedFile[]) {
  const store = ctx.input.cache!.store;
  const blocks = ctx.input.blocks;
  const index = new Map(blocks.map((b, i) => [b, i]));
  const paths = new Set(nonLibrary.map((f) => f.path));
  const files = [...paths].sort().join('\n');
  // A conftest consulted that is not there is read as absent (and never asked of the file system).
  const digest = async (p: string): Promise<string> => (paths.has(p) ? contentKey((await ctx.read(p)) ?? '\u0000unreadable') : '\u0000absent');
  const keyOf = async (f: ParsedFile) => contentKey(ctx.input.cache!.context, NAMESPACE, files, f.path, (await ctx.read(f.path)) ?? '\u0000unreadable');
  return {
    async get(f: ParsedFile): Promise<Candidate[] | null> {
      const hit = (await store.get(NAMESPACE, await keyOf(f))) as CachedTestFile | undefined;
      if (!hit || !Array.isArray(hit.reads) || !Array.isArray(hit.candidates)) return null;
      for (const [p, d] of hit.reads) if ((await digest(p)) !== d) return null;
      if (hit.candidates.some((c) => c.blocks.some((i) => !blocks[i]))) return null;
      return hit.candidates.map((c) => ({ kind: 'example', example: c.example, tier: c.tier, needsPytest: c.needsPytest, blocks: c.blocks.map((i) => blocks[i]!) }));
    },
    async put(f: ParsedFile, reads: Set<string>, candidates: Candidate[]): Promise<void> {
      const entry: CachedTestFile = { reads: [], candidates: [] };
      for (const p of [...reads].filter((x) => x !== f.path).sort()) entry.reads.push([p, await digest(p)]);
      for (const c of candidates) {
        if (c.kind !== 'example') return; // only examples come from tests; anything else is not cached
        const ids = c.blocks.map((b) => index.get(b));
        if (ids.some((i) => i === undefined)) return;
        entry.candidates.push({ example: c.example, tier: c.tier, needsPytest: c.needsPytest, blocks: ids as number[] });
      }
      await store.put(NAMESPACE, await keyOf(f), entry);
    },
  };
}

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
