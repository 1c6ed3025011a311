/**
 * A re-distill after a one-file change: the unchanged files are not parsed again, examples whose inputs did not
 * change are not run again, and the library equals a from-scratch distill of the edited repository. Real parser
 * and sandbox; the distill cache in memory.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import type { Block } from '../../src/domain/block.js';
import { distillRepo } from '../../src/jobs/distill.js';
import { memoryContentCache, type ContentCache } from '../../src/kernel/content-cache.js';
import { silentLogger } from '../../src/kernel/log.js';
import { createParser } from '../../src/parse/parser.js';
import type { CodeParser } from '../../src/parse/types.js';
import { createPythonRunner } from '../../src/validate/runner.js';
import type { Runner } from '../../src/validate/types.js';
import { copyFixture, tempDir } from '../helpers/tmp.js';
import { runnerServices } from '../helpers/runner.js';

describe('incremental distill', { timeout: 240_000 }, () => {
  const home = tempDir();
  const config = loadConfig({ ...process.env, CODEDISTILL_HOME: home });
  const realRunner = createPythonRunner(config, silentLogger, runnerServices);
  let realParser: CodeParser;
  const parsedPaths: string[] = [];
  const ranCodes: string[] = [];
  // Counted on the way in: what the cache lets through is what was parsed or run.
  const parser: CodeParser = {
    languages: () => realParser.languages(),
    languageOf: (p) => realParser.languageOf(p),
    parse: (p, text, roots) => {
      parsedPaths.push(p);
      return realParser.parse(p, text, roots);
    },
  };
  const runner: Runner = {
    info: (python) => realRunner.info(python),
    run: (req) => {
      ranCodes.push(req.code);
      return realRunner.run(req);
    },
    runBatch: (reqs, opts) => {
      ranCodes.push(...reqs.map((r) => r.code));
      return realRunner.runBatch!(reqs, opts);
    },
  };
  const distill = async (repo: string, cache: ContentCache | null, validate: boolean, out: string, how: { name?: string; runTrace?: 'always' | 'never' } = {}) => {
    const report = await distillRepo(
      { source: repo, name: how.name ?? 'flowcalc', validate, force: true, environment: 'none' },
      {
        config: how.runTrace ? { ...config, runTrace: how.runTrace } : config,
        logger: silentLogger,
        parser,
        runner,
        llm: null,
        existingLibrary: async () => null,
        libraries: () => [],
        libraryParentDir: path.join(home, out),
        cache,
      },
    );
    const blocks = readFileSync(path.join(report.libraryPath, 'blocks.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Block);
    return { report, blocks };
  };
  /** A block as distilled, without the times its runs were made and took. */
  const comparable = (blocks: Block[]) =>
    JSON.parse(JSON.stringify(blocks, (k, v: unknown) => (k === 'ranAt' || k === 'durationMs' || k === 'peakMemoryKb' ? undefined : v))) as unknown;

  before(async () => {
    realParser = await createParser();
  });

  it('a library file edited: only it is parsed again, its block changes, and the result equals a distill from scratch', async () => {
    const repo = copyFixture('flowcalc');
    const store = memoryContentCache();
    let mined = 0;
    const cache: ContentCache = { get: (ns, k) => store.get(ns, k), put: (ns, k, v) => ((mined += ns === 'mined-tests' ? 1 : 0), store.put(ns, k, v)) };
    const first = await distill(repo, cache, false, 'a');
    const parsedFirst = parsedPaths.length;
    assert.ok(parsedFirst >= 8, `parsed ${parsedFirst}`);

    parsedPaths.length = 0;
    const again = await distill(repo, cache, false, 'a');
    assert.deepEqual(parsedPaths, [], 'nothing changed: nothing is parsed');
    assert.deepEqual(again.blocks, first.blocks);

    const beds = path.join(repo, 'flowcalc', 'beds.py');
    writeFileSync(beds, readFileSync(beds, 'utf8').replace('Archimedes (Galileo) number of a particle settling in a fluid.', 'Archimedes number of a settling particle.'));
    parsedPaths.length = 0;
    mined = 0;
    const edited = await distill(repo, cache, false, 'a');
    assert.deepEqual(parsedPaths, ['flowcalc/beds.py']);
    // A docstring changes nothing the tests' mining reads of the library (the call resolver's digest).
    assert.equal(mined, 0, 'no test file is mined again');
    const summary = (r: { blocks: Block[] }) => r.blocks.find((b) => b.name === 'archimedes_number')?.docstring?.split('\n')[0];
    assert.equal(summary(first), 'Archimedes (Galileo) number of a particle settling in a fluid.');
    assert.equal(summary(edited), 'Archimedes number of a settling particle.');

    parsedPaths.length = 0;
    const scratch = await distill(repo, null, false, 'b');
    assert.ok(parsedPaths.length >= parsedFirst, 'without the cache every file is parsed');
    assert.deepEqual(edited.blocks, scratch.blocks);

    // A new public function is something a test may call: every test file is mined again.
    writeFileSync(beds, `${readFileSync(beds, 'utf8')}\n\ndef settling_ratio(a, b):\n    \"\"\"Ratio of two settling velocities.\"\"\"\n    return a / b\n`);
    mined = 0;
    const added = await distill(repo, cache, false, 'a');
    assert.ok(mined >= 3, `test files mined again: ${mined}`);
    assert.deepEqual(added.blocks, (await distill(repo, null, false, 'e')).blocks);
  });

  it('a test edited: only it is parsed and mined again, its examples run again, the others are reused, and the runs equal a distill from scratch', async () => {
    const repo = copyFixture('flowcalc');
    const store = memoryContentCache();
    // Test files mined: their entries written.
    let mined = 0;
    const cache: ContentCache = { get: (ns, k) => store.get(ns, k), put: (ns, k, v) => ((mined += ns === 'mined-tests' ? 1 : 0), store.put(ns, k, v)) };
    ranCodes.length = 0;
    const first = await distill(repo, cache, true, 'c');
    const ranFirst = ranCodes.length;
    assert.ok(first.report.counts.validated >= 10, JSON.stringify(first.report.counts));

    assert.ok(mined >= 3, `test files mined: ${mined}`);
    mined = 0;
    const test = path.join(repo, 'tests', 'test_beds.py');
    writeFileSync(test, readFileSync(test, 'utf8').replace('assert math.isclose(k2 / k1, 4.0, rel_tol=1e-12)', 'assert math.isclose(k2 / k1, 4.0, rel_tol=1e-9)'));
    ranCodes.length = 0;
    parsedPaths.length = 0;
    const edited = await distill(repo, cache, true, 'c');
    assert.deepEqual(parsedPaths, ['tests/test_beds.py']);
    assert.equal(mined, 1, 'only the edited test file is mined again');
    assert.ok(ranCodes.length > 0, 'the edited test runs again');
    assert.ok(ranCodes.every((c) => c.includes('4.0, rel_tol=1e-9')), `only the edited test's example runs again: ${ranCodes.length} of ${ranFirst}`);

    const scratch = await distill(repo, null, true, 'd');
    assert.deepEqual(comparable(edited.blocks), comparable(scratch.blocks));
  });

  it('a function body edited: with runs traced, only the examples that executed it run again; by name, every one that names its dispatcher', async () => {
    // A dispatcher by method name, as fluids' friction_factor: each test takes one branch.
    const repo = tempDir();
    mkdirSync(path.join(repo, 'solvers'));
    mkdirSync(path.join(repo, 'tests'));
    writeFileSync(path.join(repo, 'pyproject.toml'), '[project]\nname = "solvers"\nversion = "1.0"\n');
    writeFileSync(path.join(repo, 'solvers', '__init__.py'), '"""Root finding."""\nfrom .core import root_bisect, root_secant, solve\n');
    const core = (dir: string) => path.join(dir, 'solvers', 'core.py');
    writeFileSync(
      core(repo),
      [
        'def _bisect(f, a, b):',
        '    """Bisection."""',
        '    for _ in range(60):',
        '        m = (a + b) / 2',
        '        if f(a) * f(m) <= 0:',
        '            b = m',
        '        else:',
        '            a = m',
        '    return (a + b) / 2',
        '',
        '',
        'def _secant(f, a, b):',
        '    """Secant."""',
        '    for _ in range(50):',
        '        if f(b) == f(a):',
        '            break',
        '        a, b = b, b - f(b) * (b - a) / (f(b) - f(a))',
        '    return b',
        '',
        '',
        'METHODS = {"bisect": _bisect, "secant": _secant}',
        '',
        '',
        'def solve(f, a, b, method="bisect"):',
        '    """Root of f between a and b by the named method."""',
        '    return METHODS[method](f, a, b)',
        '',
        '',
        'def root_bisect(f, a, b):',
        '    """Root of f between a and b, by bisection.',
        '',
        '    >>> round(root_bisect(lambda x: x * x - 2, 0, 2), 6)',
        '    1.414214',
        '    """',
        '    return solve(f, a, b, "bisect")',
        '',
        '',
        'def root_secant(f, a, b):',
        '    """Root of f near a and b, by the secant method.',
        '',
        '    >>> round(root_secant(lambda x: x * x - 2, 1, 2), 6)',
        '    1.414214',
        '    """',
        '    return solve(f, a, b, "secant")',
        '',
      ].join('\n'),
    );
    writeFileSync(
      path.join(repo, 'tests', 'test_solve.py'),
      'from solvers import root_bisect, root_secant\n\n\ndef test_root_bisect():\n    assert abs(root_bisect(lambda x: x - 1, 0, 3) - 1) < 1e-9\n\n\n' +
        'def test_root_secant():\n    assert abs(root_secant(lambda x: x * x - 4, 1, 3) - 2) < 1e-9\n',
    );
    const edit = (dir: string) => writeFileSync(core(dir), readFileSync(core(dir), 'utf8').replace('for _ in range(50):', 'for _ in range(40):'));
    const rerunsAfterEdit = async (runTrace: 'always' | 'never', out: string) => {
      const copy = tempDir();
      cpSync(repo, copy, { recursive: true });
      const cache = memoryContentCache();
      ranCodes.length = 0;
      const first = await distill(copy, cache, true, out, { name: 'solvers', runTrace });
      assert.ok(first.report.counts.validated >= 1, JSON.stringify(first.report.counts));
      const ranFirst = ranCodes.length;
      edit(copy);
      ranCodes.length = 0;
      const edited = await distill(copy, cache, true, out, { name: 'solvers', runTrace });
      return { ranFirst, reran: [...ranCodes], edited, copy };
    };
    const traced = await rerunsAfterEdit('always', 'f');
    const byName = await rerunsAfterEdit('never', 'g');
    assert.ok(traced.ranFirst >= 3, `examples run: ${traced.ranFirst}`);
    assert.ok(traced.reran.length >= 1 && traced.reran.every((c) => c.includes('secant')), `traced: only the secant test runs again: ${JSON.stringify(traced.reran)}`);
    assert.ok(byName.reran.length > traced.reran.length, `by name: ${byName.reran.length}, traced: ${traced.reran.length}`);
    assert.deepEqual(comparable(traced.edited.blocks), comparable((await distill(traced.copy, null, true, 'h', { name: 'solvers' })).blocks), 'the same library as a distill from scratch');
  });
});
