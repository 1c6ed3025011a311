/**
 * The local batch queue with a fake repository runner: states written as they change, N at once, failures by
 * cause, and a rerun that resumes: done repositories never started again, a killed run's running ones queued again.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { BatchStateFile, RepoListEntry } from '../../src/domain/batch.js';
import { batchId, batchStatus, readBatchState, RepoFailure, runBatch, statePath, summaryTable, type RepoRunner } from '../../src/jobs/batch.js';
import { parseRepoList } from '../../src/ingest/repo-list.js';
import { CodedistillError } from '../../src/kernel/errors.js';
import { tempDir } from '../helpers/tmp.js';

const list: RepoListEntry[] = parseRepoList('a/one@1111111\na/two\n# a comment\na/bad  # fails\na/three\n');

function fakeRunner(log: string[], opts: { inFlight?: { now: number; max: number } } = {}): RepoRunner {
  return async (e) => {
    log.push(e.source);
    const f = opts.inFlight;
    if (f) f.max = Math.max(f.max, ++f.now);
    await new Promise((r) => setTimeout(r, 20));
    if (f) f.now -= 1;
    if (e.source === 'a/bad') throw new RepoFailure('source_not_found', 'no such repository');
    return { library: e.source.split('/')[1]!, commit: 'c'.repeat(40), blocks: 10, validated: 4, unchanged: false };
  };
}

test('the list is read with refs and without comments or repeats; bad lines are refused with their number', () => {
  assert.deepEqual(list, [
    { source: 'a/one', ref: '1111111' },
    { source: 'a/two', ref: null },
    { source: 'a/bad', ref: null },
    { source: 'a/three', ref: null },
  ]);
  assert.equal(parseRepoList('x/y\nX/Y\n').length, 1);
  assert.throws(() => parseRepoList('x/y\nx/z extra words\n'), (e: CodedistillError) => e.code === 'invalid_input' && /line 2/.test(e.message));
  assert.throws(() => parseRepoList('x/y@-bad\n'), /not a valid ref/);
});

test('every repository settles; workers run at once; the summary counts blocks, validated share and failures by cause', async () => {
  const home = tempDir();
  const log: string[] = [];
  const inFlight = { now: 0, max: 0 };
  const progress: string[] = [];
  const s = await runBatch(home, 'b1', null, list, fakeRunner(log, { inFlight }), { workers: 2, onProgress: (p) => progress.push(`${p.done}/${p.total}`) });
  assert.equal(inFlight.max, 2);
  assert.deepEqual(s.byState, { queued: 0, running: 0, done: 3, failed: 1 });
  assert.equal(s.blocks, 30);
  assert.equal(s.validatedShare, 0.4);
  assert.deepEqual(s.failuresByCause, { source_not_found: 1 });
  assert.equal(s.distilledThisRun, 4);
  assert.equal(progress.at(-1), '4/4');
  const onDisk = await readBatchState(statePath(home, 'b1'));
  assert.deepEqual(onDisk?.repos.map((r) => r.state), ['done', 'done', 'failed', 'done']);
  assert.equal(onDisk?.repos[2]!.error?.cause, 'source_not_found');
  const table = summaryTable(s);
  assert.match(table, /a\/bad\s+failed.*source_not_found: no such repository/);
  assert.match(table, /failures by cause: source_not_found 1/);
  assert.equal((await batchStatus(home))[0]!.total, 4);
});

test('a rerun resumes: done repositories are not started again, running ones (a kill) are, failed ones only when asked', async () => {
  const home = tempDir();
  const file = statePath(home, 'b2');
  const log: string[] = [];
  await runBatch(home, 'b2', null, list, fakeRunner(log), { workers: 1 });
  // As a kill leaves it: one repository caught running.
  const state = (await readBatchState(file)) as BatchStateFile;
  state.repos[3]!.state = 'running';
  writeFileSync(file, JSON.stringify(state));
  log.length = 0;
  const again = await runBatch(home, 'b2', null, list, fakeRunner(log), { workers: 2 });
  assert.deepEqual(log, ['a/three']);
  assert.equal(again.repos[3]!.attempts, 2);
  assert.equal(again.repos[0]!.attempts, 1);
  log.length = 0;
  await runBatch(home, 'b2', null, [...list, { source: 'a/four', ref: null }], fakeRunner(log), { workers: 2, retryFailed: true });
  assert.deepEqual(log.sort(), ['a/bad', 'a/four'], 'a new line in the list and the failed one on --retry-failed');
});

test('a stopped batch queues its repositories in flight again and says how to resume; one run per batch at a time', async () => {
  const home = tempDir();
  const ac = new AbortController();
  const slow: RepoRunner = (_e, signal) =>
    new Promise((_r, reject) => {
      setTimeout(() => ac.abort(), 10);
      signal.addEventListener('abort', () => reject(new Error('killed')));
    });
  await assert.rejects(runBatch(home, 'b3', null, list, slow, { workers: 1, signal: ac.signal }), (e: CodedistillError) => e.code === 'cancelled' && /again to resume/.test(e.hint));
  const st = await readBatchState(statePath(home, 'b3'));
  assert.deepEqual(st?.repos.map((r) => r.state), ['queued', 'queued', 'queued', 'queued']);

  let release!: () => void;
  const held: RepoRunner = () => new Promise((r) => (release = () => r({ library: 'x', commit: 'c', blocks: 0, validated: 0, unchanged: true })));
  const first = runBatch(home, 'b4', null, list.slice(0, 1), held, { workers: 1 });
  await new Promise((r) => setTimeout(r, 100));
  await assert.rejects(runBatch(home, 'b4', null, list.slice(0, 1), held, { workers: 1 }), (e: CodedistillError) => e.code === 'busy');
  release();
  const s = await first;
  assert.equal(s.unchanged, 1);
});

test("a batch's id is its list file's: the same file resumes the same batch", () => {
  assert.equal(batchId('/x/signal.txt'), batchId(path.join('/x', '.', 'signal.txt')));
  assert.notEqual(batchId('/x/signal.txt'), batchId('/y/signal.txt'));
  assert.match(batchId('/x/signal.txt'), /^signal-[0-9a-f]{8}$/);
});
