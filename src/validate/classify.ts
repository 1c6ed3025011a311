/**
 * Every judgement of a run: what happened to one piece of code (an Outcome, from a single run or a batch) as a
 * RunRecord, and the later reclassifications that need to know more than the run itself (the repository's
 * compiled extensions, the libraries providing dependencies). A failure that says nothing about the code (a
 * missing dependency, an unbuilt extension, a version mismatch between two distilled libraries) is recorded as
 * skipped, saying what to do.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Block } from '../domain/block.js';
import type { PythonError, RunRecord, RunStatus } from '../domain/validation.js';
import { installNameFor } from '../python/distributions.js';
import { describeMismatch, outputsMatch } from './compare.js';
import { LAUNCHER_NAME } from './sandbox/bwrap.js';
import { requiredPackageOf } from './missing.js';
import { describePythonError, lastLine, missingModuleOf, parseTraceback } from './traceback.js';
import type { ClassifyContext, InterpreterInfo, Outcome } from './types.js';

/** The runner's output bounds, quoted in messages. */
export interface OutputLimits {
  outputCapBytes: number;
  maxTimeoutMs: number;
  /** Output read past this point (per stream) stops the run. */
  killAfterBytes: number;
}

const SANDBOX_TOOL_ERROR = new RegExp(`^((/usr)?/s?bin/)?(bwrap|setpriv|prlimit|time|tar|${LAUNCHER_NAME}): `);

/**
 * The sandbox's own tools' complaint (bwrap, setpriv, prlimit, the launcher) when stderr starts with one: the
 * code never ran, so the run is an error of the sandbox, not a failure of the code. The caller asks only for a
 * sandboxed run that failed before GNU time reported.
 */
