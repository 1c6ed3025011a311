/**
 * Removing a library folder so that no reader ever sees half of one: the folder is first renamed to a hidden
 * name in the same parent (atomic on one filesystem; discovery skips dot-folders), then deleted. A kill between
 * the two leaves only a hidden leftover, which the next removal of any library sweeps away.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync } from 'node:fs';
import { readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { LibraryName } from '../domain/library.js';
import { CodedistillError } from '../kernel/errors.js';

const LEFTOVER = /^\.[a-z0-9][a-z0-9._-]*\.removed-[0-9a-f]+$/;

/** Remove `<parentDir>/<name>`; returns the path it had. */
export async function removeLibraryFolder(parentDir: string, name: string): Promise<string> {
  if (!LibraryName.safeParse(name).success) {
    throw new CodedistillError('invalid_input', `"${name}" is not a library name.`, 'Pass a name that list_libraries shows.');
  }
  const dir = path.join(parentDir, name);
  if (!existsSync(dir) || !lstatSync(dir).isDirectory()) {
    throw new CodedistillError('unknown_library', `No library folder "${name}" in ${parentDir}.`, 'See the libraries there are with list_libraries.');
  }
  const hidden = path.join(parentDir, `.${name}.removed-${randomBytes(4).toString('hex')}`);
  await rename(dir, hidden);
  await rm(hidden, { recursive: true, force: true });
  // Leftovers of removals a kill interrupted: hidden, never read, only taking space.
  for (const entry of await readdir(parentDir)) {
    if (LEFTOVER.test(entry)) await rm(path.join(parentDir, entry), { recursive: true, force: true });
  }
  return dir;
}
