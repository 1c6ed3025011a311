/**
 * What a killed writer leaves in a libraries folder, finished or cleaned on the next start. writeLibrary builds
 * `.<name>.tmp-<tag>` (complete once it holds a manifest) and swaps it in by renaming the old folder to
 * `.<name>.old-<tag>` first; a removal renames the folder to `.<name>.removed-<tag>` before deleting it; a distill
 * that validates stages the snapshot in `.<name>.stage-<tag>`. So after
 * a kill at any point, under the folder's write lock:
 * - `<name>` missing, a complete tmp of the same tag: the swap is finished (the new library wins);
 * - `<name>` missing, only the old one: it is put back (the previous library wins);
 * - an old or removed folder whose swap is done, or a tmp whose writer is gone: deleted.
 * A tmp whose writer still runs (same host, live pid) is left alone: a distill is writing it.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { tryLock } from '../kernel/lock.js';
import type { Logger } from '../kernel/log.js';
import { hostTag, MANIFEST_FILE, markChanged, writeLockOf } from './files.js';
import { processAlive as alive } from '../kernel/proc.js';

export interface RecoveryReport {
  /** Libraries whose swap was finished or undone. */
  restored: string[];
  /** Leftover folders deleted. */
  removed: string[];
}

const LEFTOVER = /^\.(.+)\.(tmp|old|removed|stage)-([0-9a-f]{6})-(\d+)-([0-9a-f]{8})$/;
/** A leftover this old is deleted whoever wrote it (a writer on another host that never came back). */
const ABANDONED_MS = 24 * 3600_000;

/** Finish or clean up what killed writers left; skipped (null) while another process holds the write lock. */
export async function recoverLibraries(parentDir: string, logger: Logger): Promise<RecoveryReport | null> {
  let entries: string[];
  try {
    entries = (await fs.readdir(parentDir)).filter((n) => LEFTOVER.test(n));
  } catch {
    return { restored: [], removed: [] };
  }
  if (!entries.length) return { restored: [], removed: [] };
  const release = await tryLock(writeLockOf(parentDir), { logger });
  if (!release) return null;
  const report: RecoveryReport = { restored: [], removed: [] };
  try {
    // Read again under the lock: a writer may have finished since.
    const names = new Set(await fs.readdir(parentDir));
    const leftovers = [...names].map((n) => ({ entry: n, m: LEFTOVER.exec(n) })).filter((x) => x.m);
    for (const { entry, m } of leftovers) {
      const [, name, kind, host, pid, hex] = m!;
      const dir = path.join(parentDir, entry);
      if (!(await exists(dir))) continue;
      const tag = `${host}-${pid}-${hex}`;
      const writerLives = host === hostTag() ? alive(Number(pid)) : Date.now() - (await mtime(dir)) < ABANDONED_MS;
      if ((kind === 'tmp' || kind === 'stage') && writerLives && !names.has(`.${name}.old-${tag}`)) continue;
      const target = path.join(parentDir, name!);
      if (!(await exists(target))) {
        const tmp = path.join(parentDir, `.${name}.tmp-${tag}`);
        const old = path.join(parentDir, `.${name}.old-${tag}`);
        if ((kind === 'tmp' || kind === 'old') && (await exists(path.join(tmp, MANIFEST_FILE)))) {
          await fs.rename(tmp, target);
          report.restored.push(name!);
        } else if ((kind === 'tmp' || kind === 'old') && (await exists(path.join(old, MANIFEST_FILE)))) {
          await fs.rename(old, target);
          report.restored.push(name!);
        }
      }
      if (await exists(dir)) {
        await fs.rm(dir, { recursive: true, force: true });
        report.removed.push(entry);
      }
    }
    if (report.restored.length) await markChanged(parentDir);
  } finally {
    await release();
  }
  if (report.restored.length) logger.warn(`finished the interrupted writes of ${report.restored.join(', ')}`);
  if (report.removed.length) logger.info(`removed ${report.removed.length} leftover folder(s) of killed writes`);
  return report;
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(() => true, () => false);
}

async function mtime(p: string): Promise<number> {
  return (await fs.stat(p).catch(() => null))?.mtimeMs ?? 0;
}
