import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';

import type { Layout, RepoFile } from '../../src/ingest/types.js';
import { SOURCE_DIR, snapshotOf, writeLibrary } from '../../src/library/files.js';
import { snapshotFiles } from '../../src/library/snapshot.js';
import { testManifest } from '../helpers/manifest.js';
import { tempDir } from '../helpers/tmp.js';

const MiB = 1024 * 1024;

function rf(p: string, size = 10, role: RepoFile['role'] = 'other'): RepoFile {
  const language = /\.pyi?$/.test(p) ? 'python' : null;
  return { path: p, absPath: `/repo/${p}`, size, role: language && role === 'other' ? 'library' : role, roleReason: '', language };
}

const flat: Pick<Layout, 'moduleRoots'> = { moduleRoots: [''] };
const paths = (r: { files: { path: string }[] }) => r.files.map((f) => f.path);

describe('snapshotFiles', () => {
  test('keeps the package whole, root build files, extension sources and test/example folders; nothing else', () => {
    const files = [
      rf('pkg/__init__.py'),
      rf('pkg/tables.json'),
      rf('pkg/sub/mod.py'),
      rf('pkg/tour.ipynb', 10, 'notebook'),
      rf('pkgx/other.py'),
      rf('pyproject.toml', 10, 'config'),
      rf('setup.py', 10, 'config'),
      rf('MANIFEST.in', 10, 'config'),
      rf('README.rst', 10, 'docs'),
      rf('LICENSE.txt', 10, 'config'),
      rf('AUTHORS', 10, 'docs'),
      rf('VERSION'),
      rf('requirements-test.txt', 10, 'config'),
      rf('versioneer.py'),
      rf('CMakeLists.txt', 10, 'build'),
      rf('tox.ini', 10, 'config'),
      rf('CHANGELOG.md', 10, 'docs'),
      rf('ext/kernel.c'),
      rf('ext/kernel.h'),
      rf('ext/_fast.pyx'),
      rf('ext/exports.def'),
      rf('docs/ext/demo.c', 10, 'docs'),
      rf('docs/conf.py', 10, 'docs'),
      rf('docs/guide.rst', 10, 'docs'),
      rf('tests/test_a.py', 10, 'test'),
      rf('tests/helpers.py', 10, 'test'),
      rf('tests/data/ref.csv', 10, 'data'),
      rf('examples/run.py', 10, 'example'),
      rf('examples/input.dat', 10, 'data'),
      rf('examples/walkthrough.ipynb', 10, 'notebook'),
      rf('.github/workflows/ci.yml', 10, 'build'),
      rf('tools/release.sh'),
    ];
    const withheld = [rf('pkg/data/table.npy', 3 * MiB), rf('pkg/_generated.py', 2 * MiB), rf('pkg/_speedups.so', 100), rf('docs/logo.png', 100, 'docs'), rf('tests/data/big.h5', 2 * MiB, 'data')];
    const r = snapshotFiles({ files, withheld, layout: flat }, ['pkg']);
    assert.deepEqual(paths(r), [
      'AUTHORS',
      'CMakeLists.txt',
      'LICENSE.txt',
      'MANIFEST.in',
      'README.rst',
      'VERSION',
      'examples/input.dat',
      'examples/run.py',
      'ext/_fast.pyx',
      'ext/exports.def',
      'ext/kernel.c',
      'ext/kernel.h',
      'pkg/__init__.py',
      'pkg/_generated.py',
      'pkg/data/table.npy',
      'pkg/sub/mod.py',
      'pkg/tables.json',
      'pyproject.toml',
      'requirements-test.txt',
      'setup.py',
      'tests/data/big.h5',
      'tests/data/ref.csv',
      'tests/helpers.py',
      'tests/test_a.py',
      'tox.ini',
      'versioneer.py',
    ]);
    assert.deepEqual(r.left, []);
    assert.equal(r.files.find((f) => f.path === 'pkg/data/table.npy')?.absPath, '/repo/pkg/data/table.npy');
  });

  test('a file over the per-file cap and files past the total are named in left; Python modules are never capped', () => {
    const files = [rf('pkg/__init__.py'), rf('pkg/a.csv', 4 * MiB), rf('tests/data/b.csv', 4 * MiB, 'data'), rf('tests/data/c.csv', 1 * MiB, 'data')];
    const withheld = [rf('pkg/huge.h5', 80_000_000), rf('pkg/_gen.py', 90 * MiB)];
    const r = snapshotFiles({ files, withheld, layout: flat }, ['pkg'], { maxFileBytes: 50 * MiB, maxDataBytes: 6 * MiB });
    // Package data is taken before test data, so the total cap falls on tests/ first.
    assert.deepEqual(paths(r), ['pkg/__init__.py', 'pkg/_gen.py', 'pkg/a.csv', 'tests/data/c.csv']);
    assert.deepEqual(r.left, [
      { path: 'pkg/huge.h5', reason: 'left out of the snapshot: 80 MB > 50 MiB cap' },
      { path: 'tests/data/b.csv', reason: 'left out of the snapshot: 4.2 MB more would pass the 6 MiB cap on data files' },
    ]);
  });

  test('follows the layout: a src/ root, a folder mapped to the package, a repository root that is the package', () => {
    const src = snapshotFiles({ files: [rf('src/pkg/a.py'), rf('src/pkg/d.txt'), rf('src/mod.py'), rf('src/pkgx/b.py'), rf('src/cpp/k.cpp')], withheld: [], layout: { moduleRoots: ['src'] } }, ['pkg', 'mod']);
    assert.deepEqual(paths(src), ['src/cpp/k.cpp', 'src/mod.py', 'src/pkg/a.py', 'src/pkg/d.txt']);

    const mapped = snapshotFiles({ files: [rf('code/impl/a.py'), rf('code/impl/t.json'), rf('code/other/x.py')], withheld: [], layout: { moduleRoots: [{ dir: 'code/impl', prefix: 'kinet' }] } }, ['kinet']);
    assert.deepEqual(paths(mapped), ['code/impl/a.py', 'code/impl/t.json']);

    // The root is the package: everything is inside it, except what a snapshot never keeps.
    const whole = snapshotFiles(
      { files: [rf('__init__.py'), rf('core.py'), rf('data/k.csv'), rf('docs/guide.rst', 10, 'docs'), rf('nb.ipynb', 10, 'notebook')], withheld: [rf('docs/fig.png', 10, 'docs'), rf('lib.so')], layout: { moduleRoots: [{ dir: '', prefix: 'rootpkg' }] } },
      ['rootpkg'],
    );
    assert.deepEqual(paths(whole), ['__init__.py', 'core.py', 'data/k.csv', 'docs/guide.rst']);
  });
});

