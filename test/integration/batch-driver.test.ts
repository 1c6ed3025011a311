/**
 * The batch driver (src/validate/batch/driver.py) as a Python program on its own, outside any sandbox: the job
 * file it is given, the token-prefixed report lines it writes, and the TypeScript side of the protocol reading
 * them. The sandboxed behaviour (isolation between snippets, a driver under attack) is in batch.test.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { outcomeOf, parseMessage, type DriverMessage, type ResultMessage } from '../../src/validate/batch/protocol.js';
import { DRIVER_PATH } from '../../src/validate/batch/run.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'codedistill-driver-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const TOKEN = 'a'.repeat(48);
const caps = { outputCapBytes: 4096, stderrTailBytes: 1024 };

function drive(
  examples: Array<{ code: string; files?: Array<[string, string]>; timeoutMs?: number }>,
  { python = 'python3', trace = null }: { python?: string; trace?: { roots: string[]; mode: 'auto' | 'always' } | null } = {},
): {
  messages: DriverMessage[];
  stray: string[];
  scratch: string;
  status: number | null;
} {
  const scratch = mkdtempSync(path.join(tmp, 'scratch-'));
  const job = {
    token: TOKEN,
    sandboxed: false,
    capBytes: caps.outputCapBytes,
    tailBytes: caps.stderrTailBytes,
    killAfterBytes: 1024 * 1024,
    preload: ['json'],
    preloadTimeoutS: 30,
    examples: examples.map((e) => ({ code: e.code, files: e.files ?? [], timeoutMs: e.timeoutMs ?? 10_000 })),
    trace,
  };
  writeFileSync(path.join(scratch, '.codedistill-job.json'), JSON.stringify(job));
  const source = readFileSync(DRIVER_PATH, 'utf8');
  const r = spawnSync(python, ['-c', source, scratch], { cwd: scratch, encoding: 'utf8', timeout: 60_000 });
  const messages: DriverMessage[] = [];
  const stray: string[] = [];
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    if (!line.startsWith(`${TOKEN} `)) {
      stray.push(line);
      continue;
    }
    const m = parseMessage(line.slice(TOKEN.length + 1));
    assert.ok(m, `not a report: ${line.slice(0, 200)}`);
    messages.push(m);
  }
  return { messages, stray, scratch, status: r.status };
}

test('driver.py compiles as Python', () => {
  const r = spawnSync('python3', ['-c', 'import sys; compile(open(sys.argv[1]).read(), sys.argv[1], "exec")', DRIVER_PATH.pathname], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
});

test('the driver reads and deletes its job, reports ready, one result per example in order, then done', { timeout: 60_000 }, () => {
  const { messages, stray, scratch, status } = drive([
    { code: 'print(6 * 7)' },
    { code: 'import sys\nprint("bye", file=sys.stderr)\nsys.exit(3)' },
    { code: 'open("data.csv").read()\nraise ValueError("bad " + open("data.csv").read().strip())', files: [['data.csv', 'x,y\n']] },
    { code: 'while True:\n    pass', timeoutMs: 500 },
    { code: 'import os, signal\nos.kill(os.getpid(), signal.SIGTERM)' },
  ]);
  assert.equal(status, 0);
  assert.deepEqual(stray, []);
  assert.equal(existsSync(path.join(scratch, '.codedistill-job.json')), false);

  assert.equal(messages[0]?.t, 'ready');
  assert.deepEqual(messages.at(-1), { t: 'done' });
  const results = messages.filter((m): m is ResultMessage => m.t === 'result');
  assert.deepEqual(
    results.map((m) => m.i),
    [0, 1, 2, 3, 4],
  );
  const [ok, exited, raised, looped, killed] = results.map((m) => outcomeOf(m, caps, `${scratch}/snippet.py`));

  assert.equal(ok?.exitCode, 0);
  assert.equal(ok?.stdout, '42\n');
  assert.equal(ok?.timedOut, false);

  assert.equal(exited?.exitCode, 3);
  assert.equal(exited?.stderr, 'bye\n');

  assert.equal(raised?.exitCode, 1);
  assert.match(raised?.stderr ?? '', /snippet\.py", line 2/);
  assert.match(raised?.stderr ?? '', /ValueError: bad x,y/);

  assert.equal(looped?.timedOut, true);
  assert.equal(looped?.signal, 'SIGKILL');

  assert.equal(killed?.exitCode, null);
  assert.equal(killed?.signal, 'SIGTERM');
});

test('a snippet cannot write a report: its stdout goes to its capture, never the result channel', { timeout: 60_000 }, () => {
  const forged = `${TOKEN} {"t":"done"}`;
  const { messages, stray } = drive([{ code: `import os\nprint(${JSON.stringify(forged)})\nos.write(1, b"raw\\n")` }, { code: 'print("second")' }]);
  assert.deepEqual(stray, []);
  const results = messages.filter((m): m is ResultMessage => m.t === 'result');
  assert.equal(results.length, 2);
  assert.equal(outcomeOf(results[0]!, caps, 'snippet.py').stdout, `${forged}\nraw\n`);
  assert.equal(messages.filter((m) => m.t === 'done').length, 1);
});

/** A package whose functions a snippet calls, one it does not, and a method. */
function tracedPackage(): string {
  const root = mkdtempSync(path.join(tmp, 'root-'));
  mkdirSync(path.join(root, 'pkg'));
  writeFileSync(path.join(root, 'pkg', '__init__.py'), '');
  writeFileSync(
    path.join(root, 'pkg', 'm.py'),
    'def used():\n    return helper()\n\ndef helper():\n    return 1\n\ndef unused():\n    return 2\n\nclass K:\n    def meth(self):\n        return 3\n',
  );
  return root;
}

