import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Block, Example } from '../../src/domain/block.js';
import { levelFor, levelOf, RunRecord } from '../../src/domain/validation.js';
import type { PatternResult } from '../../src/domain/pattern.js';
import { levelNote } from '../../src/server/getPattern.js';
import { patternAnswer } from '../../src/server/pattern-answer.js';
import { testBlock } from '../helpers/block.js';
import { bestRun } from '../../src/validate/block-runs.js';
import { classifyOutcome, reclassifyRuns } from '../../src/validate/classify.js';
import { assertsResults, exampleRunLevel, mayClaimChecked } from '../../src/validate/level.js';
import type { ClassifyContext, Outcome } from '../../src/validate/types.js';

const limits = { outputCapBytes: 65536, maxTimeoutMs: 600000, killAfterBytes: 1 << 20 };
const ctx: ClassifyContext = {
  interp: {
    executable: '/usr/bin/python3',
    version: '3.11.7',
    implementation: 'cpython',
    mounts: [],
    stdlib: new Set(['os', 'sys']),
    installed: new Set(['numpy']),
    environmentHash: 'h',
    distributions: [],
    display: '/usr/bin/python3 (3.11.7)',
  },
  sandbox: 'bwrap',
  timeoutMs: 1000,
  importRoots: ['/repos/pkg'],
  files: [],
  ranAt: 't',
};

function outcome(o: Partial<Outcome>): Outcome {
  return {
    spawnError: null, sandboxFailure: null, timedOut: false, outputLimitHit: false, exitCode: 0, signal: null,
    stdout: '', stderr: '', stderrTail: '', stdoutTruncated: false, stderrTruncated: false, durationMs: 5, peakKb: null,
    snippetPath: '/sandbox/snippet.py', ...o,
  };
}
const classify = (o: Partial<Outcome>, expectedOutput?: string | null) => classifyOutcome(outcome(o), { ...ctx, expectedOutput }, limits);
const tb = (...lines: string[]) => ['Traceback (most recent call last):', ...lines, ''].join('\n');

describe('validation levels where records are made', () => {
  test('a passed run is checked only when it matched a stated output; a mismatch, a timeout, an error are failed', () => {
    assert.equal(classify({ stdout: '3\n' }, '3\n').level, 'checked');
    assert.equal(classify({ stdout: '3\n' }).level, 'ran');
    assert.equal(classify({ stdout: '3\n' }, null).level, 'ran');
    const wrong = classify({ stdout: '4\n' }, '3\n');
    assert.deepEqual([wrong.status, wrong.level], ['failed', 'failed']);
    const slow = classify({ timedOut: true, exitCode: null, signal: 'SIGKILL' });
    assert.deepEqual([slow.status, slow.level], ['timeout', 'failed']);
    const broken = classify({ spawnError: new Error('ENOENT'), exitCode: null });
    assert.deepEqual([broken.status, broken.level], ['error', 'failed']);
  });

  test('a missing dependency is skipped, with its reason, at the skipped level', () => {
    const err = 'ModuleNotFoundError: No module named \'pint\'';
    const r = classify({ exitCode: 1, stderr: tb('  File "/sandbox/snippet.py", line 1, in <module>', '    import pint', err), stderrTail: err });
    assert.deepEqual([r.status, r.level, r.skipReason], ['skipped', 'skipped', 'missing_dependency']);
  });

  test('a failed run reclassified as skipped moves to the skipped level with it', () => {
    const run = RunRecord.parse({
      status: 'failed', level: 'failed', exitCode: 1, durationMs: 1, stdout: '', stderr: '', sandbox: 'bwrap', ranAt: '',
      error: { type: 'ModuleNotFoundError', message: "No module named 'pkg._speedups'", line: 1 }, message: 'x', missingModule: null,
    });
    const blocks = [{ examples: [{ run }], validation: run }] as unknown as Block[];
    reclassifyRuns(blocks, { filePaths: ['pkg/__init__.py', 'pkg/_speedups.pyx'], providerRoots: [] });
    assert.deepEqual([run.status, run.level], ['skipped', 'skipped']);
  });

  test('every status has the level it implies', () => {
    assert.equal(levelFor('passed', true), 'checked');
    assert.equal(levelFor('passed', false), 'ran');
    assert.equal(levelFor('failed', true), 'failed');
    assert.equal(levelFor('skipped', false), 'skipped');
    assert.equal(levelFor('not_run', false), null);
  });
});

describe('records stored before levels read as before', () => {
  const old = (status: RunRecord['status'], message: string) =>
    RunRecord.parse({ status, exitCode: 0, durationMs: 1, stdout: '', stderr: '', error: null, message, sandbox: 'bwrap', ranAt: '' });

  test('the level is derived from status and message when it is absent', () => {
    assert.equal(old('passed', 'Ran successfully and printed the expected output.').level, undefined);
    assert.equal(levelOf(old('passed', 'Ran successfully and printed the expected output.')), 'checked');
    assert.equal(levelOf(old('passed', 'Ran successfully.')), 'ran');
    assert.equal(levelOf(old('timeout', 'Timed out')), 'failed');
    assert.equal(levelOf(old('skipped', 'missing dependency')), 'skipped');
    assert.equal(levelOf(null), null);
  });

  test('a stored level wins over the derivation', () => {
    assert.equal(levelOf({ ...old('passed', 'Ran successfully and printed the expected output.'), level: 'ran' }), 'ran');
  });
});

