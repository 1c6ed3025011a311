import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HASHING_DIM, HASHING_ID, HashingEmbedder } from '../../src/search/hashing.js';

const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const norm = (a: Float32Array) => Math.sqrt(cos(a, a));

test('hashing embedder identity', () => {
  const e = new HashingEmbedder();
  assert.equal(e.id, HASHING_ID);
  assert.equal(e.id, 'hashing-v1-384');
  assert.equal(e.dim, HASHING_DIM);
  assert.equal(e.neural, false);
});

test('vectors are deterministic, 384-dim and unit length', async () => {
  const e = new HashingEmbedder();
  const [a, b] = await e.embed(['Pressure drop through a packed bed', 'Pressure drop through a packed bed']);
  assert.equal(a!.length, 384);
  assert.ok(Math.abs(norm(a!) - 1) < 1e-5);
  assert.deepEqual(Array.from(a!), Array.from(b!));
  // Same input in a fresh instance: the index must agree across processes and machines.
  const [c] = await new HashingEmbedder().embed(['Pressure drop through a packed bed']);
  assert.deepEqual(Array.from(a!), Array.from(c!));
});

test('related texts are closer than unrelated ones', async () => {
  const e = new HashingEmbedder();
  const [doc, near, far] = await e.embed([
    'ergun_pressure_drop: pressure drop through a packed bed of particles',
    'pressure loss across a packed bed',
    'fast fourier transform of a noisy signal',
  ]);
  assert.ok(cos(doc!, near!) > cos(doc!, far!) + 0.2, `${cos(doc!, near!)} vs ${cos(doc!, far!)}`);
});

test('character trigrams relate partial identifiers', async () => {
  const e = new HashingEmbedder();
  const [full, partial, other] = await e.embed(['interpolate', 'interp', 'decay']);
  assert.ok(cos(full!, partial!) > 0.3, String(cos(full!, partial!)));
  assert.ok(cos(full!, partial!) > cos(full!, other!));
});

test('empty or stop-word-only text still yields a unit vector (cosine search rejects zeros)', async () => {
  const e = new HashingEmbedder();
  for (const v of await e.embed(['', 'the of and', '!!!'])) {
    assert.ok(Math.abs(norm(v) - 1) < 1e-5);
  }
});

test('other dimensions are named by their size', () => {
  const e = new HashingEmbedder(128);
  assert.equal(e.id, 'hashing-v1-128');
  assert.equal(e.dim, 128);
});
