import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isCodedistillError } from '../../src/kernel/errors.js';
import { createParser } from '../../src/parse/parser.js';
import { createParsePool } from '../../src/parse/pool.js';
import type { CodeParser, ParseJob } from '../../src/parse/types.js';

const file = (k: number): ParseJob => ({
  relPath: `pkg/m${k}.py`,
  source: `"""Module ${k}."""\nimport numpy as np\n\n\ndef f${k}(x, y=${k}):\n    """Add ${k}."""\n    return np.add(x, y)\n\n\nclass C${k}(Base):\n    def m(self, z):\n        return helper(z) + ${'1 + '.repeat(k * 50)}0\n`,
  importRoots: [''],
});

describe('parsing on worker threads', () => {
  let here: CodeParser;
  let pooled: CodeParser;
  before(async () => {
    here = await createParser();
    // minChars 0: the worker starts however little there is to parse.
    pooled = await createParser({ workers: 2, minChars: 0 });
  });
  after(async () => {
    await pooled.close?.();
  });

  test('the workers give what this thread gives, in the order the files were given', async () => {
    const jobs = Array.from({ length: 30 }, (_, k) => file(k));
    jobs.splice(7, 0, { relPath: 'pkg/broken.py', source: 'def ok():\n    return 1\n\ndef bad(:\n    pass\n', importRoots: [''] });
    const outcomes = await pooled.parseAll!(jobs);
    assert.equal(outcomes.length, jobs.length);
    for (const [i, job] of jobs.entries()) {
      assert.deepEqual(outcomes[i]!.parsed, here.parse(job.relPath, job.source, job.importRoots), job.relPath);
    }
    assert.ok(outcomes[7]!.parsed!.errors.length > 0, 'a syntax error is reported in the file, not thrown');
  });

  test('started workers take files: this thread parses only some of them', async () => {
    let here1 = 0;
    const pool = createParsePool(
      (j) => {
        here1++;
        return here.parse(j.relPath, j.source, j.importRoots);
      },
      { workers: 1 },
    );
    try {
      assert.equal(await pool.start(), 1);
      const jobs = Array.from({ length: 12 }, (_, k) => file(k));
      const outcomes = await pool.parseAll(jobs);
      assert.ok(here1 < jobs.length, `this thread parsed ${here1} of ${jobs.length}`);
      for (const [i, job] of jobs.entries()) assert.deepEqual(outcomes[i]!.parsed, here.parse(job.relPath, job.source, job.importRoots));
    } finally {
      await pool.close();
    }
  });

  test('a file that fails to parse is that file alone: the error as this thread would throw it, the others parsed', async () => {
    const jobs = [file(1), { relPath: 'notes.txt', source: 'not code', importRoots: [''] }, file(2), file(3)];
    const outcomes = await pooled.parseAll!(jobs);
    assert.equal(outcomes[0]!.parsed!.symbols[0]!.name, 'f1');
    const err = outcomes[1]!.error;
    assert.ok(isCodedistillError(err));
    assert.equal(err.code, 'invalid_input');
    assert.throws(() => here.parse('notes.txt', 'not code', ['']), (e: unknown) => isCodedistillError(e) && e.message === err.message && e.hint === err.hint);
    assert.deepEqual(outcomes.slice(2).map((o) => o.parsed!.symbols[0]!.name), ['f2', 'f3']);
  });

  test('a worker that cannot start leaves the files to this thread', async () => {
    const pool = createParsePool((j) => here.parse(j.relPath, j.source, j.importRoots), {
      workers: 1,
      minChars: 0,
      workerUrl: new URL('data:text/javascript,throw new Error("no worker here")'),
    });
    try {
      const jobs = [file(4), file(5), file(6)];
      const outcomes = await pool.parseAll(jobs);
      assert.deepEqual(outcomes.map((o) => o.parsed!.symbols[0]!.name), ['f4', 'f5', 'f6']);
    } finally {
      await pool.close();
    }
  });

  test('below the size threshold nothing starts a worker, and an empty list is an empty answer', async () => {
    const small = await createParser({ workers: 1 });
    assert.deepEqual(await small.parseAll!([]), []);
    const outcomes = await small.parseAll!([file(1), file(2)]);
    assert.deepEqual(outcomes.map((o) => o.parsed!.symbols[0]!.name), ['f1', 'f2']);
    await small.close?.();
  });
});
