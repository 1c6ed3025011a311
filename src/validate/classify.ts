/**
 * Every judgement of a run: what happened to one piece of code (an Outcome, from a single run or a batch) as a
 * RunRecord, and the later reclassifications that need to know more than the run itself (the repository's
 * compiled extensions, the libraries providing dependencies). A failure that says nothing about the code (a
 * missing dependency, an unbuilt extension, a version mismatch between two distilled libraries) is recorded as
 * skipped, saying what to do.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Block } from '../domain/block.js';
import { levelFor, MATCHED_OUTPUT_MESSAGE, type PythonError, type RunRecord, type RunStatus, type SkipReason } from '../domain/validation.js';
import { distributionForImport, installNameFor, normaliseDistName } from '../python/distributions.js';
import { namesNoneWhenImportFails } from '../python/optional-imports.js';
import { satisfies } from '../python/versions.js';
import { describeMismatch, outputsMatch } from './compare.js';
import { LAUNCHER_NAME } from './sandbox/bwrap.js';
import { guardedPackageOf, repositoryFileOf, requiredPackageOf } from './missing.js';
import { describePythonError, finalFrames, lastLine, missingModuleOf, parseTraceback, raisedOutsideSnippet } from './traceback.js';
import type { ClassifyContext, InterpreterInfo, Outcome } from './types.js';
import { describeExit, signalOfExitCode } from '../kernel/exit-status.js';

/** The runner's output bounds, quoted in messages. */
export interface OutputLimits {
  outputCapBytes: number;
  maxTimeoutMs: number;
  /** Output read past this point (per stream) stops the run. */
  killAfterBytes: number;
  /** The memory limit of a run as a whole (all its processes), MB; absent or 0: none. */
  runMemoryMb?: number;
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
      return ': the CPU time limit was reached';
    case 'SIGKILL':
      return ': usually a resource limit (memory, CPU time or processes)';
    case 'SIGSEGV':
      return ': a segmentation fault, often memory exhaustion in native code';
    case 'SIGXFSZ':
      return ': a file grew past the size limit';
    case 'SIGABRT':
      return ': aborted, often a failed allocation in native code';
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

/** A record with its level set from its status; `checked`: its output matched the one the caller stated. */
export const record = (
  base: Omit<RunRecord, 'status' | 'level' | 'message' | 'ranAt'>,
  status: RunStatus,
  message: string,
  ranAt: string,
  checked = false,
): RunRecord => ({ ...base, status, level: levelFor(status, checked), message, ranAt });

/** A failure that is a fact about the environment, not the code: recorded as skipped, saying what to do. */
export interface EnvironmentSkip {
  reason: SkipReason;
  message: string;
  /** The module (or distribution) that is missing or at the wrong version, when one is. */
  module: string | null;
}

/** What is known about the environment a run saw; each check runs only when its facts are given. */
export interface EnvironmentFacts {
  /** Whether a module or distribution named in a message is importable in the runs. */
  isInstalled?: (name: string) => boolean;
  /** The repository's files (relative paths). */
  filePaths?: readonly string[];
  /** Absolute folders of the repository as the runs saw them (its import roots). */
  repositoryRoots?: readonly string[];
  /** The repository's declared constraints: normalised distribution name and PEP 440 specifier. */
  constraints?: ReadonlyArray<{ name: string; spec: string }>;
  /** Normalised distribution name → installed version. */
  installed?: ReadonlyMap<string, string>;
}

/** The module an import-time error blames on a distribution's contents: a name, an attribute or a submodule it lacks. */
function moduleLackingSomething(error: PythonError): string | null {
  if (/partially initialized module|circular import/.test(error.message)) return null;
  if (/(?:^|\.)ImportError$/.test(error.type)) return /cannot import name '[^']+' from '([\w.]+)'/.exec(error.message)?.[1] ?? null;
  if (/(?:^|\.)AttributeError$/.test(error.type)) return /^module '([\w.]+)' has no attribute '/.exec(error.message)?.[1] ?? null;
  if (error.type === 'ModuleNotFoundError') {
    const mod = missingModuleOf(error);
    return mod && mod.includes('.') ? mod : null;
  }
  return null;
}

