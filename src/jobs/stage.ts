/**
 * The snapshot a library will keep, copied beside the library folder before it is written, so its environment is
 * built from (and its examples run against) exactly the files that will be served. Removed after the distill;
 * the library folder gets its own copy.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { copySourceFiles, writerTag, type SourceFileCopy } from '../library/files.js';

export async function stageSnapshot(parentDir: string, name: string, files: SourceFileCopy[]): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = path.join(parentDir, `.${name}.stage-${writerTag()}`);
  await fsp.mkdir(dir, { recursive: true });
  await copySourceFiles(files, dir);
  return { dir, remove: () => fsp.rm(dir, { recursive: true, force: true }) };
}
