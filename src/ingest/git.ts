/**
 * Running git: no terminal (no prompt can hang a job), none of the variables that would point it at another
 * repository, settings through the environment rather than argv, and the process supervisor (kernel/proc.ts)
 * for the rest: a process group of its own, killed whole on timeout or abort (remote helpers are grandchildren
 * that keep pipes open), bounded output.
 */
import os from 'node:os';
import { cancelled, CodedistillError, throwIfAborted } from '../kernel/errors.js';
import { CappedBuffer, superviseProcess } from '../kernel/proc.js';

export interface GitResult {
  stdout: string;
  stderr: string;
}

/** A git command that ran and failed; `stderr` is what git said (tokens never reach it). */
export class GitCommandError extends Error {
  constructor(
    readonly args: string[],
    readonly exitCode: number | null,
    readonly stderr: string,
    readonly timedOut: boolean,
  ) {
    super(timedOut ? `git ${args[0] ?? ''} timed out` : `git ${args[0] ?? ''} failed (exit ${exitCode}): ${lastLines(stderr)}`);
    this.name = 'GitCommandError';
  }
}

export function lastLines(s: string, n = 3): string {
  return s.trim().split('\n').slice(-n).join(' | ');
}

// Variables that would point git at some other repository than the one we name (set inside hooks).
const GIT_LOCATION_VARS = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR',
  'GIT_NAMESPACE',
  'GIT_PREFIX',
  'GIT_CONFIG_PARAMETERS',
];

export interface RunGitOptions {
  gitBin: string;
  /** See GitOptions.env. */
  env?: Record<string, string>;
  cwd?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Settings as with `git -c`, passed through GIT_CONFIG_COUNT so they never show in argv. */
  config?: Record<string, string>;
  /** Stream stdout here instead of collecting it. */
  onStdout?: (chunk: Buffer) => void;
  maxStdoutBytes?: number;
}

/**
 * Run git without a terminal: no prompt can hang the job, the whole process group is killed on
 * timeout or abort (remote helpers are grandchildren that keep pipes open), output is bounded.
 */
export async function runGit(args: string[], opts: RunGitOptions): Promise<GitResult> {
  throwIfAborted(opts.signal);
  const env: Record<string, string> = { ...(opts.env ?? minimalEnv()) };
  for (const k of GIT_LOCATION_VARS) delete env[k];
  Object.assign(env, {
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '',
    SSH_ASKPASS: '',
    GCM_INTERACTIVE: 'never',
    // Large data files behind LFS are not source; fetching them would need the network and a lot of disk.
    GIT_LFS_SKIP_SMUDGE: '1',
    // Callers match error text (git-remote.ts); keep it in English.
    LC_ALL: 'C',
    LANGUAGE: 'C',
  });
  const cfg = Object.entries(opts.config ?? {});
  if (cfg.length > 0) {
    env.GIT_CONFIG_COUNT = String(cfg.length);
    cfg.forEach(([k, v], i) => {
      env[`GIT_CONFIG_KEY_${i}`] = k;
      env[`GIT_CONFIG_VALUE_${i}`] = v;
    });
  } else {
    delete env.GIT_CONFIG_COUNT;
  }
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const maxOut = opts.maxStdoutBytes ?? 16 * 1024 * 1024;
  const maxErr = 64 * 1024;

  // Bytes, decoded once at the end: a character split between two chunks stays whole.
  const out = new CappedBuffer(maxOut);
  const err = new CappedBuffer(maxErr);
  const exit = await superviseProcess(opts.gitBin, args, {
    cwd: opts.cwd,
    env,
    timeoutMs,
    signal: opts.signal,
    onStdout: (c) => {
      if (opts.onStdout) {
        opts.onStdout(c);
        return;
      }
      out.push(c);
    },
    onStderr: (c) => err.push(c),
  });
  if (exit.spawnError) throw exit.spawnError.code === 'ENOENT' || !exit.spawnError.syscall ? gitMissing(opts.gitBin, exit.spawnError) : exit.spawnError;
  if (exit.aborted) throw cancelled();
  const stderr = err.render().toString('utf8');
  if (exit.exitCode === 0 && !exit.timedOut) return { stdout: out.render().toString('utf8'), stderr };
  throw new GitCommandError(args, exit.exitCode, stderr, exit.timedOut);
}

/** Only config.ts reads the process environment; without a given env git gets just enough to run. */
function minimalEnv(): Record<string, string> {
  return { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: os.homedir() };
}

function gitMissing(bin: string, cause: unknown): CodedistillError {
  return new CodedistillError(
    'internal',
    `git was not found ("${bin}").`,
    'Install git, or set CODEDISTILL_GIT to its path; a local folder source works without git.',
    { cause },
  );
}
