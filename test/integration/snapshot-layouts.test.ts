/**
 * Distills (without validation) the layout fixtures and a repository with package data, an oversized generated
 * module and test data: blocks are named as users import them, and source/ holds what a build and the examples need.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { distillRepo } from '../../src/jobs/distill.js';
import { silentLogger } from '../../src/kernel/log.js';
import { SOURCE_DIR, loadLibrary } from '../../src/library/files.js';
import { createParser } from '../../src/parse/parser.js';
import type { CodeParser } from '../../src/parse/types.js';
import type { Runner } from '../../src/validate/types.js';
import { copyFixture, tempDir } from '../helpers/tmp.js';

const noRunner: Runner = {
  run: async () => {
    throw new Error('not run');
  },
  info: async () => ({ sandbox: 'none', interpreter: null, available: false, reason: 'not needed here' }),
};

async function listTree(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listTree(dir, r)));
    else out.push(r);
  }
  return out.sort();
}

describe('distilled layouts and snapshots', { timeout: 120_000 }, () => {
  let parser: CodeParser;
  before(async () => {
    parser = await createParser();
  });
  const distill = async (root: string, env: Record<string, string> = {}) => {
    const config = loadConfig({ PATH: process.env.PATH, HOME: process.env.HOME, CODEDISTILL_HOME: tempDir(), ...env });
    const report = await distillRepo(
      { source: root, validate: false, force: false },
      { config, logger: silentLogger, parser, runner: noRunner, llm: null, existingLibrary: async () => null, libraries: () => [], libraryParentDir: path.join(config.home, 'libraries') },
    );
    const lib = await loadLibrary(report.libraryPath, false);
    return { lib, source: await listTree(path.join(report.libraryPath, SOURCE_DIR)) };
  };
  const block = (lib: Awaited<ReturnType<typeof distill>>['lib'], name: string) => lib.blocks.find((b) => b.name === name);

  it('package_dir in setup.py: modules under lib/ are tidewave.*, and lib is the import root', async () => {
    const { lib, source } = await distill(copyFixture('layouts/package-dir-lib'));
    assert.equal(block(lib, 'tide_height')?.qualifiedName, 'tidewave.core.tide_height');
    assert.deepEqual(lib.manifest.importRoots, ['lib']);
    assert.deepEqual(source, ['lib/tidewave/__init__.py', 'lib/tidewave/core.py', 'setup.py', 'tests/test_core.py']);
  });

  it('a repository root that is the package: rootpkg.core, and the snapshot is the repository', async () => {
    const { lib, source } = await distill(copyFixture('layouts/root-package'));
    assert.equal(block(lib, 'celsius_to_kelvin')?.qualifiedName, 'rootpkg.core.celsius_to_kelvin');
    assert.equal(block(lib, 'bar_to_pa')?.qualifiedName, 'rootpkg.sub.pressure.bar_to_pa');
    assert.deepEqual(source, ['__init__.py', 'core.py', 'setup.py', 'sub/__init__.py', 'sub/pressure.py', 'tests/test_core.py']);
  });

  it('src/python/<pkg> beside C++: spectra.window, with the C++ sources and CMakeLists.txt kept for the build', async () => {
    const { lib, source } = await distill(copyFixture('layouts/multilang'));
    assert.equal(block(lib, 'hann')?.qualifiedName, 'spectra.window.hann');
    assert.deepEqual(lib.manifest.importRoots, ['src/python']);
    assert.deepEqual(source, ['CMakeLists.txt', 'pyproject.toml', 'src/cpp/window.cpp', 'src/python/spectra/__init__.py', 'src/python/spectra/window.py']);
  });

  it('package data, a module over the parse limit and test data are kept byte for byte; a file over the cap is named', async () => {
    const root = path.join(tempDir(), 'gridkit');
    const npy = randomBytes(4096);
    const files: Record<string, string | Buffer> = {
      'setup.py': "from setuptools import setup\nsetup(name='gridkit', packages=['gridkit'], package_data={'gridkit': ['data/*']})\n",
      'gridkit/__init__.py': 'from .core import load_grid\n',
      'gridkit/core.py': 'import os\n\n\ndef load_grid(name):\n    """Path of a bundled grid."""\n    return os.path.join(os.path.dirname(__file__), "data", name)\n',
      'gridkit/data/grid.npy': npy,
      'gridkit/data/huge.bin': Buffer.alloc(3 * 1024 * 1024, 1),
      // A generated module over the walk's 1 MiB parse limit.
      'gridkit/_tables.py': `TABLE = [${'1.0, '.repeat(300_000)}]\n`,
      'tests/test_core.py': 'def test_x():\n    assert open("tests/data/ref.csv").read()\n',
      'tests/data/ref.csv': 'a,b\n1,2\n',
      'docs/figure.png': Buffer.from([0x89, 0x50, 0x4e, 0x47]),
      'notebooks/tour.ipynb': '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
    };
    for (const [rel, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      writeFileSync(path.join(root, rel), content);
    }
    const { lib, source } = await distill(root, { CODEDISTILL_SNAPSHOT_MAX_FILE_BYTES: String(2 * 1024 * 1024) });
    assert.deepEqual(source, ['gridkit/__init__.py', 'gridkit/_tables.py', 'gridkit/core.py', 'gridkit/data/grid.npy', 'setup.py', 'tests/data/ref.csv', 'tests/test_core.py']);
    assert.ok(readFileSync(path.join(lib.dir, SOURCE_DIR, 'gridkit/data/grid.npy')).equals(npy));
    assert.equal(readFileSync(path.join(lib.dir, SOURCE_DIR, 'gridkit/_tables.py'), 'utf8'), files['gridkit/_tables.py']);
    assert.deepEqual(
      lib.manifest.skipped.filter((s) => s.reason.startsWith('left out of the snapshot')),
      [{ path: 'gridkit/data/huge.bin', reason: 'left out of the snapshot: 3.1 MB > 2 MiB cap' }],
    );
  });
});
