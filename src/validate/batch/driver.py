# The batch driver: runs inside the sandbox as `python -c <this file's text> <scratch>` (batch/run.ts reads it
# and passes it on the command line, so nothing but the job file has to reach the sandbox). It imports the
# packages to preload once, then forks one child per example and reports each result as a token-prefixed JSON
# line on a private copy of its stdout. The protocol's TypeScript side is batch/protocol.ts.
import base64, builtins, json, os, resource, select, shutil, signal, stat, sys, time

JOB_FILE = ".codedistill-job.json"
# Bound once: a snippet may rebind os._exit or os.getppid, and the child must still leave, never fall back
# into the driver's loop.
_exit = os._exit


TRACE_TOOL = 4  # sys.monitoring's tools 0-2 and 5 are named (debugger, coverage, profiler, optimizer)
TRACE_MAX_BYTES = 8 << 20


def _start_trace(roots, always):
    """Record the code objects that start running from now on; None when that is not possible or not wanted."""
    seen = {}
    mon = getattr(sys, "monitoring", None)
    if mon is not None:
        try:
            mon.use_tool_id(TRACE_TOOL, "codedistill")
        except ValueError:
            return None

        def on_start(code, offset):
            seen[id(code)] = code
            return mon.DISABLE

        mon.register_callback(TRACE_TOOL, mon.events.PY_START, on_start)
        mon.set_events(TRACE_TOOL, mon.events.PY_START)

        def intact():
            return mon.get_tool(TRACE_TOOL) == "codedistill" and mon.get_events(TRACE_TOOL) == mon.events.PY_START

        return (seen, roots, intact)
    if not always:
        return None
    import threading

    def tracer(frame, event, arg):
        c = frame.f_code
        if id(c) not in seen:
            seen[id(c)] = c
        return None

    sys.settrace(tracer)
    threading.settrace(tracer)
    return (seen, roots, lambda: sys.gettrace() is tracer)


# Programs that run no Python: an example whose only other processes are these keeps its trace (matplotlib asks
# fc-list for the system's fonts whenever its font cache is new, as it is in every sandbox; ctypes.util asks
# ldconfig or gcc where a library is). A shell, an interpreter, anything else: the processes may have run
# repository code the trace did not see.
_NO_PYTHON_TOOLS = frozenset((
    "fc-list", "fc-match", "kpsewhich", "latex", "pdflatex", "xelatex", "lualatex", "dvipng", "dvips", "gs",
    "ffmpeg", "convert", "magick", "ldconfig", "ldconfig.real", "uname", "lscpu", "nproc", "nvidia-smi",
    "gcc", "cc", "c++", "g++", "clang", "ld", "objdump",
))
_SPAWN_EVENTS = frozenset(("os.fork", "os.forkpty", "os.system", "os.posix_spawn", "os.exec", "os.spawn", "subprocess.Popen", "pty.spawn"))
# What the example started, as seen from Python: how many processes, and whether one may have run Python.
_spawns = {"n": 0, "python": False}


def _watch_spawns():
    """In the example's process, before its code: note every process it starts from Python and what it runs.
    subprocess and multiprocessing start theirs through _posixsubprocess.fork_exec (which raises no audit event
    when multiprocessing calls it), os.fork and os.system through audited calls."""
    def judge(path):
        _spawns["n"] += 1
        try:
            name = os.path.basename(os.fsdecode(path))
        except Exception:
            name = ""
        if name not in _NO_PYTHON_TOOLS:
            _spawns["python"] = True

    def hook(event, args):
        if event not in _SPAWN_EVENTS:
            return
        if event == "subprocess.Popen" or event == "os.posix_spawn":
            judge(args[0] if args else b"")
        else:
            _spawns["n"] += 1
            _spawns["python"] = True

    try:
        import _posixsubprocess
        real = _posixsubprocess.fork_exec

        def fork_exec(*a, **k):
            try:
                judge(a[1][0] if a[1] else b"")
            except Exception:
                _spawns["n"] += 1
                _spawns["python"] = True
            return real(*a, **k)

        _posixsubprocess.fork_exec = fork_exec
    except Exception:
        pass
    sys.addaudithook(hook)


def _write_trace(traced, fd):
    """In the example's process, after its code: the repository code it ran, as {file: [first lines]}. Nothing is
    written when the trace may be incomplete (the code replaced the tracer, or started processes of its own that
    may have run Python, or that started without Python seeing them)."""
    try:
        seen, roots, intact = traced
        if not intact():
            return
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        if (ru.ru_maxrss > 0 or ru.ru_utime > 0 or ru.ru_stime > 0) and (_spawns["python"] or _spawns["n"] == 0):
            return
        if _spawns["python"]:
            return
        files = {}
        for code in list(seen.values()):
            f = code.co_filename
            if f.startswith(roots):
                files.setdefault(f, set()).add(code.co_firstlineno)
        data = json.dumps({"files": {f: sorted(lines) for f, lines in files.items()}}).encode("utf-8")
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except BaseException:
        pass


