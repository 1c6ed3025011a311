/**
 * A lock across processes (two MCP servers, a server and the CLI, batch workers sharing a home on a network file
 * system), through proper-lockfile: an exclusive mkdir whose mtime the holder refreshes, so the lock of a killed
 * process goes stale after `staleMs` and is taken over, on one machine or several. Beside it the holder notes its
 * host and pid, so a lock whose holder on this machine is gone is taken over at once rather than after `staleMs`.
 * Waiters poll until they get it, the wait runs out, or the caller cancels.
 */
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { CodedistillError, throwIfAborted } from './errors.js';
import type { Logger } from './log.js';
import { processAlive as alive } from './proc.js';

export interface LockOptions {
  /** Give up after this long with a `busy` error. Default 10 minutes: a long index sync of another process. */
  maxWaitMs?: number;
  /**
   * A lock not refreshed for this long is stale. Default 20 s: well above a busy event loop's pause (the refresh
   * runs on a timer), and what a distill waits at most after another process was killed holding it.
   */
  staleMs?: number;
  signal?: AbortSignal;
  logger?: Logger;
  /** Called once when the lock is held by another process and this one starts waiting. */
  onWait?: () => void;
}

const POLL_MS = 200;

/** Run `fn` holding the lock `<file>.lock` (the file itself need not exist). */
export async function withLock<T>(file: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const release = await acquireLock(file, opts);
  try {
    return await fn();
  } finally {
    await release().catch((e) => opts.logger?.warn(`releasing ${file}.lock: ${(e as Error).message}`));
  }
}

/** Take the lock if no one holds it; null when another process does. */
export async function tryLock(file: string, opts: Omit<LockOptions, 'maxWaitMs' | 'onWait'> = {}): Promise<(() => Promise<void>) | null> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  await clearDeadHolder(file);
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(file, settings(file, opts));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOCKED') return null;
    throw e;
  }
  const ino = (await fsp.stat(`${file}.lock`)).ino;
  const owner: Owner = { host: os.hostname(), pid: process.pid, ino };
  await fsp.writeFile(`${file}.owner`, JSON.stringify(owner)).catch(() => {});
  return async () => {
    await fsp.rm(`${file}.owner`, { force: true });
    await release();
  };
}

interface Owner {
  host: string;
  pid: number;
  /** The lock folder this note is about: a newer holder's folder has another inode. */
  ino: number;
}

/** Remove the lock of a holder on this machine that is no longer running (killed without releasing it). */
async function clearDeadHolder(file: string): Promise<void> {
  const owner = (await fsp.readFile(`${file}.owner`, 'utf8').then((t) => JSON.parse(t) as Owner).catch(() => null));
  if (!owner || owner.host !== os.hostname() || alive(owner.pid)) return;
  const st = await fsp.stat(`${file}.lock`).catch(() => null);
  if (!st || st.ino !== owner.ino) return;
  await fsp.rmdir(`${file}.lock`).catch(() => {});
  await fsp.rm(`${file}.owner`, { force: true });
}

/** Wait for the lock (up to maxWaitMs, then a `busy` error) and hold it: the caller releases it. */
export async function acquireLock(file: string, opts: LockOptions = {}): Promise<() => Promise<void>> {
  const until = Date.now() + (opts.maxWaitMs ?? 10 * 60_000);
  let waited = false;
  for (;;) {
    throwIfAborted(opts.signal);
    const release = await tryLock(file, opts);
    if (release) return release;
    if (!waited) {
      waited = true;
      opts.onWait?.();
    }
    if (Date.now() > until) {
      throw new CodedistillError(
        'busy',
        `Another codedistill process has held ${file}.lock for too long.`,
        'Wait for the other distill or index sync to finish and call again; if no other process runs, delete that folder.',
      );
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function settings(file: string, opts: LockOptions): lockfile.LockOptions {
  return {
    realpath: false,
    lockfilePath: `${file}.lock`,
    stale: Math.max(5000, opts.staleMs ?? 20_000),
    update: Math.max(1000, Math.floor(Math.max(5000, opts.staleMs ?? 20_000) / 4)),
    // The default throws from a timer, which would end the process; the work under the lock goes on, but another
    // process may now hold it too, so say so.
    onCompromised: (e) => opts.logger?.warn(`lost ${file}.lock while holding it (${e.message}); another process may write at the same time`),
  };
}
