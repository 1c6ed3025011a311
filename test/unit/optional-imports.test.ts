import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { namesNoneWhenImportFails } from '../../src/python/optional-imports.js';
import { environmentSkip } from '../../src/validate/classify.js';

const GUARDED = [
  'import numpy as np',
  'try:',
  '    import algopy',
  '    from algopy import UTPM, Num',
  'except ImportError:  # optional',
  '    UTPM = algopy = None',
  'try:',
  '    import statsmodels',
  'except ValueError:',
  '    statsmodels = None',
  '',
  'def hessian(f, x):',
  '    return UTPM.init_hessian(x)',
  '',
].join('\n');

test('the names a failed optional import leaves bound to None', () => {
  assert.deepEqual(Object.fromEntries(namesNoneWhenImportFails(GUARDED)), { UTPM: 'algopy', algopy: 'algopy' });
  assert.equal(namesNoneWhenImportFails('try:\n    import a\nexcept ImportError:\n    raise\n').size, 0);
  assert.deepEqual(Object.fromEntries(namesNoneWhenImportFails('try:\n    import b.c as bc\nexcept:\n    bc = None\n')), { bc: 'b.c' });
});

test('using such a name while its package is missing is a missing optional dependency, not a failure', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cd-optional-'));
  const file = path.join(dir, 'nd_algopy.py');
  await writeFile(file, GUARDED);
  const stderr = [
    'Traceback (most recent call last):',
    '  File "/sandbox/snippet.py", line 2, in <module>',
    '    hessian(f, 1.0)',
    `  File "${file}", line 13, in hessian`,
    '    return UTPM.init_hessian(x)',
    "AttributeError: 'NoneType' object has no attribute 'init_hessian'",
    '',
  ].join('\n');
  const error = { type: 'AttributeError', message: "'NoneType' object has no attribute 'init_hessian'", line: 2 };
  const skip = environmentSkip(error, stderr, { isInstalled: (n) => n === 'numpy' });
  assert.equal(skip?.reason, 'optional_extra');
  assert.equal(skip?.module, 'algopy');
  assert.match(skip!.message, /sets UTPM to None when its import fails/);
  // Installed: then the None is the code's own doing.
  assert.equal(environmentSkip(error, stderr, { isInstalled: () => true }), null);
  // Another None on that line is not the guarded import's.
  const other = stderr.replace(`line 13`, 'line 1');
  assert.equal(environmentSkip(error, other, { isInstalled: (n) => n === 'numpy' }), null);
});
