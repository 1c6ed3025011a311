import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '../../src/kernel/log.js';
import { CHANGE_MARK_FILE, hostTag } from '../../src/library/files.js';
import { recoverLibraries } from '../../src/library/recover.js';
import { removeLibraryFolder } from '../../src/library/remove.js';
import { tempDir } from '../helpers/tmp.js';

const library = (parent: string, name: string) => {
  mkdirSync(path.join(parent, name, 'source', 'pkg'), { recursive: true });
  writeFileSync(path.join(parent, name, 'manifest.json'), '{}');
  writeFileSync(path.join(parent, name, 'source', 'pkg', '__init__.py'), '');
};

test('removes the folder whole and leaves its neighbours', async () => {
  const parent = tempDir();
  library(parent, 'alpha');
  library(parent, 'beta');
  const removed = await removeLibraryFolder(parent, 'alpha');
  assert.equal(removed, path.join(parent, 'alpha'));
  assert.deepEqual(readdirSync(parent).filter((n) => !n.startsWith('.write') && n !== CHANGE_MARK_FILE), ['beta']);
});

test('a removal a kill interrupted leaves only a hidden folder, which recovery deletes; nothing else hidden is touched', async () => {
  const parent = tempDir();
  library(parent, 'alpha');
  // What the rename leaves when the process is killed before the delete (its writer's pid no longer runs).
  library(parent, `.gamma.removed-${hostTag()}-${2 ** 22 + 5}-0badc0de`);
  mkdirSync(path.join(parent, '.keep-me'));
  await removeLibraryFolder(parent, 'alpha');
  await recoverLibraries(parent, silentLogger);
  assert.deepEqual(readdirSync(parent).filter((n) => !n.startsWith('.write') && n !== CHANGE_MARK_FILE).sort(), ['.keep-me']);
});

test('refuses what is not a library name, and a folder that is not there', async () => {
  const parent = tempDir();
  library(parent, 'alpha');
  await assert.rejects(removeLibraryFolder(parent, '../alpha'), /not a library name/);
  await assert.rejects(removeLibraryFolder(parent, 'nope'), /No library folder "nope"/);
  assert.ok(existsSync(path.join(parent, 'alpha')));
});
