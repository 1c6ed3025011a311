/**
 * Runs Python snippets (repository code, user code: untrusted) in the sandbox and turns what happened into a
 * RunRecord.
 *
 * Choices:
 * - When no sandbox can be used and running without one is not allowed, run() returns a record with status
 *   'error' (it does not throw): the caller gets the same shape for every outcome, and the message says to
 *   install bubblewrap or set CODEDISTILL_ALLOW_UNSANDBOXED=1. info() reports the same reason up front.
 * - Cancellation through req.signal kills the run and throws CodedistillError('cancelled'), like the rest of
 *   the code base does for aborted jobs; it is not an outcome of the code.
 * - Bad arguments (relative or missing import roots, file names escaping the scratch folder) throw
 *   CodedistillError('invalid_input'): they are the caller's mistakes, not the code's.
 * - runBatch (batch.ts) runs many snippets in one sandbox through a forking driver; its records are built by
 *   the same classify() as run()'s, so a caller cannot tell them apart except by duration.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, promises as fsp, openSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../config.js';
import type { PythonError, RunRecord, RunStatus } from '../domain/validation.js';
import { cancelled, CodedistillError, throwIfAborted } from '../kernel/errors.js';
import type { Logger } from '../kernel/log.js';
import { describeMismatch, outputsMatch } from './compare.js';
import { installNameFor } from '../python/distributions.js';
import {
  DEFAULT_MAX_FILE_BYTES,
  DEFAULT_MAX_PROCESSES,
  DEFAULT_SCRATCH_BYTES,
  LAUNCHER_NAME,
  SANDBOX_NS_UID,
  SANDBOX_SCRATCH,
  TIME_FORMAT,
  TIME_MARKER,
  acquireSandboxUid,
  buildBwrapArgs,
  detectBubblewrap,
  findTool,
  namespaceFilter,
  prlimitArgs,
  scratchArchive,
  type BwrapSupport,
  type ResourceLimits,
} from './sandbox.js';
import { runBatchWith, type ClassifyContext, type Outcome, type SandboxLaunch } from './batch.js';
import { requiredPackageOf } from './missing.js';
import { runCaptured, signalName, type CaptureResult } from '../kernel/proc.js';
import { describePythonError, missingModuleOf, parseTraceback } from './traceback.js';
import type { BatchOptions, InterpreterInfo, RunRequest, Runner } from './types.js';

export type PythonRunnerConfig = Pick<
  Config,
  'python' | 'sandbox' | 'allowUnsandboxed' | 'timeoutMs' | 'maxTimeoutMs' | 'memoryLimitMb' | 'outputCapBytes' | 'childEnv' | 'cacheDir'
> &
  /** Parallel sandboxes for runBatch when the call does not say (default 1). */
  Partial<Pick<Config, 'workers'>>;

const SNIPPET = 'snippet.py';
const MIN_TIMEOUT_MS = 100;
/** Output read past this point (per stream) stops the run; below it, output beyond the cap is discarded. */
const KILL_AFTER_MIN_BYTES = 16 * 1024 * 1024;

type Isolation =
  | { kind: 'bwrap'; support: BwrapSupport }
  | { kind: 'none' }
  | { kind: 'unavailable'; reason: string; message: string };

// Our own code: lists what the interpreter is, where it lives and what is installed.
const PROBE = `
import sys, os, json, platform, pkgutil
dists = set()
try:
    from importlib import metadata
    for d in metadata.distributions():
        try:
            name = d.metadata["Name"]
        except Exception:
            name = None
        if name:
            dists.add(name + "==" + str(d.version))
except Exception:
    pass
tops = set()
try:
    tops = {m.name for m in pkgutil.iter_modules()}
except Exception:
    pass
print(json.dumps({
    "executable": sys.executable,
    "version": platform.python_version(),
    "implementation": platform.python_implementation(),
    "prefixes": sorted({sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}),
    "realExecutableDir": os.path.dirname(os.path.realpath(sys.executable)),
    "path": [p for p in sys.path if p],
    "stdlib": sorted(set(getattr(sys, "stdlib_module_names", ())) | set(sys.builtin_module_names)),
    "installed": sorted(tops),
    "dists": sorted(dists),
}))
`;

