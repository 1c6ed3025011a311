import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { withBuildLock } from '../../src/environment/build-lock.js';
import { tempDir } from '../helpers/tmp.js';

test('two builds of one environment run one after the other', async () => {
  const dir = path.join(tempDir(), 'envs', 'k1');
  const order: string[] = [];
  const job = (name: string) => async () => {
    order.push(`${name} start`);
    await new Promise((r) => setTimeout(r, 50));
    order.push(`${name} end`);
  };
  await Promise.all([withBuildLock(dir, 60_000, job('a')), withBuildLock(dir, 60_000, job('b'))]);
  // Which one takes the lock first is the scheduler's choice; that the other waits for it to end is the lock's.
  const [first, second] = order[0] === 'a start' ? ['a', 'b'] : ['b', 'a'];
  assert.deepEqual(order, [`${first} start`, `${first} end`, `${second} start`, `${second} end`]);
});

test('a lock left by a process that is gone is taken over', async () => {
  const dir = path.join(tempDir(), 'envs', 'k2');
  mkdirSync(`${dir}.building`, { recursive: true });
  // A pid no process has: pids are below 2^22 on Linux.
  writeFileSync(path.join(`${dir}.building`, 'pid'), String(2 ** 22 + 7));
  assert.equal(await withBuildLock(dir, 60_000, async () => 'built'), 'built');
});
