/**
 * Batch mode: many snippets in one sandbox. Starting a sandboxed interpreter and importing a scientific
 * package (numpy, scipy) costs about half a second, far more than most usage examples take to run; here a
 * driver (DRIVER_SOURCE, our own code) imports the package once, then forks a child per snippet.
 *
 * What each snippet still gets, as with run():
 * - its own process (a fork of the driver after the preload) with its own CPU limit, the sandbox's memory,
 *   file-size and process limits, its own wall-clock limit (the driver kills its process group), and a
 *   `python /sandbox/snippet.py`-like start: __main__, sys.argv, sys.path[0], tracebacks naming the snippet;
 * - fresh state: interpreter state dies with the child; before each snippet every other process in the
 *   sandbox is killed (the pid namespace is private, so "every other" is exactly the leftovers), the
 *   writable folders (/sandbox, /tmp, /dev/shm) are emptied and SysV IPC objects removed.
 * What the driver protects: it is non-dumpable (no ptrace, no /proc/<pid>/fd or mem for the children), it
 * reads its job and deletes it before anything else runs, and results go through a private copy of its
 * stdout, each line prefixed with a random token, so a snippet can neither write nor forge another's record.
 * The package's import-time code runs once in the driver; a batch must therefore hold code of one origin
 * (one repository): that code could already decide every example's outcome, and never reaches the host.
 *
 * When a driver dies, stalls or refuses (a check failed), the snippets without a record are run one by one
 * with run(): the batch never yields less than single runs would.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { RunRecord } from '../domain/validation.js';
import { cancelled, CodedistillError, throwIfAborted } from '../kernel/errors.js';
import type { Logger } from '../kernel/log.js';
import type { InterpreterInfo } from './types.js';
import { DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_PROCESSES, type BwrapSupport, type ResourceLimits } from './sandbox.js';
import { CappedBuffer, signalName } from '../kernel/proc.js';
import type { BatchOptions, RunRequest } from './types.js';

/** How a run's command is started: built by the runner for one fresh sandbox. */
export interface SandboxLaunch {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** The scratch folder as the code sees it (/sandbox, or the host folder without a sandbox). */
  inside: string;
  /** GNU time's report is appended to stderr. */
  measured: boolean;
  sandbox: 'bwrap' | 'none';
  /** The child's stdin (the scratch archive), or null for /dev/null. */
  input: Buffer | null;
  /** Descriptors the child gets as 3, 4, ... (the seccomp filter); owned by the launcher. */
  fds: number[];
}

/** What happened to one snippet, before it is judged. */
export interface Outcome {
  spawnError: Error | null;
  sandboxFailure: string | null;
  timedOut: boolean;
  outputLimitHit: boolean;
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  /** Capped like CappedBuffer.render(): head, omission marker, tail. */
  stderr: string;
  /** The end of stderr, where a traceback is. */
  stderrTail: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  durationMs: number;
  peakKb: number | null;
  snippetPath: string;
}

export interface ClassifyContext {
  interp: InterpreterInfo;
  sandbox: 'bwrap' | 'none';
  timeoutMs: number;
  expectedOutput?: string | null;
  importRoots: string[];
  files: Array<[string, string]>;
  ranAt: string;
}

export interface BatchEnvironment {
  interp: InterpreterInfo;
  iso: { kind: 'bwrap'; support: BwrapSupport } | { kind: 'none' };
}

export interface LaunchSpec {
  files: Array<[string, string]>;
  importRoots: string[];
  limits: ResourceLimits;
  command: (inside: string) => string[];
  measure: boolean;
}

/** What the runner lends the batch: its checks, its sandbox and its judgement. */
export interface BatchHost {
  logger: Logger;
  outputCapBytes: number;
  stderrTailBytes: number;
  killAfterBytes: number;
  memoryLimitMb: number;
  workers: number;
  checkImportRoots(roots: string[]): Promise<string[]>;
  checkFiles(files: Record<string, string>): Array<[string, string]>;
  clampTimeout(ms: number | undefined): number;
  /** For `python` (the configured interpreter when absent). */
  environment(python?: string): Promise<BatchEnvironment | { refusal: (ranAt: string) => RunRecord }>;
  launch<T>(env: BatchEnvironment, spec: LaunchSpec, use: (launch: SandboxLaunch) => Promise<T>): Promise<T>;
  classify(o: Outcome, ctx: ClassifyContext): RunRecord;
  run(req: RunRequest): Promise<RunRecord>;
}

