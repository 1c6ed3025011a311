import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { scrubEnv } from '../../src/config.js';
import { isCodedistillError } from '../../src/kernel/errors.js';
import { silentLogger } from '../../src/kernel/log.js';
import { installNameFor } from '../../src/python/distributions.js';
import { createPythonRunner, splitTimeReport, type PythonRunnerConfig } from '../../src/validate/runner.js';
import { detectBubblewrap } from '../../src/validate/sandbox/detect.js';
import { runnerServices, testRunnerConfig } from '../helpers/runner.js';

const tmp = await mkdtemp(path.join(os.tmpdir(), 'cd-runner-test-'));
after(() => rm(tmp, { recursive: true, force: true }));

// These tests are about the runner's results, not isolation: without bubblewrap they run unsandboxed so
// they still check parsing and statuses (the adversarial suite is the one that needs bubblewrap).
const bwrap = await detectBubblewrap();
if (!bwrap.available) console.log(`# bubblewrap unusable (${bwrap.reason}); runner tests run unsandboxed`);

function config(over: Partial<PythonRunnerConfig> = {}): PythonRunnerConfig {
  return testRunnerConfig(bwrap.available, tmp, over);
}

const runner = createPythonRunner(config(), silentLogger, runnerServices);

test('a passing snippet: output captured and the record filled in', async () => {
  const rec = await runner.run({ code: 'x = 6 * 7\nprint("answer", x)\n' });
  assert.equal(rec.status, 'passed', rec.message);
  assert.equal(rec.stdout, 'answer 42\n');
  assert.equal(rec.exitCode, 0);
  assert.equal(rec.error, null);
  assert.equal(rec.sandbox, bwrap.available ? 'bwrap' : 'none');
  assert.match(rec.interpreter ?? '', /^\/\S+ \(\d+\.\d+\.\d+\)$/);
  assert.match(rec.environmentHash ?? '', /^[0-9a-f]{64}$/);
  assert.ok(!Number.isNaN(Date.parse(rec.ranAt)));
  assert.ok(rec.durationMs >= 0);
  if (rec.peakMemoryKb !== null && rec.peakMemoryKb !== undefined) assert.ok(rec.peakMemoryKb > 1000);
  assert.equal(rec.stderr, '', 'the peak-memory report must not leak into stderr');
});

test('the environment hash is stable across runs of one runner', async () => {
  const a = await runner.run({ code: 'pass' });
  const b = await runner.run({ code: 'pass' });
  assert.equal(a.environmentHash, b.environmentHash);
});

test('ZeroDivisionError: type, message and line', async () => {
  const rec = await runner.run({ code: 'a = 1\nb = 0\nprint(a / b)\n' });
  assert.equal(rec.status, 'failed');
  assert.deepEqual(rec.error, { type: 'ZeroDivisionError', message: 'division by zero', line: 3 });
  assert.equal(rec.exitCode, 1);
  assert.equal(rec.message, 'ZeroDivisionError at line 3: division by zero');
});

test('SyntaxError: the line of the error', async () => {
  const rec = await runner.run({ code: 'x = 1\nif x = 2:\n    pass\n' });
  assert.equal(rec.status, 'failed');
  assert.equal(rec.error?.type, 'SyntaxError');
  assert.equal(rec.error?.line, 2);
});

test('a missing third-party module is skipped with the name to install', async () => {
  // Whichever of these is absent from the interpreter shows the import-name to pip-name mapping.
  const mapped: Array<[string, string]> = [
    ['sklearn', 'scikit-learn'],
    ['cv2', 'opencv-python'],
    ['skimage', 'scikit-image'],
    ['Bio', 'biopython'],
  ];
  let checked = 0;
  for (const [mod, pip] of mapped) {
    const rec = await runner.run({ code: `import os\nimport ${mod}\n` });
    if (rec.status === 'passed') continue;
    assert.equal(rec.status, 'skipped', rec.message);
    assert.equal(rec.missingModule, mod);
    assert.ok(rec.message.startsWith(`missing dependency ${mod} (install name ${pip})`), rec.message);
    assert.equal(rec.error?.line, 2);
    checked++;
    break;
  }
  const rec = await runner.run({ code: 'from codedistill_surely_absent_pkg.sub import thing\n' });
  assert.equal(rec.status, 'skipped');
  assert.equal(rec.missingModule, 'codedistill_surely_absent_pkg');
  assert.match(rec.message, /^missing dependency codedistill_surely_absent_pkg \(install name codedistill_surely_absent_pkg\)/);
  if (checked === 0) console.log('# all mapped candidates are installed; mapping checked by installNameFor only');
});

