/**
 * Run folders of killed processes. Each run makes `codedistill-run-<pid>-XXXXXX` under the temp folder and
 * removes it when the run ends; a process killed mid-run leaves it. On start, the folders of processes no longer
 * running are removed (a sandbox uid may own files in them: made writable first).
 */
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../kernel/log.js';
import { processAlive as alive } from '../kernel/proc.js';

export const RUN_DIR_PREFIX = 'codedistill-run-';

export async function sweepRunDirs(logger: Logger, tmpDir = os.tmpdir()): Promise<number> {
  let names: string[];
  try {
    names = await fsp.readdir(tmpDir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const m = /^codedistill-run-(\d+)-/.exec(name);
    if (!m || alive(Number(m[1]))) continue;
    const dir = path.join(tmpDir, name);
    try {
      await fsp.chmod(dir, 0o700).catch(() => {});
      await fsp.rm(dir, { recursive: true, force: true });
      removed++;
    } catch (e) {
      logger.debug(`could not remove ${dir}: ${(e as Error).message}`);
    }
  }
  if (removed) logger.info(`removed ${removed} run folder(s) left by killed processes`);
  return removed;
}
