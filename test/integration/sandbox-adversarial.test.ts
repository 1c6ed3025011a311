/**
 * Hostile snippets against the bubblewrap sandbox. Each test checks the status, that the attack had no effect
 * on the host, and that a normal snippet still passes afterwards.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, statfsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { scrubEnv } from '../../src/config.js';
import { silentLogger } from '../../src/kernel/log.js';
import { createPythonRunner, type PythonRunnerConfig } from '../../src/validate/runner.js';
import { DEFAULT_MAX_PROCESSES, DEFAULT_SCRATCH_BYTES } from '../../src/validate/sandbox/bwrap.js';
import type { Runner } from '../../src/validate/types.js';
import { runnerServices } from '../helpers/runner.js';

const tmp = await mkdtemp(path.join(os.tmpdir(), 'cd-adversarial-'));
after(() => rm(tmp, { recursive: true, force: true }));

// Secrets the sandbox must not see: in the environment handed to loadConfig (scrubbed into childEnv), in this
// (the parent) process's own environment, and in a file outside the scratch folder.
const FAKE_TOKEN = `ghp_fake${randomUUID().replace(/-/g, '')}`;
const FAKE_KEY = `sk-fake-${randomUUID()}`;
const PARENT_SECRET = `parent-secret-${randomUUID()}`;
process.env.CD_ADVERSARIAL_TEST_API_KEY = PARENT_SECRET;
const secretDir = await mkdtemp(path.join(os.tmpdir(), 'cd-secret-'));
const secretFile = path.join(secretDir, 'credentials.txt');
const FILE_SECRET = `file-secret-${randomUUID()}`;
await writeFile(secretFile, FILE_SECRET);
after(() => rm(secretDir, { recursive: true, force: true }));

// A unique variable in the sandbox's environment lets the host find (and count) the sandbox's processes.
const RUN_TAG = `cd-run-${randomUUID()}`;

function config(over: Partial<PythonRunnerConfig> = {}): PythonRunnerConfig {
  const env = {
    ...process.env,
    GITHUB_TOKEN: FAKE_TOKEN,
    CODEDISTILL_LLM_API_KEY: FAKE_KEY,
    AWS_SECRET_ACCESS_KEY: FAKE_KEY,
  };
  return {
    python: process.env.CODEDISTILL_PYTHON || 'python3',
    sandbox: 'bwrap',
    allowUnsandboxed: false,
    timeoutMs: 20_000,
    maxTimeoutMs: 60_000,
    memoryLimitMb: 512,
    outputCapBytes: 64 * 1024,
    childEnv: scrubEnv(env),
    sandboxEnv: { CD_ADVERSARIAL_TAG: RUN_TAG },
    cacheDir: path.join(tmp, 'cache'),
    ...over,
  };
}

const runner: Runner = createPythonRunner(config(), silentLogger, runnerServices);
const info = await runner.info();
const skipReason = info.available && info.sandbox === 'bwrap' ? null : `bubblewrap is not usable here: ${info.reason}`;

function needSandbox(t: TestContext): boolean {
  if (skipReason) {
    t.skip(skipReason);
    return false;
  }
  return true;
}

async function stillWorks(): Promise<void> {
  const rec = await runner.run({ code: 'print(sum(range(10)))\n' });
  assert.equal(rec.status, 'passed', `a normal snippet failed after the attack: ${rec.message}\n${rec.stderr}`);
  assert.equal(rec.stdout.trim(), '45');
}

/** Host pids whose environment carries our tag: processes started inside the sandbox. */
function taggedPids(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`).includes(RUN_TAG)) pids.push(Number(name));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/** Wait (bounded) until no tagged process is left; returns the ones still there. */
async function waitUntilGone(): Promise<number[]> {
  for (let i = 0; i < 100; i++) {
    const left = taggedPids();
    if (left.length === 0) return left;
    await new Promise((r) => setTimeout(r, 50));
  }
  return taggedPids();
}

/**
 * Ways to a new user namespace (Python 3.11 has no os.unshare): each in a fresh child, since a successful
 * unshare would change the process for the next attempt.
 */
const NEWUSER_ATTEMPTS = `
import ctypes, errno, os, platform, subprocess, threading
libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWUSER = 0x10000000
def in_child(fn):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            res = fn()
        except BaseException as e:
            res = "EXC %r" % (e,)
        os.write(w, res.encode())
        os._exit(0)
    os.close(w)
    out = b""
    while True:
        chunk = os.read(r, 4096)
        if not chunk:
            break
        out += chunk
    os.waitpid(pid, 0)
    return out.decode()
def err():
    return errno.errorcode.get(ctypes.get_errno(), "?")
def do_unshare():
    return "OK" if libc.unshare(CLONE_NEWUSER) == 0 else err()
CLONE_NR = {"x86_64": 56, "aarch64": 220}.get(platform.machine())
def do_clone():
    pid = libc.syscall(CLONE_NR, CLONE_NEWUSER | 17, 0, 0, 0, 0)  # | SIGCHLD; no stack: fork-like
    if pid == 0:
        os._exit(0)
    if pid > 0:
        os.waitpid(pid, 0)
        return "OK"
    return err()
print("UNSHARE", in_child(do_unshare))
def do_os_unshare():
    try:
        os.unshare(os.CLONE_NEWUSER)
        return "OK"
    except OSError as e:
        return errno.errorcode.get(e.errno, "?")
if hasattr(os, "unshare"):  # Python 3.12+
    print("OS-UNSHARE", in_child(do_os_unshare))
if CLONE_NR:
    print("CLONE", in_child(do_clone))
p = subprocess.run(["unshare", "--user", "true"], capture_output=True, text=True)
print("UNSHARE-CMD", p.returncode)
box = []
t = threading.Thread(target=lambda: box.append("ran"))
t.start()
t.join()
print("THREAD", box)
print("SUBPROCESS", subprocess.run(["echo", "ok"], capture_output=True, text=True).stdout.strip())
`;

function assertNoNewUserns(stdout: string): void {
  assert.match(stdout, /^UNSHARE EPERM$/m, stdout);
  if (/^CLONE /m.test(stdout)) assert.match(stdout, /^CLONE EPERM$/m, stdout);
  if (/^OS-UNSHARE /m.test(stdout)) assert.match(stdout, /^OS-UNSHARE EPERM$/m, stdout);
  assert.match(stdout, /^UNSHARE-CMD [1-9]\d*$/m, stdout);
  assert.match(stdout, /^THREAD \['ran'\]$/m, stdout);
  assert.match(stdout, /^SUBPROCESS ok$/m, stdout);
}

test('the sandbox is usable: user known, /etc readable, subprocesses and multiprocessing work', async (t) => {
  if (!needSandbox(t)) return;
  // Guards against locking the sandbox user out of what it needs (bwrap creates mount-point folders 0700).
  const code = `
import os, pwd, subprocess, multiprocessing
print("USER", pwd.getpwuid(os.getuid()).pw_name)
print("ETC", len(open("/etc/ld.so.cache", "rb").read()) > 0)
print("SUB", subprocess.run(["python3", "-c", "print(7 * 6)"], capture_output=True, text=True).stdout.strip())
with multiprocessing.Pool(2) as pool:
    print("POOL", pool.map(abs, [-1, -2]))
`;
  const rec = await runner.run({ code });
  assert.equal(rec.status, 'passed', rec.stderr);
  assert.match(rec.stdout, /USER sandbox/);
  assert.match(rec.stdout, /ETC True/);
  assert.match(rec.stdout, /SUB 42/);
  assert.match(rec.stdout, /POOL \[1, 2\]/);
});

test('network: no connection to a server on the host loopback or interface, no DNS', async (t) => {
  if (!needSandbox(t)) return;
  let connections = 0;
  const server = net.createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
  const port = (server.address() as net.AddressInfo).port;
  const external = Object.values(os.networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
  try {
    const code = `
import socket
for host in ${JSON.stringify(['127.0.0.1', ...(external ? [external] : [])])}:
    try:
        socket.create_connection((host, ${port}), timeout=3).close()
        print("CONNECTED", host)
    except OSError as e:
        print("BLOCKED", host, type(e).__name__)
try:
    socket.getaddrinfo("example.com", 80)
    print("DNS-RESOLVED")
except OSError as e:
    print("DNS-BLOCKED", type(e).__name__)
print("IFACES", sorted(l.split(":")[0].strip() for l in open("/proc/net/dev").read().splitlines()[2:]))
`;
    const rec = await runner.run({ code });
    assert.equal(rec.status, 'passed', rec.stderr);
    assert.doesNotMatch(rec.stdout, /CONNECTED/);
    assert.match(rec.stdout, /BLOCKED 127\.0\.0\.1/);
    assert.match(rec.stdout, /DNS-BLOCKED/);
    assert.match(rec.stdout, /IFACES \['lo'\]/);
    assert.equal(connections, 0);
  } finally {
    server.close();
  }
  await stillWorks();
});

test('writing outside the scratch folder fails; the scratch folder is writable', async (t) => {
  if (!needSandbox(t)) return;
  const hostTargets = ['/work/cd-escape.txt', '/etc/cd-escape.txt', '/root/cd-escape.txt', '/usr/cd-escape.txt', '/cd-escape.txt'];
  const code = `
import os
for p in ${JSON.stringify(hostTargets)} + [os.path.join(${JSON.stringify(path.dirname(secretFile))}, "x.txt")]:
    try:
        with open(p, "w") as f:
            f.write("escaped")
        print("WROTE", p)
    except OSError as e:
        print("DENIED", p, type(e).__name__)
open("/sandbox/ok.txt", "w").write("fine")
print("SCRATCH", open("ok.txt").read(), os.getcwd(), os.environ["HOME"])
`;
  const rec = await runner.run({ code });
  assert.equal(rec.status, 'passed', rec.stderr);
  assert.doesNotMatch(rec.stdout, /WROTE/);
  assert.match(rec.stdout, /SCRATCH fine \/sandbox \/sandbox/);
  for (const p of hostTargets) assert.equal(existsSync(p), false, `${p} was created on the host`);
  assert.equal(existsSync(path.join(secretDir, 'x.txt')), false);
  await stillWorks();
});

test('host secrets: not in the environment, not in other processes, not on disk', async (t) => {
  if (!needSandbox(t)) return;
  const hostInit = readFileSync('/proc/1/cmdline', 'utf8');
  const code = `
import os, glob
print("ENV", "\\n".join(f"{k}={v}" for k, v in os.environ.items()))
for p in glob.glob("/proc/[0-9]*/environ") + glob.glob("/proc/[0-9]*/cmdline"):
    try:
        print("PROC", p, open(p, "rb").read().replace(b"\\0", b" ").decode(errors="replace"))
    except OSError as e:
        print("PROC-DENIED", p, type(e).__name__)
for p in [${JSON.stringify(secretFile)}, "/root/.ssh/id_rsa", "/root/.bash_history", "/work/main/package.json", "/etc/shadow"]:
    try:
        print("READ", p, open(p).read())
    except OSError as e:
        print("NOFILE", p, type(e).__name__)
for d in ["/root", "/home", "/work", "/var", "/run", "/opt", "/tmp"]:
    try:
        print("LS", d, os.listdir(d))
    except OSError as e:
        print("NODIR", d, type(e).__name__)
try:
    os.kill(${process.pid}, 9)
    print("KILLED-PARENT")
except OSError as e:
    print("NOKILL", type(e).__name__)
try:
    os.setuid(0)
    print("BECAME-ROOT")
except OSError as e:
    print("NOSETUID", type(e).__name__)
`;
  const rec = await runner.run({ code });
  assert.equal(rec.status, 'passed', rec.stderr);
  for (const secret of [FAKE_TOKEN, FAKE_KEY, PARENT_SECRET, FILE_SECRET]) {
    assert.equal(rec.stdout.includes(secret), false, 'a host secret was visible inside the sandbox');
  }
  assert.match(rec.stdout, /ENV .*HOME=\/sandbox/s);
  assert.doesNotMatch(rec.stdout, /^ENV.*GITHUB_TOKEN/m);
  // The sandbox's pid 1 is bubblewrap's, not the host's init.
  const inner = /^PROC \/proc\/1\/cmdline (.*)$/m.exec(rec.stdout)?.[1] ?? '';
  assert.ok(inner.startsWith('bwrap'), `pid 1 inside is ${inner}`);
  assert.notEqual(inner.trim(), hostInit.replace(/\0/g, ' ').trim());
  assert.match(rec.stdout, new RegExp(`NOFILE ${secretFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  assert.match(rec.stdout, /NOFILE \/work\/main\/package.json/);
  assert.match(rec.stdout, /NOFILE \/etc\/shadow/);
  assert.match(rec.stdout, /NODIR \/work/);
  assert.match(rec.stdout, /NODIR \/home/);
  assert.match(rec.stdout, /LS \/tmp \[\]/);
  assert.doesNotMatch(rec.stdout, /KILLED-PARENT|BECAME-ROOT/);
  await stillWorks();
});