test('a missing stdlib-looking or installed module is a failure, not a skip', async () => {
  const rec = await runner.run({ code: 'import json.nonexistent_submodule\n' });
  assert.equal(rec.status, 'failed');
  assert.equal(rec.error?.type, 'ModuleNotFoundError');
  assert.equal(rec.missingModule ?? null, null);
});

test('installNameFor maps import names to pip names', () => {
  assert.equal(installNameFor('sklearn'), 'scikit-learn');
  assert.equal(installNameFor('sklearn.linear_model'), 'scikit-learn');
  assert.equal(installNameFor('cv2'), 'opencv-python');
  assert.equal(installNameFor('PIL'), 'Pillow');
  assert.equal(installNameFor('yaml'), 'PyYAML');
  assert.equal(installNameFor('skimage'), 'scikit-image');
  assert.equal(installNameFor('Bio.Seq'), 'biopython');
  assert.equal(installNameFor('google.protobuf'), 'protobuf');
  assert.equal(installNameFor('numpy'), 'numpy');
});

test('splitTimeReport strips GNU time\'s report and reads peak memory and signal', () => {
  assert.deepEqual(splitTimeReport('__codedistill_rusage__ peak_kb=1234\n'), { stderr: '', peakKb: 1234, signal: null });
  assert.deepEqual(splitTimeReport('Traceback...\nValueError: x\nCommand exited with non-zero status 1\n__codedistill_rusage__ peak_kb=99\n'), {
    stderr: 'Traceback...\nValueError: x\n',
    peakKb: 99,
    signal: null,
  });
  assert.deepEqual(splitTimeReport('Command terminated by signal 9\n__codedistill_rusage__ peak_kb=5\n'), { stderr: '', peakKb: 5, signal: 9 });
  // Only a report at the very end counts: the code printing the marker mid-stream is just output.
  const fake = '__codedistill_rusage__ peak_kb=1\nmore output\n';
  assert.deepEqual(splitTimeReport(fake), { stderr: fake, peakKb: null, signal: null });
});

test('an import root holding a package is importable (even from a 0700 temp folder)', async () => {
  // mkdtemp makes the folder 0700: the sandbox user (not root) must still be able to read it.
  const root = await mkdtemp(path.join(tmp, 'root-'));
  await mkdir(path.join(root, 'flowpkg'));
  await writeFile(path.join(root, 'flowpkg', '__init__.py'), 'from .core import reynolds\n');
  await writeFile(path.join(root, 'flowpkg', 'core.py'), 'def reynolds(rho, v, d, mu):\n    return rho * v * d / mu\n');
  const rec = await runner.run({
    code: 'from flowpkg import reynolds\nprint(round(reynolds(1000, 2, 0.05, 0.001)))\n',
    importRoots: [root],
  });
  assert.equal(rec.status, 'passed', `${rec.message}\n${rec.stderr}`);
  assert.equal(rec.stdout.trim(), '100000');

  // A submodule missing from a package the caller provides is the code's bug, not a missing dependency.
  const bad = await runner.run({ code: 'import flowpkg.nonexistent\n', importRoots: [root] });
  assert.equal(bad.status, 'failed');
  assert.equal(bad.error?.type, 'ModuleNotFoundError');
});

test('files beside the snippet are readable', async () => {
  const rec = await runner.run({
    code: 'import csv\nrows = list(csv.reader(open("data/values.csv")))\nprint(sum(float(r[1]) for r in rows))\n',
    files: { 'data/values.csv': 'a,1.5\nb,2.5\n' },
  });
  assert.equal(rec.status, 'passed', rec.stderr);
  assert.equal(rec.stdout.trim(), '4.0');
});

test('files beside the snippet: long and non-ASCII names, nested folders, the code\'s own to change', async () => {
  // In the sandbox they travel as a tar stream (pax records for what ustar fields cannot hold) and are
  // unpacked by root for the sandbox user: names, modes and owner must come out as a plain folder has them.
  const long = `${'deep/'.repeat(30)}leaf.txt`;
  const rec = await runner.run({
    code: `
import os
LONG = ${JSON.stringify(long)}
print(open("ünïcødé/dätä.txt", encoding="utf-8").read(), open(LONG).read())
st = os.stat("cfg.ini")
print("OWN", st.st_uid == os.getuid(), oct(st.st_mode & 0o777), oct(os.stat("ünïcødé").st_mode & 0o777))
with open("cfg.ini", "a") as f:
    f.write("y=2\\n")
os.rename(LONG, "moved.txt")
os.remove("cfg.ini")
home = os.stat(".")
print("HOME", home.st_uid == os.getuid(), oct(home.st_mode & 0o777))
`,
    files: { 'ünïcødé/dätä.txt': 'umlaut', [long]: 'deep', 'cfg.ini': 'x=1\n' },
  });
  assert.equal(rec.status, 'passed', `${rec.message}\n${rec.stderr}`);
  assert.equal(rec.stdout, 'umlaut deep\nOWN True 0o644 0o755\nHOME True 0o700\n');
});

