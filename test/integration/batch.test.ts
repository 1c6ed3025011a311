/**
 * runBatch against run(): the same records for the same code, no state carried from one snippet to the next,
 * recovery when the driver dies, and cancellation that leaves no process behind.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { RunRecord } from '../../src/domain/validation.js';
import { isCodedistillError } from '../../src/kernel/errors.js';
import { silentLogger, type Logger } from '../../src/kernel/log.js';
import { createPythonRunner, type PythonRunnerConfig } from '../../src/validate/runner.js';
import { detectBubblewrap } from '../../src/validate/sandbox/detect.js';
import type { BatchOptions, RunRequest, Runner } from '../../src/validate/types.js';
import { runnerServices, testRunnerConfig } from '../helpers/runner.js';

const tmp = await mkdtemp(path.join(os.tmpdir(), 'cd-batch-test-'));
after(() => rm(tmp, { recursive: true, force: true }));

// Like the runner tests: without bubblewrap the batch still runs (unsandboxed) so its records are checked.
const bwrap = await detectBubblewrap();
if (!bwrap.available) console.log(`# bubblewrap unusable (${bwrap.reason}); batch tests run unsandboxed`);
const sandboxed = bwrap.available;

// Lets the host find the processes started for these tests.
const TAG = `cd-batch-${randomUUID()}`;

function config(over: Partial<PythonRunnerConfig> = {}): PythonRunnerConfig {
  return testRunnerConfig(sandboxed, tmp, { outputCapBytes: 4096, sandboxEnv: { CD_BATCH_TEST_TAG: TAG }, workers: 2, ...over });
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { ...silentLogger, warn: (m: string) => void warnings.push(m), warnings };
}

const runner = createPythonRunner(config(), silentLogger, runnerServices);
const batch = (r: Runner, reqs: RunRequest[], opts: Partial<BatchOptions> = {}) => {
  assert.ok(r.runBatch, 'the Python runner has a batch mode');
  return r.runBatch(reqs, { importRoots: [], preload: [], ...opts });
};

// A package in an import root: preloaded by the batch, imported by the snippets.
const root = await mkdtemp(path.join(tmp, 'root-'));
await mkdir(path.join(root, 'flowpkg'));
await writeFile(path.join(root, 'flowpkg', '__init__.py'), 'CONST = 1\nREGISTRY = []\n\ndef reynolds(rho, v, d, mu):\n    return rho * v * d / mu\n');
await mkdir(path.join(root, 'unitpkg'));
await writeFile(
  path.join(root, 'unitpkg', '__init__.py'),
  'try:\n    import codedistill_absent_units\nexcept ImportError:\n' +
    '    raise ImportError("The unit handling in unitpkg requires the installation of the package codedistill_absent_units, available on pypi")\n',
);
await mkdir(path.join(root, 'oldpkg'));
await writeFile(path.join(root, 'oldpkg', '__init__.py'), 'raise ImportError("oldpkg requires the installation of the package json, version 99 or later")\n');

/** The fields a caller reads; durations, memory and timestamps differ by nature. */
function comparable(r: RunRecord) {
  return {
    status: r.status,
    exitCode: r.exitCode,
    signal: r.signal,
    stdout: r.stdout,
    // Cut stderr is compared by its end: a single run's capture also held GNU time's report (removed after
    // capping), so the omitted-bytes count in the middle differs by that report's length.
    stderr: r.truncated ? r.stderr.slice(-1000) : r.stderr,
    truncated: r.truncated,
    error: r.error,
    message: r.message,
    missingModule: r.missingModule,
    sandbox: r.sandbox,
    interpreter: r.interpreter,
    environmentHash: r.environmentHash,
  };
}

