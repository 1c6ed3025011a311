/**
 * How many long jobs (distill_repo, revalidate) one client may run at once. Over HTTP many clients share one
 * server and one sandbox budget: a client that starts distills in a loop must not starve the others' searches.
 */
import { CodedistillError } from '../kernel/errors.js';

export class JobSlots {
  private running = 0;
  private readonly stopping = new AbortController();
  constructor(private readonly max: number) {}

  /** Jobs running now. */
  get busy(): number {
    return this.running;
  }

  /** Cancel every job of this client (the server is shutting down): each ends with a cancelled answer. */
  cancelAll(): void {
    this.stopping.abort();
  }

  /** The job's signal: the request's, or this client's cancelAll. */
  signalFor(request: AbortSignal): AbortSignal {
    return AbortSignal.any([request, this.stopping.signal]);
  }

  /** A slot for one job, released by the function returned; a client already at its limit gets `busy`. */
  take(tool: string): () => void {
    if (this.running >= this.max) {
      throw new CodedistillError(
        'busy',
        `This client already runs ${this.running} long job${this.running === 1 ? '' : 's'} (distill_repo or revalidate), its limit; ${tool} was not started.`,
        'Wait for the running job to finish (its progress notifications show how far it is), then call again.',
      );
    }
    this.running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
    };
  }
}

/** Run `job` in a slot when the client has a limit (HTTP sessions); without one (stdio) just run it. */
export async function inJobSlot<T>(slots: JobSlots | undefined, tool: string, signal: AbortSignal, job: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const release = slots?.take(tool);
  try {
    return await job(slots ? slots.signalFor(signal) : signal);
  } finally {
    release?.();
  }
}