export const DEFAULT_CHUNK_SIZE = 50;
const JOB_FILE = '.codedistill-job.json';
/** Per preloaded package; a slower import is abandoned and the snippets import it themselves. */
const PRELOAD_TIMEOUT_S = 60;
/** Sandbox start-up before the driver reports. */
const STARTUP_SLACK_MS = 30_000;
/** Beyond a snippet's own limit: killing leftovers, emptying folders, reading output. */
const PER_SNIPPET_SLACK_MS = 30_000;
/** A result line is at most a few hundred KB (capped output, base64); anything longer is not the driver's. */
const MAX_LINE_BYTES = 32 * 1024 * 1024;
/** After the driver exits, how long to wait for the rest of its output. */
const DRAIN_MS = 2_000;
const PRELOAD_NAME = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * The driver, run as `python -c DRIVER_SOURCE <scratch>` inside the sandbox. Kept in TypeScript so the
 * compiled output needs no data files.
 */
export const DRIVER_SOURCE = String.raw`import base64, builtins, json, os, resource, select, shutil, signal, stat, sys, time

JOB_FILE = ".codedistill-job.json"
# Bound once: a snippet may rebind os._exit or os.getppid, and the child must still leave, never fall back
# into the driver's loop.
_exit = os._exit


def _main():
    # Descriptors the host process happened to inherit have no business in the sandbox; the examples fork
    # from here, so nothing but stdio (and later the result channel) is passed on.
    os.closerange(3, max(4, resource.getrlimit(resource.RLIMIT_NOFILE)[0]))
    scratch = sys.argv[1]
    job_path = os.path.join(scratch, JOB_FILE)
    with open(job_path, "rb") as f:
        job = json.loads(f.read())
    # Nothing run later may read the other examples' inputs or the token from the filesystem.
    os.unlink(job_path)
    token = bytearray(job["token"].encode("ascii"))
    job["token"] = None

    # The result channel is a private copy of fd 1; fd 1 itself then points at stderr, so whatever the
    # preloaded packages print cannot enter the channel.
    res_fd = os.dup(1)
    os.set_inheritable(res_fd, False)
    os.dup2(2, 1)

    def emit(obj):
        data = bytes(token) + b" " + json.dumps(obj, separators=(",", ":")).encode("utf-8") + b"\n"
        view = memoryview(data)
        while view:
            n = os.write(res_fd, view)
            view = view[n:]

    def fatal(msg):
        emit({"t": "fatal", "message": msg})
        os._exit(70)

    # Non-dumpable: processes of the same uid (the examples) can neither ptrace this process nor open its
    # /proc entries (fd/, mem), so they cannot reach the result channel or this process's memory.
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(4, 0, 0, 0, 0) != 0:  # PR_SET_DUMPABLE
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE) failed")
    except Exception as e:
        fatal("cannot protect the driver: %s" % (e,))

    me = os.getpid()
    sandboxed = bool(job["sandboxed"])
    # Everything an example can write: emptied before each one. Outside a sandbox /tmp is the host's.
    clean_dirs = [scratch] + (["/tmp", "/dev/shm"] if sandboxed else [])
    snippet_path = os.path.join(scratch, "snippet.py")
    cap = int(job["capBytes"])
    tail_bytes = int(job["tailBytes"])
    kill_after = int(job["killAfterBytes"])

    def ancestors():
        out = set()
        pid = me
        while pid > 0 and pid not in out:
            out.add(pid)
            with open("/proc/%d/stat" % pid, "rb") as f:
                pid = int(f.read().rsplit(b")", 1)[1].split()[1])
        return out

    keep = ancestors() if sandboxed else set()

    def others_alive():
        alive = []
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            pid = int(name)
            if pid in keep:
                continue
            try:
                with open("/proc/%d/stat" % pid, "rb") as f:
                    state = f.read().rsplit(b")", 1)[1].split()[0]
            except OSError:
                continue
            if state not in (b"Z", b"X"):
                alive.append(pid)
        return alive

    # Only inside a fresh pid namespace is every other process ours to kill; check it really is fresh.
    if sandboxed and others_alive():
        fatal("the sandbox's pid namespace is not private")

    def sweep():
        """Kill every process left in the sandbox (daemons, new sessions, grandchildren) but this one."""
        if not sandboxed:
            return True
        deadline = time.monotonic() + 5.0
        while True:
            alive = others_alive()
            if not alive:
                return True
            for pid in alive:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            if time.monotonic() > deadline:
                return False
            time.sleep(0.002)

    def drop_ipc():
        # SysV objects outlive their creator inside the sandbox's ipc namespace.
        if not sandboxed:
            return True
        ok = True
        for kind, remove in (
            ("shm", lambda i: libc.shmctl(i, 0, None)),  # IPC_RMID
            ("sem", lambda i: libc.semctl(i, 0, 0)),
            ("msg", lambda i: libc.msgctl(i, 0, None)),
        ):
            try:
                with open("/proc/sysvipc/" + kind) as f:
                    rows = f.read().splitlines()[1:]
            except OSError:
                continue
            for row in rows:
                parts = row.split()
                if len(parts) < 2:
                    continue
                if remove(int(parts[1])) != 0:
                    ok = False
        return ok

    def force_rm(path):
        def fix(func, p, exc):
            try:
                os.chmod(os.path.dirname(p), 0o700)
            except OSError:
                pass
            try:
                if os.path.isdir(p) and not os.path.islink(p):
                    os.chmod(p, 0o700)
            except OSError:
                pass
            func(p)

        st = os.lstat(path)
        if stat.S_ISDIR(st.st_mode):
            shutil.rmtree(path, onerror=fix)
        else:
            os.unlink(path)

    def identity(st):
        return (st.st_dev, st.st_ino)

    def walk(d, dev):
        # Folders on the same filesystem are walked; a mount point (an import root under /tmp) is kept whole.
        tree = {}
        for name in os.listdir(d):
            if d == scratch and name == JOB_FILE:
                continue
            st = os.lstat(os.path.join(d, name))
            sub = None
            if stat.S_ISDIR(st.st_mode) and st.st_dev == dev:
                sub = walk(os.path.join(d, name), dev)
            tree[name] = (identity(st), stat.S_IMODE(st.st_mode), sub)
        return tree

    # What a fresh sandbox holds in its writable folders: mount points of import roots under /tmp and the
    # folders bubblewrap made for them. Taken before any other code runs; cleaning returns to exactly this.
    initial = {}
    for d in clean_dirs:
        try:
            initial[d] = walk(d, os.lstat(d).st_dev)
        except OSError:
            initial[d] = {}

    def restore(d, tree):
        for name in os.listdir(d):
            p = os.path.join(d, name)
            st = os.lstat(p)
            ent = tree.get(name)
            if ent is not None and ent[0] == identity(st):
                if stat.S_IMODE(st.st_mode) != ent[1]:
                    os.chmod(p, ent[1])
                if ent[2] is not None:
                    restore(p, ent[2])
                continue
            force_rm(p)
        left = [n for n in os.listdir(d) if n not in tree]
        return not left

    def clean():
        """Put the writable folders back as a fresh sandbox has them; False when that is not possible."""
        for d in clean_dirs:
            if d == scratch:
                try:
                    os.chmod(d, 0o700)
                except OSError:
                    pass
            try:
                if not restore(d, initial.get(d, {})):
                    return False
            except FileNotFoundError:
                continue
            except Exception:
                return False
        return True

    # ---- preload ---------------------------------------------------------------------------------------
    class PreloadTimeout(BaseException):
        pass

    def on_alarm(signum, frame):
        raise PreloadTimeout()

    preload = []
    import importlib
    # As for "python /sandbox/snippet.py": the snippet's folder first on the path ("" for python -c).
    if sys.path and sys.path[0] == "":
        sys.path[0] = scratch
    else:
        sys.path.insert(0, scratch)
    for name in job["preload"]:
        t0 = time.monotonic()
        signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, float(job["preloadTimeoutS"]))
        try:
            importlib.import_module(name)
            preload.append({"name": name, "ok": True, "ms": round((time.monotonic() - t0) * 1000)})
        except PreloadTimeout:
            preload.append({"name": name, "ok": False, "error": "timed out"})
        except BaseException as e:
            msg = "%s: %s" % (type(e).__name__, e)
            preload.append({"name": name, "ok": False, "error": msg[:500]})
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
    os.chdir(scratch)
    if not sweep():
        fatal("processes started while preloading could not be stopped")
    # A fork copies only the calling thread; locks other threads hold would stay held in every example.
    try:
        threads = len(os.listdir("/proc/self/task"))
    except OSError:
        threads = 1
    if threads > 1:
        fatal("the preloaded packages started %d threads; forking examples from them is not safe" % (threads - 1,))

    # Files the preload wrote (a cache folder made at import time) are part of the state every example
    # starts from, as they would be after its own import: kept in memory, put back before each example.
    seeded = []
    budget = [64 * 1024 * 1024, 10000]

    def capture(d, tree):
        for name in sorted(os.listdir(d)):
            p = os.path.join(d, name)
            st = os.lstat(p)
            ent = tree.get(name)
            if ent is not None and ent[0] == identity(st):
                if ent[2] is not None:
                    capture(p, ent[2])
                continue
            budget[1] -= 1
            times = (st.st_atime_ns, st.st_mtime_ns)
            if stat.S_ISDIR(st.st_mode):
                seeded.append(("d", p, stat.S_IMODE(st.st_mode), None, times))
                capture(p, {})
            elif stat.S_ISREG(st.st_mode):
                budget[0] -= st.st_size
                if budget[0] < 0 or budget[1] < 0:
                    raise ValueError("the preload wrote too much to keep")
                with open(p, "rb") as f:
                    seeded.append(("f", p, stat.S_IMODE(st.st_mode), f.read(), times))
            elif stat.S_ISLNK(st.st_mode):
                seeded.append(("l", p, 0, os.readlink(p), None))
            else:
                raise ValueError("the preload left a special file: " + p)

    try:
        for d in clean_dirs:
            capture(d, initial.get(d, {}))
    except (OSError, ValueError) as e:
        fatal("cannot keep what the preload wrote: %s" % (e,))

    def reseed():
        for kind, p, mode, data, times in seeded:
            if kind == "d":
                os.mkdir(p, 0o700)
            elif kind == "f":
                fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
                try:
                    view = memoryview(data)
                    while view:
                        view = view[os.write(fd, view):]
                finally:
                    os.close(fd)
            else:
                os.symlink(data, p)
        # Folders last: writing their files changed their times.
        for kind, p, mode, data, times in reversed(seeded):
            if times is not None:
                os.utime(p, ns=times, follow_symlinks=False)
                os.chmod(p, mode)

    emit({"t": "ready", "preload": preload})

    # ---- examples --------------------------------------------------------------------------------------
    def capture_file():
        # In memory, not in the scratch tmpfs: an example that fills its scratch folder can still print,
        # as it can in a single run, where output goes to a pipe.
        try:
            return os.memfd_create("codedistill-capture")
        except (AttributeError, OSError):
            pass
        try:
            return os.open(scratch, os.O_TMPFILE | os.O_RDWR, 0o600)
        except OSError:
            import tempfile
            fd, p = tempfile.mkstemp(dir=scratch)
            os.unlink(p)
            return fd

    def b64(data):
        return base64.b64encode(data).decode("ascii")

    def exit_code_of(e):
        code = e.code
        if code is None:
            return 0
        if isinstance(code, int):
            return code & 0xFF
        try:
            sys.stderr.write(str(code) + "\n")
        except Exception:
            pass
        return 1

    def run_snippet():
        import types
        import importlib.machinery
        main = types.ModuleType("__main__")
        main.__dict__.update(
            __file__=snippet_path,
            __cached__=None,
            __builtins__=builtins,
            __loader__=importlib.machinery.SourceFileLoader("__main__", snippet_path),
        )
        sys.modules["__main__"] = main
        sys.argv[:] = [snippet_path]
        sys.path[0] = os.path.dirname(snippet_path)
        try:
            with open(snippet_path, "rb") as f:
                source = f.read()
            code = compile(source, snippet_path, "exec", dont_inherit=True)
        except SystemExit as e:
            return exit_code_of(e)
        except BaseException as e:
            # Like the interpreter for a script that does not compile: no traceback header, just the error.
            e = e.with_traceback(None)
            sys.excepthook(type(e), e, None)
            return 1
        try:
            exec(code, main.__dict__)
        except SystemExit as e:
            return exit_code_of(e)
        except BaseException as e:
            # Drop this function's frame: the traceback then reads as it would for "python snippet.py".
            e = e.with_traceback(e.__traceback__.tb_next if e.__traceback__ else None)
            sys.excepthook(type(e), e, e.__traceback__)
            return 1
        return 0

    def child(ex, out_fd, err_fd):
        code = 70
        try:
            os.setpgid(0, 0)
            for k in range(len(token)):
                token[k] = 0
            os.close(res_fd)
            os.dup2(out_fd, 1)
            os.dup2(err_fd, 2)
            os.close(out_fd)
            os.close(err_fd)
            cpu = int(-(-int(ex["timeoutMs"]) // 1000)) + 1
            soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
            if hard != resource.RLIM_INFINITY:
                cpu = min(cpu, hard - 1)
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
            # A fresh interpreter is dumpable; only the driver needs protecting.
            libc.prctl(4, 1, 0, 0, 0)
            # Should the driver die, the example goes with it (PR_SET_PDEATHSIG); its group is its own.
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)
            if os.getppid() != me:
                _exit(70)
            os.chdir(scratch)
            code = run_snippet()
            try:
                import threading
                threading._shutdown()
            except BaseException:
                pass
            try:
                import atexit
                atexit._run_exitfuncs()
            except BaseException:
                pass
            for s in (sys.stdout, sys.stderr):
                try:
                    s.flush()
                except BaseException:
                    pass
        finally:
            _exit(code)

    def wait_child(pid, timeout_s, out_fd, err_fd):
        deadline = time.monotonic() + timeout_s
        pidfd = None
        try:
            pidfd = os.pidfd_open(pid)
        except (AttributeError, OSError):
            pidfd = None
        timed_out = False
        limit_hit = False
        try:
            while True:
                done, status, ru = os.wait4(pid, os.WNOHANG)
                if done == pid:
                    return status, ru, timed_out, limit_hit
                if os.fstat(out_fd).st_size > kill_after or os.fstat(err_fd).st_size > kill_after:
                    limit_hit = True
                    break
                now = time.monotonic()
                if now >= deadline:
                    timed_out = True
                    break
                wait = min(deadline - now, 0.05)
                if pidfd is not None:
                    select.select([pidfd], [], [], wait)
                else:
                    time.sleep(min(wait, 0.005))
        finally:
            if pidfd is not None:
                os.close(pidfd)
        for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
            try:
                target()
            except OSError:
                pass
        _, status, ru = os.wait4(pid, 0)
        return status, ru, timed_out, limit_hit

    def read_capture(fd, with_tail):
        total = os.fstat(fd).st_size
        head = os.pread(fd, min(total, cap), 0)
        out = {"head": b64(head), "total": total}
        if with_tail and total > cap:
            n = min(total, tail_bytes)
            out["tail"] = b64(os.pread(fd, n, total - n))
        return out

    for i, ex in enumerate(job["examples"]):
        if not clean():
            fatal("the sandbox's writable folders could not be emptied")
        try:
            reseed()
        except OSError as e:
            fatal("cannot restore what the preload wrote: %s" % (e,))
        if not drop_ipc():
            fatal("SysV IPC objects could not be removed")
        with open(snippet_path, "wb") as f:
            f.write(ex["code"].encode("utf-8"))
        for name, content in ex["files"]:
            dest = os.path.join(scratch, name)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "wb") as f:
                f.write(content.encode("utf-8"))
        out_fd = capture_file()
        err_fd = capture_file()
        for s in (sys.stdout, sys.stderr):
            try:
                s.flush()
            except Exception:
                pass
        # Right after a fork bomb its zombies still count against the process limit until the sandbox's init
        # reaps them: wait a little rather than give up.
        give_up = time.monotonic() + 5.0
        while True:
            try:
                t0 = time.monotonic()
                pid = os.fork()
                break
            except BlockingIOError:
                if time.monotonic() > give_up:
                    fatal("cannot start a process for the next example (process limit)")
                time.sleep(0.01)
        if pid == 0:
            try:
                child(ex, out_fd, err_fd)
            finally:
                _exit(70)
        try:
            os.setpgid(pid, pid)
        except OSError:
            pass
        status, ru, timed_out, limit_hit = wait_child(pid, int(ex["timeoutMs"]) / 1000.0, out_fd, err_fd)
        ms = (time.monotonic() - t0) * 1000.0
        swept = sweep()
        res = {
            "t": "result",
            "i": i,
            "ms": round(ms, 1),
            "maxrssKb": int(ru.ru_maxrss),
            "timedOut": timed_out,
            "outputLimit": limit_hit,
            "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            "sig": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            "out": read_capture(out_fd, False),
            "err": read_capture(err_fd, True),
        }
        os.close(out_fd)
        os.close(err_fd)
        emit(res)
        if not swept:
            fatal("processes left by an example could not be stopped")
    emit({"t": "done"})
    os._exit(0)


_main()
`;