test('each kind of outcome gets the same record from a batch as from run()', async () => {
  const cases: Array<{ name: string; req: RunRequest; status: RunRecord['status'] }> = [
    { name: 'pass', req: { code: 'import flowpkg\nprint(round(flowpkg.reynolds(1000, 2, 0.05, 0.001)))\n' }, status: 'passed' },
    { name: 'exception', req: { code: 'a = 1\nb = 0\nprint(a / b)\n' }, status: 'failed' },
    { name: 'chained', req: { code: 'try:\n    {}["k"]\nexcept KeyError as e:\n    raise ValueError("bad key") from e\n' }, status: 'failed' },
    { name: 'syntax error', req: { code: 'x = 1\nif x = 2:\n    pass\n' }, status: 'failed' },
    { name: 'timeout', req: { code: 'while True:\n    pass\n', timeoutMs: 1000 }, status: 'timeout' },
    { name: 'missing module', req: { code: 'import os\nimport codedistill_surely_absent_pkg\n' }, status: 'skipped' },
    { name: 'missing (ImportError words)', req: { code: 'import unitpkg\n' }, status: 'skipped' },
    { name: 'too old, not missing', req: { code: 'import oldpkg\n' }, status: 'failed' },
    { name: 'expected output', req: { code: 'print(0.1 + 0.2)\n', expectedOutput: '0.3\n' }, status: 'passed' },
    { name: 'wrong output', req: { code: 'print(0.1 + 0.2)\n', expectedOutput: '0.4' }, status: 'failed' },
    { name: 'sys.exit(msg)', req: { code: 'import sys\nsys.exit("bye")\n' }, status: 'failed' },
    { name: 'sys.exit(0)', req: { code: 'import sys\nprint("x")\nsys.exit(0)\n' }, status: 'passed' },
    { name: 'os._exit', req: { code: 'import os\nprint("before", flush=True)\nos._exit(3)\n' }, status: 'failed' },
    { name: 'kills itself', req: { code: 'import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n' }, status: 'failed' },
    { name: 'stdout past the cap', req: { code: 'for i in range(20000):\n    print(i)\n' }, status: 'passed' },
    { name: 'traceback after stderr flood', req: { code: 'import sys\nsys.stderr.write("noise\\n" * 50000)\nraise ValueError("late")\n' }, status: 'failed' },
    { name: 'files beside', req: { code: 'print(open("data/v.txt").read())\n', files: { 'data/v.txt': 'seven' } }, status: 'passed' },
    {
      name: 'files with long and non-ASCII names',
      req: { code: `print(open("ünï/ç.txt").read(), open("${'d/'.repeat(60)}x.txt").read())\n`, files: { 'ünï/ç.txt': 'é', [`${'d/'.repeat(60)}x.txt`]: 'long' } },
      status: 'passed',
    },
    { name: 'thread and atexit', req: { code: 'import atexit, threading, time\natexit.register(lambda: print("atexit"))\nthreading.Thread(target=lambda: (time.sleep(0.2), print("thread"))).start()\n' }, status: 'passed' },
    { name: '__main__', req: { code: 'import sys\nprint(__name__, __file__ == sys.argv[0], sys.path[0] == __import__("os").getcwd())\n' }, status: 'passed' },
  ];
  const reqs = cases.map((c) => ({ ...c.req, importRoots: [root] }));
  const seen = new Map<number, RunRecord>();
  const batched = await batch(runner, reqs, { importRoots: [root], preload: ['flowpkg'], chunkSize: 7, onResult: (i, r) => seen.set(i, r) });
  assert.equal(batched.length, cases.length);
  assert.equal(seen.size, cases.length, 'onResult once per request');
  for (const [i, c] of cases.entries()) {
    const single = await runner.run(reqs[i] as RunRequest);
    const b = batched[i] as RunRecord;
    assert.equal(seen.get(i), b);
    assert.equal(b.status, c.status, `${c.name}: ${b.message}\n${b.stderr}`);
    assert.deepEqual(comparable(b), comparable(single), c.name);
  }
  const byName = new Map(cases.map((c, i) => [c.name, batched[i] as RunRecord]));
  assert.deepEqual(byName.get('exception')?.error, { type: 'ZeroDivisionError', message: 'division by zero', line: 3 });
  assert.equal(byName.get('syntax error')?.error?.line, 2);
  assert.equal(byName.get('missing (ImportError words)')?.missingModule, 'codedistill_absent_units');
  assert.equal(byName.get('stdout past the cap')?.truncated, true);
  assert.deepEqual(byName.get('traceback after stderr flood')?.error, { type: 'ValueError', message: 'late', line: 3 });
  assert.equal(byName.get('thread and atexit')?.stdout, 'thread\natexit\n');
  assert.equal(byName.get('__main__')?.stdout, '__main__ True True\n');
  assert.equal(byName.get('os._exit')?.stdout, 'before\n');
});

