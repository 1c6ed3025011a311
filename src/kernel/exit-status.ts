/**
 * A process's end in words. A sandboxed run's process is bubblewrap's (or a shell's) child: when the code in it
 * is killed by a signal, what comes back is the exit code 128 + the signal's number, so "exit 137" is SIGKILL
 * (most often the memory limit) and is said so.
 */
import os from 'node:os';

const byNumber = new Map<number, string>(Object.entries(os.constants.signals).map(([name, n]) => [n, name]));

/** The signal an exit code above 128 stands for, or null. */
export function signalOfExitCode(code: number | null | undefined): string | null {
  if (code === null || code === undefined || code <= 128 || code > 128 + 64) return null;
  return byNumber.get(code - 128) ?? null;
}

/**
 * "exit 1", "killed by SIGKILL (exit 137)", "no exit status". A signal is given with the exit code a shell shows
 * for it (128 + its number), the figure users know from their terminal and from container runtimes.
 */
export function describeExit(code: number | null | undefined, signal?: string | null): string {
  if (signal) {
    const n = (os.constants.signals as Record<string, number | undefined>)[signal];
    const shown = code !== null && code !== undefined ? code : n !== undefined ? 128 + n : null;
    return `killed by ${signal}${shown !== null ? ` (exit ${shown})` : ''}`;
  }
  const sig = signalOfExitCode(code);
  if (sig) return `killed by ${sig} (exit ${code})`;
  return code === null || code === undefined ? 'no exit status' : `exit ${code}`;
}