interface ProbeOutput {
  executable: string;
  version: string;
  implementation: string;
  prefixes: string[];
  realExecutableDir: string;
  path: string[];
  stdlib: string[];
  installed: string[];
  dists: string[];
}

/** Environment variables that would steer the interpreter or point at host paths the sandbox hides. */
function baseEnv(childEnv: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(childEnv)) {
    if (k.startsWith('PYTHON') || k.startsWith('XDG_') || k === 'LD_PRELOAD' || k === 'MPLCONFIGDIR') continue;
    if (['TMPDIR', 'TMP', 'TEMP', 'PWD', 'OLDPWD', 'HOME', 'USER', 'LOGNAME'].includes(k)) continue;
    // Shell start-up hooks: they would run in (or switch on tracing for) the sandbox's launcher script.
    if (k.startsWith('BASH_FUNC_') || ['BASH_ENV', 'ENV', 'SHELLOPTS', 'BASHOPTS'].includes(k)) continue;
    env[k] = v;
  }
  return env;
}

function runEnv(
  childEnv: Record<string, string>,
  opts: { home: string; tmp: string; importRoots: string[]; exeDir: string },
): Record<string, string> {
  const env = baseEnv(childEnv);
  const hostPath = env.PATH || '/usr/local/bin:/usr/bin:/bin';
  return {
    ...env,
    // `python3` in a subprocess should be the same interpreter (a pyenv shim is not reachable inside).
    PATH: `${opts.exeDir}:${hostPath}`,
    ...(opts.importRoots.length ? { PYTHONPATH: opts.importRoots.join(path.delimiter) } : {}),
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
    PYTHONHASHSEED: '0',
    PYTHONIOENCODING: 'utf-8',
    PYTHONNOUSERSITE: '1',
    PYTHON_COLORS: '0',
    MPLBACKEND: 'Agg',
    OMP_NUM_THREADS: '1',
    OPENBLAS_NUM_THREADS: '1',
    MKL_NUM_THREADS: '1',
    NUMEXPR_NUM_THREADS: '1',
    HOME: opts.home,
    PWD: opts.home,
    TMPDIR: opts.tmp,
    USER: 'sandbox',
    LOGNAME: 'sandbox',
  };
}

function within(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent.endsWith('/') ? parent : `${parent}/`);
}

function invalid(message: string, hint: string): CodedistillError {
  return new CodedistillError('invalid_input', message, hint);
}

async function checkImportRoots(roots: string[]): Promise<string[]> {
  const out: string[] = [];
  const home = os.homedir();
  for (const r of roots) {
    if (typeof r !== 'string' || !path.isAbsolute(r) || r.includes('\0') || r.includes(path.delimiter)) {
      throw invalid(`Import root "${String(r)}" is not an absolute path.`, 'Pass absolute folder paths without ":".');
    }
    const abs = path.resolve(r);
    // A root is exposed whole: never the system root or the home folder (~/.ssh, ~/.config). The folder
    // holding the runs' scratch folders is hidden inside the sandbox if a root contains it.
    if (abs === '/' || (home !== '/' && within(home, abs))) {
      throw invalid(`Import root "${abs}" would expose too much to the sandbox.`, 'Pass the folder that holds the package.');
    }
    const st = await fsp.stat(abs).catch(() => null);
    if (!st?.isDirectory()) {
      throw invalid(`Import root "${abs}" is not an existing folder.`, 'Pass folders that exist on this machine.');
    }
    if (!out.includes(abs)) out.push(abs);
  }
  return out;
}

function checkFiles(files: Record<string, string>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [name, content] of Object.entries(files)) {
    const norm = path.posix.normalize(name);
    if (!name || name.includes('\0') || path.posix.isAbsolute(norm) || norm === '..' || norm.startsWith('../') || norm === '.') {
      throw invalid(`File name "${name}" must be a relative path inside the scratch folder.`, 'Use names like "data.csv".');
    }
    if (norm === SNIPPET) throw invalid(`File name "${SNIPPET}" is reserved for the code.`, 'Rename the file.');
    if (typeof content !== 'string') throw invalid(`File "${name}" must have text content.`, 'Pass a string.');
    out.push([norm, content]);
  }
  return out;
}