test('one snippet\'s changes do not reach the next one', async () => {
  const polluter = `
import os, sys, json, subprocess, flowpkg
flowpkg.CONST = 99
flowpkg.REGISTRY.append("x")
json.dumps = None
os.environ["CD_LEAK"] = "1"
sys.modules["cd_fake_module"] = sys
sys.path.insert(0, "/nonexistent")
os.chdir("/")
open("/sandbox/leak.txt" if os.path.isdir("/sandbox") else os.path.join(os.environ["HOME"], "leak.txt"), "w").write("x")
open(os.path.join(os.environ["TMPDIR"], "leak-tmp.txt"), "w").write("x")
if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
    open("/dev/shm/leak-shm", "w").write("x")
subprocess.Popen(["sleep", "300"], start_new_session=True)
if os.path.exists("/proc/sysvipc/shm") and os.path.isdir("/sandbox"):
    import ctypes
    assert ctypes.CDLL(None).shmget(0, 4096, 0o1600) >= 0  # IPC_PRIVATE, IPC_CREAT | 0600
print("polluted")
`;
  const checker = `
import os, sys, json, flowpkg
print("CONST", flowpkg.CONST, "REGISTRY", flowpkg.REGISTRY)
print("json", json.dumps({"a": 1}))
print("env", os.environ.get("CD_LEAK"))
print("fake", "cd_fake_module" in sys.modules, "/nonexistent" in sys.path)
print("cwd", os.getcwd() == os.environ["HOME"])
print("files", sorted(os.listdir(".")), sorted(n for n in os.listdir(os.environ["TMPDIR"]) if n.startswith("leak")))
print("shm", sorted(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.R_OK) else "n/a")
sleepers = []
for p in os.listdir("/proc"):
    if p.isdigit():
        try:
            if open(f"/proc/{p}/cmdline", "rb").read().startswith(b"sleep\\x00300"):
                sleepers.append(p)
        except OSError:
            pass
print("sleepers", len(sleepers))
print("sysv", len(open("/proc/sysvipc/shm").read().splitlines()) - 1 if os.path.exists("/proc/sysvipc/shm") else "n/a")
`;
  const recs = await batch(runner, [{ code: polluter }, { code: checker }, { code: checker }], {
    importRoots: [root],
    preload: ['flowpkg', 'json'],
    workers: 1,
  });
  assert.equal(recs[0]?.status, 'passed', `${recs[0]?.message}\n${recs[0]?.stderr}`);
  for (const rec of recs.slice(1)) {
    assert.equal(rec.status, 'passed', `${rec.message}\n${rec.stderr}`);
    assert.match(rec.stdout, /^CONST 1 REGISTRY \[\]$/m);
    assert.match(rec.stdout, /^json \{"a": 1\}$/m);
    assert.match(rec.stdout, /^env None$/m);
    assert.match(rec.stdout, /^fake False False$/m);
    assert.match(rec.stdout, /^cwd True$/m);
    assert.match(rec.stdout, /^files \['snippet\.py'\] \[\]$/m);
    if (sandboxed) {
      assert.match(rec.stdout, /^shm \[\]$/m);
      // Only inside the private pid namespace are leftovers the driver's to kill.
      assert.match(rec.stdout, /^sleepers 0$/m);
      // The sandbox's ipc namespace outlives each snippet; the segment made before must be gone.
      assert.match(rec.stdout, /^sysv 0$/m);
    }
  }
});

