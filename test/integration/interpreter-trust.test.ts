import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { scrubEnv } from '../../src/config.js';
import { isCodedistillError } from '../../src/kernel/errors.js';
import { silentLogger } from '../../src/kernel/log.js';
import { checkInterpreter } from '../../src/validate/interpreter-guard.js';
import { createPythonRunner, type PythonRunnerConfig } from '../../src/validate/runner.js';
import { detectBubblewrap } from '../../src/validate/sandbox/detect.js';
import { runnerServices, testRunnerConfig } from '../helpers/runner.js';

const tmp = await mkdtemp(path.join(os.tmpdir(), 'cd-interp-trust-'));
after(() => rm(tmp, { recursive: true, force: true }));
const bwrap = await detectBubblewrap();
const home = path.join(tmp, 'home');
const repo = path.join(tmp, 'repo');
await mkdir(path.join(home, 'envs', 'k', 'venv', 'bin'), { recursive: true });
await mkdir(path.join(home, 'libraries', 'lib', 'source', 'bin'), { recursive: true });
await mkdir(path.join(repo, 'bin'), { recursive: true });

const marker = path.join(tmp, 'ran-on-host');
/** A "python" a repository wrote: it leaves a marker where the host can see it, then behaves like Python. */
async function hostile(file: string): Promise<string> {
  await writeFile(file, `#!/bin/sh\necho ran > ${marker}\nexec python3 "$@"\n`, { mode: 0o755 });
  return file;
}

function config(over: Partial<PythonRunnerConfig> = {}): PythonRunnerConfig {
  return testRunnerConfig(bwrap.available, home, { home, envsDir: path.join(home, 'envs'), ...over });
}
const runner = createPythonRunner(config(), silentLogger, runnerServices);
// The real interpreter behind python3 (on PATH it may be a pyenv shim, a script).
const realPython = execFileSync(process.env.CODEDISTILL_PYTHON || 'python3', ['-c', 'import os, sys; print(os.path.realpath(sys.executable))'], { encoding: 'utf8' }).trim();
const trust = { untrusted: [home, repo], allowed: [path.join(home, 'envs')], pathEnv: process.env.PATH ?? '/usr/bin:/bin' };
const refused = (re: RegExp) => (e: unknown) => isCodedistillError(e) && e.code === 'invalid_input' && re.test(e.message) && /Pass nothing/.test(e.hint);

test('an interpreter inside CODEDISTILL_HOME (a library snapshot) is refused and never started', async () => {
  const py = await hostile(path.join(home, 'libraries', 'lib', 'source', 'bin', 'python'));
  await assert.rejects(checkInterpreter(py, trust), refused(/inside/));
  const rec = await runner.run({ code: 'print(1)', python: py });
  assert.equal(rec.status, 'error');
  assert.match(rec.message, /refused: it lies inside .*Pass nothing/);
  assert.equal(existsSync(marker), false, 'the refused interpreter ran on the host');
});

test('a link inside a repository to a real python is refused; so is a link from outside into one', async () => {
  const real = await checkInterpreter(realPython, trust);
  assert.ok(real, 'python3 is here');
  await symlink(real, path.join(repo, 'bin', 'python'));
  await assert.rejects(checkInterpreter(path.join(repo, 'bin', 'python'), trust), refused(/inside/));
  const inRepo = await hostile(path.join(repo, 'bin', 'python-real'));
  await symlink(inRepo, path.join(tmp, 'innocent-python'));
  await assert.rejects(checkInterpreter(path.join(tmp, 'innocent-python'), trust), refused(/link target .* inside/));
  assert.equal(existsSync(marker), false);
});

test('relative paths, folders, files that are not executable, NUL bytes: refused with what to pass', async () => {
  await assert.rejects(checkInterpreter('bin/python', trust), refused(/relative path/));
  await assert.rejects(checkInterpreter(tmp, trust), refused(/not a regular file/));
  const plain = path.join(tmp, 'not-exec');
  await writeFile(plain, '#!/bin/sh\n');
  await chmod(plain, 0o644);
  await assert.rejects(checkInterpreter(plain, trust), refused(/not executable/));
  await assert.rejects(checkInterpreter('python\0x', trust), refused(/not a path/));
  // Not there at all: the probe's own "not found" message, not a refusal.
  assert.equal(await checkInterpreter(path.join(tmp, 'absent', 'python'), trust), null);
});