function unmetConstraint(error: PythonError, facts: EnvironmentFacts): EnvironmentSkip | null {
  if (!facts.installed) return null;
  const mod = moduleLackingSomething(error);
  if (!mod) return null;
  const dist = distributionForImport(mod);
  const version = facts.installed.get(dist);
  if (!version) return null;
  const declared = (facts.constraints ?? []).filter((c) => normaliseDistName(c.name) === dist);
  const unmet = declared.filter((c) => satisfies(version, c.spec) === false);
  if (!unmet.length) {
    // The declared range is met, yet the installed release lacks what the code imports: the repository was
    // written against another release than it declares (often a newer one from its own git).
    if (!/(?:^|\.)ImportError$/.test(error.type)) return null;
    const said = declared.length ? ` (it declares ${dist}${declared.map((c) => c.spec.trim()).join(',')})` : '';
    return {
      reason: 'unmet_constraint',
      module: dist,
      message:
        `environment problem: the installed ${dist} ${version} lacks what the code imports (${describePythonError(error)}); ` +
        `the repository needs another release of ${dist} than it declares${said}: install the one it was written against to run this code.`,
    };
  }
  const wanted = `${dist}${unmet.map((c) => c.spec.trim()).join(',')}`;
  return {
    reason: 'unmet_constraint',
    module: dist,
    message:
      `environment problem: ${dist} ${version} is installed, the repository needs ${wanted} (${describePythonError(error)}); ` +
      `install a version it accepts (pip install "${wanted}") to run this code.`,
  };
}

// What a resolver or a socket says when there is no network (the sandbox has none).
const NO_NETWORK =
  /Temporary failure in name resolution|Name or service not known|No address associated with hostname|nodename nor servname provided|Network is unreachable|getaddrinfo failed|\[Errno -[235]\]/;
const NETWORK_ERROR = /(?:^|\.)(?:gaierror|herror|URLError|ConnectionError|NewConnectionError|MaxRetryError|ConnectError|ConnectTimeout|OSError)$/;

function networkUse(error: PythonError, stderr: string): EnvironmentSkip | null {
  // The final message says so, or a network error class wraps a resolver failure printed earlier in the chain.
  if (!NO_NETWORK.test(error.message) && !(NETWORK_ERROR.test(error.type) && NO_NETWORK.test(stderr))) return null;
  return {
    reason: 'network',
    module: null,
    message: `network use: the code tried to reach the network (${describePythonError(error)}), which runs in the sandbox do not have; give it the data locally to run it here.`,
  };
}

const FILE_ERROR = /^(?:builtins\.)?(?:FileNotFoundError|OSError|IOError)$/;

/** The repository file a path the code asked for probably is: the same relative path under a folder, or the same name. */
function repositoryFileFor(file: string, filePaths: readonly string[]): string | null {
  const base = path.posix.basename(file);
  return filePaths.find((f) => f === file || f.endsWith(`/${file}`)) ?? filePaths.find((f) => path.posix.basename(f) === base) ?? null;
}

/** The folder the snippet ran in, from its frames in the traceback ("/sandbox" for /sandbox/snippet.py). */
function snippetFolder(stderr: string): string | null {
  const frame = finalFrames(stderr).find((f) => path.posix.basename(f.file) === 'snippet.py');
  return frame ? path.posix.dirname(frame.file) : null;
}

const under = (p: string, dir: string) => p.startsWith(`${dir.replace(/\/+$/, '')}/`);

function missingDataFile(error: PythonError, stderr: string, facts: EnvironmentFacts): EnvironmentSkip | null {
  if (!FILE_ERROR.test(error.type)) return null;
  const m = /No such file or directory: '([^']+)'/.exec(error.message) ?? /^(\S+) not found\.?$/.exec(error.message);
  const file = m?.[1];
  if (!file) return null;
  const files = facts.filePaths ?? [];
  let known: string | null;
  if (!path.posix.isAbsolute(file)) {
    known = repositoryFileFor(file, files);
  } else if (facts.repositoryRoots?.some((r) => r && under(file, r))) {
    known = null;
  } else {
    // Beside the snippet (a path built from __file__) only when the repository has such a file: the snippet's
    // folder also holds what the snippet wrote itself, and an absolute path elsewhere is the code's own failure.
    const folder = snippetFolder(stderr);
    known = folder && under(file, folder) ? repositoryFileFor(file.slice(folder.replace(/\/+$/, '').length + 1), files) : null;
    if (!known) return null;
  }
  return {
    reason: 'data_file',
    module: null,
    message:
      `data file missing: the code reads ${file}, which is not there when it runs` +
      (known ? ` (the repository has ${known}; examples run in an empty folder)` : '') +
      '; give the file (or its full path) to run this code.',
  };
}

function optionalExtra(error: PythonError, stderr: string, facts: EnvironmentFacts): EnvironmentSkip | null {
  if (!facts.isInstalled || !raisedOutsideSnippet(stderr)) return null;
  const name = guardedPackageOf(error, stderr);
  if (!name || facts.isInstalled(name)) return null;
  // The repository's own package is never an optional extra of itself: what it lacks is its own failure.
  if (facts.filePaths && repositoryFileOf(name, facts.filePaths)?.endsWith('__init__.py')) return null;
  return {
    reason: 'optional_extra',
    module: name,
    message:
      `optional dependency ${name} is not installed (${describePythonError(error)}): the code guards it with its own error; ` +
      `install ${installNameFor(name)} (or the repository's extra that provides it) to run this code.`,
  };
}

