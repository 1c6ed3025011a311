/**
 * The one process supervisor: every child codedistill starts (the sandboxed interpreter, the batch driver,
 * git) goes through superviseProcess.
 *
 * No library timeout (execa's) is used: when a grandchild keeps a pipe open, waiting for the streams to end can
 * hang long after the deadline. Here the child gets a process group of its own, the deadline (or an abort, or
 * the caller through ProcessControl) kills the whole group, and once the direct child has exited the leftovers
 * of the group are killed too and we wait only a short grace period for the pipes before destroying them.
 * Descriptors: the child gets stdio and the listed extraFds only from us; descriptors our own process inherited
 * without close-on-exec cannot be closed from Node, so the sandbox's first program closes them (sandbox/bwrap.ts,
 * batch/driver.py).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import type { Readable } from 'node:stream';

/** What a stream handler may do to the running process. */
export interface ProcessControl {
  /** Kill the whole group now; `reason` is reported as ProcessExit.killedFor (the first reason wins). */
  kill(reason: string): void;
  /** Replace the deadline: `ms` from now (null: none). Firing it kills the group and sets timedOut. */
  setDeadline(ms: number | null): void;
}

export interface SuperviseOptions {
  env: Record<string, string>;
  cwd?: string;
  /** Wall-clock limit; the process group is killed when it is reached. Absent: none (see setDeadline). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Written to the child's stdin, which is then closed; without it stdin is /dev/null. */
  input?: Buffer;
  /** Open descriptors the child gets as 3, 4, ...; the caller still owns (and closes) its own copies. */
  extraFds?: number[];
  /** How long to wait for the pipes after the child exited (a detached grandchild may hold them). */
  graceMs?: number;
  onStdout?: (chunk: Buffer, control: ProcessControl) => void;
  onStderr?: (chunk: Buffer, control: ProcessControl) => void;
  /** Called once the child runs (a watchdog over its processes); what it returns is called when it is done. */
  onSpawn?: (pid: number, control: ProcessControl) => (() => void) | void;
}

export interface ProcessExit {
  /** The process could not be started at all (ENOENT, EACCES): nothing else is meaningful. */
  spawnError: NodeJS.ErrnoException | null;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  aborted: boolean;
  /** Why a stream handler killed the group (ProcessControl.kill), or null. */
  killedFor: string | null;
  durationMs: number;
}

export interface CaptureOptions extends Omit<SuperviseOptions, 'onStdout' | 'onStderr' | 'timeoutMs'> {
  timeoutMs: number;
  /** Bytes of each stream kept for the result. */
  capBytes: number;
  /** Bytes kept from the end of stderr beyond the cap (a traceback is printed last). */
  stderrTailBytes?: number;
  /**
   * Bytes read from one stream after which the process group is killed. Output past capBytes is read and
   * discarded so the child never blocks on a full pipe; this bound stops endless printers.
   */
  killAfterBytes?: number;
}

export interface CaptureResult {
  spawnError: NodeJS.ErrnoException | null;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  aborted: boolean;
  outputLimitHit: boolean;
  /** Why the group was killed by a handler or watchdog (ProcessControl.kill), or null. */
  killedFor: string | null;
  stdout: Buffer;
  stderr: Buffer;
  /** The last stderrTailBytes of stderr, even when the middle was dropped. */
  stderrTail: Buffer;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  stdoutBytes: number;
  stderrBytes: number;
  durationMs: number;
}

/** Keeps the first `cap` bytes and the last `tail` bytes of a stream, counting the rest. */
export class CappedBuffer {
  private head: Buffer[] = [];
  private headLen = 0;
  private tailBuf: Buffer = Buffer.alloc(0);
  total = 0;
  constructor(
    private readonly cap: number,
    private readonly tail = 0,
  ) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.headLen < this.cap) {
      const take = chunk.subarray(0, this.cap - this.headLen);
      this.head.push(take);
      this.headLen += take.length;
    }
    if (this.tail > 0) {
      const joined = this.tailBuf.length + chunk.length > this.tail * 2 ? Buffer.concat([this.tailBuf, chunk]) : null;
      this.tailBuf = joined ? joined.subarray(joined.length - this.tail) : Buffer.concat([this.tailBuf, chunk]);
    }
  }

  get truncated(): boolean {
    return this.total > this.cap;
  }

  /** Everything read when it fit; otherwise the head and, if a tail is kept, the tail, within `cap` bytes. */
  render(): Buffer {
    const head = Buffer.concat(this.head);
    if (!this.truncated) return head;
    if (this.tail <= 0) return head;
    return renderCapped(head, this.lastBytes(), this.total, this.cap);
  }

  lastBytes(): Buffer {
    if (this.tail <= 0) return Buffer.alloc(0);
    if (!this.truncated) {
      const all = Buffer.concat(this.head);
      return all.subarray(Math.max(0, all.length - this.tail));
    }
    return this.tailBuf.subarray(Math.max(0, this.tailBuf.length - this.tail));
  }
}

/** The same bytes CappedBuffer keeps for a stream of `total` bytes whose first and last parts are given. */
export function renderCapped(head: Buffer, tail: Buffer | null, total: number, cap: number): Buffer {
  if (total <= cap || !tail || tail.length === 0) return head.subarray(0, cap);
  const marker = Buffer.from(`\n[... ${total - tail.length} bytes omitted ...]\n`);
  const headRoom = Math.max(0, cap - tail.length - marker.length);
  if (headRoom === 0) return tail.subarray(Math.max(0, tail.length - cap));
  return Buffer.concat([head.subarray(0, headRoom), marker, tail]);
}

