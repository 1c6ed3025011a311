import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isCodedistillError } from '../../src/kernel/errors.js';
import { createLimiter, pool } from '../../src/kernel/pool.js';

const tick = () => new Promise<void>((r) => setImmediate(r));

/** Tasks that record how many run at once and finish when released, in any order the test picks. */
function gated(n: number) {
  let running = 0;
  let peak = 0;
  const started: number[] = [];
  const release: Array<(v?: unknown) => void> = [];
  const fail: Array<(e: unknown) => void> = [];
  const tasks = Array.from({ length: n }, (_, i) => () => {
    started.push(i);
    running++;
    peak = Math.max(peak, running);
    return new Promise<number>((resolve, reject) => {
      release[i] = () => {
        running--;
        resolve(i * 10);
      };
      fail[i] = (e) => {
        running--;
        reject(e);
      };
    });
  });
  return { tasks, started, release, fail, peak: () => peak };
}

describe('pool', () => {
  test('keeps at most width in flight, starts in order, and reports results in task order', async () => {
    const g = gated(5);
    const done = pool(g.tasks, 2);
    await tick();
    assert.deepEqual(g.started, [0, 1]);
    g.release[1]!();
    await tick();
    assert.deepEqual(g.started, [0, 1, 2]);
    g.fail[0]!(new Error('boom'));
    await tick();
    for (const i of [2, 3, 4]) {
      await tick();
      g.release[i]!();
    }
    const settled = await done;
    assert.equal(g.peak(), 2);
    assert.deepEqual(
      settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message)),
      ['boom', 10, 20, 30, 40],
    );
  });

  test('an empty list settles at once; a width below one still runs', async () => {
    assert.deepEqual(await pool([], 4), []);
    const settled = await pool([async () => 1, async () => 2], 0);
    assert.deepEqual(settled, [
      { status: 'fulfilled', value: 1 },
      { status: 'fulfilled', value: 2 },
    ]);
  });

  test('a task that throws before returning a promise is a rejection, not a crash', async () => {
    const settled = await pool<number>([() => { throw new Error('sync'); }, async () => 2], 1);
    assert.equal(settled[0]?.status, 'rejected');
    assert.deepEqual(settled[1], { status: 'fulfilled', value: 2 });
  });

  test('stopOnFailure starts nothing after a failure; the unstarted tasks are cancelled', async () => {
    const g = gated(4);
    const done = pool(g.tasks, 2, { stopOnFailure: true });
    await tick();
    g.fail[0]!(new Error('first'));
    await tick();
    g.release[1]!();
    const settled = await done;
    assert.deepEqual(g.started, [0, 1]);
    assert.equal((settled[0] as PromiseRejectedResult).reason.message, 'first');
    assert.deepEqual(settled[1], { status: 'fulfilled', value: 10 });
    for (const s of settled.slice(2)) assert.ok(s.status === 'rejected' && isCodedistillError(s.reason) && s.reason.code === 'cancelled');
  });

  test('without stopOnFailure every task runs despite failures', async () => {
    const settled = await pool([async () => { throw new Error('x'); }, async () => 1, async () => 2], 1);
    assert.deepEqual(settled.map((s) => s.status), ['rejected', 'fulfilled', 'fulfilled']);
  });

  test('an abort starts nothing more; tasks in flight finish', async () => {
    const ac = new AbortController();
    const g = gated(4);
    const done = pool(g.tasks, 2, { signal: ac.signal });
    await tick();
    ac.abort();
    g.release[0]!();
    g.release[1]!();
    const settled = await done;
    assert.deepEqual(g.started, [0, 1]);
    assert.deepEqual(settled.slice(0, 2), [
      { status: 'fulfilled', value: 0 },
      { status: 'fulfilled', value: 10 },
    ]);
    for (const s of settled.slice(2)) assert.ok(s.status === 'rejected' && isCodedistillError(s.reason) && s.reason.code === 'cancelled');
  });
});

describe('createLimiter', () => {
  test('runs at most max calls at once, the rest first come first served', async () => {
    const limit = createLimiter(2);
    const g = gated(4);
    const calls = g.tasks.map((t) => limit(t));
    await tick();
    assert.deepEqual(g.started, [0, 1]);
    g.release[1]!();
    await tick();
    assert.deepEqual(g.started, [0, 1, 2]);
    g.release[0]!();
    await tick();
    g.release[2]!();
    await tick();
    g.release[3]!();
    assert.deepEqual(await Promise.all(calls), [0, 10, 20, 30]);
    assert.equal(g.peak(), 2);
  });

  test('a failing call frees its slot', async () => {
    const limit = createLimiter(1);
    await assert.rejects(limit(async () => { throw new Error('no'); }), /no/);
    assert.equal(await limit(async () => 7), 7);
  });

  test('an aborted waiter leaves the queue without taking a slot; an aborted signal refuses at once', async () => {
    const limit = createLimiter(1);
    const g = gated(3);
    const ac = new AbortController();
    const first = limit(g.tasks[0]!);
    const waiter = limit(g.tasks[1]!, ac.signal);
    const third = limit(g.tasks[2]!);
    await tick();
    ac.abort();
    await assert.rejects(waiter, (e: unknown) => isCodedistillError(e) && e.code === 'cancelled');
    await assert.rejects(limit(async () => 1, ac.signal), (e: unknown) => isCodedistillError(e) && e.code === 'cancelled');
    g.release[0]!();
    await first;
    await tick();
    assert.deepEqual(g.started, [0, 2]);
    g.release[2]!();
    assert.equal(await third, 20);
  });
});