describe('which examples may claim checked', () => {
  const passed = (expected: boolean) => classify({ stdout: '1\n' }, expected ? '1\n' : null);
  const src = (source: string) => ({ source }) as Pick<Example, 'source'>;

  test('a mined test whose asserts held is checked; without asserts it only ran', () => {
    const withAsserts = 'from pkg import f\nassert f(1) == 2\n';
    assert.equal(exampleRunLevel(passed(false), withAsserts, [src('test')]), 'checked');
    assert.equal(exampleRunLevel(passed(false), 'import numpy as np\nnp.testing.assert_allclose(f(1), 2.0)\n', [src('test')]), 'checked');
    assert.equal(exampleRunLevel(passed(false), 'from pkg import f\nprint(f(1))\n', [src('test')]), 'ran');
    // An assert that is only text is no assert.
    assert.equal(assertsResults('x = "assert f(1) == 2"\n# assert nothing\n'), false);
  });

  test('a doctest that matched its output stays checked; a failed run stays failed whatever the source', () => {
    assert.equal(exampleRunLevel(passed(true), 'print(1)\n', [src('doctest')]), 'checked');
    assert.equal(exampleRunLevel(classify({ stdout: '2\n' }, '1\n'), 'print(2)\n', [src('doctest')]), 'failed');
  });

  test('synthesized, generated and import examples never claim checked, even with a matched output or asserts', () => {
    for (const source of ['synthesized', 'generated', 'import']) {
      assert.equal(mayClaimChecked(source), false, source);
      assert.equal(exampleRunLevel(passed(true), 'print(1)\n', [src(source)]), 'ran', source);
      assert.equal(exampleRunLevel(passed(false), 'assert 1 == 1\n', [src(source)]), 'ran', source);
    }
    for (const source of ['doctest', 'test', 'script', 'notebook', 'readme', 'docs']) assert.equal(mayClaimChecked(source), true, source);
  });

  test('a run shared with an example that may not claim checked is not checked', () => {
    assert.equal(exampleRunLevel(passed(true), 'print(1)\n', [src('doctest'), src('synthesized')]), 'ran');
  });

  test("a block's best run prefers a checked one among passed runs", () => {
    const ran = passed(false);
    const checked = passed(true);
    const ex = (run: RunRecord) => ({ source: 'doctest', run }) as Example;
    assert.equal(bestRun([ex(ran), ex(checked)]), checked);
    assert.equal(bestRun([ex(checked), ex(ran)]), checked);
  });

  test("get_pattern's text names the level, and the skip reason", () => {
    assert.match(levelNote(passed(true)), /checked: an example matched the output the repository states/);
    assert.match(levelNote(passed(false)), /^ \(ran: /);
    assert.equal(levelNote({ ...passed(false), status: 'skipped', level: 'skipped', skipReason: 'network' }), ' (skipped: network)');
    assert.equal(levelNote(null), '');
  });

  test("get_pattern's structured answer gives the level of records stored without one", () => {
    const old = { ...passed(true) };
    delete old.level;
    const block = testBlock({ name: 'f' }, { examples: [{ code: 'print(1)', source: 'doctest', path: null, startLine: null, expectedOutput: null, run: old }, { code: 'print(2)', source: 'test', path: null, startLine: null, expectedOutput: null, run: null }], validation: old });
    const res: PatternResult = { block, library: {} as PatternResult['library'], usage: 'print(1)' };
    assert.equal(patternAnswer(res, 'usage', false).usageFrom?.run?.level, 'checked');
    const full = patternAnswer(res, 'full', false).full;
    assert.equal(full?.validation?.level, 'checked');
    assert.equal(full?.examples.length, 1, 'the example behind usage is not repeated');
    assert.equal(full?.examples[0]?.run, null);
    assert.equal(old.level, undefined, 'the library read is not changed');
  });
});

test('a model-repaired example runs at most as ran, whatever source it was mined from', () => {
  const run = { status: 'passed', level: 'checked' } as unknown as Parameters<typeof exampleRunLevel>[0];
  assert.equal(exampleRunLevel(run, 'print(2)', [{ source: 'doctest', repairedFrom: null }]), 'checked');
  assert.equal(exampleRunLevel(run, 'print(2)', [{ source: 'doctest', repairedFrom: 'print(1)' }]), 'ran');
});

test('an assert of a constant checks nothing: assert True, assert "message"', () => {
  assert.equal(assertsResults('f(1)\nassert True\n'), false);
  assert.equal(assertsResults('try:\n    f(1)\nexcept ValueError:\n    pass\nelse:\n    assert "f should raise", f\n'), false);
  assert.equal(assertsResults("assert (1)\nassert 'ok', 'message'\n"), false);
  assert.equal(assertsResults('assert True\nassert f(1) == 2\n'), true);
  assert.equal(assertsResults('assert Truthy(x)\n'), true);
  assert.equal(assertsResults('assert "a" in names\n'), true);
});
