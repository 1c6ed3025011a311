import assert from 'node:assert/strict';
import { test } from 'node:test';
import { annTypeFor, IVF_FROM_ROWS } from '../../src/search/sync.js';

test('the approximate index is HNSW_SQ for a home of ordinary size and IVF_PQ where memory decides', () => {
  assert.equal(annTypeFor('auto', 10_000), 'hnsw_sq');
  assert.equal(annTypeFor('auto', IVF_FROM_ROWS - 1), 'hnsw_sq');
  assert.equal(annTypeFor('auto', IVF_FROM_ROWS), 'ivf_pq');
  assert.equal(annTypeFor('auto', 1_000_000), 'ivf_pq');
  // A type asked for is kept whatever the size.
  assert.equal(annTypeFor('hnsw_sq', 1_000_000), 'hnsw_sq');
  assert.equal(annTypeFor('ivf_pq', 20_000), 'ivf_pq');
});