// ---- driver protocol --------------------------------------------------------------------------------------

interface Captured {
  head: string;
  total: number;
  tail?: string;
}

type DriverMessage =
  | { t: 'ready'; preload: Array<{ name: string; ok: boolean; ms?: number; error?: string }> }
  | {
      t: 'result';
      i: number;
      ms: number;
      maxrssKb: number;
      timedOut: boolean;
      outputLimit: boolean;
      exit: number | null;
      sig: number | null;
      out: Captured;
      err: Captured;
    }
  | { t: 'fatal'; message: string }
  | { t: 'done' };

function isCaptured(x: unknown): x is Captured {
  const c = x as Captured;
  return !!c && typeof c.head === 'string' && typeof c.total === 'number' && (c.tail === undefined || typeof c.tail === 'string');
}

function parseMessage(json: string): DriverMessage | null {
  let m: unknown;
  try {
    m = JSON.parse(json);
  } catch {
    return null;
  }
  const o = m as Record<string, unknown>;
  if (!o || typeof o !== 'object') return null;
  switch (o.t) {
    case 'ready':
      return Array.isArray(o.preload) ? (o as DriverMessage) : null;
    case 'result':
      return typeof o.i === 'number' && typeof o.ms === 'number' && isCaptured(o.out) && isCaptured(o.err)
        ? (o as DriverMessage)
        : null;
    case 'fatal':
      return typeof o.message === 'string' ? (o as DriverMessage) : null;
    case 'done':
      return o as DriverMessage;
    default:
      return null;
  }
}