test('expectedOutput: float tolerance passes, a wrong value fails', async () => {
  const ok = await runner.run({ code: 'print(0.1 + 0.2)\n', expectedOutput: '0.3\n' });
  assert.equal(ok.status, 'passed', ok.message);
  const wrong = await runner.run({ code: 'print(0.1 + 0.2)\n', expectedOutput: '0.4' });
  assert.equal(wrong.status, 'failed');
  assert.equal(wrong.error, null);
  assert.match(wrong.message, /did not match/);
});

test('a busy loop past timeoutMs is stopped with status timeout', async () => {
  const rec = await runner.run({ code: 'while True:\n    pass\n', timeoutMs: 1000 });
  assert.equal(rec.status, 'timeout');
  assert.equal(rec.exitCode, null);
  assert.match(rec.message, /Timed out after 1000 ms/);
});

test('stdout beyond the cap is cut and marked truncated; the run still passes', async () => {
  const small = createPythonRunner(config({ outputCapBytes: 4096 }), silentLogger, runnerServices);
  const rec = await small.run({ code: 'for i in range(20000):\n    print(i)\n' });
  assert.equal(rec.status, 'passed');
  assert.equal(rec.truncated, true);
  assert.ok(Buffer.byteLength(rec.stdout) <= 4096, `stdout is ${Buffer.byteLength(rec.stdout)} bytes`);
  assert.ok(rec.stdout.startsWith('0\n1\n2\n'));
});

test('a traceback after a flood of stderr is still parsed', async () => {
  const small = createPythonRunner(config({ outputCapBytes: 4096 }), silentLogger, runnerServices);
  const rec = await small.run({ code: 'import sys\nsys.stderr.write("noise\\n" * 50000)\nraise ValueError("late failure")\n' });
  assert.equal(rec.status, 'failed');
  assert.deepEqual(rec.error, { type: 'ValueError', message: 'late failure', line: 3 });
  assert.ok(Buffer.byteLength(rec.stderr) <= 4096);
  assert.match(rec.stderr, /ValueError: late failure/);
});

test('runs in parallel do not mix up their outputs', async () => {
  const recs = await Promise.all(
    Array.from({ length: 6 }, (_, i) => runner.run({ code: `import time\ntime.sleep(0.2)\nprint(${i})\n` })),
  );
  recs.forEach((rec, i) => {
    assert.equal(rec.status, 'passed', rec.message);
    assert.equal(rec.stdout.trim(), String(i));
  });
});

test('an aborted run throws cancelled', async () => {
  const ac = new AbortController();
  const pending = runner.run({ code: 'import time\ntime.sleep(60)\n', signal: ac.signal });
  setTimeout(() => ac.abort(), 300);
  await assert.rejects(pending, (e: unknown) => isCodedistillError(e) && e.code === 'cancelled');
});

test('bad import roots and file names are rejected as invalid input', async () => {
  const isInvalid = (e: unknown) => isCodedistillError(e) && e.code === 'invalid_input';
  await assert.rejects(runner.run({ code: 'pass', importRoots: ['relative/path'] }), isInvalid);
  await assert.rejects(runner.run({ code: 'pass', importRoots: ['/'] }), isInvalid);
  await assert.rejects(runner.run({ code: 'pass', importRoots: [path.join(tmp, 'does-not-exist')] }), isInvalid);
  await assert.rejects(runner.run({ code: 'pass', files: { '../escape.txt': 'x' } }), isInvalid);
  await assert.rejects(runner.run({ code: 'pass', files: { '/etc/x': 'x' } }), isInvalid);
});

test('without a sandbox and without permission, code is not run and the message says what to do', async () => {
  const refusing = createPythonRunner(config({ sandbox: 'none', allowUnsandboxed: false }), silentLogger, runnerServices);
  const marker = path.join(tmp, 'must-not-exist');
  const rec = await refusing.run({ code: `open(${JSON.stringify(marker)}, "w").write("ran")\n` });
  assert.equal(rec.status, 'error');
  assert.match(rec.message, /apt-get install bubblewrap/);
  assert.match(rec.message, /CODEDISTILL_ALLOW_UNSANDBOXED=1/);
  await assert.rejects(import('node:fs/promises').then((fs) => fs.access(marker)));
  const info = await refusing.info();
  assert.equal(info.available, false);
  assert.match(info.reason ?? '', /bubblewrap/);
});