function traced(python: string, mode: 'auto' | 'always', tamper: string): void {
  const root = tracedPackage();
  const use = `import sys\nsys.path.insert(0, ${JSON.stringify(root)})\nfrom pkg import m\nprint(m.used(), m.K().meth())\n`;
  const spawning = [
    // A program that runs no Python (matplotlib's fc-list): the trace is whole.
    'import subprocess\nsubprocess.run(["uname"], stdout=subprocess.DEVNULL)',
    'import subprocess\nsubprocess.run(["true"])',
    'import subprocess, sys\nsubprocess.run([sys.executable, "-c", "pass"])',
    'import os\nos.system("uname > /dev/null")',
    'import os\npid = os.fork()\nif pid == 0:\n    os._exit(0)\nos.waitpid(pid, 0)',
    // multiprocessing's spawn starts its interpreter through _posixsubprocess.fork_exec, without an audit event.
    'import multiprocessing as mp\nif __name__ == "__main__":\n    p = mp.get_context("spawn").Process(target=print)\n    p.start(); p.join()',
  ];
  const { messages } = drive([{ code: use }, ...spawning.map((c) => ({ code: `${use}${c}\n` })), { code: `${use}${tamper}\n` }], {
    python,
    trace: { roots: [root + '/'], mode },
  });
  const results = messages.filter((m): m is ResultMessage => m.t === 'result');
  assert.equal(results.length, 2 + spawning.length);
  // The module, used, helper, the class body and the method; not unused. The snippet is in the scratch folder, which
  // is traced too (a laid-out example reaches the snapshot through links there) and left out by batch/run.ts.
  const files = results[0]!.trace?.files ?? {};
  assert.deepEqual(files[path.join(root, 'pkg', 'm.py')], [1, 4, 10, 11]);
  assert.deepEqual(files[path.join(root, 'pkg', '__init__.py')], [1]);
  assert.deepEqual(Object.keys(files).filter((f) => !f.startsWith(root)).map((f) => path.basename(f)), ['snippet.py']);
  for (const [k, c] of spawning.entries()) {
    const r = results[1 + k]!;
    assert.equal(outcomeOf(r, caps, 'snippet.py').exitCode, 0, `${c}: ${outcomeOf(r, caps, 'snippet.py').stderr}`);
    if (k === 0) assert.deepEqual(r.trace?.files[path.join(root, 'pkg', 'm.py')], [1, 4, 10, 11], `${c}: keeps its trace`);
    else assert.equal(r.trace, null, `${c}: a snippet that started a process that may run Python has no trace`);
  }
  assert.equal(results.at(-1)!.trace, null, 'nor one that replaced the tracer');
}

test('asked to, the driver traces the code each snippet executes, with sys.settrace where there is no sys.monitoring', { timeout: 60_000 }, () => {
  traced('python3', 'always', 'sys.settrace(None)');
});

test('with sys.monitoring (Python 3.12+) the driver traces in every mode', { timeout: 60_000 }, (t) => {
  const pyenv = path.join(os.homedir(), '.pyenv', 'versions');
  const installed = existsSync(pyenv) ? readdirSync(pyenv).filter((v) => /^3\.(1[2-9])\./.test(v)).map((v) => path.join(pyenv, v, 'bin', 'python')) : [];
  const python = ['python3', 'python3.13', 'python3.12', ...installed].find((p) => spawnSync(p, ['-c', 'import sys; sys.monitoring'], { encoding: 'utf8' }).status === 0);
  if (!python) return t.skip('no Python 3.12+ on this machine');
  traced(python, 'auto', 'sys.monitoring.free_tool_id(4)');
});

test('not asked to, or on an older Python in auto mode, the driver sends no trace', { timeout: 60_000 }, () => {
  const root = tracedPackage();
  const { messages } = drive([{ code: 'print(1)\n' }]);
  assert.equal((messages.find((m) => m.t === 'result') as ResultMessage).trace, null);
  const old = spawnSync('python3', ['-c', 'import sys; sys.monitoring'], { encoding: 'utf8' }).status !== 0;
  if (old) assert.equal((drive([{ code: 'print(1)\n' }], { trace: { roots: [root + '/'], mode: 'auto' } }).messages.find((m) => m.t === 'result') as ResultMessage).trace, null);
});