export function sandboxToolFailure(stderr: string): string | null {
  return SANDBOX_TOOL_ERROR.test(stderr.trimStart()) ? lastLine(stderr.split('\n')[0] ?? '') : null;
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

export const record = (
  base: Omit<RunRecord, 'status' | 'message' | 'ranAt'>,
  status: RunStatus,
  message: string,
  ranAt: string,
): RunRecord => ({ ...base, status, message, ranAt });

/** The record for what happened to one piece of code: shared by single runs and batches. */
export function classifyOutcome(o: Outcome, ctx: ClassifyContext, limits: OutputLimits): RunRecord {
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
  const truncNote = truncated ? ` Output was cut at ${formatBytes(limits.outputCapBytes)} per stream.` : '';

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
        `(timeoutMs, at most ${limits.maxTimeoutMs}).${truncNote}`,
      ranAt,
    );
  }
  if (o.outputLimitHit) {
    return record(
      base,
      'failed',
      `Stopped after printing more than ${formatBytes(limits.killAfterBytes)}; ` +
        `print less (output is kept up to ${formatBytes(limits.outputCapBytes)} per stream).`,
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
  const missingDependency = (module: string, installFor: string) =>
    record(
      { ...base, error, missingModule: module },
      'skipped',
      `missing dependency ${module} (install name ${installNameFor(installFor)}); install it in ${interp.display} to run this code.`,
      ranAt,
    );
  const missing = missingModuleOf(error);
  if (missing && isThirdParty(missing, interp, ctx.importRoots, ctx.files)) return missingDependency(missing.split('.')[0] ?? missing, missing);
  // "X requires the installation of the package pint": a dependency the code needs but the environment lacks.
  const required = missing ? null : requiredPackageOf(error);
  if (required && !isInstalledDistribution(required, interp, ctx.importRoots)) return missingDependency(required, required);
  if (error) return record({ ...base, error }, 'failed', `${describePythonError(error)}${truncNote ? `.${truncNote}` : ''}`, ranAt);
  if (o.signal) {
    return record(base, 'failed', `The process was killed by ${o.signal}${signalHint(o.signal)}.${truncNote}`, ranAt);
  }
  const last = lastLine(o.stderr);
  return record(base, 'failed', `Exited with code ${o.exitCode}${last ? `: ${last}` : ''}.${truncNote}`, ranAt);
}

/** A record for code that never ran. */
export const emptyRecord = {
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


/** Source files of compiled extensions: a module built from one of these is absent from a plain checkout. */
const EXTENSION_SOURCE = /\.(pyx|pxd|c|cc|cpp|cxx|f|f90|f95|rs)$/i;

function eachRun(blocks: Block[], fix: (r: RunRecord | null) => void): void {
  for (const b of blocks) {
    for (const e of b.examples) fix(e.run);
    fix(b.validation);
  }
}

/**
 * An example that fails only because a compiled extension of the repository was never built (a Cython or C
 * module beside the Python code) says nothing about the block: record it as skipped, saying what to build.
 * `filePaths` are the repository's files (relative paths).
 */
export function markUnbuiltExtensions(blocks: Block[], filePaths: string[]): void {
  const sources = new Map<string, string>();
  for (const p of filePaths) {
    if (!EXTENSION_SOURCE.test(p)) continue;
    sources.set(path.posix.basename(p).replace(EXTENSION_SOURCE, ''), p);
  }
  if (!sources.size) return;
  eachRun(blocks, (r) => {
    if (!r || r.status !== 'failed' || !r.error || !/^(ImportError|ModuleNotFoundError)$/.test(r.error.type)) return;
    const name = /cannot import name '([\w]+)'|No module named '(?:[\w.]*\.)?([\w]+)'/.exec(r.error.message);
    const mod = name?.[1] ?? name?.[2];
    const src = mod ? sources.get(mod) : undefined;
    if (!src) return;
    r.status = 'skipped';
    r.missingModule = mod!;
    r.message = `needs the compiled extension ${mod} (built from ${src}): build and install the package (pip install .) to run this code.`;
  });
}

/**
 * An import that fails inside another library's snapshot (ht asking fluids for a name a newer fluids dropped)
 * is a version mismatch between two repositories, not a fault of the block: record it as skipped, saying so,
 * as a missing dependency would be. `providerRoots` are those libraries' import roots. Returns how many runs
 * were marked.
 */
export function markProviderMismatches(blocks: Block[], providerRoots: string[]): number {
  if (!providerRoots.length) return 0;
  let marked = 0;
  eachRun(blocks, (r) => {
    if (!r || r.status !== 'failed' || !r.error || !/^(ImportError|ModuleNotFoundError|AttributeError)$/.test(r.error.type)) return;
    const root = providerRoots.find((p) => r.error!.message.includes(p) || r.stderr.includes(`${p}/`));
    if (!root) return;
    const from = /from '([\w.]+)'/.exec(r.error.message)?.[1] ?? null;
    r.status = 'skipped';
    r.missingModule = from;
    r.message =
      `dependency version mismatch: ${r.error.type}: ${r.error.message.replace(/ \(\/[^)]*\)$/, '')}. ` +
      `The distilled library providing ${from ?? 'this dependency'} is at a different version than this code expects; ` +
      'install the version the repository declares to run it.';
    marked++;
  });
  return marked;
}

export interface ReclassifyContext {
  /** The repository's (or the library snapshot's) files, relative paths: compiled-extension sources among them. */
  filePaths: string[];
  /** Import roots of other distilled libraries that were importable in the runs. */
  providerRoots: string[];
}

/**
 * Every reclassification that needs more than one run's output, in one place: an unbuilt compiled extension and
 * a version mismatch with another distilled library are recorded as skipped (saying why), not as failures of the
 * block. Idempotent: only failed runs change, so a job calls it after each round of runs. Returns the number of
 * runs marked as provider mismatches.
 */
export function reclassifyRuns(blocks: Block[], ctx: ReclassifyContext): { providerMismatches: number } {
  markUnbuiltExtensions(blocks, ctx.filePaths);
  return { providerMismatches: markProviderMismatches(blocks, ctx.providerRoots) };
}