const signalNames = new Map<number, string>(Object.entries(osConstants.signals).map(([name, num]) => [num, name]));
export function signalName(num: number): string {
  return signalNames.get(num) ?? `signal ${num}`;
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
 * Start `file` in a process group of its own, hand its output to the handlers as it arrives, and resolve once
 * it has exited and its pipes are closed (or the grace period after its exit has passed). Never rejects: a
 * failed start is ProcessExit.spawnError.
 */
export function superviseProcess(file: string, args: string[], opts: SuperviseOptions): Promise<ProcessExit> {
  const started = performance.now();
  const graceMs = opts.graceMs ?? 300;
  let timedOut = false;
  let aborted = false;
  let killedFor: string | null = null;

  let child: ChildProcess;
  try {
    // node:child_process rather than execa: execa 9 does not hand over arbitrary descriptor numbers beyond
    // stdio (the seccomp filter for bwrap), and every result is read from the child's events anyway.
    child = spawn(file, args, {
      env: opts.env,
      cwd: opts.cwd,
      // A group of its own, so one kill reaches every process it started (unless they left the group).
      detached: true,
      stdio: [opts.input ? 'pipe' : 'ignore', 'pipe', 'pipe', ...(opts.extraFds ?? [])],
    });
  } catch (e) {
    // Arguments spawn() refuses before starting anything (a NUL byte, a bad cwd type).
    return Promise.resolve({
      spawnError: e as NodeJS.ErrnoException,
      exitCode: null,
      signal: null,
      timedOut,
      aborted,
      killedFor,
      durationMs: performance.now() - started,
    });
  }

  const pid = child.pid;
  if (opts.input && child.stdin) {
    // A child that exits without reading all of it (a failed start) makes this EPIPE: nothing to report.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input);
  }

  return new Promise<ProcessExit>((resolve) => {
    let exited = false;
    let finished = false;
    let exitCode: number | null = null;
    let exitSignal: string | null = null;
    let spawnError: NodeJS.ErrnoException | null = null;
    let openStreams = 0;
    let graceTimer: NodeJS.Timeout | undefined;
    let deadline: NodeJS.Timeout | undefined;

    const control: ProcessControl = {
      kill(reason) {
        killedFor ??= reason;
        killGroup(pid);
      },
      setDeadline(ms) {
        clearTimeout(deadline);
        deadline = undefined;
        if (ms === null || finished || exited) return;
        deadline = setTimeout(() => {
          timedOut = true;
          killGroup(pid);
        }, Math.max(0, ms));
      },
    };

    let unwatch: (() => void) | void = undefined;
    const finish = () => {
      if (finished) return;
      finished = true;
      unwatch?.();
      clearTimeout(deadline);
      clearTimeout(graceTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      for (const s of [child.stdout, child.stderr]) s?.destroy();
      resolve({ spawnError, exitCode, signal: exitSignal, timedOut, aborted, killedFor, durationMs: performance.now() - started });
    };

    const attach = (stream: Readable | null, handler: ((chunk: Buffer, control: ProcessControl) => void) | undefined) => {
      if (!stream) return;
      openStreams++;
      let done = false;
      const end = () => {
        if (done) return;
        done = true;
        openStreams--;
        if (exited && openStreams === 0) finish();
      };
      // Read even without a handler: a child must never block on a full pipe.
      stream.on('data', (chunk: Buffer) => {
        if (!finished) handler?.(chunk, control);
      });
      stream.on('end', end);
      stream.on('close', end);
      stream.on('error', end);
    };
    attach(child.stdout, opts.onStdout);
    attach(child.stderr, opts.onStderr);

    const onAbort = () => {
      aborted = true;
      killGroup(pid);
    };
    if (opts.timeoutMs !== undefined) control.setDeadline(opts.timeoutMs);
    if (pid !== undefined && opts.onSpawn) unwatch = opts.onSpawn(pid, control);
    if (opts.signal) {
      if (opts.signal.aborted) onAbort();
      else opts.signal.addEventListener('abort', onAbort, { once: true });
    }

    child.on('error', (e: NodeJS.ErrnoException) => {
      // Emitted for a failed spawn (no exit follows) and for a failed kill (harmless).
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
      clearTimeout(deadline);
      // Members of the group that outlived the leader are of no further use; the pipes then close.
      killGroup(pid);
      if (openStreams === 0) return finish();
      graceTimer = setTimeout(finish, graceMs);
    });
  });
}

/** Run to the end and keep each stream's output within caps. */
export async function runCaptured(file: string, args: string[], opts: CaptureOptions): Promise<CaptureResult> {
  const out = new CappedBuffer(opts.capBytes);
  const err = new CappedBuffer(opts.capBytes, opts.stderrTailBytes ?? 0);
  const killAfter = opts.killAfterBytes ?? Number.POSITIVE_INFINITY;
  const OUTPUT_LIMIT = 'output limit';
  const sink = (buf: CappedBuffer) => (chunk: Buffer, control: ProcessControl) => {
    buf.push(chunk);
    if (buf.total > killAfter) control.kill(OUTPUT_LIMIT);
  };
  const exit = await superviseProcess(file, args, { ...opts, onStdout: sink(out), onStderr: sink(err) });
  return {
    spawnError: exit.spawnError,
    exitCode: exit.exitCode,
    signal: exit.signal,
    timedOut: exit.timedOut,
    aborted: exit.aborted,
    outputLimitHit: exit.killedFor === OUTPUT_LIMIT,
    killedFor: exit.killedFor,
    stdout: out.render(),
    stderr: err.render(),
    stderrTail: err.lastBytes(),
    stdoutTruncated: out.truncated,
    stderrTruncated: err.truncated,
    stdoutBytes: out.total,
    stderrBytes: err.total,
    durationMs: exit.durationMs,
  };
}

/** Whether a process with this pid runs on this machine (one we may not signal counts as running). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
