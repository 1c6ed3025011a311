import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { trackedFiles } from '../../src/ingest/tracked.js';
import type { ResolvedSource } from '../../src/ingest/types.js';
import { tempDir } from '../helpers/tmp.js';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8' });

const source = (root: string, kind: ResolvedSource['kind'], commit: string): ResolvedSource => ({
  kind, location: root, root, repo: 'local/x', ref: null, commit, url: null, description: null, licenceHint: null, topics: [],
});

test('trackedFiles: git ls-files for a local work tree (force-added ignored files included), all for a checkout, null for a hashed folder', async () => {
  const root = tempDir();
  mkdirSync(path.join(root, 'docs', '_static'), { recursive: true });
  writeFileSync(path.join(root, '.gitignore'), '_*\n');
  writeFileSync(path.join(root, 'docs', '_static', 'theme.css'), 'body {}\n');
  writeFileSync(path.join(root, 'a.py'), 'x = 1\n');
  git(root, 'init', '-q');
  git(root, 'add', '.gitignore', 'a.py');
  git(root, 'add', '-f', 'docs/_static/theme.css');
  git(root, 'commit', '-qm', 'init');
  writeFileSync(path.join(root, 'untracked.py'), '');
  const opts = { gitBin: 'git', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } };
  const set = await trackedFiles(source(root, 'local', 'a'.repeat(40)), opts);
  assert.ok(set instanceof Set);
  assert.deepEqual([...set].sort(), ['.gitignore', 'a.py', 'docs/_static/theme.css']);
  assert.equal(await trackedFiles(source(root, 'github', 'a'.repeat(40)), opts), 'all');
  assert.equal(await trackedFiles(source(root, 'local', 'sha256:0'), opts), null);
});