const NONE_USED = /^'NoneType' object (?:is not callable|has no attribute|is not subscriptable|is not iterable)/;
const MAX_GUARD_FILE_BYTES = 2 * 1024 * 1024;

/**
 * A failure in a module that binds an optional import to None when it fails (`except ImportError: algopy = None`),
 * on the line that uses that name, while the package is not installed: the optional dependency is missing. The
 * failing frame's file is read as text on the host (it is the environment's or the snapshot's own copy).
 */
function noneForMissingImport(error: PythonError, stderr: string, facts: EnvironmentFacts): EnvironmentSkip | null {
  if (!facts.isInstalled || !/(?:^|\.)(?:TypeError|AttributeError)$/.test(error.type) || !NONE_USED.test(error.message)) return null;
  const last = finalFrames(stderr).filter((f) => !f.file.startsWith('<')).at(-1);
  if (!last || !last.file.endsWith('.py') || !path.isAbsolute(last.file)) return null;
  let text: string;
  try {
    if (statSync(last.file).size > MAX_GUARD_FILE_BYTES) return null;
    text = readFileSync(last.file, 'utf8');
  } catch {
    return null;
  }
  const line = text.split('\n')[last.line - 1] ?? '';
  for (const [name, mod] of namesNoneWhenImportFails(text)) {
    if (!new RegExp(`(?<![\\w.])${name}\\b`).test(line)) continue;
    const top = mod.split('.')[0]!;
    if (facts.isInstalled(top)) continue;
    return {
      reason: 'optional_extra',
      module: top,
      message:
        `optional dependency ${top} is not installed: ${path.basename(last.file)} sets ${name} to None when its import fails, ` +
        `and the code used it (${describePythonError(error)}); install ${installNameFor(top)} (or the repository's extra that provides it) to run this code.`,
    };
  }
  return null;
}

/**
 * Why a failed run is really an environment problem, or null when it is the code's failure: a declared
 * constraint the installed version does not meet, an optional package the code guards, network use, a data file
 * that is not there. The checks whose facts are missing are not made.
 */
export function environmentSkip(error: PythonError | null, stderr: string, facts: EnvironmentFacts): EnvironmentSkip | null {
  if (!error) return null;
  return (
    unmetConstraint(error, facts) ??
    optionalExtra(error, stderr, facts) ??
    noneForMissingImport(error, stderr, facts) ??
    networkUse(error, stderr) ??
    missingDataFile(error, stderr, facts)
  );
}

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
  if (o.runMemoryLimitHit) {
    return record(
      { ...base, error: parseTraceback(o.stderrTail, { snippetPath: o.snippetPath }) },
      'failed',
      `Stopped: the run's processes together used more than ${limits.runMemoryMb ?? '?'} MB of memory, the memory limit of ` +
        'a run (CODEDISTILL_RUN_MEMORY_MB). Use less memory: smaller arrays, fewer worker processes (n_jobs, Pool sizes).',
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
        return record(base, 'passed', `${MATCHED_OUTPUT_MESSAGE}${truncNote}`, ranAt, true);
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
      { ...base, error, missingModule: module, skipReason: 'missing_dependency' },
      'skipped',
      interp.environment
        ? // A library environment is rebuilt from its inputs: installing into it by hand would not last.
          `missing dependency ${module} (install name ${installNameFor(installFor)}): it is not in the library environment ${interp.environment}; ` +
            `make it installable by pip or uv (an index or a wheel folder in their configuration), then rebuild the environment (codedistill env <library> --rebuild).`
        : `missing dependency ${module} (install name ${installNameFor(installFor)}); install it in ${interp.display} to run this code.`,
      ranAt,
    );
  const missing = missingModuleOf(error);
  if (missing && isThirdParty(missing, interp, ctx.importRoots, ctx.files)) return missingDependency(missing.split('.')[0] ?? missing, missing);
  const isInstalled = (name: string) => isInstalledDistribution(name, interp, ctx.importRoots);
  const stderr = o.stderrTruncated ? o.stderrTail : o.stderr;
  const skip = environmentSkip(error, stderr, { isInstalled, repositoryRoots: ctx.importRoots });
  if (skip) return record({ ...base, error, missingModule: skip.module, skipReason: skip.reason }, 'skipped', skip.message, ranAt);
  // "X requires the installation of the package pint" from the snippet itself: a dependency the environment lacks.
  const required = missing ? null : requiredPackageOf(error);
  if (required && !isInstalled(required)) return missingDependency(required, required);
  if (error) return record({ ...base, error }, 'failed', `${describePythonError(error)}${truncNote ? `.${truncNote}` : ''}`, ranAt);
  if (o.signal) {
    return record(base, 'failed', `The process was ${describeExit(o.exitCode, o.signal)}${signalHint(o.signal)}.${truncNote}`, ranAt);
  }
  const last = lastLine(o.stderr);
  // Inside the sandbox a signal comes back as the exit code 128 + its number.
  const signal = signalOfExitCode(o.exitCode);
  if (signal) {
    return record(base, 'failed', `The process was ${describeExit(o.exitCode)}${signalHint(signal)}${last ? `; last line: ${last}` : ''}.${truncNote}`, ranAt);
  }
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
    r.level = 'skipped';
    r.skipReason = 'missing_dependency';
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
    r.level = 'skipped';
    r.skipReason = 'unmet_constraint';
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
  /** The repository's declared constraints (normalised distribution name, PEP 440 specifier), for unmet_constraint. */
  constraints?: Array<{ name: string; spec: string }>;
  /** Normalised distribution name → version installed where the runs ran. */
  installed?: ReadonlyMap<string, string>;
  /** The Python the runs ran with, and the versions the repository declares it needs (requires-python). */
  python?: { version: string; requires: string | null };
}