def _read_trace(fd):
    """The trace an example wrote, checked: the example could have written anything there."""
    try:
        size = os.fstat(fd).st_size
        if size == 0 or size > TRACE_MAX_BYTES:
            return None
        t = json.loads(os.pread(fd, size, 0).decode("utf-8"))
        files = t["files"]
        if not isinstance(files, dict):
            return None
        for f, lines in files.items():
            if not isinstance(f, str) or not isinstance(lines, list) or not all(type(n) is int for n in lines):
                return None
        return {"files": files}
    except Exception:
        return None


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

    # ---- trace -----------------------------------------------------------------------------------------
    # Which code of the repository each example executes, so a cache can run again only the examples whose code
    # changed (run-cache.ts). Started before the preload: what importing runs is part of every example, and each
    # child inherits what the driver saw. sys.monitoring (3.12+) reports each function once and costs nothing
    # after; sys.settrace, on older Pythons, costs every call, so there it is taken only when asked for.
    trace_job = job.get("trace")
    traced = None
    if trace_job:
        roots = tuple(trace_job["roots"]) + (scratch.rstrip("/") + "/",)
        traced = _start_trace(roots, trace_job.get("mode") == "always")

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

    def run_snippet(snippet_path, path_dir):
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
        sys.path[0] = path_dir
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

    def lay_out(layout):
        """The repository around the snippet: the folders from the scratch root down to the example's own are made
        here, every other entry of the snapshot is a link to it (read-only). Relative paths, __file__-relative
        paths and helper modules beside the example then resolve as in a checkout, and writes stay in scratch."""
        root = layout["root"]
        parts = [p for p in layout["dir"].split("/") if p]
        src, dst = root, scratch
        for k in range(len(parts) + 1):
            nxt = parts[k] if k < len(parts) else None
            try:
                names = os.listdir(src)
            except OSError:
                names = []
            for name in names:
                if name == nxt or name == "snippet.py" or name == JOB_FILE:
                    continue
                p = os.path.join(dst, name)
                if not os.path.lexists(p):
                    os.symlink(os.path.join(src, name), p)
            if nxt is None:
                break
            src, dst = os.path.join(src, nxt), os.path.join(dst, nxt)
            if not os.path.isdir(dst):
                os.mkdir(dst)
        cwd = os.path.join(scratch, layout["cwd"]) if layout["cwd"] else scratch
        if not os.path.isdir(cwd):
            cwd = dst
        # As pytest's rootdir-based import: a test inside a package (tests/pkg/__init__.py) has the first folder
        # above that package on the path, so tests/particle/ does not hide the installed particle.
        base = dst
        while base != scratch and os.path.exists(os.path.join(base, "__init__.py")):
            base = os.path.dirname(base)
        return os.path.join(dst, "snippet.py"), cwd, base

    def child(ex, out_fd, err_fd, trace_fd):
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
            os.chdir(ex_cwd)
            if traced is not None:
                _watch_spawns()
            code = run_snippet(ex_snippet, ex_path)
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
            if traced is not None:
                _write_trace(traced, trace_fd)
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
        ex_snippet, ex_cwd, ex_path = snippet_path, scratch, scratch
        layout = ex.get("layout")
        if layout:
            try:
                ex_snippet, ex_cwd, ex_path = lay_out(layout)
            except OSError:
                ex_snippet, ex_cwd, ex_path = snippet_path, scratch, scratch
        with open(ex_snippet, "wb") as f:
            f.write(ex["code"].encode("utf-8"))
        for name, content in ex["files"]:
            dest = os.path.join(scratch, name)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "wb") as f:
                f.write(content.encode("utf-8"))
        out_fd = capture_file()
        err_fd = capture_file()
        trace_fd = capture_file() if traced is not None else -1
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
                child(ex, out_fd, err_fd, trace_fd)
            finally:
                _exit(70)
        try:
            os.setpgid(pid, pid)
        except OSError:
            pass
        status, ru, timed_out, limit_hit = wait_child(pid, int(ex["timeoutMs"]) / 1000.0, out_fd, err_fd)
        ms = (time.monotonic() - t0) * 1000.0
        # What processes left behind ran untraced: such an example has no trace.
        left = sandboxed and bool(others_alive())
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
            "trace": None if trace_fd < 0 or left or timed_out else _read_trace(trace_fd),
        }
        os.close(out_fd)
        os.close(err_fd)
        if trace_fd >= 0:
            os.close(trace_fd)
        emit(res)
        if not swept:
            fatal("processes left by an example could not be stopped")
    emit({"t": "done"})
    os._exit(0)


if __name__ == "__main__":
    _main()
