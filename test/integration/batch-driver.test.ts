/**
 * The batch driver (src/validate/batch/driver.py) as a Python program on its own, outside any sandbox: the job
 * file it is given, the token-prefixed report lines it writes, and the TypeScript side of the protocol reading
 * them. The sandboxed behaviour (isolation between snippets, a driver under attack) is in batch.test.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { outcomeOf, parseMessage, type DriverMessage, type ResultMessage } from '../../src/validate/batch/protocol.js';
import { DRIVER_PATH } from '../../src/validate/batch/run.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'codedistill-driver-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const TOKEN = 'a'.repeat(48);
const caps = { outputCapBytes: 4096, stderrTailBytes: 1024 };

function drive(examples: Array<{ code: string; files?: Array<[string, string]>; timeoutMs?: number }>): {
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
  };
  writeFileSync(path.join(scratch, '.codedistill-job.json'), JSON.stringify(job));
  const source = readFileSync(DRIVER_PATH, 'utf8');
  const r = spawnSync('python3', ['-c', source, scratch], { cwd: scratch, encoding: 'utf8', timeout: 60_000 });
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
