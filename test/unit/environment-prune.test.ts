/** Which environments `codedistill env --prune` removes (environment/prune.ts), on an envs folder laid out by hand. */
import assert from 'node:assert/strict';
import { existsSync, linkSync, mkdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PRUNE_MIN_AGE_MS, removeEnvironments, unusedEnvironments } from '../../src/environment/prune.js';
import { tempDir } from '../helpers/tmp.js';

const NOW = Date.parse('2026-12-04T12:00:00Z');
const OLD = new Date(NOW - 2 * PRUNE_MIN_AGE_MS).toISOString();
const key = (c: string) => c.repeat(24);

function env(envs: string, k: string, record: Record<string, unknown> | null, bytes = 10): string {
  const dir = path.join(envs, k);
  mkdirSync(path.join(dir, 'venv'), { recursive: true });
  writeFileSync(path.join(dir, 'venv', 'big.bin'), 'x'.repeat(bytes));
  if (record) writeFileSync(path.join(dir, 'environment.json'), JSON.stringify({ key: k, ...record }));
  return dir;
}

test('kept: named by a library, copied from by one, being built, made within the hour; the rest are unused, oldest first', async () => {
  const envs = tempDir('cd-prune-');
  env(envs, key('a'), { builtAt: OLD }); // the library's
  env(envs, key('b'), { builtAt: OLD }); // what a was copied from
  env(envs, key('c'), { builtAt: new Date(NOW - 60_000).toISOString() }); // just made: a distill may be validating in it
  env(envs, key('d'), { builtAt: OLD }); // being built again
  mkdirSync(path.join(envs, `${key('d')}.building.lock`));
  env(envs, key('e'), { builtAt: new Date(NOW - 3 * PRUNE_MIN_AGE_MS).toISOString() }, 100); // an earlier edit's copy
  const dead = env(envs, key('f'), null); // a build that died before its record
  utimesSync(dead, new Date(OLD), new Date(OLD));
  writeFileSync(path.join(envs, key('a'), 'environment.json'), JSON.stringify({ key: key('a'), builtAt: OLD, derivedFrom: key('b') }));
  // A file e shares with a (a copy's hard link) is not what removing e frees.
  linkSync(path.join(envs, key('a'), 'venv', 'big.bin'), path.join(envs, key('e'), 'venv', 'shared.bin'));

  const unused = await unusedEnvironments(envs, [key('a')], { now: NOW });
  assert.deepEqual(unused.map((u) => u.key), [key('e'), key('f')]);
  assert.equal(unused[0]!.bytes, 100 + statSync(path.join(envs, key('e'), 'environment.json')).size, 'its own files, not the shared one');
  const done = await removeEnvironments(unused);
  assert.deepEqual(done, { removed: [key('e'), key('f')], failed: [] });
  for (const k of 'abcd') assert.equal(existsSync(path.join(envs, key(k))), true, k);
  assert.equal(existsSync(path.join(envs, key('e'))), false);
});

test('no envs folder: nothing to prune', async () => {
  assert.deepEqual(await unusedEnvironments(path.join(tempDir('cd-prune-none-'), 'envs'), []), []);
});
