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
 * - runBatch (batch/run.ts) runs many snippets in one sandbox through a forking driver; its records are built
 *   by the same classifyOutcome() as run()'s, so a caller cannot tell them apart except by duration.
 *
 * The parts, each in its own file: interpreter.ts (what an interpreter is), isolation.ts (sandbox or not, and
 * one fresh sandbox per run), execute.ts (one snippet through the process supervisor), classify.ts (the
 * record), batch/ (many snippets per sandbox). The uid pool and the sandbox detector are the app's (one per
 * process); a runner made without them gets its own.
 */
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../config.js';
import type { RunRecord } from '../domain/validation.js';
import { cancelled, CodedistillError, throwIfAborted } from '../kernel/errors.js';
import type { Logger } from '../kernel/log.js';
import { runCaptured } from '../kernel/proc.js';
import { runBatchWith } from './batch/run.js';
import { classifyOutcome, emptyRecord, record, type OutputLimits } from './classify.js';
import { execute, SNIPPET, type ExecutionCaps } from './execute.js';
import { Interpreters, within, type ProbeExec } from './interpreter.js';
import type { InterpreterTrust } from './interpreter-guard.js';
import { Isolations, type RunEnvironment, type SelfCheck } from './isolation.js';
import { SandboxDetector } from './sandbox/detect.js';
import { UidPool } from './sandbox/uid-pool.js';
import { DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_PROCESSES } from './sandbox/bwrap.js';
import type { BatchOptions, BuildSandbox, ClassifyContext, ExecRequest, ExecResult, InterpreterInfo, Outcome, ResourceLimits, RunRequest, RunResult, Runner } from './types.js';

export { splitTimeReport } from './execute.js';

export type PythonRunnerConfig = Pick<
  Config,
  'python' | 'sandbox' | 'allowUnsandboxed' | 'timeoutMs' | 'maxTimeoutMs' | 'memoryLimitMb' | 'outputCapBytes' | 'childEnv' | 'cacheDir'
> &
  /** Parallel sandboxes for runBatch when the call does not say (default 1). */
  Partial<Pick<Config, 'workers'>> &
  /** Bounds on a run as a whole (run-limits.ts); absent: none beyond the per-process ones. */
  Partial<Pick<Config, 'runLimits'>> &
  /** Where repository files live (home, library folders): no interpreter is started from there, envs/ aside. */
  Partial<Pick<Config, 'home' | 'envsDir' | 'extraLibraryDirs'>> & {
    /** Variables every run gets beyond the allow-list (tests tag their sandboxes' processes with one). */
    sandboxEnv?: Record<string, string>;
  };

/** What the runner shares with the rest of the process (src/app.ts makes one of each). */
export interface RunnerServices {
  uids: UidPool;
  detector: SandboxDetector;
}

const MIN_TIMEOUT_MS = 100;
/** A compiler and a build backend need more address space than a snippet's default. */
const BUILD_MIN_MEMORY_MB = 4096;
/** Build logs kept per stream (head and tail). */
const BUILD_OUTPUT_BYTES = 256 * 1024;
/** Output read past this point (per stream) stops the run; below it, output beyond the cap is discarded. */
const KILL_AFTER_MIN_BYTES = 16 * 1024 * 1024;

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

/** One per process: two pools would hand out the same uids to concurrent runs. */
export function createRunnerServices(): RunnerServices {
  const uids = new UidPool();
  return { uids, detector: new SandboxDetector(uids) };
}