test('an import root that contains the folder of all runs does not expose other runs', async (t) => {
  if (!needSandbox(t)) return;
  // Scratch folders live in os.tmpdir(); if an import root holds it, another run's files would be readable.
  const root = await mkdtemp(path.join(tmp, 'repo-'));
  const runs = path.join(root, 'tmp');
  await mkdir(path.join(root, 'pkg'), { recursive: true });
  await mkdir(runs);
  await writeFile(path.join(root, 'pkg', '__init__.py'), 'VALUE = 5\n');
  await writeFile(path.join(runs, 'other-run.txt'), FILE_SECRET);
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = runs;
  try {
    const code = `
import os, pkg
print("VALUE", pkg.VALUE)
print("RUNS", os.listdir(${JSON.stringify(runs)}))
`;
    const rec = await runner.run({ code, importRoots: [root] });
    assert.equal(rec.status, 'passed', rec.stderr);
    assert.match(rec.stdout, /VALUE 5/);
    assert.match(rec.stdout, /RUNS \[\]/);
    assert.equal(rec.stdout.includes(FILE_SECRET), false);
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
  await stillWorks();
});

test('fork bomb: the process count stays bounded, the host can still start processes', async (t) => {
  if (!needSandbox(t)) return;
  const code = `
import os, time
while True:
    try:
        os.fork()
    except OSError:
        time.sleep(0.05)
`;
  let maxSeen = 0;
  let hostSpawnOk: boolean | null = null;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const n = taggedPids().length;
      maxSeen = Math.max(maxSeen, n);
      if (n >= 20 && hostSpawnOk === null) {
        // While the bomb is at its limit the host must still be able to fork.
        const r = await execa('/bin/sh', ['-c', 'echo alive'], { reject: false, timeout: 10_000 });
        hostSpawnOk = r.exitCode === 0 && r.stdout === 'alive';
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const rec = await runner.run({ code, timeoutMs: 4000 });
  sampling = false;
  await sampler;
  assert.ok(['timeout', 'failed'].includes(rec.status), `status ${rec.status}: ${rec.message}`);
  assert.ok(maxSeen >= 20, `the bomb never got going (max ${maxSeen} processes)`);
  assert.ok(maxSeen <= DEFAULT_MAX_PROCESSES + 2, `${maxSeen} processes: the limit did not hold`);
  assert.equal(hostSpawnOk, true);
  assert.deepEqual(await waitUntilGone(), [], 'fork bomb processes outlived the run');
  await stillWorks();
});

test('memory bomb: a 50 GB allocation fails with MemoryError', async (t) => {
  if (!needSandbox(t)) return;
  const rec = await runner.run({ code: 'x = bytearray(50 * 1024 ** 3)\nprint("allocated")\n' });
  assert.equal(rec.status, 'failed');
  assert.equal(rec.error?.type, 'MemoryError');
  assert.equal(rec.error?.line, 1);
  assert.doesNotMatch(rec.stdout, /allocated/);

  // Growing step by step hits the same wall at the configured limit (512 MB here).
  const grow = await runner.run({ code: 'chunks = []\nwhile True:\n    chunks.append(bytearray(64 * 1024 * 1024))\n' });
  assert.equal(grow.status, 'failed');
  assert.equal(grow.error?.type, 'MemoryError');
  if (grow.peakMemoryKb) assert.ok(grow.peakMemoryKb < 600 * 1024, `peak ${grow.peakMemoryKb} KB`);
  await stillWorks();
});

test('endless output: capped, truncated, stopped', async (t) => {
  if (!needSandbox(t)) return;
  const rec = await runner.run({ code: 'while True:\n    print("x" * 1000)\n' });
  assert.equal(rec.status, 'failed', rec.message);
  assert.equal(rec.truncated, true);
  assert.ok(Buffer.byteLength(rec.stdout) <= 64 * 1024, `stdout ${Buffer.byteLength(rec.stdout)} bytes`);
  assert.match(rec.message, /Stopped after printing more than/);

  const err = await runner.run({ code: 'import sys\nwhile True:\n    sys.stderr.write("e" * 1000 + "\\n")\n' });
  assert.equal(err.status, 'failed');
  assert.ok(Buffer.byteLength(err.stderr) <= 64 * 1024);
  await stillWorks();
});

test('sleeping forever ends in timeout', async (t) => {
  if (!needSandbox(t)) return;
  const rec = await runner.run({ code: 'import time\ntime.sleep(10 ** 6)\n', timeoutMs: 1500 });
  assert.equal(rec.status, 'timeout');
  assert.deepEqual(await waitUntilGone(), []);
  await stillWorks();
});

test('an orphaned grandchild holding the pipes does not hold up the run, and is gone afterwards', async (t) => {
  if (!needSandbox(t)) return;
  // If the runner waited for the grandchild's copy of stdout, this would end as a timeout, not passed.
  const code = `
import subprocess
subprocess.Popen(["sleep", "1000"], start_new_session=True)
print("parent done")
`;
  const rec = await runner.run({ code, timeoutMs: 15_000 });
  assert.equal(rec.status, 'passed', `${rec.status}: ${rec.message}`);
  assert.equal(rec.stdout.trim(), 'parent done');
  assert.deepEqual(await waitUntilGone(), [], 'the grandchild survived the sandbox');
  await stillWorks();
});

test('a runaway thread pool cannot raise its own limits', async (t) => {
  if (!needSandbox(t)) return;
  const code = `
import resource
for name in ["RLIMIT_NPROC", "RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_FSIZE"]:
    r = getattr(resource, name)
    soft, hard = resource.getrlimit(r)
    try:
        resource.setrlimit(r, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        print("RAISED", name)
    except (ValueError, OSError):
        print("KEPT", name, soft, hard)
`;
  const rec = await runner.run({ code });
  assert.equal(rec.status, 'passed', rec.stderr);
  assert.doesNotMatch(rec.stdout, /RAISED/);
  assert.match(rec.stdout, new RegExp(`KEPT RLIMIT_NPROC ${DEFAULT_MAX_PROCESSES} ${DEFAULT_MAX_PROCESSES}`));
  assert.match(rec.stdout, new RegExp(`KEPT RLIMIT_AS ${512 * 1024 * 1024} ${512 * 1024 * 1024}`));
  await stillWorks();
});

// ---- descriptors, disk, user namespaces ------------------------------------------------------------------

const repoRoot = path.resolve(fileURLToPath(import.meta.url), '../../..');
/**
 * Where the inherited descriptor sits in the child Node process: above the ones Node opens for itself at
 * start-up (seen here: one inherited at 7 was no longer passed on to Node's own children, one at 19 was).
 */
const INHERITED_FD = 100;

test('descriptors: only stdio reaches the code, even when our process inherited more (single and batch)', async (t) => {
  if (!needSandbox(t)) return;
  // A Node process cannot open a descriptor without CLOEXEC itself, so the runner runs in a child that
  // inherits one (the secret file, as a harness's pipe would be) and then runs the snippet.
  const script = path.join(tmp, 'fd-child.mts');
  const src = (p: string) => JSON.stringify(pathToFileURL(path.join(repoRoot, p)).href);
  await writeFile(
    script,
    `import { fstatSync } from 'node:fs';
import { silentLogger } from ${src('src/kernel/log.js')};
import { createPythonRunner, createRunnerServices } from ${src('src/validate/runner.js')};
const [cfg, code] = JSON.parse(process.argv[2]);
let inherited = false;
try { inherited = fstatSync(${INHERITED_FD}).isFile(); } catch {}
const runner = createPythonRunner(cfg, silentLogger, createRunnerServices());
const single = await runner.run({ code });
const batched = await runner.runBatch([{ code }], { importRoots: [], preload: [], workers: 1 });
process.stdout.write(JSON.stringify({ inherited, single, batched: batched[0] }));
`,
  );
  const code = `
import os, stat
def open_fds():
    out = []
    for name in os.listdir("/proc/self/fd"):
        try:
            os.fstat(int(name))  # listdir's own descriptor is closed again by now
            out.append(int(name))
        except OSError:
            pass
    return sorted(out)
print("FDS", open_fds())
# A copy held by any other process in the sandbox would be reachable through /proc/<pid>/fd.
leaks = []
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        names = os.listdir("/proc/%s/fd" % pid)
    except OSError:
        continue
    for n in names:
        p = "/proc/%s/fd/%s" % (pid, n)
        try:
            if stat.S_ISREG(os.stat(p).st_mode):
                with open(p, "rb") as f:
                    if ${JSON.stringify(FILE_SECRET)}.encode() in f.read(4096):
                        leaks.append(p)
        except OSError:
            pass
print("LEAKS", leaks)
`;
  const fd = openSync(secretFile, 'r');
  let out = '';
  let err = '';
  try {
    const stdio: Array<'ignore' | 'pipe' | number> = ['ignore', 'pipe', 'pipe'];
    while (stdio.length < INHERITED_FD) stdio.push('ignore');
    stdio.push(fd);
    const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify([config(), code])], { cwd: repoRoot, stdio });
    child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    const exit = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(exit, 0, err);
  } finally {
    closeSync(fd);
  }
  const res = JSON.parse(out) as { inherited: boolean; single: { status: string; stdout: string; stderr: string }; batched: { status: string; stdout: string; stderr: string } };
  assert.equal(res.inherited, true, 'the child process did not inherit the descriptor: the test would prove nothing');
  for (const [mode, rec] of [['single', res.single], ['batch', res.batched]] as const) {
    assert.equal(rec.status, 'passed', `${mode}: ${rec.stderr}`);
    assert.match(rec.stdout, /^FDS \[0, 1, 2\]$/m, `${mode}: ${rec.stdout}`);
    assert.match(rec.stdout, /^LEAKS \[\]$/m, `${mode}: ${rec.stdout}`);
    assert.equal(rec.stdout.includes(FILE_SECRET), false);
  }
  await stillWorks();
});

