/**
 * A batch's child distill stops when its batch is gone. The batch starts each child in a process group of its
 * own (kernel/proc.ts), so a SIGKILL of the batch does not reach it; without this the child would distill on as
 * an orphan while the resumed batch starts the same repository again.
 */
import { processAlive } from '../kernel/proc.js';

const POLL_MS = 2000;

export function orphanSignal(parentPid: number | null): { signal: AbortSignal | undefined; dispose: () => void } {
  if (parentPid === null) return { signal: undefined, dispose: () => {} };
  const ac = new AbortController();
  const timer = setInterval(() => {
    if (!processAlive(parentPid)) ac.abort();
  }, POLL_MS);
  timer.unref();
  return { signal: ac.signal, dispose: () => clearInterval(timer) };
}
