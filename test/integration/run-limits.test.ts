/**
 * The memory limit of a run as a whole: a snippet whose processes each stay under the per-process limit but
 * together pass the run's limit is killed with a record that says so, alone and in a batch; one under it runs.
 * Real sandbox when bubblewrap works here.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { silentLogger } from '../../src/kernel/log.js';
import { processTree, runLimitMechanism } from '../../src/validate/run-limits.js';
import { createPythonRunner } from '../../src/validate/runner.js';
import { detectBubblewrap } from '../../src/validate/sandbox/detect.js';
import { runnerServices, testRunnerConfig } from '../helpers/runner.js';

const tmp = await mkdtemp(path.join(os.tmpdir(), 'cd-run-limits-'));
after(() => rm(tmp, { recursive: true, force: true }));
const bwrap = await detectBubblewrap();
if (!bwrap.available) console.log(`# bubblewrap unusable (${bwrap.reason}); run-limit tests run unsandboxed`);

const RUN_MB = 400;
const runner = createPythonRunner(
  testRunnerConfig(bwrap.available, tmp, { memoryLimitMb: 1024, runLimits: { memoryMb: RUN_MB, nice: 10 }, timeoutMs: 40_000 }),
  silentLogger,
  runnerServices,
);

/** `n` processes holding `mb` MB each (pages touched, so resident), for up to 30 s, then "done". */
const hogs = (n: number, mb: number) => `
import os, time
kids = []
for _ in range(${n}):
    pid = os.fork()
    if pid == 0:
        block = bytearray(${mb} * 1024 * 1024)
        for i in range(0, len(block), 4096):
            block[i] = 1
        time.sleep(30)
        os._exit(0)
    kids.append(pid)
time.sleep(3)
for pid in kids:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
print("done")
`;

test('processes that together pass the memory limit of a run are killed, with a record that says so', async () => {
  const started = Date.now();
  const r = await runner.run({ code: hogs(4, 150) });
  assert.equal(r.status, 'failed', r.message);
  assert.match(r.message, new RegExp(`together used more than ${RUN_MB} MB of memory, the memory limit of a run \\(CODEDISTILL_RUN_MEMORY_MB\\)`));
  // Killed when it passed the limit, not at the end of the hogs' 30 s.
  assert.ok(Date.now() - started < 25_000, `took ${Date.now() - started} ms`);
});

test('the same processes under the limit run to the end', async () => {
  const r = await runner.run({ code: hogs(2, 60) });
  assert.equal(r.status, 'passed', `${r.message}\n${r.stderr}`);
  assert.match(r.stdout, /done/);
});

test('in a batch, the snippet over the limit gets the same record and the others pass', async () => {
  assert.ok(runner.runBatch);
  const recs = await runner.runBatch([{ code: 'print(1)' }, { code: hogs(4, 150) }, { code: 'print(3)' }], { importRoots: [], preload: [] });
  assert.deepEqual(recs.map((x) => x.status), ['passed', 'failed', 'passed']);
  assert.match(recs[1]!.message, /the memory limit of a run/);
});

test('the process tree follows children, not process groups', () => {
  const ppids = new Map([[10, 1], [11, 10], [12, 11], [13, 1], [14, 12]]);
  assert.deepEqual(processTree(10, ppids).sort(), [10, 11, 12, 14]);
  assert.deepEqual(processTree(99, ppids), [99]);
});

test('doctor can say which mechanism holds a run here', () => {
  const m = runLimitMechanism({ memoryMb: RUN_MB, nice: 10 });
  assert.equal(m.memory, 'watchdog');
  assert.equal(m.cpu, 'nice');
  assert.match(m.detail, /at most 400 MB resident/);
});