/** Free bytes on the filesystem that holds the runs' folders. */
function hostFreeBytes(): number {
  const s = statfsSync(os.tmpdir());
  return s.bavail * s.bsize;
}

function pidsWithArg(mark: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`).includes(mark)) pids.push(Number(name));
    } catch {
      // gone
    }
  }
  return pids;
}

/**
 * A snippet that writes 100 files of 10 MiB into its scratch folder, then holds them until the host has
 * measured its disk: a process carrying `mark` says "measure now", a file `go` appearing in the gate folder
 * (an import root: mounted read-only, but it shows the host's changes) says "done". No sleeps to get right.
 */
function diskFill(gate: string, mark: string): string {
  return `
import errno, os, subprocess, time
written, err = 0, None
block = b"\\0" * (1024 * 1024)
try:
    for i in range(100):
        with open("fill-%d.bin" % i, "wb") as f:
            for _ in range(10):
                f.write(block)
                written += len(block)
except OSError as e:
    err = errno.errorcode.get(e.errno, str(e.errno))
st = os.statvfs("/sandbox")
print("ERR", err, "WRITTEN", written, "SCRATCH", st.f_blocks * st.f_frsize, flush=True)
marker = subprocess.Popen(["/bin/sh", "-c", "sleep 600; :", ${JSON.stringify(mark)}])
while not os.path.exists(${JSON.stringify(path.join(gate, 'go'))}):
    time.sleep(0.02)
marker.kill()
marker.wait()
`;
}

/** A folder mounted whole (a 0700 one would be rebuilt from its entries, and a later file would not show). */
async function gateFolder(): Promise<string> {
  const gate = await mkdtemp(path.join(tmp, 'gate-'));
  await chmod(gate, 0o755);
  return gate;
}

/** While `pending` runs: wait for the snippet's mark, measure the host's free space, open the gate. */
async function measureWhileFull(pending: Promise<unknown>, gate: string, mark: string): Promise<number | null> {
  let settled = false;
  void pending.then(
    () => (settled = true),
    () => (settled = true),
  );
  while (!settled) {
    if (pidsWithArg(mark).length > 0) {
      const free = hostFreeBytes();
      await writeFile(path.join(gate, 'go'), '');
      return free;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return null;
}

function assertDiskFillStopped(stdout: string, freeBefore: number, freeWhileFull: number | null): void {
  const m = /^ERR (\S+) WRITTEN (\d+) SCRATCH (\d+)$/m.exec(stdout);
  assert.ok(m, `no report from the snippet: ${stdout}`);
  const [, err, written, scratch] = m;
  assert.ok(err === 'ENOSPC' || err === 'EFBIG', `writing 1 GB ended with ${err}`);
  // The tmpfs is the default size plus room for what the caller handed over (the snippet, a batch's job).
  const slack = 4 * 1024 * 1024;
  assert.ok(Number(scratch) >= DEFAULT_SCRATCH_BYTES && Number(scratch) <= DEFAULT_SCRATCH_BYTES + slack, `scratch of ${scratch} bytes`);
  assert.ok(Number(written) <= DEFAULT_SCRATCH_BYTES + slack, `${written} bytes written`);
  assert.notEqual(freeWhileFull, null, 'the snippet never signalled that it had filled its folder');
  // With the files on the host's disk the drop would be about 1 GB; other activity on the machine may move
  // it by a little.
  const drop = freeBefore - (freeWhileFull as number);
  assert.ok(drop < 512 * 1024 * 1024, `the host disk lost ${Math.round(drop / 1024 / 1024)} MiB while the sandbox was full`);
}

test('disk filling: 1 GB of files fails with ENOSPC inside, the host disk is untouched', async (t) => {
  if (!needSandbox(t)) return;
  const gate = await gateFolder();
  const mark = `cd-disk-full-${randomUUID()}`;
  const before = hostFreeBytes();
  const pending = runner.run({ code: diskFill(gate, mark), importRoots: [gate], timeoutMs: 60_000 });
  const whileFull = await measureWhileFull(pending, gate, mark);
  const rec = await pending;
  assert.equal(rec.status, 'passed', `${rec.message}\n${rec.stderr}`);
  assertDiskFillStopped(rec.stdout, before, whileFull);
  await stillWorks();
});

test('user namespaces: unshare and clone with CLONE_NEWUSER fail, threads and subprocesses still work', async (t) => {
  if (!needSandbox(t)) return;
  const rec = await runner.run({ code: NEWUSER_ATTEMPTS });
  assert.equal(rec.status, 'passed', rec.stderr);
  assertNoNewUserns(rec.stdout);
  await stillWorks();
});

// ---- batch mode: the same attacks inside one forking driver ----------------------------------------------
// A batch shares one sandbox among many snippets, so each attack is followed by a normal snippet in the SAME
// batch: the attack must not spill into it (leftover processes, used-up process budget, files).

async function batch(codes: Array<{ code: string; timeoutMs?: number }>) {
  assert.ok(runner.runBatch, 'the Python runner has a batch mode');
  return runner.runBatch(codes, { importRoots: [], preload: [], workers: 1 });
}

const NORMAL = { code: 'print(sum(range(10)))\n' };
function assertNormal(rec: { status: string; stdout: string; message: string; stderr: string } | undefined): void {
  assert.equal(rec?.status, 'passed', `the snippet after the attack failed: ${rec?.message}\n${rec?.stderr}`);
  assert.equal(rec?.stdout.trim(), '45');
}

test('batch: fork bomb stays bounded, is cleared before the next snippet, the host can still fork', async (t) => {
  if (!needSandbox(t)) return;
  const code = `
import os, time
while True:
    try:
        os.fork()
    except OSError:
        time.sleep(0.05)
`;
  let maxSeen = 0;
  let hostSpawnOk: boolean | null = null;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const n = taggedPids().length;
      maxSeen = Math.max(maxSeen, n);
      if (n >= 20 && hostSpawnOk === null) {
        const r = await execa('/bin/sh', ['-c', 'echo alive'], { reject: false, timeout: 10_000 });
        hostSpawnOk = r.exitCode === 0 && r.stdout === 'alive';
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  // Twice: the second bomb must get the whole budget again, so the first one's processes must be gone.
  const recs = await batch([{ code, timeoutMs: 4000 }, NORMAL, { code, timeoutMs: 4000 }, NORMAL]);
  sampling = false;
  await sampler;
  for (const i of [0, 2]) assert.ok(['timeout', 'failed'].includes(recs[i]?.status ?? ''), `status ${recs[i]?.status}: ${recs[i]?.message}`);
  assertNormal(recs[1]);
  assertNormal(recs[3]);
  assert.ok(maxSeen >= 20, `the bomb never got going (max ${maxSeen} processes)`);
  // The outer bwrap and the sandbox's init are tagged too and are not the sandbox user's.
  assert.ok(maxSeen <= DEFAULT_MAX_PROCESSES + 3, `${maxSeen} processes: the limit did not hold`);
  assert.equal(hostSpawnOk, true);
  assert.deepEqual(await waitUntilGone(), [], 'fork bomb processes outlived the batch');
});

test('batch: sleeping forever ends in timeout, the next snippet runs, nothing is left', async (t) => {
  if (!needSandbox(t)) return;
  const recs = await batch([
    { code: 'import subprocess, time\nsubprocess.Popen(["sleep", "1000"], start_new_session=True)\ntime.sleep(10 ** 6)\n', timeoutMs: 1500 },
    { code: 'import os\nprint(sum(1 for p in os.listdir("/proc") if p.isdigit() and open(f"/proc/{p}/cmdline", "rb").read().startswith(b"sleep")))\n' },
    NORMAL,
  ]);
  assert.equal(recs[0]?.status, 'timeout', recs[0]?.message);
  assert.equal(recs[1]?.status, 'passed', recs[1]?.stderr);
  assert.equal(recs[1]?.stdout.trim(), '0', 'the detached sleeper of the previous snippet is still alive');
  assertNormal(recs[2]);
  assert.deepEqual(await waitUntilGone(), []);
});

test('batch: endless output is capped and stopped, the next snippet runs', async (t) => {
  if (!needSandbox(t)) return;
  const recs = await batch([
    { code: 'while True:\n    print("x" * 1000)\n' },
    { code: 'import sys\nwhile True:\n    sys.stderr.write("e" * 1000 + "\\n")\n' },
    NORMAL,
  ]);
  assert.equal(recs[0]?.status, 'failed', recs[0]?.message);
  assert.equal(recs[0]?.truncated, true);
  assert.ok(Buffer.byteLength(recs[0]?.stdout ?? '') <= 64 * 1024);
  assert.match(recs[0]?.message ?? '', /Stopped after printing more than/);
  assert.equal(recs[1]?.status, 'failed');
  assert.ok(Buffer.byteLength(recs[1]?.stderr ?? '') <= 64 * 1024);
  assert.match(recs[1]?.message ?? '', /Stopped after printing more than/);
  assertNormal(recs[2]);
});

test('batch: memory bombs fail with MemoryError at the configured limit, the next snippet runs', async (t) => {
  if (!needSandbox(t)) return;
  const recs = await batch([
    { code: 'x = bytearray(50 * 1024 ** 3)\nprint("allocated")\n' },
    { code: 'chunks = []\nwhile True:\n    chunks.append(bytearray(64 * 1024 * 1024))\n' },
    NORMAL,
  ]);
  assert.equal(recs[0]?.status, 'failed');
  assert.equal(recs[0]?.error?.type, 'MemoryError');
  assert.equal(recs[0]?.error?.line, 1);
  assert.doesNotMatch(recs[0]?.stdout ?? '', /allocated/);
  assert.equal(recs[1]?.status, 'failed');
  assert.equal(recs[1]?.error?.type, 'MemoryError');
  if (recs[1]?.peakMemoryKb) assert.ok(recs[1].peakMemoryKb < 600 * 1024, `peak ${recs[1].peakMemoryKb} KB`);
  assertNormal(recs[2]);
});

test('batch: a snippet can reach neither the driver nor the result channel', async (t) => {
  if (!needSandbox(t)) return;
  // The driver is non-dumpable: its /proc entries are closed to the sandbox user, so the pipe to the host
  // cannot be reopened through /proc/<pid>/fd and its memory (the token) cannot be read.
  const attack = `
import glob, os
me, driver = os.getpid(), os.getppid()
for p in ["/proc/%d/fd" % driver, "/proc/%d/mem" % driver, "/proc/%d/environ" % driver]:
    try:
        os.listdir(p) if p.endswith("/fd") else open(p, "rb").read(16)
        print("OPENED", p)
    except OSError as e:
        print("DENIED", p, type(e).__name__)
for fd_path in glob.glob("/proc/[0-9]*/fd/*"):
    if fd_path.startswith("/proc/%d/" % me) or int(fd_path.rsplit("/", 1)[1]) > 63:
        continue
    try:
        fd = os.open(fd_path, os.O_WRONLY | os.O_NONBLOCK)
        os.write(fd, b'{"t":"result","i":1,"forged":true}\\n')
        print("WROTE", fd_path)
    except OSError:
        pass
# Nothing but stdio is open: no inherited copy of the channel (checked, never written to).
open_fds = []
for fd in range(3, 1024):
    try:
        os.fstat(fd)
        open_fds.append(fd)
    except OSError:
        pass
print("FDS", open_fds)
`;
  const recs = await batch([{ code: attack }, NORMAL]);
  assert.equal(recs[0]?.status, 'passed', recs[0]?.stderr);
  assert.doesNotMatch(recs[0]?.stdout ?? '', /OPENED|WROTE/);
  assert.match(recs[0]?.stdout ?? '', /DENIED \/proc\/\d+\/fd/);
  assert.match(recs[0]?.stdout ?? '', /^FDS \[\]$/m);
  assertNormal(recs[1]);
});

test('batch: the limits the snippet sees are those of a single run', async (t) => {
  if (!needSandbox(t)) return;
  const code = `
import resource
for name in ["RLIMIT_NPROC", "RLIMIT_AS", "RLIMIT_CPU"]:
    r = getattr(resource, name)
    soft, hard = resource.getrlimit(r)
    try:
        resource.setrlimit(r, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        print("RAISED", name)
    except (ValueError, OSError):
        print("KEPT", name, soft, hard)
`;
  const recs = await batch([{ code, timeoutMs: 5000 }]);
  assert.equal(recs[0]?.status, 'passed', recs[0]?.stderr);
  const out = recs[0]?.stdout ?? '';
  assert.doesNotMatch(out, /RAISED/);
  assert.match(out, new RegExp(`KEPT RLIMIT_NPROC ${DEFAULT_MAX_PROCESSES} ${DEFAULT_MAX_PROCESSES}`));
  assert.match(out, new RegExp(`KEPT RLIMIT_AS ${512 * 1024 * 1024} ${512 * 1024 * 1024}`));
  // The per-snippet CPU limit, as prlimit gives a single run of the same timeout: ceil(5 s) + 1.
  assert.match(out, /KEPT RLIMIT_CPU 6 7/);
});

test('batch: disk filling fails with ENOSPC, the host disk is untouched, the next snippets get the space back', async (t) => {
  if (!needSandbox(t)) return;
  const gate = await gateFolder();
  const mark = `cd-disk-full-${randomUUID()}`;
  // 200 MiB fits only if the previous snippet's files are gone.
  const refill = 'with open("again.bin", "wb") as f:\n    f.write(b"\\0" * (200 * 1024 * 1024))\nprint("REFILLED")\n';
  const before = hostFreeBytes();
  assert.ok(runner.runBatch);
  const pending = runner.runBatch([{ code: diskFill(gate, mark), timeoutMs: 60_000 }, { code: refill }, NORMAL], {
    importRoots: [gate],
    preload: [],
    workers: 1,
  });
  const whileFull = await measureWhileFull(pending, gate, mark);
  const recs = await pending;
  assert.equal(recs[0]?.status, 'passed', `${recs[0]?.message}\n${recs[0]?.stderr}`);
  assertDiskFillStopped(recs[0]?.stdout ?? '', before, whileFull);
  assert.equal(recs[1]?.status, 'passed', `${recs[1]?.message}\n${recs[1]?.stderr}`);
  assert.equal(recs[1]?.stdout.trim(), 'REFILLED');
  assertNormal(recs[2]);
});

test('batch: user namespaces: unshare and clone with CLONE_NEWUSER fail, threads and subprocesses still work', async (t) => {
  if (!needSandbox(t)) return;
  const recs = await batch([{ code: NEWUSER_ATTEMPTS }, NORMAL]);
  assert.equal(recs[0]?.status, 'passed', recs[0]?.stderr);
  assertNoNewUserns(recs[0]?.stdout ?? '');
  assertNormal(recs[1]);
});