describe('writeLibrary copies the snapshot', () => {
  const manifest = testManifest('snapcopy', { source: { kind: 'local', location: '/x', repo: 'local/snapcopy', ref: null, commit: 'sha256:0', url: null } });

  test('binaries byte for byte, the executable bit kept, and carried over again by snapshotOf', async () => {
    const repo = tempDir();
    const bytes = randomBytes(200_000);
    await mkdir(path.join(repo, 'pkg', 'data'), { recursive: true });
    await writeFile(path.join(repo, 'pkg', 'data', 'w.npy'), bytes);
    await writeFile(path.join(repo, 'configure'), '#!/bin/sh\necho ok\n');
    await chmod(path.join(repo, 'configure'), 0o755);
    await writeFile(path.join(repo, 'pkg', 'plain.txt'), 'x\n');
    await chmod(path.join(repo, 'pkg', 'plain.txt'), 0o644);
    const copies = ['pkg/data/w.npy', 'configure', 'pkg/plain.txt'].map((p) => ({ path: p, absPath: path.join(repo, p) }));
    const parent = tempDir();
    const first = await writeLibrary(parent, manifest, [], copies);
    // Rewritten from its own snapshot, as revalidate does.
    const dir = await writeLibrary(parent, manifest, [], await snapshotOf({ dir: first }));
    const src = path.join(dir, SOURCE_DIR);
    assert.ok((await readFile(path.join(src, 'pkg', 'data', 'w.npy'))).equals(bytes));
    assert.equal((await stat(path.join(src, 'configure'))).mode & 0o111, 0o111);
    assert.equal((await stat(path.join(src, 'pkg', 'plain.txt'))).mode & 0o111, 0);
  });
});