test("the library's own environments under CODEDISTILL_HOME/envs are allowed", async () => {
  const real = await checkInterpreter(realPython, trust);
  const envPython = path.join(home, 'envs', 'k', 'venv', 'bin', 'python');
  await symlink(real!, envPython);
  assert.equal(await checkInterpreter(envPython, trust), envPython);
});

test('a script outside every repository is refused: it could lie to the probe and would make the venv on the host', async () => {
  const outside = path.join(tmp, 'tools');
  await mkdir(outside, { recursive: true });
  const py = await hostile(path.join(outside, 'python'));
  await assert.rejects(checkInterpreter(py, trust), refused(/a script, not a Python executable/));
  const info = await runner.info(py);
  assert.equal(info.available, false);
  assert.match(info.reason ?? '', /a script/);
  assert.equal(existsSync(marker), false, 'the script ran on the host');
  // The configured interpreter (the user's own choice, a pyenv shim maybe) may be a script.
  assert.equal(await checkInterpreter(py, trust, { configured: true }), py);
});

test('interpreters are probed inside the sandbox: a real Python outside every repository is described and runs', { skip: bwrap.available ? false : 'bubblewrap unavailable' }, async () => {
  const real = await checkInterpreter(realPython, trust);
  const info = await runner.info(real!);
  assert.equal(info.available, true, info.reason ?? '');
  const rec = await runner.run({ code: 'import sys; print(sys.executable)', python: real! });
  assert.equal(rec.status, 'passed', rec.message);
});

test('the sandbox environment is an allow-list: host variables and CODEDISTILL_HOME do not reach a snippet', async () => {
  const env = {
    ...process.env,
    CODEDISTILL_HOME: '/srv/secret-home-canary',
    CONTAINER_NAME: 'canary-container',
    SOME_TOOL_CONFIG: '/etc/canary-tool.toml',
    http_proxy: 'http://user:canary@proxy:3128',
    PYTHONSTARTUP: '/tmp/canary-startup.py',
    LANG: 'C.UTF-8',
  };
  const r = createPythonRunner(config({ childEnv: scrubEnv(env) }), silentLogger, runnerServices);
  const rec = await r.run({ code: 'import os\nfor k, v in sorted(os.environ.items()): print(f"{k}={v}")' });
  assert.equal(rec.status, 'passed', rec.message);
  assert.doesNotMatch(rec.stdout, /canary/);
  assert.doesNotMatch(rec.stdout, /^CODEDISTILL_/m);
  assert.match(rec.stdout, /^LANG=C\.UTF-8$/m);
  const names = rec.stdout.split('\n').filter(Boolean).map((l) => l.split('=')[0]!);
  const allowed = /^(LANG|LANGUAGE|TZ|LC_\w+|PATH|HOME|PWD|TMPDIR|USER|LOGNAME|PYTHON\w*|MPLBACKEND|\w+_NUM_THREADS|SHLVL|_|LC_CTYPE)$/;
  assert.deepEqual(names.filter((n) => !allowed.test(n)), []);
});

test('the jobs refuse an interpreter inside the source being distilled or the folder a library came from', async () => {
  const { refuseRepositoryInterpreter, localSourceOf } = await import('../../src/jobs/environment.js');
  const py = await hostile(path.join(repo, 'bin', 'python3'));
  await assert.rejects(refuseRepositoryInterpreter(py, [repo]), refused(/inside/));
  const manifest = { source: { kind: 'local', location: repo } } as Parameters<typeof localSourceOf>[0];
  await assert.rejects(refuseRepositoryInterpreter(py, localSourceOf(manifest)), refused(/inside/));
  // Every known library's repository counts, not only the one being used.
  const { repositoryFolders } = await import('../../src/jobs/environment.js');
  const lib = { dir: path.join(home, 'libraries', 'lib'), manifest: { source: { kind: 'local', location: repo } } } as unknown as Parameters<typeof repositoryFolders>[0][number];
  assert.deepEqual(repositoryFolders([lib]), [lib.dir, repo]);
  await assert.rejects(refuseRepositoryInterpreter(py, repositoryFolders([lib])), refused(/inside/));
  // A bare command is the runner's to resolve and judge; nothing here.
  await refuseRepositoryInterpreter('python3', [repo]);
  assert.equal(existsSync(marker), false);
});