/** The same bytes CappedBuffer would keep for a stream of `total` bytes whose first and last parts are given. */
export function renderCapped(head: Buffer, tail: Buffer | null, total: number, cap: number): Buffer {
  if (total <= cap || !tail || tail.length === 0) return head.subarray(0, cap);
  const marker = Buffer.from(`\n[... ${total - tail.length} bytes omitted ...]\n`);
  const headRoom = Math.max(0, cap - tail.length - marker.length);
  if (headRoom === 0) return tail.subarray(Math.max(0, tail.length - cap));
  return Buffer.concat([head.subarray(0, headRoom), marker, tail]);
}

function outcomeOf(m: Extract<DriverMessage, { t: 'result' }>, host: BatchHost, snippetPath: string): Outcome {
  const cap = host.outputCapBytes;
  const outHead = Buffer.from(m.out.head, 'base64');
  const errHead = Buffer.from(m.err.head, 'base64');
  const errTail = m.err.tail !== undefined ? Buffer.from(m.err.tail, 'base64') : null;
  const stderrTail = m.err.total <= cap ? errHead.subarray(Math.max(0, errHead.length - host.stderrTailBytes)) : (errTail ?? Buffer.alloc(0));
  return {
    spawnError: null,
    sandboxFailure: null,
    timedOut: m.timedOut === true,
    outputLimitHit: m.outputLimit === true,
    exitCode: typeof m.exit === 'number' ? m.exit : null,
    signal: typeof m.sig === 'number' ? signalName(m.sig) : null,
    stdout: outHead.subarray(0, cap).toString('utf8'),
    stderr: renderCapped(errHead, errTail, m.err.total, cap).toString('utf8'),
    stderrTail: stderrTail.toString('utf8'),
    stdoutTruncated: m.out.total > cap,
    stderrTruncated: m.err.total > cap,
    durationMs: m.ms,
    peakKb: typeof m.maxrssKb === 'number' && m.maxrssKb > 0 ? m.maxrssKb : null,
    snippetPath,
  };
}

