/**
 * Bounded concurrency in its two shapes. `pool` runs a known list of tasks with at most `width` in flight and
 * says how each one settled; `createLimiter` caps calls that arrive at any time from any number of callers (one
 * client shared by a whole job). Both start work in the order it was given.
 */
import { cancelled } from './errors.js';

export interface PoolOptions {
  /** Once aborted, no further task starts; tasks in flight finish (give them the signal to stop sooner). */
  signal?: AbortSignal;
  /** Start no further task once one has failed; tasks in flight finish. */
  stopOnFailure?: boolean;
}

/**
 * Run `tasks` with at most `width` (at least 1) in flight. The results are in task order; a task the pool never
 * started (after an abort, or after a failure with stopOnFailure) is rejected with cancelled(). Tasks start in
 * order, so every task that was never started comes after every task that was.
 */
export async function pool<T>(tasks: ReadonlyArray<() => Promise<T>>, width: number, opts: PoolOptions = {}): Promise<PromiseSettledResult<T>[]> {
  const results: PromiseSettledResult<T>[] = new Array(tasks.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    for (let i = next++; i < tasks.length; i = next++) {
      if (opts.signal?.aborted || (failed && opts.stopOnFailure)) {
        results[i] = { status: 'rejected', reason: cancelled() };
        continue;
      }
      try {
        results[i] = { status: 'fulfilled', value: await tasks[i]!() };
      } catch (e) {
        failed = true;
        results[i] = { status: 'rejected', reason: e };
      }
    }
  };
  const workers = Math.max(1, Math.min(Math.floor(width) || 1, tasks.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}

/** Wraps calls so that at most `max` run at once; the others wait their turn, first come first served. */
export type Limiter = <T>(fn: () => Promise<T>, signal?: AbortSignal) => Promise<T>;

/** A counting semaphore; a waiter whose signal aborts leaves the queue (rejected with cancelled()) instead of taking a slot later. */
export function createLimiter(max: number): Limiter {
  const slots = Math.max(1, Math.floor(max) || 1);
  let active = 0;
  const waiting: Array<{ grant: () => void }> = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next.grant();
    else active--;
  };
  return async function run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) throw cancelled();
    if (active < slots) {
      active++;
    } else {
      await new Promise<void>((resolve, reject) => {
        const entry = {
          grant: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        const onAbort = () => {
          const i = waiting.indexOf(entry);
          if (i >= 0) waiting.splice(i, 1);
          reject(cancelled());
        };
        waiting.push(entry);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
    try {
      return await fn();
    } finally {
      release();
    }
  };
}
