/**
 * Removing a library folder so that no reader ever sees half of one: holding the folder's write lock (so no
 * writer swaps the library in meanwhile), it is renamed to a hidden `.<name>.removed-<tag>` in the same parent
 * (atomic on one filesystem; discovery skips dot-folders), then deleted. A kill between the two leaves only that
 * hidden folder, which recover.ts deletes on the next start.
 */
import { existsSync, lstatSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { LibraryName } from '../domain/library.js';
import { CodedistillError } from '../kernel/errors.js';
import { withLock } from '../kernel/lock.js';
import { markChanged, writeLockOf, writerTag } from './files.js';

/** Remove `<parentDir>/<name>`; returns the path it had. */
export async function removeLibraryFolder(parentDir: string, name: string): Promise<string> {
  if (!LibraryName.safeParse(name).success) {
    throw new CodedistillError('invalid_input', `"${name}" is not a library name.`, 'Pass a name that list_libraries shows.');
  }
  const dir = path.join(parentDir, name);
  const hidden = path.join(parentDir, `.${name}.removed-${writerTag()}`);
  await withLock(writeLockOf(parentDir), async () => {
    if (!existsSync(dir) || !lstatSync(dir).isDirectory()) {
      throw new CodedistillError('unknown_library', `No library folder "${name}" in ${parentDir}.`, 'See the libraries there are with list_libraries.');
    }
    await rename(dir, hidden);
    await markChanged(parentDir);
  });
  await rm(hidden, { recursive: true, force: true });
  return dir;
}
