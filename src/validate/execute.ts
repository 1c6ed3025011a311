/**
 * One snippet in one fresh sandbox: launch it, capture its output within the caps, and take GNU time's report
 * (peak memory, the signal that ended the code) out of stderr.
 */
import { runCaptured, signalName, type CaptureResult } from '../kernel/proc.js';
import { sandboxToolFailure } from './classify.js';
import type { Isolations, RunEnvironment } from './isolation.js';
import { DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_PROCESSES, TIME_MARKER } from './sandbox/bwrap.js';
import type { ScratchFiles } from '../domain/snippet.js';
import { DEFAULT_OUTPUT_CAPS } from './outputs.js';
import type { ResourceLimits } from './types.js';
import { RUN_MEMORY_LIMIT, watchRun, type RunLimits } from './run-limits.js';

export const SNIPPET = 'snippet.py';

/** Output bounds and memory of one run (from the runner's configuration). */
export interface ExecutionCaps {
  memoryLimitMb: number;
  outputCapBytes: number;
  stderrTailBytes: number;
  killAfterBytes: number;
  /** Bounds on the run as a whole (all its processes); absent: none. */
  runLimits?: RunLimits;
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

export interface Execution {
  capture: CaptureResult;
  /** stderr without GNU time's report. */
  stderr: string;
  stderrTail: string;
  peakKb: number | null;
  exitCode: number | null;
  signal: string | null;
  snippetPath: string;
  sandboxFailure: string | null;
  /** Killed by the watchdog: the run's processes together passed the run's memory limit. */
  runMemoryLimitHit: boolean;
  /** The files the code left in its scratch folder, when asked for (run.collect). */
  outputs?: ScratchFiles | null;
}

export async function execute(
  isolations: Isolations,
  environment: RunEnvironment,
  caps: ExecutionCaps,
  run: { code: string; files: Array<[string, string]>; importRoots: string[]; timeoutMs: number; signal?: AbortSignal; collect?: boolean },
): Promise<Execution> {
  const { interp, iso } = environment;
  const { code, files, importRoots, timeoutMs, signal } = run;
  const limits: ResourceLimits = {
    cpuSeconds: Math.ceil(timeoutMs / 1000) + 1,
    addressSpaceBytes: caps.memoryLimitMb * 1024 * 1024,
    maxProcesses: DEFAULT_MAX_PROCESSES,
    fileSizeBytes: DEFAULT_MAX_FILE_BYTES,
  };
  const spec = {
    files: [[SNIPPET, code] as [string, string], ...files],
    importRoots,
    limits,
    command: (inside: string) => [interp.executable, `${inside}/${SNIPPET}`],
    measure: true,
    ...(run.collect ? { collect: { skip: [SNIPPET, ...files.map(([name]) => name)], caps: DEFAULT_OUTPUT_CAPS } } : {}),
  };
  return isolations.launch(environment, spec, async (launch) => {
    const watch = watchRun(caps.runLimits);
    const result = await runCaptured(launch.file, launch.args, {
      ...(watch ? { onSpawn: watch.onSpawn } : {}),
      env: launch.env,
      cwd: launch.cwd,
      timeoutMs,
      signal,
      capBytes: caps.outputCapBytes,
      stderrTailBytes: caps.stderrTailBytes,
      killAfterBytes: caps.killAfterBytes,
      input: launch.input ?? undefined,
      extraFds: launch.fds,
    });
    const { measured } = launch;
    const outputs = launch.readOutputs && !result.aborted ? await launch.readOutputs() : undefined;
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
    const sandboxFailure = iso.kind === 'bwrap' && exitCode !== 0 && !report?.peakKb ? sandboxToolFailure(stderr) : null;
    return {
      capture: result,
      stderr,
      stderrTail: tail ? tail.stderr : result.stderrTail.toString('utf8'),
      peakKb: report?.peakKb ?? null,
      exitCode,
      signal: sig,
      snippetPath: `${launch.inside}/${SNIPPET}`,
      sandboxFailure: result.killedFor === RUN_MEMORY_LIMIT ? null : sandboxFailure,
      runMemoryLimitHit: result.killedFor === RUN_MEMORY_LIMIT,
      ...(outputs !== undefined ? { outputs } : {}),
    };
  });
}
