/**
 * Environments no library uses any more: every edit of a package whose build adds files makes a new one (a copy
 * with hard links, or a build), and a rebuild or upgrade leaves the old one behind. An environment is kept while a
 * library's manifest names it, while it is the one another kept environment was copied from (the next edit copies
 * it again), while it is being built, and for an hour after it was made (a distill validates in it before its
 * manifest names it).
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { readJsonFile } from '../kernel/json-file.js';
import { RECORD_FILE } from './builder.js';

export const PRUNE_MIN_AGE_MS = 60 * 60_000;
const KEY = /^[0-9a-f]{24}$/;

export interface UnusedEnvironment {
  key: string;
  dir: string;
  /** Bytes its removal frees: files no other environment shares (a copy's hard links are not counted). */
  bytes: number;
  /** When it was made (environment.json), or the folder's time for a build that never finished. */
  madeAt: string;
}

/** The environments under `envsDir` that none of `used` (keys named by libraries) needs. */
export async function unusedEnvironments(envsDir: string, used: Iterable<string>, opts: { now?: number; minAgeMs?: number } = {}): Promise<UnusedEnvironment[]> {
  const now = opts.now ?? Date.now();
  const minAge = opts.minAgeMs ?? PRUNE_MIN_AGE_MS;
  const names = (await fsp.readdir(envsDir, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory() && KEY.test(e.name)).map((e) => e.name);
  const records = new Map<string, { derivedFrom?: string; builtAt?: string } | null>();
  for (const key of names) records.set(key, (await readJsonFile(path.join(envsDir, key, RECORD_FILE))) as { derivedFrom?: string; builtAt?: string } | null);
  const keep = new Set<string>();
  for (const key of used) {
    // A chain of copies is one step long (always from the built one), but follow it whatever its length.
    for (let k: string | undefined = key; k && !keep.has(k); k = records.get(k)?.derivedFrom) keep.add(k);
  }
  const out: UnusedEnvironment[] = [];
  for (const key of names) {
    if (keep.has(key)) continue;
    const dir = path.join(envsDir, key);
    if (await fsp.stat(`${dir}.building.lock`).catch(() => null)) continue;
    const rec = records.get(key);
    const made = rec?.builtAt ? Date.parse(rec.builtAt) : ((await fsp.stat(dir).catch(() => null))?.mtimeMs ?? now);
    if (!(now - made >= minAge)) continue;
    out.push({ key, dir, bytes: await ownBytes(dir), madeAt: new Date(made).toISOString() });
  }
  return out.sort((a, b) => a.madeAt.localeCompare(b.madeAt));
}

async function ownBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await fsp.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await ownBytes(p);
    else if (e.isFile()) {
      const st = await fsp.lstat(p).catch(() => null);
      if (st && st.nlink === 1) total += st.size;
    }
  }
  return total;
}

/** Remove them; a folder that cannot be removed is left and named. */
export async function removeEnvironments(unused: UnusedEnvironment[]): Promise<{ removed: string[]; failed: Array<{ key: string; reason: string }> }> {
  const removed: string[] = [];
  const failed: Array<{ key: string; reason: string }> = [];
  for (const u of unused) {
    try {
      await fsp.rm(u.dir, { recursive: true, force: true });
      removed.push(u.key);
    } catch (e) {
      failed.push({ key: u.key, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  return { removed, failed };
}
