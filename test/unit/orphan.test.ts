/**
 * A batch's child distill notices that its batch is gone (the batch was killed with SIGKILL, which the child's own
 * process group does not get) and stops, instead of distilling on beside the resumed batch.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { orphanSignal } from '../../src/cli/orphan.js';
import { loadConfig } from '../../src/config.js';

test('the signal aborts once the parent process has ended, and never without a parent', async () => {
  const parent = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 200)']);
  const o = orphanSignal(parent.pid!);
  assert.equal(o.signal?.aborted, false);
  await new Promise((r) => parent.on('exit', r));
  // The poll's timer does not hold the process open (a distill that ends must exit): this wait does.
  const keepAlive = setInterval(() => {}, 1000);
  await new Promise<void>((resolve) => o.signal!.addEventListener('abort', () => resolve(), { once: true }));
  clearInterval(keepAlive);
  assert.equal(o.signal?.aborted, true);
  o.dispose();
  assert.equal(orphanSignal(null).signal, undefined);
});

test("a batch child learns its batch's pid from CODEDISTILL_BATCH_PARENT", () => {
  assert.equal(loadConfig({ CODEDISTILL_BATCH_PARENT: '4242' }).batchParentPid, 4242);
  assert.equal(loadConfig({}).batchParentPid, null);
});
