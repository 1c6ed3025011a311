/**
 * JSON files that other processes read while we write them: read tolerantly (a missing or broken file is
 * null), written to a temporary file and renamed, so a reader sees the old file or the new one, never half.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';

export async function readJsonFile(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch {
    return null;
  }
}

export async function writeJsonFileAtomic(file: string, value: unknown, pretty = false): Promise<void> {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, pretty ? JSON.stringify(value, null, 2) + '\n' : JSON.stringify(value), 'utf8');
  await rename(tmp, file);
}