// ---- driver process ---------------------------------------------------------------------------------------

interface DriverExit {
  spawnError: Error | null;
  exitCode: number | null;
  signal: string | null;
  aborted: boolean;
  /** Killed because a report was overdue (a stalled or stopped driver). */
  stalled: boolean;
  /** Killed because stdout carried something that is not the protocol. */
  garbled: boolean;
  stderr: string;
}

function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is already gone.
  }
}

/**
 * Start the driver in its own process group, hand each token-prefixed stdout line to `onMessage` as it
 * arrives, and kill the group on abort or when `deadline()` (re-read after every message) passes.
 */
function superviseDriver(
  launch: SandboxLaunch,
  token: string,
  opts: { signal?: AbortSignal; onMessage: (m: DriverMessage) => void; deadlineMs: () => number },
): Promise<DriverExit> {
  return new Promise<DriverExit>((resolve) => {
    const err = new CappedBuffer(64 * 1024, 16 * 1024);
    let aborted = false;
    let stalled = false;
    let garbled = false;
    let exited = false;
    let finished = false;
    let exitCode: number | null = null;
    let exitSignal: string | null = null;
    let spawnError: Error | null = null;
    let pending = '';
    let timer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    const prefix = `${token} `;

    const child = spawn(launch.file, launch.args, {
      env: launch.env,
      cwd: launch.cwd,
      // Its own group, so one kill reaches the sandbox and everything in it.
      detached: true,
      stdio: [launch.input ? 'pipe' : 'ignore', 'pipe', 'pipe', ...launch.fds],
    });
    const pid = child.pid;
    if (launch.input && child.stdin) {
      // EPIPE when the sandbox fails before reading it all: the exit status tells the rest.
      child.stdin.on('error', () => undefined);
      child.stdin.end(launch.input);
    }

    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      clearTimeout(drainTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve({ spawnError, exitCode, signal: exitSignal, aborted, stalled, garbled, stderr: err.render().toString('utf8') });
    };
    const arm = () => {
      clearTimeout(timer);
      if (finished || exited) return;
      timer = setTimeout(() => {
        stalled = true;
        killGroup(pid);
      }, Math.max(0, opts.deadlineMs()));
    };
    const onAbort = () => {
      aborted = true;
      killGroup(pid);
    };

    const onLine = (line: string) => {
      const at = line.indexOf(prefix);
      // Only the driver knows the token; other bytes on this pipe are ignored, never trusted.
      if (at < 0) return;
      const msg = parseMessage(line.slice(at + prefix.length));
      if (!msg) {
        garbled = true;
        killGroup(pid);
        return;
      }
      opts.onMessage(msg);
      arm();
    };

    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      pending += chunk;
      let nl = pending.indexOf('\n');
      while (nl >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        onLine(line);
        nl = pending.indexOf('\n');
      }
      if (pending.length > MAX_LINE_BYTES) {
        garbled = true;
        pending = '';
        killGroup(pid);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    const streamsDone = () => (child.stdout?.readableEnded ?? true) && (child.stderr?.readableEnded ?? true);
    for (const s of [child.stdout, child.stderr]) {
      s?.on('end', () => {
        if (exited && streamsDone()) finish();
      });
      s?.on('error', () => undefined);
    }

    child.on('error', (e: NodeJS.ErrnoException) => {
      if (pid === undefined || e.syscall?.startsWith('spawn')) {
        spawnError = e;
        exited = true;
        finish();
      }
    });
    child.on('exit', (code, sig) => {
      exited = true;
      exitCode = code;
      exitSignal = sig;
      clearTimeout(timer);
      // Whatever outlived the driver is of no further use; the pipes then close and the last lines arrive.
      killGroup(pid);
      if (streamsDone()) return finish();
      drainTimer = setTimeout(finish, DRAIN_MS);
    });

    if (opts.signal) {
      if (opts.signal.aborted) onAbort();
      else opts.signal.addEventListener('abort', onAbort, { once: true });
    }
    arm();
  });
}

// ---- orchestration ----------------------------------------------------------------------------------------

interface Item {
  index: number;
  req: RunRequest;
  code: string;
  files: Array<[string, string]>;
  timeoutMs: number;
}

async function pool<T>(tasks: Array<() => Promise<T>>, workers: number): Promise<PromiseSettledResult<T>[]> {
  const results: PromiseSettledResult<T>[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < tasks.length; i = next++) {
      try {
        results[i] = { status: 'fulfilled', value: await (tasks[i] as () => Promise<T>)() };
      } catch (e) {
        results[i] = { status: 'rejected', reason: e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(workers, tasks.length)) }, worker));
  return results;
}

