/**
 * One build of an environment at a time across processes (two servers, a server and the CLI): a lock folder
 * made with an exclusive mkdir beside the environment, holding the builder's pid. A lock whose process is gone
 * (a build killed half way) is taken over.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { throwIfAborted } from '../kernel/errors.js';

const POLL_MS = 500;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Run `fn` holding the lock `${dir}.building`; waits (up to `maxWaitMs`) while another live process holds it. */
export async function withBuildLock<T>(dir: string, maxWaitMs: number, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  const lock = `${dir}.building`;
  const owner = path.join(lock, 'pid');
  const until = Date.now() + maxWaitMs;
  await fsp.mkdir(path.dirname(dir), { recursive: true });
  for (;;) {
    throwIfAborted(signal);
    try {
      await fsp.mkdir(lock);
      await fsp.writeFile(owner, String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(await fsp.readFile(owner, 'utf8').catch(() => ''));
      // No pid yet: the holder is between mkdir and writing it; give it a moment before calling it dead.
      const stale = pid > 0 ? !alive(pid) : Date.now() - ((await fsp.stat(lock).catch(() => null))?.mtimeMs ?? 0) > 10_000;
      if (stale || Date.now() > until) await fsp.rm(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
  try {
    return await fn();
  } finally {
    await fsp.rm(lock, { recursive: true, force: true });
  }
}
