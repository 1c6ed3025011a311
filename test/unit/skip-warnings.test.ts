import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Block } from '../../src/domain/block.js';
import type { RunRecord, RunStatus, SkipReason } from '../../src/domain/validation.js';
import { exampleRuns, skipWarnings } from '../../src/validate/block-runs.js';

const run = (status: RunStatus, skipReason?: SkipReason, missingModule: string | null = null): RunRecord => ({
  status, exitCode: status === 'passed' ? 0 : 1, durationMs: 1, stdout: '', stderr: '', sandbox: 'bwrap', ranAt: '', error: null,
  message: status, missingModule, ...(skipReason ? { skipReason } : {}),
});
const blocks = (...runs: RunRecord[]) => runs.map((r) => ({ examples: [{ run: r, source: 'docstring' }], validation: r })) as unknown as Block[];

test('every example skipped for one missing module: the report says so, and how to install it', () => {
  const w = skipWarnings(blocks(...Array.from({ length: 4 }, () => run('skipped', 'missing_dependency', 'matplotlib'))));
  assert.equal(w.length, 2);
  assert.equal(w[0], '4 of 4 example runs were skipped (missing_dependency 4): most blocks are not validated; the run records say what each needs');
  assert.match(w[1] ?? '', /pip install matplotlib\.$/);
});

test('more than half skipped: counts per reason, most first', () => {
  const w = skipWarnings(
    blocks(run('skipped', 'network'), run('skipped', 'data_file'), run('skipped', 'network'), run('passed'), run('failed')),
  );
  assert.deepEqual(w, ['3 of 5 example runs were skipped (network 2, data_file 1): most blocks are not validated; the run records say what each needs']);
});

test('half or fewer skipped and nothing missing: no warning; a shared record counts once', () => {
  assert.deepEqual(skipWarnings(blocks(run('skipped', 'network'), run('passed'))), []);
  const shared = run('skipped', 'data_file');
  const b = blocks(shared, shared, run('passed'));
  assert.equal(exampleRuns(b).length, 2);
  assert.deepEqual(skipWarnings(b), []);
  assert.deepEqual(skipWarnings([]), []);
});

test('a missing module is listed even when most runs passed', () => {
  const w = skipWarnings(blocks(run('passed'), run('passed'), run('skipped', 'optional_extra', 'cvxopt')));
  assert.equal(w.length, 1);
  assert.match(w[0] ?? '', /cvxopt \(1 run, optional\); install it with: pip install cvxopt\./);
});
