import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planChunks } from '../../src/validate/batch/chunks.js';

const sizes = (chunks: number[][]) => chunks.map((c) => c.length);
const totals = (chunks: number[][], ms: number[]) => chunks.map((c) => c.reduce((t, i) => t + ms[i]!, 0));

test('a few snippets still fill every worker, and many are cut to the chunk size', () => {
  const few = planChunks(Array.from({ length: 24 }, () => ({})), 50, 2);
  assert.deepEqual(sizes(few), [12, 12], 'two dozen re-runs on a two-core machine: two sandboxes, not one');
  assert.deepEqual(few[0]!.slice(0, 3), [0, 2, 4], 'without durations, in turn');
  assert.deepEqual(sizes(planChunks([{}], 50, 4)), [1], 'never an empty sandbox');
  assert.deepEqual(sizes(planChunks(Array.from({ length: 120 }, () => ({})), 50, 2)), [40, 40, 40]);
  assert.deepEqual(planChunks([], 50, 2), []);
  const all = planChunks(Array.from({ length: 101 }, () => ({})), 50, 2).flat().sort((a, b) => a - b);
  assert.deepEqual(all, [...Array(101).keys()], 'each snippet exactly once');
});

test('with the durations of their last runs, the sandboxes finish together and the busiest starts first', () => {
  // One slow notebook among quick doctests: taken in turn, one sandbox would hold it and half the rest.
  const ms = [4000, ...Array.from({ length: 23 }, () => 200)];
  const chunks = planChunks(ms.map((expectedMs) => ({ expectedMs })), 50, 2);
  assert.ok(chunks[0]!.includes(0), 'the sandbox with the notebook starts first');
  assert.ok(chunks[0]!.length <= 3, 'beside it a doctest or two; the other sandbox takes the rest');
  const [a, b] = totals(chunks, ms);
  assert.ok(Math.abs(a! - b!) <= 200, `balanced: ${a} vs ${b}`);
  assert.ok(a! >= b!, 'the busiest first');
  for (const c of chunks) assert.deepEqual(c, [...c].sort((x, y) => x - y), 'each in its original order');
});

test('a snippet not run before is taken as a typical one, and no chunk passes the size', () => {
  const ms = [1000, 1000, undefined, undefined, 10, 10];
  const chunks = planChunks(ms.map((expectedMs) => ({ expectedMs })), 2, 2);
  assert.deepEqual(sizes(chunks), [2, 2, 2]);
  assert.ok(chunks.every((c) => !(c.includes(0) && c.includes(1))), 'the two slow ones apart');
});
