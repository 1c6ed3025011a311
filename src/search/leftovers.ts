/**
 * LanceDB's shuffle folders. Building an IVF vector index (search/sync.ts, above the ANN threshold), LanceDB's
 * shuffler makes a `.tmpXXXXXX` folder in the temp folder (Rust's tempfile: TMPDIR, else /tmp) holding
 * shuffle_data.lance, shuffle_offsets.lance and their .spill files, and leaves it there: after a normal build
 * as well as a killed one (seen with @lancedb/lancedb 0.2x on Linux; up to 372 MB each, 195 of them on one
 * test machine). They are removed on start: folders of ours holding nothing but those files, that no process
 * has open, untouched for half an hour (another process's build may be using a younger one).
 */
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../kernel/log.js';

/** Rust tempfile's folder names: ".tmp" and six random characters. */
const TEMP_NAME = /^\.tmp[A-Za-z0-9]{6}$/;
/** What LanceDB's shuffler writes there. */
const SHUFFLE_FILE = /^shuffle_(data|offsets)\.(lance|spill)$/;
/** Younger folders may belong to a build going on in another process. */
export const LANCE_LEFTOVER_MIN_AGE_MS = 30 * 60 * 1000;

export interface LanceLeftover {
  path: string;
  bytes: number;
  /** Newest modification of the folder or its files. */
  mtimeMs: number;
}

/** Folders under `tmpDir` some process has a file open in (read from /proc/<pid>/fd; empty where there is none). */
async function foldersInUse(tmpDir: string): Promise<Set<string>> {
  const used = new Set<string>();
  const pids = await fsp.readdir('/proc').catch(() => [] as string[]);
  for (const pid of pids) {
    if (!/^\d+$/.test(pid)) continue;
    const fds = await fsp.readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await fsp.readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      if (target.startsWith(`${tmpDir}${path.sep}.tmp`)) used.add(path.dirname(target));
    }
  }
  return used;
}

/** LanceDB shuffle folders in `tmpDir` that are safe to remove now. */
export async function findLanceLeftovers(tmpDir = os.tmpdir(), now = Date.now(), minAgeMs = LANCE_LEFTOVER_MIN_AGE_MS): Promise<LanceLeftover[]> {
  const names = await fsp.readdir(tmpDir).catch(() => [] as string[]);
  const uid = process.getuid?.();
  const found: LanceLeftover[] = [];
  for (const name of names) {
    if (!TEMP_NAME.test(name)) continue;
    const dir = path.join(tmpDir, name);
    const st = await fsp.lstat(dir).catch(() => null);
    if (!st?.isDirectory() || (uid !== undefined && st.uid !== uid)) continue;
    const files = await fsp.readdir(dir).catch(() => null);
    if (!files?.length || !files.every((f) => SHUFFLE_FILE.test(f))) continue;
    let bytes = 0;
    let mtimeMs = st.mtimeMs;
    let regular = true;
    for (const f of files) {
      const fst = await fsp.lstat(path.join(dir, f)).catch(() => null);
      if (!fst?.isFile()) regular = false;
      else {
        bytes += fst.size;
        mtimeMs = Math.max(mtimeMs, fst.mtimeMs);
      }
    }
    if (regular && now - mtimeMs >= minAgeMs) found.push({ path: dir, bytes, mtimeMs });
  }
  if (!found.length) return found;
  const used = await foldersInUse(tmpDir);
  return found.filter((l) => !used.has(l.path));
}

/** Remove them; how many and how many bytes. */
export async function sweepLanceLeftovers(logger: Logger, tmpDir = os.tmpdir(), now = Date.now()): Promise<{ removed: number; bytes: number }> {
  let removed = 0;
  let bytes = 0;
  for (const l of await findLanceLeftovers(tmpDir, now)) {
    try {
      await fsp.rm(l.path, { recursive: true, force: true });
      removed++;
      bytes += l.bytes;
    } catch (e) {
      logger.debug(`could not remove ${l.path}: ${(e as Error).message}`);
    }
  }
  if (removed) logger.info(`removed ${removed} LanceDB shuffle folder(s) (${Math.round(bytes / 1024 / 1024)} MB) from ${tmpDir}`);
  return { removed, bytes };
}