export function createPythonRunner(cfg: PythonRunnerConfig, logger: Logger, services: RunnerServices): Runner & BuildSandbox {
  const { uids, detector } = services;
  const isolations = new Isolations(cfg, logger, detector, uids);
  const trust: InterpreterTrust = {
    untrusted: [cfg.cacheDir, ...(cfg.home ? [cfg.home] : []), ...(cfg.extraLibraryDirs ?? [])],
    allowed: cfg.envsDir ? [cfg.envsDir] : [],
    pathEnv: cfg.childEnv.PATH ?? '/usr/local/bin:/usr/bin:/bin',
  };
  // An interpreter describes itself inside a sandbox that shows only its own folders.
  const probe: ProbeExec = async (file, args, mounts) => {
    const iso = await isolations.forProbe();
    if (iso.kind === 'unavailable') return { refusal: iso.message, exitCode: null, stdout: '', stderr: '' };
    const home = os.homedir();
    const safe = [];
    for (const m of new Set(mounts)) {
      if (m === '/' || (home !== '/' && within(home, m))) continue;
      if ((await fsp.stat(m).catch(() => null))?.isDirectory()) safe.push(m);
    }
    const interp: InterpreterInfo = {
      executable: file,
      version: '',
      implementation: '',
      mounts: safe,
      stdlib: new Set(),
      installed: new Set(),
      environmentHash: '',
      distributions: [],
      display: file,
    };
    const limits: ResourceLimits = {
      cpuSeconds: 60,
      addressSpaceBytes: Math.max(cfg.memoryLimitMb, 1024) * 1024 * 1024,
      maxProcesses: DEFAULT_MAX_PROCESSES,
      fileSizeBytes: DEFAULT_MAX_FILE_BYTES,
    };
    const spec = { files: [], importRoots: [], limits, command: () => [file, ...args], measure: false };
    return isolations.launch({ interp, iso }, spec, async (launch) => {
      const r = await runCaptured(launch.file, launch.args, {
        env: launch.env,
        cwd: launch.cwd,
        timeoutMs: 60_000,
        capBytes: 16 * 1024 * 1024,
        input: launch.input ?? undefined,
        extraFds: launch.fds,
      });
      return { spawnError: r.spawnError, exitCode: r.exitCode, signal: r.signal, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
    });
  };
  const interpreters = new Interpreters(cfg, logger, trust, probe);
  const caps: ExecutionCaps = {
    memoryLimitMb: cfg.memoryLimitMb,
    outputCapBytes: cfg.outputCapBytes,
    stderrTailBytes: Math.min(32 * 1024, Math.floor(cfg.outputCapBytes / 2)),
    killAfterBytes: Math.max(KILL_AFTER_MIN_BYTES, 64 * cfg.outputCapBytes),
    ...(cfg.runLimits ? { runLimits: cfg.runLimits } : {}),
  };
  const limits: OutputLimits = {
    outputCapBytes: cfg.outputCapBytes,
    maxTimeoutMs: cfg.maxTimeoutMs,
    killAfterBytes: caps.killAfterBytes,
    ...(cfg.runLimits ? { runMemoryMb: cfg.runLimits.memoryMb } : {}),
  };
  const classify = (o: Outcome, ctx: ClassifyContext): RunRecord => classifyOutcome(o, ctx, limits);
  const selfCheck: SelfCheck = async (iso, interp) => {
    const check = await execute(isolations, { iso, interp }, caps, { code: 'print("codedistill-ok")', files: [], importRoots: [], timeoutMs: 30_000 });
    return { stdout: check.capture.stdout.toString(), stderr: check.stderr, exitCode: check.capture.exitCode };
  };

  function clampTimeout(requested: number | undefined): number {
    const t = requested ?? cfg.timeoutMs;
    return Math.max(MIN_TIMEOUT_MS, Math.min(Number.isFinite(t) ? t : cfg.timeoutMs, cfg.maxTimeoutMs));
  }

  /** The interpreter and isolation runs use, or the record every run gets when there are none. */
  async function environment(python: string = cfg.python): Promise<RunEnvironment | { refusal: (ranAt: string) => RunRecord }> {
    const interp = await interpreters.get(python);
    if ('error' in interp) return { refusal: (ranAt) => record(emptyRecord, 'error', interp.error, ranAt) };
    const iso = await isolations.choose(python, interp, selfCheck);
    if (iso.kind === 'unavailable') {
      const withInterp = { ...emptyRecord, interpreter: interp.display, environmentHash: interp.environmentHash };
      return { refusal: (ranAt) => record(withInterp, 'error', iso.message, ranAt) };
    }
    return { interp, iso };
  }

  const runner: Runner & BuildSandbox = {
    registerEnvironment(ref) {
      interpreters.register(ref);
    },

    describe(python?: string) {
      return interpreters.get(python ?? cfg.python);
    },

    async exec(req: ExecRequest): Promise<ExecResult> {
      throwIfAborted(req.signal);
      const env = await environment(req.python);
      if ('refusal' in env) {
        const r = env.refusal(new Date().toISOString());
        return { exitCode: null, signal: null, timedOut: false, stdout: '', stderr: '', durationMs: 0, sandbox: 'none', refusal: r.message };
      }
      const importRoots = await checkImportRoots(req.importRoots ?? []);
      const readOnly = await checkImportRoots(req.readOnly ?? []);
      const writable = await checkImportRoots(req.writable ?? []);
      const limits: ResourceLimits = {
        cpuSeconds: Math.ceil(req.timeoutMs / 1000) + 1,
        addressSpaceBytes: Math.max(cfg.memoryLimitMb, BUILD_MIN_MEMORY_MB) * 1024 * 1024,
        maxProcesses: DEFAULT_MAX_PROCESSES,
        fileSizeBytes: DEFAULT_MAX_FILE_BYTES,
      };
      const spec = { files: [], importRoots, readOnly, writable, env: req.env, limits, command: () => req.argv, measure: false };
      return isolations.launch(env, spec, async (launch) => {
        const r = await runCaptured(launch.file, launch.args, {
          env: launch.env,
          cwd: launch.cwd,
          timeoutMs: req.timeoutMs,
          signal: req.signal,
          capBytes: BUILD_OUTPUT_BYTES,
          input: launch.input ?? undefined,
          extraFds: launch.fds,
        });
        if (r.aborted && !r.timedOut) throw cancelled();
        return {
          exitCode: r.exitCode,
          signal: r.signal,
          timedOut: r.timedOut,
          stdout: r.stdout.toString('utf8'),
          stderr: r.stderr.toString('utf8'),
          durationMs: r.durationMs,
          sandbox: launch.sandbox,
          refusal: null,
        };
      });
    },

    async info(python?: string) {
      const command = python ?? cfg.python;
      const interp = await interpreters.get(command);
      if ('error' in interp) return { sandbox: 'none', interpreter: null, available: false, reason: interp.error };
      const iso = await isolations.choose(command, interp, selfCheck);
      if (iso.kind === 'unavailable') return { sandbox: 'none', interpreter: interp.display, available: false, reason: iso.message };
      return { sandbox: iso.kind, interpreter: interp.display, available: true, reason: null };
    },

    async run(req: RunRequest): Promise<RunResult> {
      throwIfAborted(req.signal);
      const ranAt = new Date().toISOString();
      const importRoots = await checkImportRoots(req.importRoots ?? []);
      const files = checkFiles(req.files ?? {});
      const timeoutMs = clampTimeout(req.timeoutMs);
      const env = await environment(req.python);
      if ('refusal' in env) return env.refusal(ranAt);
      throwIfAborted(req.signal);

      const ex = await execute(isolations, env, caps, { code: req.code, files, importRoots, timeoutMs, signal: req.signal, collect: req.collectOutputs });
      const cap = ex.capture;
      if (cap.aborted && !cap.timedOut) {
        throw cancelled();
      }
      const rec = classify(
        {
          spawnError: cap.spawnError,
          sandboxFailure: ex.sandboxFailure,
          timedOut: cap.timedOut,
          outputLimitHit: cap.outputLimitHit,
          runMemoryLimitHit: ex.runMemoryLimitHit,
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
        { interp: env.interp, sandbox: env.iso.kind, timeoutMs, expectedOutput: req.expectedOutput, importRoots, files, ranAt },
      );
      return ex.outputs !== undefined ? { ...rec, outputs: ex.outputs } : rec;
    },

    async runBatch(reqs: RunRequest[], opts: BatchOptions): Promise<RunRecord[]> {
      return runBatchWith(
        {
          logger,
          outputCapBytes: cfg.outputCapBytes,
          stderrTailBytes: caps.stderrTailBytes,
          killAfterBytes: caps.killAfterBytes,
          memoryLimitMb: cfg.memoryLimitMb,
          ...(cfg.runLimits ? { runLimits: cfg.runLimits } : {}),
          workers: cfg.workers ?? 1,
          checkImportRoots,
          checkFiles,
          clampTimeout,
          environment,
          launch: (env, spec, use) => isolations.launch(env, spec, use),
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