function sameRoots(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}


export async function runBatchWith(host: BatchHost, reqs: RunRequest[], opts: BatchOptions): Promise<RunRecord[]> {
  const { signal } = opts;
  throwIfAborted(signal);
  const results: Array<RunRecord | null> = reqs.map(() => null);
  if (reqs.length === 0) return [];
  // Records arrive inside stream handlers, where a throw would take the process down: the caller's error is
  // kept and rethrown once the batch is over.
  let callbackError: { error: unknown } | null = null;
  const deliver = (i: number, rec: RunRecord) => {
    if (results[i]) return;
    results[i] = rec;
    try {
      opts.onResult?.(i, rec);
    } catch (e) {
      callbackError ??= { error: e };
    }
  };

  const importRoots = await host.checkImportRoots(opts.importRoots);
  const preload = [...new Set(opts.preload)];
  const badName = preload.find((p) => !PRELOAD_NAME.test(p));
  if (badName !== undefined) {
    throw new CodedistillError('invalid_input', `Preload "${badName}" is not a module name.`, 'Pass importable names such as "numpy" or "pkg.sub".');
  }
  // Checked up front, like run() does: a bad request is the caller's mistake whichever way it would run.
  const items: Item[] = [];
  const alone: Item[] = [];
  for (const [index, req] of reqs.entries()) {
    const files = host.checkFiles(req.files ?? {});
    const item = { index, req, code: req.code, files, timeoutMs: host.clampTimeout(req.timeoutMs ?? opts.timeoutMs) };
    const own = req.importRoots ? await host.checkImportRoots(req.importRoots) : null;
    const otherPython = req.python !== undefined && req.python !== opts.python;
    if ((own && !sameRoots(own, importRoots)) || otherPython) alone.push(item);
    else items.push(item);
  }

  const env = await host.environment(opts.python);
  if ('refusal' in env) {
    // A request with an interpreter of its own may still run; the rest share the batch's refusal.
    const own = alone.filter((it) => it.req.python !== undefined && it.req.python !== opts.python);
    for (const [i] of reqs.entries()) if (!own.some((it) => it.index === i)) deliver(i, env.refusal(new Date().toISOString()));
    items.length = 0;
    alone.splice(0, alone.length, ...own);
  }
  const ready = 'refusal' in env ? null : env;

  const runAlone = async (item: Item): Promise<void> => {
    throwIfAborted(signal);
    const req = item.req;
    const rec = await host.run({
      code: req.code,
      importRoots: req.importRoots ?? importRoots,
      files: req.files,
      timeoutMs: item.timeoutMs,
      expectedOutput: req.expectedOutput,
      signal,
      python: req.python ?? opts.python,
    });
    deliver(item.index, rec);
  };

  const runChunk = async (chunk: Item[]): Promise<void> => {
    throwIfAborted(signal);
    if (!ready) return;
    const exit = await driveChunk(host, ready, chunk, { importRoots, preload, signal, deliver }).catch((e: unknown) => {
      if (signal?.aborted) throw cancelled();
      host.logger.warn(`batch sandbox failed (${e instanceof Error ? e.message : String(e)}); running its snippets one by one`);
      return null;
    });
    if (exit?.aborted || signal?.aborted) throw cancelled();
    const left = chunk.filter((it) => !results[it.index]);
    if (left.length && exit) {
      const why = exit.reason ?? 'the driver stopped early';
      host.logger.warn(`batch of ${chunk.length}: ${why}; running the ${left.length} snippets without a record one by one`);
    }
    for (const it of left) await runAlone(it);
  };

  const chunkSize = Math.max(1, Math.floor(opts.chunkSize ?? DEFAULT_CHUNK_SIZE));
  const tasks: Array<() => Promise<void>> = [];
  for (let i = 0; i < items.length; i += chunkSize) {
    const chunk = items.slice(i, i + chunkSize);
    tasks.push(() => runChunk(chunk));
  }
  for (const it of alone) tasks.push(() => runAlone(it));

  const settled = await pool(tasks, Math.max(1, Math.floor(opts.workers ?? host.workers)));
  if (signal?.aborted) throw cancelled();
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) throw failure.reason;
  if (callbackError) throw (callbackError as { error: unknown }).error;
  return results as RunRecord[];
}