test('files the preloaded package wrote at import are there for every snippet, as after its own import', async () => {
  const pkg = await mkdtemp(path.join(tmp, 'cachepkg-'));
  await mkdir(path.join(pkg, 'flowcache'));
  await writeFile(
    path.join(pkg, 'flowcache', '__init__.py'),
    'import os, tempfile\nCACHE = tempfile.mkdtemp(prefix="flowcache-")\nos.chmod(CACHE, 0o750)\n' +
      'with open(os.path.join(CACHE, "table.txt"), "w") as f:\n    f.write("3.5")\n' +
      'def lookup():\n    return float(open(os.path.join(CACHE, "table.txt")).read())\n' +
      'def remember(x):\n    open(os.path.join(CACHE, "extra.txt"), "w").write(x)\n',
  );
  const uses = 'import flowcache, os, stat\nflowcache.remember("x")\nprint(flowcache.lookup(), sorted(os.listdir(flowcache.CACHE)), oct(stat.S_IMODE(os.stat(flowcache.CACHE).st_mode)))\n';
  const spoils = 'import flowcache, os\nos.remove(os.path.join(flowcache.CACHE, "table.txt"))\nprint("spoiled")\n';
  const reqs = [{ code: uses }, { code: spoils }, { code: uses }];
  const recs = await batch(runner, reqs, { importRoots: [pkg], preload: ['flowcache'], workers: 1 });
  const alone = await runner.run({ code: uses, importRoots: [pkg] });
  assert.equal(alone.stdout, "3.5 ['extra.txt', 'table.txt'] 0o750\n");
  assert.equal(recs[0]?.stdout, alone.stdout, recs[0]?.stderr);
  assert.equal(recs[1]?.stdout, 'spoiled\n');
  // What the previous snippet removed (and what the first added) is back to what the import left.
  assert.equal(recs[2]?.stdout, alone.stdout, recs[2]?.stderr);
});

test('a snippet that kills the driver: the rest are run one by one and get their own records', async () => {
  const logger = recordingLogger();
  const r = createPythonRunner(config(), logger, runnerServices);
  const reqs: RunRequest[] = [
    { code: 'print("first")\n' },
    { code: 'import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nimport time\ntime.sleep(5)\n' },
    { code: 'print("third")\n' },
    { code: 'print(6 * 7)\n', expectedOutput: '42' },
  ];
  const recs = await batch(r, reqs, { workers: 1 });
  assert.equal(recs[0]?.stdout, 'first\n');
  assert.equal(recs[2]?.status, 'passed');
  assert.equal(recs[2]?.stdout, 'third\n');
  assert.equal(recs[3]?.status, 'passed');
  // The killer's own record is whatever run() says of it alone.
  const alone = await r.run(reqs[1] as RunRequest);
  assert.equal(recs[1]?.status, alone.status);
  assert.ok(
    logger.warnings.some((w) => /one by one/.test(w)),
    `the fallback was not taken: ${JSON.stringify(logger.warnings)}`,
  );
});

test('a preloaded package that starts a thread: the driver refuses to fork, the snippets run one by one', async () => {
  const pkg = await mkdtemp(path.join(tmp, 'threadpkg-'));
  await mkdir(path.join(pkg, 'tickpkg'));
  await writeFile(
    path.join(pkg, 'tickpkg', '__init__.py'),
    'import threading, time\nthreading.Thread(target=lambda: time.sleep(3600), daemon=True).start()\nVALUE = 7\n',
  );
  const logger = recordingLogger();
  const r = createPythonRunner(config(), logger, runnerServices);
  const recs = await batch(r, [{ code: 'import tickpkg\nprint(tickpkg.VALUE)\n' }, { code: 'print("b")\n' }], {
    importRoots: [pkg],
    preload: ['tickpkg'],
  });
  assert.deepEqual(
    recs.map((x) => [x.status, x.stdout]),
    [
      ['passed', '7\n'],
      ['passed', 'b\n'],
    ],
  );
  assert.ok(logger.warnings.some((w) => /threads/.test(w) && /one by one/.test(w)), JSON.stringify(logger.warnings));
});

test('requests with their own import roots are run alone, in order', async () => {
  const other = await mkdtemp(path.join(tmp, 'other-'));
  await mkdir(path.join(other, 'otherpkg'));
  await writeFile(path.join(other, 'otherpkg', '__init__.py'), 'NAME = "other"\n');
  const recs = await batch(
    runner,
    [
      { code: 'import flowpkg\nprint(flowpkg.CONST)\n' },
      { code: 'import otherpkg\nprint(otherpkg.NAME)\n', importRoots: [other] },
      { code: 'print("plain")\n' },
    ],
    { importRoots: [root], preload: ['flowpkg'] },
  );
  assert.deepEqual(
    recs.map((r) => [r.status, r.stdout]),
    [
      ['passed', '1\n'],
      ['passed', 'other\n'],
      ['passed', 'plain\n'],
    ],
  );
});

