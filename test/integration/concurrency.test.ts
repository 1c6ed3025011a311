/**
 * Several processes on one home: two long-running servers search while two CLI processes distill, both into one
 * shared library (different repositories in turn) and each into its own. Nothing may fail, the index must hold
 * each block once, exactly the blocks the files hold, and the servers must serve the last write without a restart.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runStress } from '../helpers/stress.js';
import { tempDir } from '../helpers/tmp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

test('two searching servers and two distilling processes on one home: no error, no duplicate, the last write served', { timeout: 600_000 }, async () => {
  const report = await runStress({
    home: tempDir(),
    cli: path.join(root, 'dist', 'cli', 'main.js'),
    sources: [path.join(root, 'test', 'fixtures', 'flowcalc'), path.join(root, 'test', 'fixtures', 'kinetix')],
    sharedName: 'shared',
    searchers: 2,
    distillers: 2,
    rounds: 3,
    queries: ['friction factor of a pipe', 'reaction rate constant', 'pressure drop', 'half life'],
  });
  assert.deepEqual(report.distillErrors, []);
  assert.deepEqual(report.searchErrors, []);
  assert.equal(report.distills, 2 * 4);
  assert.ok(report.searches > 0);
  assert.equal(report.distinctIds, report.rows, 'no block is indexed twice');
  assert.equal(report.rows, report.fileBlocks, 'the index holds what the library files hold');
  assert.ok(report.searchersSeeLastWrite, 'each server serves the shared library as last written');
});