/** One sandbox, one driver, up to a chunk of snippets. Resolves once the sandbox is gone. */
async function driveChunk(
  host: BatchHost,
  env: BatchEnvironment,
  chunk: Item[],
  ctx: {
    importRoots: string[];
    preload: string[];
    signal?: AbortSignal;
    deliver: (i: number, rec: RunRecord) => void;
  },
): Promise<{ aborted: boolean; reason: string | null }> {
  const token = randomBytes(24).toString('hex');
  const job = {
    token,
    sandboxed: env.iso.kind === 'bwrap',
    capBytes: host.outputCapBytes,
    tailBytes: host.stderrTailBytes,
    killAfterBytes: host.killAfterBytes,
    preload: ctx.preload,
    preloadTimeoutS: PRELOAD_TIMEOUT_S,
    examples: chunk.map((it) => ({ code: it.code, files: it.files, timeoutMs: it.timeoutMs })),
  };
  const perSnippet = chunk.map((it) => it.timeoutMs + PER_SNIPPET_SLACK_MS);
  const startupMs = STARTUP_SLACK_MS + ctx.preload.length * PRELOAD_TIMEOUT_S * 1000;
  const totalMs = startupMs + perSnippet.reduce((a, b) => a + b, 0);
  const limits: ResourceLimits = {
    // The driver's own CPU (imports, bookkeeping); each snippet lowers it to its own limit after the fork.
    cpuSeconds: Math.ceil(totalMs / 1000),
    addressSpaceBytes: host.memoryLimitMb * 1024 * 1024,
    maxProcesses: DEFAULT_MAX_PROCESSES,
    fileSizeBytes: DEFAULT_MAX_FILE_BYTES,
  };
  const spec: LaunchSpec = {
    files: [[JOB_FILE, JSON.stringify(job)]],
    importRoots: ctx.importRoots,
    limits,
    command: (inside) => [env.interp.executable, '-c', DRIVER_SOURCE, inside],
    // Peak memory comes from each child's rusage; GNU time would also be one more process holding the pipe.
    measure: false,
  };

  return host.launch(env, spec, async (launch) => {
    const snippetPath = `${launch.inside}/snippet.py`;
    const started = Date.now();
    let next = 0;
    let fatal: string | null = null;
    let done = false;
    let readySeen = false;
    const exit = await superviseDriver(launch, token, {
      signal: ctx.signal,
      deadlineMs: () => {
        // The report of the snippet running now is due within its limit plus slack; the whole chunk within the sum.
        const overall = started + totalMs - Date.now();
        const due = next === 0 && !readySeen ? startupMs : (perSnippet[next] ?? PER_SNIPPET_SLACK_MS);
        return Math.min(due, overall);
      },
      onMessage: (m) => {
        if (m.t === 'ready') {
          readySeen = true;
          for (const p of m.preload) {
            if (p.ok) host.logger.debug(`batch preload ${p.name}: ${p.ms ?? '?'} ms`);
            else host.logger.debug(`batch preload ${p.name} failed (${p.error ?? 'unknown'}); each snippet imports it itself`);
          }
        } else if (m.t === 'result') {
          const item = chunk[m.i];
          if (!item || m.i !== next) return;
          next++;
          const rec = host.classify(outcomeOf(m, host, snippetPath), {
            interp: env.interp,
            sandbox: launch.sandbox,
            timeoutMs: item.timeoutMs,
            expectedOutput: item.req.expectedOutput,
            importRoots: ctx.importRoots,
            files: item.files,
            ranAt: new Date(Date.now() - Math.round(m.ms)).toISOString(),
          });
          ctx.deliver(item.index, rec);
        } else if (m.t === 'fatal') {
          fatal = m.message;
        } else {
          done = true;
        }
      },
    });
    let reason: string | null = null;
    if (exit.spawnError) reason = `the driver could not start (${exit.spawnError.message})`;
    else if (fatal) reason = `the driver stopped: ${fatal}`;
    else if (exit.stalled) reason = 'the driver stopped reporting and was killed';
    else if (exit.garbled) reason = 'the driver wrote something that is not a report and was killed';
    else if (!done) {
      const last = exit.stderr.trim().split('\n').pop() ?? '';
      reason = `the driver ended early (${exit.signal ?? `exit ${exit.exitCode}`}${last ? `: ${last.slice(0, 200)}` : ''})`;
    }
    return { aborted: exit.aborted, reason };
  });
}