test('many snippets across chunks and workers keep their order', async () => {
  const n = 13;
  const recs = await batch(
    runner,
    Array.from({ length: n }, (_, i) => ({ code: `print(${i} * 2)\n` })),
    { chunkSize: 4, workers: 2 },
  );
  assert.deepEqual(
    recs.map((r) => r.stdout),
    Array.from({ length: n }, (_, i) => `${i * 2}\n`),
  );
});

test('preload errors are not fatal: the snippets report their own import error', async () => {
  const recs = await batch(runner, [{ code: 'import unitpkg\n' }, { code: 'print("ok")\n' }], {
    importRoots: [root],
    preload: ['unitpkg', 'codedistill_not_there'],
  });
  assert.equal(recs[0]?.status, 'skipped');
  assert.equal(recs[0]?.error?.line, 1);
  assert.equal(recs[1]?.status, 'passed');
});

test('bad batch arguments are invalid input', async () => {
  const isInvalid = (e: unknown) => isCodedistillError(e) && e.code === 'invalid_input';
  await assert.rejects(batch(runner, [{ code: 'pass' }], { importRoots: ['relative'] }), isInvalid);
  await assert.rejects(batch(runner, [{ code: 'pass' }], { preload: ['os; import sys'] }), isInvalid);
  await assert.rejects(batch(runner, [{ code: 'pass', files: { '../x': '' } }]), isInvalid);
});

test('without a sandbox and without permission every record is the refusal', async () => {
  const refusing = createPythonRunner(config({ sandbox: 'none', allowUnsandboxed: false }), silentLogger, runnerServices);
  const recs = await batch(refusing, [{ code: 'print(1)' }, { code: 'print(2)' }]);
  assert.deepEqual(
    recs.map((r) => r.status),
    ['error', 'error'],
  );
  assert.match(recs[0]?.message ?? '', /CODEDISTILL_ALLOW_UNSANDBOXED=1/);
});

/** Host pids whose environment carries this file's tag. */
function taggedPids(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`).includes(TAG)) pids.push(Number(name));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

async function waitUntilGone(): Promise<number[]> {
  for (let i = 0; i < 100; i++) {
    const left = taggedPids();
    if (left.length === 0) return left;
    await new Promise((r) => setTimeout(r, 50));
  }
  return taggedPids();
}

test('abort: the batch is cancelled and no process is left', async () => {
  const ac = new AbortController();
  // A detached grandchild leaves the process group: only the sandbox's pid namespace catches it.
  const sleeper = sandboxed
    ? 'import subprocess, time\nsubprocess.Popen(["sleep", "300"], start_new_session=True)\ntime.sleep(300)\n'
    : 'import time\ntime.sleep(300)\n';
  const reqs = [{ code: 'print("started")\n' }, ...Array.from({ length: 6 }, () => ({ code: sleeper }))];
  let sawRunning = false;
  const pending = batch(runner, reqs, {
    workers: 2,
    chunkSize: 4,
    timeoutMs: 60_000,
    // Abort once the first snippet has reported, while the others are asleep in their sandboxes.
    onResult: (i) => {
      if (i !== 0) return;
      let polls = 0;
      const poll = setInterval(() => {
        sawRunning = taggedPids().length >= 2;
        // Bounded: if the sleepers never show up, abort anyway and let the assertion below say so.
        if (sawRunning || ++polls > 500) {
          clearInterval(poll);
          ac.abort();
        }
      }, 20);
    },
    signal: ac.signal,
  });
  await assert.rejects(pending, (e: unknown) => isCodedistillError(e) && e.code === 'cancelled');
  assert.equal(sawRunning, true);
  assert.deepEqual(await waitUntilGone(), [], 'processes outlived the cancelled batch');
});
