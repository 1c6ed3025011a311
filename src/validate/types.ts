import type { EnvironmentRef } from '../domain/environment.js';
import type { ScratchFiles } from '../domain/snippet.js';
import type { OutputCaps } from './outputs.js';
import type { RunRecord } from '../domain/validation.js';

export interface RunRequest {
  code: string;
  /** Absolute folders to put on PYTHONPATH, mounted read-only in the sandbox. */
  importRoots?: string[];
  /** Extra files to write in the scratch folder beside the snippet (name -> content). */
  files?: Record<string, string>;
  timeoutMs?: number;
  /** Stdout the code is expected to print (doctest output); compared with float tolerance. */
  expectedOutput?: string | null;
  signal?: AbortSignal;
  /**
   * Interpreter command or absolute path for this run (e.g. a virtualenv's bin/python holding the repository's
   * dependencies); the runner's configured interpreter when absent.
   */
  python?: string;
  /**
   * Where an example sits in its repository (batches only): the snippet runs as a file in `dir`, so helper
   * modules beside it import and paths relative to its __file__ resolve, with `cwd` as the working folder
   * (paths relative to where a user runs it resolve). Both are relative to `root`, the library's snapshot,
   * which is shown read-only; its files appear around the snippet as links, and what the code writes stays in
   * the scratch folder.
   */
  layout?: ExampleLayout;
  /** Bring back the files the code leaves in its scratch folder (run() only; see outputs.ts). */
  collectOutputs?: boolean;
  /**
   * How long this code took when it last ran (ms), where that is known: batches use it to spread their snippets
   * evenly over the workers. It changes nothing about the run itself.
   */
  expectedMs?: number;
}

/** A run's record and, when asked for, the files its code left behind. */
export type RunResult = RunRecord & { outputs?: ScratchFiles | null };

/**
 * The code a snippet executed, as the batch driver traced it: host paths of files under the import roots and the
 * snapshot, each with the first lines of its code objects that started (functions, classes, modules). Absent when
 * the trace may be incomplete: the snippet timed out, started processes or replaced the tracer.
 */
export interface RunTrace {
  files: Record<string, number[]>;
}

export interface ExampleLayout {
  root: string;
  dir: string;
  cwd: string;
}

export interface BatchOptions {
  /**
   * Absolute folders on PYTHONPATH for every snippet of the batch (one sandbox mounts them once). A request
   * naming other import roots of its own is run alone with run().
   */
  importRoots: string[];
  /**
   * Top-level packages the driver imports once before the snippets; each snippet then starts from that state
   * (forked), as if it had imported them first. Import errors are logged, not fatal: the snippets that need
   * the package then fail on their own import with their own traceback.
   */
  preload: string[];
  /** Wall-clock limit per snippet (a request's own timeoutMs wins); the runner's default when absent. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Called once per request as soon as its record is known (not in request order). */
  onResult?: (index: number, record: RunRecord) => void;
  /**
   * Ask the driver which code of the import roots and layout each snippet executes: 'auto' where that costs nothing
   * (sys.monitoring, Python 3.12+), 'always' also through sys.settrace on older Pythons (every call then costs).
   */
  trace?: 'auto' | 'always';
  /** A snippet's trace, given before its onResult, when one was asked for and the driver could take it. */
  onTrace?: (index: number, trace: RunTrace) => void;
  /**
   * Further folders (absolute) whose files a trace records besides the import roots: the repository's own package
   * where it had to be built and installed in the environment, which is then what the snippets import.
   */
  traceRoots?: string[];
  /** Parallel sandboxes; the runner's configured workers when absent. */
  workers?: number;
  /** Snippets per sandbox, so nothing one driver accumulates lives long (default 50). */
  chunkSize?: number;
  /**
   * Interpreter for every snippet of the batch (as RunRequest.python); a request naming another one is run
   * alone with run().
   */
  python?: string;
}

