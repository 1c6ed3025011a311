/**
 * The batch driver's process: started and killed by the one supervisor (kernel/proc.ts); here only what is
 * particular to the driver: splitting its stdout into token-prefixed report lines, a deadline re-read after
 * every report, and killing it when it writes something that is not a report.
 */
import { StringDecoder } from 'node:string_decoder';
import { CappedBuffer, superviseProcess, type SuperviseOptions } from '../../kernel/proc.js';
import { RUN_MEMORY_LIMIT } from '../run-limits.js';
import type { SandboxLaunch } from '../types.js';
import { parseMessage, type DriverMessage } from './protocol.js';

/** A result line is at most a few hundred KB (capped output, base64); anything longer is not the driver's. */
const MAX_LINE_BYTES = 32 * 1024 * 1024;
/** After the driver exits, how long to wait for the rest of its output. */
const DRAIN_MS = 2_000;
const GARBLED = 'garbled';

export interface DriverExit {
  spawnError: Error | null;
  exitCode: number | null;
  signal: string | null;
  aborted: boolean;
  /** Killed because a report was overdue (a stalled or stopped driver). */
  stalled: boolean;
  /** Killed because stdout carried something that is not the protocol. */
  garbled: boolean;
  /** Killed by the run's watchdog: its processes together passed the run's memory limit. */
  overRunMemory: boolean;
  stderr: string;
}

/**
 * Start the driver in its own process group, hand each token-prefixed stdout line to `onMessage` as it
 * arrives, and kill the group on abort or when `deadlineMs()` (re-read after every message) passes.
 */
export async function superviseDriver(
  launch: SandboxLaunch,
  token: string,
  opts: {
    signal?: AbortSignal;
    onMessage: (m: DriverMessage) => void;
    deadlineMs: () => number;
    onSpawn?: SuperviseOptions['onSpawn'];
  },
): Promise<DriverExit> {
  const err = new CappedBuffer(64 * 1024, 16 * 1024);
  const decoder = new StringDecoder('utf8');
  const prefix = `${token} `;
  let pending = '';

  const exit = await superviseProcess(launch.file, launch.args, {
    env: launch.env,
    cwd: launch.cwd,
    signal: opts.signal,
    ...(opts.onSpawn ? { onSpawn: opts.onSpawn } : {}),
    input: launch.input ?? undefined,
    extraFds: launch.fds,
    graceMs: DRAIN_MS,
    onStdout: (chunk, control) => {
      pending += decoder.write(chunk);
      let nl = pending.indexOf('\n');
      while (nl >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        const at = line.indexOf(prefix);
        // Only the driver knows the token; other bytes on this pipe are ignored, never trusted.
        if (at >= 0) {
          const msg = parseMessage(line.slice(at + prefix.length));
          if (!msg) {
            control.kill(GARBLED);
            return;
          }
          opts.onMessage(msg);
          control.setDeadline(opts.deadlineMs());
        }
        nl = pending.indexOf('\n');
      }
      if (pending.length > MAX_LINE_BYTES) {
        pending = '';
        control.kill(GARBLED);
      }
    },
    onStderr: (chunk) => err.push(chunk),
    // The first deadline: start-up until the first report.
    timeoutMs: opts.deadlineMs(),
  });
  return {
    spawnError: exit.spawnError,
    exitCode: exit.exitCode,
    signal: exit.signal,
    aborted: exit.aborted,
    stalled: exit.timedOut,
    garbled: exit.killedFor === GARBLED,
    overRunMemory: exit.killedFor === RUN_MEMORY_LIMIT,
    stderr: err.render().toString('utf8'),
  };
}
