import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { contentKey, fileContentCache, versionedContentCache } from '../../src/kernel/content-cache.js';
import { tempDir } from '../helpers/tmp.js';

test('content keys tell their parts apart; entries round-trip; a missing or broken entry is a miss', async () => {
  assert.notEqual(contentKey('ab', 'c'), contentKey('a', 'bc'));
  assert.equal(contentKey('a', 'b'), contentKey('a', 'b'));
  const dir = tempDir();
  const cache = fileContentCache(dir);
  const value = { symbols: [{ name: 'f' }], note: null };
  await cache.put('parsed', contentKey('x'), value);
  value.symbols.push({ name: 'changed after put' });
  assert.deepEqual(await cache.get('parsed', contentKey('x')), { symbols: [{ name: 'f' }], note: null });
  assert.equal(await cache.get('parsed', contentKey('y')), undefined);
});

test('a versioned cache keeps this version and the most recently used other one', async () => {
  const parent = tempDir();
  const day = 24 * 3600;
  for (const [name, age] of [['v1', 3], ['v2', 2], ['v3', 1]] as const) {
    mkdirSync(path.join(parent, name));
    const t = Date.now() / 1000 - age * day;
    utimesSync(path.join(parent, name), t, t);
  }
  const cache = await versionedContentCache(parent, 'v4');
  await cache.put('runs', contentKey('r'), { ok: true });
  assert.deepEqual(readdirSync(parent).sort(), ['v3', 'v4']);
  assert.ok(existsSync(path.join(parent, 'v4', 'runs')));
  // Going back to v3 keeps v4, the one used last.
  await versionedContentCache(parent, 'v3');
  assert.deepEqual(readdirSync(parent).sort(), ['v3', 'v4']);
});
