import assert from 'node:assert/strict';
import { test } from 'node:test';
import { overallProgress, progressMessage, STAGE_PLANS } from '../../src/server/progress.js';
import { progressBar } from '../../src/cli/progress-bar.js';

test('stage progress becomes one growing count out of a fixed total, stages restarting their own counts', () => {
  const overall = overallProgress(STAGE_PLANS.revalidate);
  const seen = [
    overall({ stage: 'environment', done: 0, total: 6 }),
    overall({ stage: 'environment', done: 6, total: 6 }),
    overall({ stage: 'validate', done: 0, total: 40 }),
    overall({ stage: 'validate', done: 20, total: 40 }),
    overall({ stage: 'validate', done: 20, total: 40 }),
    overall({ stage: 'index', done: 1, total: 2 }),
  ];
  assert.equal(seen[4], null, 'a value that does not grow is not sent');
  const sent = seen.filter((s) => s !== null);
  assert.ok(sent.every((s) => s.total === STAGE_PLANS.revalidate.length * 100));
  for (let i = 1; i < sent.length; i++) assert.ok(sent[i]!.progress > sent[i - 1]!.progress, JSON.stringify(sent));
  assert.ok(sent.every((s) => s.progress < s.total));
});

test('a stage the plan skips is jumped over; one outside the plan fills the current slot; an empty stage counts as started', () => {
  const overall = overallProgress(STAGE_PLANS.distill);
  const a = overall({ stage: 'resolve', done: 0, total: 1 });
  const b = overall({ stage: 'write', done: 0, total: 1 });
  const c = overall({ stage: 'something-new', done: 1, total: 2 });
  const d = overall({ stage: 'validate', done: 0, total: 0 });
  assert.equal(a?.progress, 0);
  assert.equal(b?.progress, STAGE_PLANS.distill.indexOf('write') * 100);
  assert.ok(c && c.progress > b!.progress);
  assert.equal(d, null, 'an earlier stage after a later one does not move the count back');
});

test('the message names the stage and its count; the CLI bar is off without a terminal', () => {
  assert.equal(progressMessage({ stage: 'validate', done: 3, total: 40, message: 'pkg.f' }), 'validate 3/40: pkg.f');
  assert.equal(progressMessage({ stage: 'write', done: 0, total: 1 }), 'write');
  const bar = progressBar(STAGE_PLANS.distill, false);
  assert.equal(bar.onProgress, undefined);
  bar.stop();
});