test('unsandboxed when explicitly allowed: runs and says so', async () => {
  const open = createPythonRunner(config({ sandbox: 'none', allowUnsandboxed: true }), silentLogger, runnerServices);
  const rec = await open.run({ code: 'print("hi")\n1/0\n' });
  assert.equal(rec.sandbox, 'none');
  assert.equal(rec.status, 'failed');
  assert.equal(rec.stdout, 'hi\n');
  assert.deepEqual(rec.error, { type: 'ZeroDivisionError', message: 'division by zero', line: 2 });
});

test('a missing interpreter is an error naming the setting to change', async () => {
  const none = createPythonRunner(config({ python: path.join(tmp, 'no-such-python') }), silentLogger, runnerServices);
  const rec = await none.run({ code: 'print(1)' });
  assert.equal(rec.status, 'error');
  assert.match(rec.message, /CODEDISTILL_PYTHON/);
  assert.equal((await none.info()).available, false);
});

// A virtualenv stands for a repository's own environment: only its interpreter sees its site-packages.
const venv = await (async (): Promise<{ python: string } | { skip: string }> => {
  const dir = path.join(tmp, 'venv');
  const failures: string[] = [];
  // Debian's python3 needs python3-venv for this; another python3 on PATH (pyenv) may not.
  for (const base of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(base, ['-m', 'venv', '--without-pip', dir], { encoding: 'utf8', env: scrubEnv(process.env) });
    if (r.status === 0) break;
    failures.push(`${base}: ${(r.error?.message ?? r.stderr.trim().split('\n').pop()) || `exit ${r.status}`}`);
    await rm(dir, { recursive: true, force: true });
  }
  const python = path.join(dir, 'bin', 'python');
  const site = spawnSync(python, ['-I', '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'], { encoding: 'utf8' });
  if (site.status !== 0) return { skip: `no virtualenv could be made (${failures.join('; ') || site.stderr.trim()})` };
  await writeFile(path.join(site.stdout.trim(), 'cd_venv_only.py'), 'MARK = "from the venv"\n');
  return { python };
})();
const venvSkip = 'skip' in venv ? venv.skip : false;

test('a run with a virtualenv\'s interpreter imports what that environment has; the default cannot', { skip: venvSkip }, async () => {
  const python = (venv as { python: string }).python;
  const code = 'import sys, cd_venv_only\nprint(cd_venv_only.MARK)\nprint(sys.prefix)\n';
  const own = await runner.run({ code, python });
  assert.equal(own.status, 'passed', `${own.message}\n${own.stderr}`);
  assert.equal(own.stdout, `from the venv\n${path.dirname(path.dirname(python))}\n`);
  assert.ok(own.interpreter?.startsWith(`${python} (`), own.interpreter ?? 'no interpreter');

  const plain = await runner.run({ code });
  assert.equal(plain.status, 'skipped', plain.message);
  assert.equal(plain.missingModule, 'cd_venv_only');
  assert.notEqual(plain.interpreter, own.interpreter);

  // Each interpreter keeps its own probe: the venv's runs still see it afterwards.
  const again = await runner.run({ code: 'import cd_venv_only', python });
  assert.equal(again.status, 'passed', again.message);
});

test('a batch with a virtualenv\'s interpreter runs every snippet with it', { skip: venvSkip }, async () => {
  const python = (venv as { python: string }).python;
  const recs = await runner.runBatch!(
    [{ code: 'import cd_venv_only\nprint(cd_venv_only.MARK)' }, { code: 'import cd_venv_only', python: 'python3' }],
    { importRoots: [], preload: [], python },
  );
  assert.equal(recs[0]?.status, 'passed', recs[0]?.message);
  assert.equal(recs[0]?.stdout, 'from the venv\n');
  // A request naming another interpreter runs with that one.
  assert.equal(recs[1]?.status, 'skipped', recs[1]?.message);
});

test('a run naming an interpreter that does not exist is an error naming it', async () => {
  const missing = path.join(tmp, 'gone-venv', 'bin', 'python');
  const rec = await runner.run({ code: 'print(1)', python: missing });
  assert.equal(rec.status, 'error');
  assert.ok(rec.message.includes(`"${missing}"`), rec.message);
  assert.match(rec.message, /was not found; .*--python/);
  assert.equal((await runner.info(missing)).available, false);
  // The configured interpreter is unaffected.
  assert.equal((await runner.run({ code: 'print(1)' })).status, 'passed');
  const batch = await runner.runBatch!([{ code: 'print(1)' }], { importRoots: [], preload: [], python: missing });
  assert.equal(batch[0]?.status, 'error');
  assert.ok(batch[0]?.message.includes(`"${missing}"`), batch[0]?.message);
});
