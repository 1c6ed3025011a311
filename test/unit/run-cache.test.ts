import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { RunRecord } from '../../src/domain/validation.js';
import { memoryContentCache } from '../../src/kernel/content-cache.js';
import { cachingRunner } from '../../src/validate/run-cache.js';
import type { RunRequest, Runner } from '../../src/validate/types.js';
import { tempDir } from '../helpers/tmp.js';

const record = (status: RunRecord['status'], stdout: string): RunRecord => ({
  status,
  exitCode: status === 'passed' ? 0 : 1,
  durationMs: 1,
  stdout,
  stderr: '',
  error: null,
  message: status,
  sandbox: 'none',
  ranAt: '2026-01-01T00:00:00Z',
});

/** A runner that prints where it ran and fails or times out on request, counting what reaches it. */
function fakeRunner(seen: string[]): Runner {
  const run = async (r: RunRequest) => {
    seen.push(r.code);
    const status = r.code.includes('sleep') ? 'timeout' : r.code.includes('raise') ? 'failed' : 'passed';
    return record(status, `ran in ${r.layout?.root ?? '-'}/${r.layout?.dir ?? ''}\n`);
  };
  return {
    info: async () => ({ sandbox: 'none', interpreter: 'python3', available: true, reason: null }),
    run,
    runBatch: async (reqs, opts) => {
      const out: RunRecord[] = [];
      for (const [i, r] of reqs.entries()) {
        out.push(await run(r));
        opts.onResult?.(i, out[i]!);
      }
      return out;
    },
  };
}

test('runs are reused when the request, the context and the files beside it it imports or reads are unchanged', async () => {
  const cache = memoryContentCache();
  const seen: string[] = [];
  const layoutIn = (root: string) => (dir: string) => ({ root, dir, cwd: '' });
  const first = tempDir();
  mkdirSync(path.join(first, 'tests'));
  writeFileSync(path.join(first, 'tests', 'helper.py'), 'X = 1\n');
  writeFileSync(path.join(first, 'tests', 'test_other.py'), 'def test(): pass\n');
  writeFileSync(path.join(first, 'tests', 'table.csv'), 'a,b\n');
  const reqs = (root: string): RunRequest[] => [
    { code: 'import helper\nprint(helper.X)\n', layout: layoutIn(root)('tests') },
    { code: 'print(1)\n', layout: layoutIn(root)('tests') },
    { code: 'raise ValueError\n' },
    { code: 'import time\ntime.sleep(99)\n' },
  ];
  const batch = async (root: string, context = 'c1') => {
    const r = cachingRunner(fakeRunner(seen), { cache, context, root });
    const got: RunRecord[] = [];
    const recs = await r.runBatch!(reqs(root), { importRoots: [path.join(root, 'src')], preload: [], onResult: (i, rec) => (got[i] = rec) });
    assert.deepEqual(got, recs, 'every record is also reported through onResult');
    return { recs, stats: r.stats };
  };

  const a = await batch(first);
  assert.deepEqual(a.stats, { reused: 0, ran: 4, reusedTimeouts: 0, traced: 0 });

  // The same snapshot staged in another folder: everything is reused (the timeout too, under the same budget), the folder put back.
  const second = tempDir();
  mkdirSync(path.join(second, 'tests'));
  writeFileSync(path.join(second, 'tests', 'helper.py'), 'X = 1\n');
  writeFileSync(path.join(second, 'tests', 'test_other.py'), 'def test(): pass  # edited\n');
  writeFileSync(path.join(second, 'tests', 'table.csv'), 'a,b\n');
  seen.length = 0;
  const b = await batch(second);
  assert.deepEqual(seen, [], 'another test file beside them changed nothing');
  assert.deepEqual(b.stats, { reused: 4, ran: 0, reusedTimeouts: 1, traced: 0 });
  assert.equal(b.recs[0]!.stdout, `ran in ${second}/tests\n`);
  assert.equal(b.recs[2]!.status, 'failed');
  assert.equal(b.recs[3]!.status, 'timeout');

  // A helper the example imports, or a data file beside it, changed: the examples laid out there run again.
  writeFileSync(path.join(second, 'tests', 'helper.py'), 'X = 2\n');
  seen.length = 0;
  await batch(second);
  assert.deepEqual(seen, ['import helper\nprint(helper.X)\n']);
  writeFileSync(path.join(second, 'tests', 'table.csv'), 'a,b,c\n');
  seen.length = 0;
  await batch(second);
  assert.equal(seen.length, 2);

  // Another context (environment, package content, code version): nothing is reused.
  seen.length = 0;
  const c = await batch(second, 'c2');
  assert.deepEqual(c.stats, { reused: 0, ran: 4, reusedTimeouts: 0, traced: 0 });
});

test('an environment made again under another key: its runs are reused, its folder put back in what they say', async () => {
  const cache = memoryContentCache();
  const seen: string[] = [];
  const inner = fakeRunner(seen);
  const tracing: Runner = { ...inner, run: async (r) => ({ ...(await inner.run(r)), stderr: `File "${r.python}/../lib/x.py"` }) };
  const runIn = async (env: string) => {
    const r = cachingRunner(tracing, { cache, context: 'lock-1', root: '/snap', python: `${env}/bin/python`, environmentDir: env });
    return { rec: await r.run({ code: 'print(1)\n', python: `${env}/bin/python` }), stats: r.stats };
  };
  const a = await runIn('/envs/aaa');
  const b = await runIn('/envs/bbb');
  assert.deepEqual(b.stats, { reused: 1, ran: 0, reusedTimeouts: 0, traced: 0 });
  assert.equal(a.rec.stderr, 'File "/envs/aaa/bin/python/../lib/x.py"');
  assert.equal(b.rec.stderr, 'File "/envs/bbb/bin/python/../lib/x.py"');
  // A request naming an interpreter of its own is keyed by it.
  const r = cachingRunner(tracing, { cache, context: 'lock-1', root: '/snap', python: '/envs/bbb/bin/python' });
  await r.run({ code: 'print(1)\n', python: '/usr/bin/python3' });
  assert.deepEqual(r.stats, { reused: 0, ran: 1, reusedTimeouts: 0, traced: 0 });
});

test('a run skipped for a missing dependency is kept only where the context holds an environment lock (keepSkipped)', async () => {
  const skipped = (seen: string[]): Runner => ({
    info: async () => ({ sandbox: 'none', interpreter: 'python3', available: true, reason: null }),
    run: async (r) => {
      seen.push(r.code);
      return { ...record('skipped', ''), skipReason: 'missing_dependency', missingModule: 'corner' };
    },
  });
  const code = 'import corner\n';
  for (const keepSkipped of [true, false]) {
    const cache = memoryContentCache();
    const seen: string[] = [];
    const root = tempDir();
    for (let i = 0; i < 2; i++) await cachingRunner(skipped(seen), { cache, context: 'lock-1', root, keepSkipped }).run({ code });
    // In an environment, installing corner would change its lock (another context): the skip is a fact of this one.
    assert.equal(seen.length, keepSkipped ? 1 : 2, `keepSkipped ${keepSkipped}`);
  }
});