/** Errors a Python older or newer than the code was written for raises before the code itself is at fault. */
const PYTHON_VERSION_ERRORS = /^(SyntaxError|ImportError|ModuleNotFoundError)$/;

/**
 * Runs that failed with a syntax or import error under a Python the repository says it does not support
 * (requires-python) are skipped as an unmet constraint, saying which Python to use: the code was not given the
 * interpreter it was written for.
 */
export function markUnsupportedPython(blocks: Block[], python: ReclassifyContext['python']): number {
  if (!python?.requires || satisfies(python.version, python.requires) !== false) return 0;
  let marked = 0;
  eachRun(blocks, (r) => {
    if (!r || r.status !== 'failed' || !r.error || !PYTHON_VERSION_ERRORS.test(r.error.type)) return;
    r.status = 'skipped';
    r.level = 'skipped';
    r.skipReason = 'unmet_constraint';
    r.message =
      `the repository requires Python ${python.requires}, and this ran with Python ${python.version} ` +
      `(${r.error.type}: ${r.error.message.slice(0, 120)}). Make the library's environment from a Python that meets it: ` +
      'distill_repo or build_environment with python: <that interpreter>, or CODEDISTILL_PYTHON.';
    marked++;
  });
  return marked;
}

/**
 * Failed runs whose failure is the environment's (environmentSkip) are recorded as skipped with the reason; a
 * run skipped for a "missing dependency" that is a file of the repository says so instead of advising an install.
 */
export function markEnvironmentProblems(blocks: Block[], ctx: ReclassifyContext): void {
  const installed = ctx.installed;
  const facts: EnvironmentFacts = {
    filePaths: ctx.filePaths,
    constraints: ctx.constraints,
    installed,
    isInstalled: installed ? (name) => installed.has(normaliseDistName(name)) || installed.has(distributionForImport(name)) : undefined,
  };
  eachRun(blocks, (r) => {
    if (!r) return;
    if (r.status === 'skipped' && r.skipReason === 'missing_dependency' && r.missingModule && !r.message.startsWith('needs the compiled')) {
      const own = repositoryFileOf(r.missingModule, ctx.filePaths);
      if (own && own.endsWith('__init__.py') && r.missingModule.includes('.')) {
        r.message =
          `${r.missingModule} belongs to the repository's own package but is not among its files: a module its build makes ` +
          '(a generated version file, a compiled extension); it imports once the package is built and installed in the library environment.';
      } else if (own && own.endsWith('.py') && !own.endsWith('__init__.py')) {
        r.message = `${r.missingModule} is a helper module of the repository (${own}), not importable from the example: run it from that folder or put the folder on the import path.`;
      }
      return;
    }
    if (r.status !== 'failed') return;
    const skip = environmentSkip(r.error, r.stderr, facts);
    if (!skip) return;
    r.status = 'skipped';
    r.level = 'skipped';
    r.skipReason = skip.reason;
    r.missingModule = skip.module;
    r.message = skip.message;
  });
}

/**
 * Every reclassification that needs more than one run's output, in one place: an unbuilt compiled extension, a
 * version mismatch with another distilled library and an environment problem (an unmet declared constraint, an
 * optional extra, network use, a missing data file) are recorded as skipped (saying why), not as failures of the
 * block. Idempotent: only failed runs change, so a job calls it after each round of runs. Returns the number of
 * runs marked as provider mismatches.
 */
export function reclassifyRuns(blocks: Block[], ctx: ReclassifyContext): { providerMismatches: number } {
  markUnbuiltExtensions(blocks, ctx.filePaths);
  markUnsupportedPython(blocks, ctx.python);
  const providerMismatches = markProviderMismatches(blocks, ctx.providerRoots);
  markEnvironmentProblems(blocks, ctx);
  return { providerMismatches };
}
