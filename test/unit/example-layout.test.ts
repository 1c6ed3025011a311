import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Example } from '../../src/domain/block.js';
import { exampleLayout } from '../../src/validate/block-runs.js';

const ex = (source: Example['source'], p: string, code: string): Example => ({ code, source, path: p, startLine: 1, expectedOutput: null, run: null });

test('a test runs from the repository root unless it opens files by names relative to its own folder', () => {
  const files = new Set(['/lib/tests/test.mgf', '/lib/data.csv', '/lib/tests/data.csv']);
  const exists = (p: string) => files.has(p);
  const reader = ex('test', 'tests/test_mgf.py', "from pkg import mgf\nwith mgf.MGF('test.mgf') as f:\n    assert len(list(f)) == 3\n");
  assert.deepEqual(exampleLayout(reader, '/lib', exists), { root: '/lib', dir: 'tests', cwd: 'tests' });
  // A name that is at the root too is what pytest's rootdir gives it already.
  const rooted = ex('test', 'tests/test_io.py', "import pkg\npkg.load('data.csv')\n");
  assert.deepEqual(exampleLayout(rooted, '/lib', exists), { root: '/lib', dir: 'tests', cwd: '' });
  const plain = ex('test', 'tests/test_core.py', "import pkg\nassert pkg.f('x') == 1\n");
  assert.deepEqual(exampleLayout(plain, '/lib', exists), { root: '/lib', dir: 'tests', cwd: '' });
  assert.deepEqual(exampleLayout(ex('script', 'examples/a.py', 'print(1)\n'), '/lib', exists), { root: '/lib', dir: 'examples', cwd: 'examples' });
  assert.equal(exampleLayout(ex('generated', 'x.py', 'print(1)\n'), '/lib', exists), undefined);
});
