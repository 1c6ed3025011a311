import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { silentLogger } from '../../src/kernel/log.js';
import { createPythonRunner } from '../../src/validate/runner.js';
import { detectBubblewrap } from '../../src/validate/sandbox/detect.js';
import { runnerServices, testRunnerConfig } from '../helpers/runner.js';

// Real runs of the failures that are the environment's: the record says skipped and why, from real tracebacks.
const tmp = await mkdtemp(path.join(os.tmpdir(), 'cd-skip-test-'));
after(() => rm(tmp, { recursive: true, force: true }));
const bwrap = await detectBubblewrap();
const runner = createPythonRunner(
  testRunnerConfig(bwrap.available, tmp),
  silentLogger,
  runnerServices,
);

test('an optional package the library guards is an optional extra; the guard called from the snippet itself is not', async () => {
  const root = path.join(tmp, 'root');
  await mkdir(path.join(root, 'guarded'), { recursive: true });
  await writeFile(
    path.join(root, 'guarded', '__init__.py'),
    'try:\n    import codedistill_absent_solver as cvx\nexcept ImportError:\n    cvx = None\n\n' +
      'def solve():\n    if cvx is None:\n        raise ModuleNotFoundError("codedistill_absent_solver required for solve")\n    return cvx.run()\n',
  );
  const rec = await runner.run({ code: 'import guarded\nguarded.solve()\n', importRoots: [root] });
  assert.equal(rec.status, 'skipped', rec.stderr);
  assert.equal(rec.skipReason, 'optional_extra');
  assert.equal(rec.missingModule, 'codedistill_absent_solver');
  const own = await runner.run({ code: 'raise ValueError("bad input")\n' });
  assert.equal(own.status, 'failed');
  assert.equal(own.skipReason ?? null, null);
});

test('a data file the code reads relative to its folder is a data_file skip naming the path', async () => {
  const rec = await runner.run({ code: 'open("data/codedistill-absent.csv").read()\n' });
  assert.equal(rec.status, 'skipped', rec.stderr);
  assert.equal(rec.skipReason, 'data_file');
  assert.match(rec.message, /data\/codedistill-absent\.csv/);
  // An absolute path that is not the repository's is the code's own failure.
  const abs = await runner.run({ code: 'open("/codedistill-absent-dir/x.txt").read()\n' });
  assert.equal(abs.status, 'failed');
});

test('network use in the sandbox (which has none) is a network skip', { skip: !bwrap.available && 'needs bubblewrap (no network inside)' }, async () => {
  const rec = await runner.run({ code: 'import socket\nsocket.getaddrinfo("example.org", 443)\n' });
  assert.equal(rec.status, 'skipped', rec.stderr);
  assert.equal(rec.skipReason, 'network');
});

test('a missing import is a missing dependency, with the reason set', async () => {
  const rec = await runner.run({ code: 'import codedistill_surely_absent_pkg\n' });
  assert.equal(rec.status, 'skipped');
  assert.equal(rec.skipReason, 'missing_dependency');
});
