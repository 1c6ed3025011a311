import assert from 'node:assert/strict';
import { mkdirSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { tryLock, withLock } from '../../src/kernel/lock.js';
import { tempDir } from '../helpers/tmp.js';

test('two holders of one lock run one after the other', async () => {
  const file = path.join(tempDir(), 'home', 'write');
  const order: string[] = [];
  const job = (name: string) => async () => {
    order.push(`${name} start`);
    await new Promise((r) => setTimeout(r, 50));
    order.push(`${name} end`);
  };
  await Promise.all([withLock(file, job('a')), withLock(file, job('b'))]);
  // Which one takes the lock first is the scheduler's choice; that the other waits for it to end is the lock's.
  const [first, second] = order[0] === 'a start' ? ['a', 'b'] : ['b', 'a'];
  assert.deepEqual(order, [`${first} start`, `${first} end`, `${second} start`, `${second} end`]);
});

test('a lock nobody refreshes (its process was killed) is taken over', async () => {
  const file = path.join(tempDir(), 'stale');
  mkdirSync(`${file}.lock`);
  const old = new Date(Date.now() - 60_000);
  utimesSync(`${file}.lock`, old, old);
  assert.equal(await withLock(file, async () => 'got it', { staleMs: 5000 }), 'got it');
});

test('a lock held by a live holder is refused to tryLock and released after the work, even when it throws', async () => {
  const file = path.join(tempDir(), 'held');
  await assert.rejects(
    withLock(file, async () => {
      assert.equal(await tryLock(file), null);
      throw new Error('work failed');
    }),
    /work failed/,
  );
  const release = await tryLock(file);
  assert.ok(release, 'the lock is free again');
  await release!();
});

test('a waiter gives up with a busy error, or a cancelled one when its signal aborts', async () => {
  const file = path.join(tempDir(), 'busy');
  const release = await tryLock(file);
  assert.ok(release);
  let waited = 0;
  await assert.rejects(withLock(file, async () => 1, { maxWaitMs: 300, onWait: () => waited++ }), (e: { code?: string }) => e.code === 'busy');
  assert.equal(waited, 1);
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 100);
  await assert.rejects(withLock(file, async () => 1, { signal: ac.signal }), (e: { code?: string }) => e.code === 'cancelled');
  await release!();
});

test('a lock whose holder on this machine is gone is taken over at once, not after it goes stale', async () => {
  const file = path.join(tempDir(), 'killed');
  mkdirSync(`${file}.lock`);
  // What a holder killed without releasing leaves: its folder, fresh, and its note, naming a pid no process has.
  const { statSync, writeFileSync } = await import('node:fs');
  const { hostname } = await import('node:os');
  writeFileSync(`${file}.owner`, JSON.stringify({ host: hostname(), pid: 2 ** 22 + 3, ino: statSync(`${file}.lock`).ino }));
  const release = await tryLock(file, { staleMs: 60_000 });
  assert.ok(release, 'taken over');
  await release!();
  // A fresh lock of a live holder is not.
  const mine = await tryLock(file, { staleMs: 60_000 });
  assert.ok(mine);
  assert.equal(await tryLock(file, { staleMs: 60_000 }), null);
  await mine!();
});