/** Remove GNU time's trailing report from stderr; return it parsed. */
export function splitTimeReport(stderr: string): { stderr: string; peakKb: number | null; signal: number | null } {
  const re = new RegExp(
    `(?:^|(?<=\\n))(?:Command (?:exited with non-zero status \\d+|terminated by signal (\\d+))\\n)?${TIME_MARKER} peak_kb=(\\d+)\\n?$`,
  );
  const m = re.exec(stderr);
  if (!m) return { stderr, peakKb: null, signal: null };
  return {
    stderr: stderr.slice(0, m.index),
    peakKb: m[2] ? Number(m[2]) : null,
    signal: m[1] ? Number(m[1]) : null,
  };
}

const SANDBOX_TOOL_ERROR = new RegExp(`^((/usr)?/s?bin/)?(bwrap|setpriv|prlimit|time|tar|${LAUNCHER_NAME}): `);

function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const l = lines[lines.length - 1] ?? '';
  return l.length > 200 ? `${l.slice(0, 197)}...` : l;
}

function signalHint(sig: string): string {
  switch (sig) {
    case 'SIGXCPU':
      return ' (the CPU time limit was reached)';
    case 'SIGKILL':
      return ' (usually a resource limit: memory, CPU time or processes)';
    case 'SIGSEGV':
      return ' (a segmentation fault, often memory exhaustion in native code)';
    case 'SIGXFSZ':
      return ' (a file grew past the size limit)';
    case 'SIGABRT':
      return ' (aborted, often a failed allocation in native code)';
    default:
      return '';
  }
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round(n / (1024 * 1024))} MiB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KiB`;
  return `${n} bytes`;
}

async function makeTreeRemovable(dir: string): Promise<void> {
  await fsp.chmod(dir, 0o700).catch(() => undefined);
  const entries = await fsp.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) if (e.isDirectory()) await makeTreeRemovable(path.join(dir, e.name));
}

/** Folders of every hop of a symlink chain ending at `file` (the final target's folder included). */
async function linkFolders(file: string): Promise<string[]> {
  const out: string[] = [];
  let current = file;
  for (let hop = 0; hop < 16; hop++) {
    const target = await fsp.readlink(current).catch(() => null);
    if (target === null) break;
    current = path.resolve(path.dirname(current), target);
    out.push(path.dirname(current));
  }
  return out;
}

export function createPythonRunner(cfg: PythonRunnerConfig, logger: Logger): Runner {
  // Keyed by the command as given: a library's own interpreter is probed once, beside the configured one.
  const interpreters = new Map<string, Promise<InterpreterInfo | { error: string }>>();
  const isolations = new Map<string, Promise<Isolation>>();

  const interpreter = (python: string = cfg.python): Promise<InterpreterInfo | { error: string }> => {
    let p = interpreters.get(python);
    if (!p) {
      p = probeInterpreter(python).then((r) => {
        // A failed probe is retried on the next call (the interpreter may be installed meanwhile).
        if ('error' in r) interpreters.delete(python);
        return r;
      });
      interpreters.set(python, p);
    }
    return p;
  };

  async function probeInterpreter(python: string): Promise<InterpreterInfo | { error: string }> {
    const env = baseEnv(cfg.childEnv);
    // The configured interpreter is fixed by CODEDISTILL_PYTHON; another one was chosen for a repository.
    const fix =
      python === cfg.python
        ? 'set CODEDISTILL_PYTHON to a working Python 3'
        : 'recreate that environment, or pass an interpreter that exists here (distill --python); without one, runs use CODEDISTILL_PYTHON';
    const r = await runCaptured(python, ['-I', '-c', PROBE], {
      env: { ...env, HOME: os.homedir() },
      cwd: os.tmpdir(),
      timeoutMs: 60_000,
      capBytes: 16 * 1024 * 1024,
    });
    if (r.spawnError) {
      return {
        error:
          r.spawnError.code === 'ENOENT'
            ? python === cfg.python
              ? `Python interpreter "${python}" was not found; install Python 3 or set CODEDISTILL_PYTHON to its path.`
              : `Python interpreter "${python}" was not found; ${fix}.`
            : `Python interpreter "${python}" could not be started (${r.spawnError.message}); ${fix}.`,
      };
    }
    let data: ProbeOutput;
    try {
      if (r.exitCode !== 0) throw new Error(lastLine(r.stderr.toString()) || `exit ${r.exitCode ?? r.signal}`);
      data = JSON.parse(r.stdout.toString()) as ProbeOutput;
      if (!data.executable) throw new Error('it reports no executable path');
    } catch (e) {
      return {
        error: `Python interpreter "${python}" did not describe itself (${(e as Error).message}); ${fix}.`,
      };
    }
    const home = os.homedir();
    // A virtualenv's bin/python links (maybe through several hops) to a base interpreter elsewhere; its
    // prefixes cover the venv and the base, the hops' folders make every link resolvable inside.
    const mounts = new Set<string>([
      ...data.prefixes,
      data.realExecutableDir,
      path.dirname(data.executable),
      ...(await linkFolders(data.executable)),
    ]);
    // sys.path entries outside the prefixes (.pth files, editable installs) are part of the environment.
    for (const p of data.path) {
      const st = path.isAbsolute(p) ? await fsp.stat(p).catch(() => null) : null;
      if (st?.isDirectory()) mounts.add(p);
    }
    // Never the whole system or a folder holding the home folder, whatever the interpreter reports; if it
    // needed one, the sandbox self-check says so.
    const safeMounts = [...mounts].filter((m) => path.isAbsolute(m) && m !== '/' && !(home !== '/' && within(home, m)));
    const environmentHash = createHash('sha256')
      .update(`${data.implementation} ${data.version}\n${data.dists.join('\n')}`)
      .digest('hex');
    logger.debug(`python: ${data.executable} ${data.version}, ${data.dists.length} distributions`);
    return {
      executable: data.executable,
      version: data.version,
      implementation: data.implementation,
      mounts: safeMounts,
      stdlib: new Set(data.stdlib),
      installed: new Set(data.installed),
      environmentHash,
      display: `${data.executable} (${data.version})`,
    };
  }

  const refuse = (reason: string): Isolation => ({
    kind: 'unavailable',
    reason,
    message:
      `Repository code is not run without a sandbox: ${reason}. Install bubblewrap (apt-get install bubblewrap) ` +
      'or set CODEDISTILL_ALLOW_UNSANDBOXED=1 to run code without isolation.',
  });

  // Per interpreter: the self-check inside the sandbox is about that interpreter's files.
  const isolation = (python: string, interp: InterpreterInfo): Promise<Isolation> => {
    let p = isolations.get(python);
    if (!p) {
      p = resolveIsolation(interp);
      isolations.set(python, p);
    }
    return p;
  };

  async function resolveIsolation(interp: InterpreterInfo): Promise<Isolation> {
    if (cfg.sandbox === 'none') {
      if (cfg.allowUnsandboxed) {
        logger.warn('running code WITHOUT a sandbox (CODEDISTILL_SANDBOX=none, CODEDISTILL_ALLOW_UNSANDBOXED=1)');
        return { kind: 'none' };
      }
      return refuse('CODEDISTILL_SANDBOX is none and CODEDISTILL_ALLOW_UNSANDBOXED is not set');
    }
    const support = await detectBubblewrap('bwrap', { PATH: cfg.childEnv.PATH ?? '/usr/bin:/bin' });
    let reason = support.reason;
    if (support.available) {
      // The interpreter must also work inside (its prefix readable by the sandbox user, its libraries visible).
      const check = await execute({ kind: 'bwrap', support }, interp, 'print("codedistill-ok")', [], [], 30_000);
      if (check.capture.stdout.toString().includes('codedistill-ok')) {
        logger.debug(`sandbox: bubblewrap ${support.version} (${support.mode} mode, seccomp ${support.features.seccomp ? 'on' : 'off'})`);
        if (!support.features.seccomp) {
          logger.warn(`sandbox: no seccomp filter on this system (${process.arch}); code in the sandbox can create user namespaces`);
        }
        return { kind: 'bwrap', support };
      }
      reason = `the interpreter does not run inside bubblewrap: ${lastLine(check.stderr) || `exit ${check.capture.exitCode}`}`;
    }
    if (cfg.sandbox === 'auto' && cfg.allowUnsandboxed) {
      logger.warn(`running code WITHOUT a sandbox (CODEDISTILL_ALLOW_UNSANDBOXED=1): ${reason}`);
      return { kind: 'none' };
    }
    return refuse(reason ?? 'bubblewrap is unavailable');
  }

  interface Execution {
    capture: CaptureResult;
    /** stderr without GNU time's report. */
    stderr: string;
    stderrTail: string;
    peakKb: number | null;
    exitCode: number | null;
    signal: string | null;
    snippetPath: string;
    sandboxFailure: string | null;
  }

  /**
   * Make a run folder (our passwd/group files and seccomp filter; without a sandbox, the scratch folder), lease
   * a uid, build the command line and the scratch archive fed to it on stdin, and hand them
   * to `use`; afterwards release the uid and remove the folder. `use` must not return before every process
   * it started is gone (runCaptured and the batch spawner kill the whole group).
   */
  async function withSandbox<T>(
    iso: { kind: 'bwrap'; support: BwrapSupport } | { kind: 'none' },
    interp: InterpreterInfo,
    spec: {
      files: Array<[string, string]>;
      importRoots: string[];
      limits: ResourceLimits;
      /** The program and its arguments, given the scratch folder as the code sees it. */
      command: (inside: string) => string[];
      /** Append GNU time's peak-memory report to stderr. */
      measure: boolean;
    },
    use: (launch: SandboxLaunch) => Promise<T>,
  ): Promise<T> {
    const runDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'codedistill-run-'));
    let lease: { uid: number; release: () => void } | null = null;
    let filterFd: number | null = null;
    try {
      const exeDir = path.dirname(interp.executable);
      if (iso.kind === 'bwrap') {
        const { support } = iso;
        lease = support.mode === 'root' ? acquireSandboxUid() : null;
        const uid = lease?.uid ?? SANDBOX_NS_UID;
        const passwdFile = path.join(runDir, 'passwd');
        const groupFile = path.join(runDir, 'group');
        await fsp.writeFile(
          passwdFile,
          `root:x:0:0:root:/root:/usr/sbin/nologin\nsandbox:x:${uid}:${uid}:sandbox:${SANDBOX_SCRATCH}:/bin/sh\n`,
          { mode: 0o644 },
        );
        await fsp.writeFile(groupFile, `root:x:0:\nsandbox:x:${uid}:\n`, { mode: 0o644 });
        const filter = support.features.seccomp ? namespaceFilter() : null;
        if (filter) {
          // A file of its own per run: concurrent bwraps reading one shared descriptor would share its offset.
          const filterFile = path.join(runDir, 'seccomp.bpf');
          await fsp.writeFile(filterFile, filter, { mode: 0o600 });
          filterFd = openSync(filterFile, 'r');
        }
        const measured = spec.measure && support.tools.time !== null;
        // The snippet and its files go in through stdin (unpacked inside into the scratch tmpfs): nothing of
        // the run is written to the host's disk.
        const input = scratchArchive(spec.files, { owner: lease?.uid ?? null, mtime: Date.now() / 1000 });
        const args = buildBwrapArgs(support, {
          readOnly: [...interp.mounts, ...spec.importRoots],
          hide: [os.tmpdir()],
          passwdFile,
          groupFile,
          uid: lease?.uid ?? null,
          limits: spec.limits,
          command: spec.command(SANDBOX_SCRATCH),
          measure: measured,
          seccomp: filterFd !== null,
          // What the code may add is capped; what the caller hands over always fits, however large.
          scratchBytes: DEFAULT_SCRATCH_BYTES + input.length,
        });
        const env = runEnv(cfg.childEnv, { home: SANDBOX_SCRATCH, tmp: '/tmp', importRoots: spec.importRoots, exeDir });
        return await use({
          file: support.bwrap ?? 'bwrap',
          args,
          env,
          cwd: runDir,
          inside: SANDBOX_SCRATCH,
          measured,
          sandbox: 'bwrap',
          input,
          fds: filterFd !== null ? [filterFd] : [],
        });
      }
      const scratch = path.join(runDir, 'scratch');
      await fsp.mkdir(scratch, { mode: 0o700 });
      for (const [name, content] of spec.files) {
        const dest = path.join(scratch, name);
        await fsp.mkdir(path.dirname(dest), { recursive: true });
        await fsp.writeFile(dest, content, { encoding: 'utf8', mode: 0o644 });
      }
      const prlimit = findTool('prlimit');
      const time = spec.measure ? findTool('time') : null;
      // No process limit here: RLIMIT_NPROC counts every process of the user, not just this run's.
      const cmd = [
        ...(prlimit ? [prlimit, ...prlimitArgs({ ...spec.limits, maxProcesses: null })] : []),
        ...(time ? [time, '-f', TIME_FORMAT, '--'] : []),
        ...spec.command(scratch),
      ];
      const env = runEnv(cfg.childEnv, { home: scratch, tmp: scratch, importRoots: spec.importRoots, exeDir });
      return await use({
        file: cmd[0] as string,
        args: cmd.slice(1),
        env,
        cwd: scratch,
        inside: scratch,
        measured: time !== null,
        sandbox: 'none',
        input: null,
        fds: [],
      });
    } finally {
      if (filterFd !== null) closeSync(filterFd);
      // The process group is dead by now, so the uid can serve another run.
      lease?.release();
      await fsp.rm(runDir, { recursive: true, force: true }).catch(async () => {
        // The code may have made its own folders unreadable (possible when we are not root).
        await makeTreeRemovable(runDir);
        await fsp.rm(runDir, { recursive: true, force: true }).catch((e) => logger.warn(`could not remove ${runDir}: ${String(e)}`));
      });
    }
  }

  async function execute(
    iso: { kind: 'bwrap'; support: BwrapSupport } | { kind: 'none' },
    interp: InterpreterInfo,
    code: string,
    files: Array<[string, string]>,
    importRoots: string[],
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<Execution> {
    const limits: ResourceLimits = {
      cpuSeconds: Math.ceil(timeoutMs / 1000) + 1,
      addressSpaceBytes: cfg.memoryLimitMb * 1024 * 1024,
      maxProcesses: DEFAULT_MAX_PROCESSES,
      fileSizeBytes: DEFAULT_MAX_FILE_BYTES,
    };
    const spec = {
      files: [[SNIPPET, code] as [string, string], ...files],
      importRoots,
      limits,
      command: (inside: string) => [interp.executable, `${inside}/${SNIPPET}`],
      measure: true,
    };
    return withSandbox(iso, interp, spec, async (launch) => {
      const result = await runCaptured(launch.file, launch.args, {
        env: launch.env,
        cwd: launch.cwd,
        timeoutMs,
        signal,
        capBytes: cfg.outputCapBytes,
        stderrTailBytes: stderrTailBytes(),
        killAfterBytes: killAfterBytes(),
        input: launch.input ?? undefined,
        extraFds: launch.fds,
      });
      const { measured } = launch;
      const full = measured ? splitTimeReport(result.stderr.toString('utf8')) : null;
      const tail = measured ? splitTimeReport(result.stderrTail.toString('utf8')) : null;
      const stderr = full ? full.stderr : result.stderr.toString('utf8');
      const report = full && full.peakKb !== null ? full : tail;
      let exitCode = result.exitCode;
      let sig = result.signal;
      if (report?.signal) {
        sig = signalName(report.signal);
        exitCode = null;
      }
      const sandboxFailure =
        iso.kind === 'bwrap' && exitCode !== 0 && !report?.peakKb && SANDBOX_TOOL_ERROR.test(stderr.trimStart())
          ? lastLine(stderr.split('\n')[0] ?? '')
          : null;
      return {
        capture: result,
        stderr,
        stderrTail: tail ? tail.stderr : result.stderrTail.toString('utf8'),
        peakKb: report?.peakKb ?? null,
        exitCode,
        signal: sig,
        snippetPath: `${launch.inside}/${SNIPPET}`,
        sandboxFailure,
      };
    });
  }

  const stderrTailBytes = () => Math.min(32 * 1024, Math.floor(cfg.outputCapBytes / 2));
  const killAfterBytes = () => Math.max(KILL_AFTER_MIN_BYTES, 64 * cfg.outputCapBytes);

  function clampTimeout(requested: number | undefined): number {
    const t = requested ?? cfg.timeoutMs;
    return Math.max(MIN_TIMEOUT_MS, Math.min(Number.isFinite(t) ? t : cfg.timeoutMs, cfg.maxTimeoutMs));
  }

  function isThirdParty(mod: string, interp: InterpreterInfo, importRoots: string[], files: Array<[string, string]>): boolean {
    const top = mod.split('.')[0] ?? mod;
    if (interp.stdlib.has(top) || interp.installed.has(top)) return false;
    // Provided by the caller: then a missing submodule is a bug in the code, not a missing dependency.
    if (files.some(([name]) => name.split('/')[0] === top || name === `${top}.py`)) return false;
    return !importRoots.some((root) => existsSync(path.join(root, top)) || existsSync(path.join(root, `${top}.py`)));
  }

  /** Whether a distribution named in an error message is (by any of its usual spellings) importable here. */
  function isInstalledDistribution(name: string, interp: InterpreterInfo, importRoots: string[]): boolean {
    const norm = (s: string) => s.toLowerCase().replace(/[-.]/g, '_');
    const wanted = norm(name);
    for (const mod of [...interp.installed, ...interp.stdlib]) {
      if (norm(mod) === wanted || norm(installNameFor(mod)) === wanted) return true;
    }
    return importRoots.some((root) => existsSync(path.join(root, name)) || existsSync(path.join(root, `${name}.py`)));
  }

  const record = (
    base: Omit<RunRecord, 'status' | 'message' | 'ranAt'>,
    status: RunStatus,
    message: string,
    ranAt: string,
  ): RunRecord => ({ ...base, status, message, ranAt });

  /** The record for what happened to one piece of code: shared by single runs and batches. */
  function classify(o: Outcome, ctx: ClassifyContext): RunRecord {
    const { interp, ranAt } = ctx;
    const truncated = o.stdoutTruncated || o.stderrTruncated;
    const base = {
      exitCode: o.exitCode,
      signal: o.signal,
      durationMs: Math.round(o.durationMs),
      peakMemoryKb: o.peakKb,
      stdout: o.stdout,
      stderr: o.stderr,
      truncated,
      error: null as PythonError | null,
      missingModule: null as string | null,
      sandbox: ctx.sandbox,
      interpreter: interp.display,
      environmentHash: interp.environmentHash,
    };
    const truncNote = truncated ? ` Output was cut at ${formatBytes(cfg.outputCapBytes)} per stream.` : '';

    if (o.spawnError) {
      return record(base, 'error', `The run could not start (${o.spawnError.message}).`, ranAt);
    }
    if (o.sandboxFailure) {
      return record(base, 'error', `The sandbox failed to start: ${o.sandboxFailure}`, ranAt);
    }
    if (o.timedOut) {
      return record(
        { ...base, error: parseTraceback(o.stderrTail, { snippetPath: o.snippetPath }) },
        'timeout',
        `Timed out after ${ctx.timeoutMs} ms and was stopped; make the code faster or allow more time ` +
          `(timeoutMs, at most ${cfg.maxTimeoutMs}).${truncNote}`,
        ranAt,
      );
    }
    if (o.outputLimitHit) {
      return record(
        base,
        'failed',
        `Stopped after printing more than ${formatBytes(killAfterBytes())}; ` +
          `print less (output is kept up to ${formatBytes(cfg.outputCapBytes)} per stream).`,
        ranAt,
      );
    }
    if (o.exitCode === 0 && !o.signal) {
      const expected = ctx.expectedOutput;
      if (expected !== undefined && expected !== null) {
        if (outputsMatch(expected, o.stdout)) {
          return record(base, 'passed', `Ran successfully and printed the expected output.${truncNote}`, ranAt);
        }
        return record(
          base,
          'failed',
          `Ran without error but the output did not match: ${describeMismatch(expected, o.stdout)}.${truncNote}`,
          ranAt,
        );
      }
      return record(base, 'passed', `Ran successfully.${truncNote}`, ranAt);
    }

    const error = parseTraceback(o.stderrTruncated ? o.stderrTail : o.stderr, { snippetPath: o.snippetPath });
    const missing = missingModuleOf(error);
    if (missing && isThirdParty(missing, interp, ctx.importRoots, ctx.files)) {
      const top = missing.split('.')[0] ?? missing;
      const install = installNameFor(missing);
      return record(
        { ...base, error, missingModule: top },
        'skipped',
        `missing dependency ${top} (install name ${install}); install it in ${interp.display} to run this code.`,
        ranAt,
      );
    }
    // "X requires the installation of the package pint": a dependency the code needs but the environment lacks.
    const required = missing ? null : requiredPackageOf(error);
    if (required && !isInstalledDistribution(required, interp, ctx.importRoots)) {
      const install = installNameFor(required);
      return record(
        { ...base, error, missingModule: required },
        'skipped',
        `missing dependency ${required} (install name ${install}); install it in ${interp.display} to run this code.`,
        ranAt,
      );
    }
    if (error) return record({ ...base, error }, 'failed', `${describePythonError(error)}${truncNote ? `.${truncNote}` : ''}`, ranAt);
    if (o.signal) {
      return record(base, 'failed', `The process was killed by ${o.signal}${signalHint(o.signal)}.${truncNote}`, ranAt);
    }
    const last = lastLine(o.stderr);
    return record(base, 'failed', `Exited with code ${o.exitCode}${last ? `: ${last}` : ''}.${truncNote}`, ranAt);
  }

  const emptyRecord = {
    exitCode: null,
    signal: null,
    durationMs: 0,
    peakMemoryKb: null,
    stdout: '',
    stderr: '',
    truncated: false,
    error: null,
    missingModule: null,
    sandbox: 'none' as const,
    interpreter: null,
    environmentHash: null,
  };

  /** The interpreter and isolation runs use, or the record every run gets when there are none. */
  async function environment(
    python: string = cfg.python,
  ): Promise<
    { interp: InterpreterInfo; iso: { kind: 'bwrap'; support: BwrapSupport } | { kind: 'none' } } | { refusal: (ranAt: string) => RunRecord }
  > {
    const interp = await interpreter(python);
    if ('error' in interp) return { refusal: (ranAt) => record(emptyRecord, 'error', interp.error, ranAt) };
    const iso = await isolation(python, interp);
    if (iso.kind === 'unavailable') {
      const withInterp = { ...emptyRecord, interpreter: interp.display, environmentHash: interp.environmentHash };
      return { refusal: (ranAt) => record(withInterp, 'error', iso.message, ranAt) };
    }
    return { interp, iso };
  }

  const runner: Runner = {
    async info(python?: string) {
      const command = python ?? cfg.python;
      const interp = await interpreter(command);
      if ('error' in interp) return { sandbox: 'none', interpreter: null, available: false, reason: interp.error };
      const iso = await isolation(command, interp);
      if (iso.kind === 'unavailable') return { sandbox: 'none', interpreter: interp.display, available: false, reason: iso.message };
      return { sandbox: iso.kind, interpreter: interp.display, available: true, reason: null };
    },

    async run(req: RunRequest): Promise<RunRecord> {
      throwIfAborted(req.signal);
      const ranAt = new Date().toISOString();
      const importRoots = await checkImportRoots(req.importRoots ?? []);
      const files = checkFiles(req.files ?? {});
      const timeoutMs = clampTimeout(req.timeoutMs);
      const env = await environment(req.python);
      if ('refusal' in env) return env.refusal(ranAt);
      const { interp, iso } = env;
      throwIfAborted(req.signal);

      const ex = await execute(iso, interp, req.code, files, importRoots, timeoutMs, req.signal);
      const cap = ex.capture;
      if (cap.aborted && !cap.timedOut) {
        throw cancelled();
      }
      return classify(
        {
          spawnError: cap.spawnError,
          sandboxFailure: ex.sandboxFailure,
          timedOut: cap.timedOut,
          outputLimitHit: cap.outputLimitHit,
          exitCode: ex.exitCode,
          signal: ex.signal,
          stdout: cap.stdout.toString('utf8'),
          stderr: ex.stderr,
          stderrTail: ex.stderrTail,
          stdoutTruncated: cap.stdoutTruncated,
          stderrTruncated: cap.stderrTruncated,
          durationMs: cap.durationMs,
          peakKb: ex.peakKb,
          snippetPath: ex.snippetPath,
        },
        { interp, sandbox: iso.kind, timeoutMs, expectedOutput: req.expectedOutput, importRoots, files, ranAt },
      );
    },

    async runBatch(reqs: RunRequest[], opts: BatchOptions): Promise<RunRecord[]> {
      return runBatchWith(
        {
          logger,
          outputCapBytes: cfg.outputCapBytes,
          stderrTailBytes: stderrTailBytes(),
          killAfterBytes: killAfterBytes(),
          memoryLimitMb: cfg.memoryLimitMb,
          workers: cfg.workers ?? 1,
          checkImportRoots,
          checkFiles,
          clampTimeout,
          environment: (python) => environment(python),
          launch: (env, spec, use) => withSandbox(env.iso, env.interp, spec, use),
          classify,
          run: (req) => runner.run(req),
        },
        reqs,
        opts,
      );
    },
  };
  return runner;
}
