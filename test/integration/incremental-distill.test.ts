/**
 * A re-distill after a one-file change: the unchanged files are not parsed again, examples whose inputs did not
 * change are not run again, and the library equals a from-scratch distill of the edited repository. Real parser
 * and sandbox; the distill cache in memory.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
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
  const distill = async (repo: string, cache: ContentCache | null, validate: boolean, out: string) => {
    const report = await distillRepo(
      { source: repo, name: 'flowcalc', validate, force: true, environment: 'none' },
      { config, logger: silentLogger, parser, runner, llm: null, existingLibrary: async () => null, libraries: () => [], libraryParentDir: path.join(home, out), cache },
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
});
