/** The one process supervisor (src/kernel/proc.ts): what every runner, the batch driver and git rely on. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCaptured, superviseProcess } from '../../src/kernel/proc.js';

const env = { PATH: '/usr/bin:/bin' };

test('a deadline kills the whole group: a grandchild holding the pipes does not keep us waiting', { timeout: 20_000 }, async () => {
  const started = Date.now();
  const r = await runCaptured('/bin/sh', ['-c', 'sleep 30 & echo started; sleep 30'], { env, timeoutMs: 300, capBytes: 1024 });
  assert.equal(r.timedOut, true);
  assert.equal(r.stdout.toString(), 'started\n');
  assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
});

test('after the child exits, what it left in its group is killed and the pipes are not waited for', { timeout: 20_000 }, async () => {
  const started = Date.now();
  const r = await runCaptured('/bin/sh', ['-c', 'sleep 30 & exit 4'], { env, timeoutMs: 10_000, capBytes: 1024 });
  assert.equal(r.exitCode, 4);
  assert.equal(r.timedOut, false);
  assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
});

test('a stream handler can kill the group with a reason, and move the deadline', { timeout: 20_000 }, async () => {
  const killed = await superviseProcess('/bin/sh', ['-c', 'echo stop; sleep 30'], {
    env,
    timeoutMs: 10_000,
    onStdout: (chunk, control) => {
      if (chunk.toString().includes('stop')) control.kill('told to');
    },
  });
  assert.equal(killed.killedFor, 'told to');
  assert.equal(killed.signal, 'SIGKILL');
  assert.equal(killed.timedOut, false);

  const rearmed = await superviseProcess('/bin/sh', ['-c', 'echo tick; sleep 30'], {
    env,
    timeoutMs: 10_000,
    onStdout: (_chunk, control) => control.setDeadline(100),
  });
  assert.equal(rearmed.timedOut, true);
  assert.ok(rearmed.durationMs < 5_000);
});

test('abort kills the group; stdin gets the input; a missing program is a spawn error, not a throw', { timeout: 20_000 }, async () => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 100);
  const aborted = await runCaptured('/bin/sh', ['-c', 'sleep 30'], { env, timeoutMs: 10_000, capBytes: 1024, signal: ac.signal });
  assert.equal(aborted.aborted, true);

  const echoed = await runCaptured('/bin/cat', [], { env, timeoutMs: 10_000, capBytes: 1024, input: Buffer.from('hello') });
  assert.equal(echoed.stdout.toString(), 'hello');
  assert.equal(echoed.exitCode, 0);

  const missing = await runCaptured('/no/such/program', [], { env, timeoutMs: 1_000, capBytes: 1024 });
  assert.equal(missing.spawnError?.code, 'ENOENT');
});

test('output is capped, the tail of stderr kept, and an endless printer stopped', { timeout: 20_000 }, async () => {
  const r = await runCaptured('/bin/sh', ['-c', 'yes x | head -c 100000 >&2; echo END >&2'], {
    env,
    timeoutMs: 10_000,
    capBytes: 1000,
    stderrTailBytes: 100,
  });
  assert.equal(r.stderrTruncated, true);
  assert.ok(r.stderr.length <= 1000);
  assert.match(r.stderrTail.toString(), /END\n$/);
  assert.match(r.stderr.toString(), /bytes omitted/);

  const endless = await runCaptured('/usr/bin/yes', [], { env, timeoutMs: 10_000, capBytes: 1000, killAfterBytes: 1_000_000 });
  assert.equal(endless.outputLimitHit, true);
  assert.equal(endless.timedOut, false);
});