/** A command (not a snippet) run in the sandbox: an environment's package build. */
export interface ExecRequest {
  /** Interpreter (or registered environment) whose folders the sandbox shows; argv[0] is usually it. */
  python: string;
  argv: string[];
  /** Host folders shown read-only (the project to build). */
  readOnly?: string[];
  /** Host folders the command may write; handed to the sandbox user for the run. */
  writable?: string[];
  /** Extra environment variables; package tools' settings from the host never reach the command. */
  env?: Record<string, string>;
  /** Host folders put on PYTHONPATH (build requirements installed beside the environment). */
  importRoots?: string[];
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface ExecResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  durationMs: number;
  sandbox: 'bwrap' | 'none';
  /** Why nothing ran (no sandbox, interpreter missing); null when it ran. */
  refusal: string | null;
}

export interface Runner {
  /** Never throws for a failure of the code itself: that is a RunRecord with a status. */
  run(req: RunRequest): Promise<RunResult>;
  /**
   * Many snippets of ONE origin (one repository, one library) with the same isolation guarantees towards the
   * host as run(), and fresh interpreter state, files and processes for each snippet; records in request
   * order, shaped exactly like run()'s. Optional: callers fall back to run() per request.
   */
  runBatch?(reqs: RunRequest[], opts: BatchOptions): Promise<RunRecord[]>;
  /** What isolation and interpreter runs use (runs naming `python`, when given). */
  info(python?: string): Promise<{ sandbox: 'bwrap' | 'none'; interpreter: string | null; available: boolean; reason: string | null }>;
}

/**
 * What the environment stage needs of the sandbox (the Python runner provides it too): describe a base
 * interpreter, build inside a sandbox, and make runs use a built environment.
 */
export interface BuildSandbox {
  /**
   * Runs naming `ref.python` use this environment: its interpreter is described from the base interpreter's
   * probe and the environment's own files, so nothing installed in it (a repository's .pth file) ever runs on
   * the host.
   */
  registerEnvironment(ref: EnvironmentRef): void;
  /** The base interpreter's description (probed on the host), or why there is none. */
  describe(python?: string): Promise<InterpreterInfo | { error: string }>;
  /** A command in a fresh sandbox, with the caps of a build; never throws for the command's own failure. */
  exec(req: ExecRequest): Promise<ExecResult>;
}

export interface InterpreterInfo {
  executable: string;
  version: string;
  implementation: string;
  /** Folders the interpreter needs (prefixes, sys.path entries outside them). */
  mounts: string[];
  stdlib: Set<string>;
  /** Top-level modules importable without import roots. */
  installed: Set<string>;
  environmentHash: string;
  /** Installed distributions, "name==version", sorted. */
  distributions: string[];
  /** The library environment (its key) when this is one: environment/ made it, nothing of it runs on the host. */
  environment?: string;
  /** "/path (3.11.7)" */
  display: string;
}

/** How a run's command is started: built by the isolation for one fresh sandbox. */
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
  /** With LaunchSpec.collect: what the command left behind, read once it has ended (null: nothing came back). */
  readOutputs?: () => Promise<ScratchFiles | null>;
}

/** What one sandbox is to start with and to run. */
export interface LaunchSpec {
  files: Array<[string, string]>;
  importRoots: string[];
  /** More read-only host folders, not on the import path (a project to build). */
  readOnly?: string[];
  /** Host folders the code may write (an environment's build folder); owned by the sandbox user meanwhile. */
  writable?: string[];
  /** Extra environment variables for the command. */
  env?: Record<string, string>;
  limits: ResourceLimits;
  /** The program and its arguments, given the scratch folder as the code sees it. */
  command: (inside: string) => string[];
  /** Append GNU time's peak-memory report to stderr. */
  measure: boolean;
  /** Read the files the command leaves in the scratch folder (all but `skip`) back after it, within `caps`. */
  collect?: { skip: string[]; caps: OutputCaps };
}

export interface ResourceLimits {
  cpuSeconds: number;
  addressSpaceBytes: number;
  /** Null: leave the limit alone (used without a sandbox, where it would count every process of the user). */
  maxProcesses: number | null;
  fileSizeBytes: number;
}

/** What happened to one piece of code, before it is judged (classify.ts). */
export interface Outcome {
  spawnError: Error | null;
  sandboxFailure: string | null;
  timedOut: boolean;
  outputLimitHit: boolean;
  /** Killed because the run's processes together passed the run's memory limit (run-limits.ts). */
  runMemoryLimitHit?: boolean;
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
