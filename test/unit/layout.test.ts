import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { readSetupPy, dictOfStrings, assignedBracket, findPackagesWhere } from '../../src/ingest/setup-py.js';
import type { WalkResult } from '../../src/ingest/types.js';
import { walkRepo } from '../../src/ingest/walk.js';
import { languageOfPath } from '../../src/parse/languages.js';
import { pythonModuleOf } from '../../src/python/modules.js';
import { fixture } from '../helpers/tmp.js';

const tmpDirs: string[] = [];
after(async () => {
  for (const d of tmpDirs) await rm(d, { recursive: true, force: true });
});

async function makeRepo(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'codedistill-layout-'));
  tmpDirs.push(root);
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), content);
  }
  return root;
}

const walk = (root: string, repoName: string | null = null): Promise<WalkResult> => walkRepo(root, { maxFileBytes: 1 << 20, languageOf: languageOfPath, repoName });

/** Module names of the walk's Python files, as parse/ names them. */
function modules(r: WalkResult): Record<string, string> {
  return Object.fromEntries(r.files.filter((f) => f.language === 'python').map((f) => [f.path, pythonModuleOf(f.path, r.layout.moduleRoots)]));
}

describe('layouts of the fixture repositories', () => {
  test("setup.py package_dir={'': 'lib'}: lib/ is the import root", async () => {
    const r = await walk(fixture('layouts/package-dir-lib'));
    assert.deepEqual(r.importRoots, ['lib']);
    assert.equal(r.layout.reason, 'package_dir in setup.py');
    assert.equal(modules(r)['lib/tidewave/core.py'], 'tidewave.core');
    assert.equal(modules(r)['lib/tidewave/__init__.py'], 'tidewave');
  });

  test('setup.cfg package_dir mapping a package to python/<pkg>: python/ is the import root', async () => {
    const r = await walk(fixture('layouts/package-dir-cfg'));
    assert.deepEqual(r.importRoots, ['python']);
    assert.deepEqual(r.layout.unrootable, []);
    assert.equal(r.layout.reason, 'package_dir in setup.cfg');
    assert.equal(modules(r)['python/oceanmix/density.py'], 'oceanmix.density');
  });

  test('pyproject [tool.setuptools.package-dir] to a folder named otherwise: modules take the package name, no root can serve it', async () => {
    const r = await walk(fixture('layouts/package-dir-toml'));
    assert.equal(modules(r)['code/kinet_impl/rates.py'], 'kinet.rates');
    assert.equal(modules(r)['code/kinet_impl/__init__.py'], 'kinet');
    assert.deepEqual(r.layout.unrootable, [{ package: 'kinet', dir: 'code/kinet_impl' }]);
    assert.equal(r.layout.reason, 'package_dir in pyproject.toml');
  });

  test("the repository root is the package (package_dir={'rootpkg': '.'}): core.py is rootpkg.core", async () => {
    const r = await walk(fixture('layouts/root-package'));
    const m = modules(r);
    assert.equal(m['core.py'], 'rootpkg.core');
    assert.equal(m['__init__.py'], 'rootpkg');
    assert.equal(m['sub/pressure.py'], 'rootpkg.sub.pressure');
    assert.deepEqual(r.layout.unrootable, [{ package: 'rootpkg', dir: '' }]);
  });

  test('an __init__.py at the root without package_dir: the package is named after the project', async () => {
    const r = await walk(fixture('layouts/root-init'));
    assert.equal(modules(r)['fourier.py'], 'heat_flux.fourier');
    assert.equal(r.layout.reason, '__init__.py at the repository root');
  });

  test('src/python/<pkg> in a multi-language repository: src/python is the import root', async () => {
    const r = await walk(fixture('layouts/multilang'));
    assert.deepEqual(r.importRoots, ['src/python']);
    assert.equal(modules(r)['src/python/spectra/window.py'], 'spectra.window');
  });
});

describe('layout detection edge cases', () => {
  test('a root __init__.py with no project name falls back to the repository name; none usable leaves the flat root', async () => {
    const root = await makeRepo({ '__init__.py': '', 'core.py': 'x = 1\n' });
    assert.equal(modules(await walk(root, 'acme/thermo-kit'))['core.py'], 'thermo_kit.core');
    // A commit-keyed checkout folder is not a name.
    const flat = await walk(root, '0123abc-not-an-identifier!');
    assert.equal(modules(flat)['core.py'], 'core');
    assert.deepEqual(flat.importRoots, ['']);
  });

  test("a stray __init__.py beside the package's own folder does not make the root the package", async () => {
    const root = await makeRepo({ '__init__.py': '', 'setup.py': "setup(name='gasflow', packages=['gasflow'])\n", 'gasflow/__init__.py': '', 'gasflow/core.py': '' });
    const r = await walk(root);
    assert.equal(modules(r)['gasflow/core.py'], 'gasflow.core');
    assert.deepEqual(r.importRoots, ['']);
  });

  test('a package_dir naming a folder with no Python in it is ignored, and the files decide', async () => {
    const root = await makeRepo({ 'setup.py': "setup(package_dir={'': 'lib'})\n", 'src/pkg/__init__.py': '' });
    assert.deepEqual((await walk(root)).importRoots, ['src']);
  });

  test("poetry's packages from= and hatch's wheel packages are declared layouts too", async () => {
    const poetry = await makeRepo({ 'pyproject.toml': '[tool.poetry]\nname = "x"\npackages = [{ include = "wavekit", from = "lib" }]\n', 'lib/wavekit/__init__.py': '', 'lib/wavekit/a.py': '' });
    const p = await walk(poetry);
    assert.deepEqual(p.importRoots, ['lib']);
    assert.equal(modules(p)['lib/wavekit/a.py'], 'wavekit.a');
    const hatch = await makeRepo({ 'pyproject.toml': '[tool.hatch.build.targets.wheel]\npackages = ["bindings/python/gridder"]\n', 'bindings/python/gridder/__init__.py': '', 'bindings/python/gridder/g.py': '' });
    const h = await walk(hatch);
    assert.deepEqual(h.importRoots, ['bindings/python']);
    assert.equal(modules(h)['bindings/python/gridder/g.py'], 'gridder.g');
  });

  test('find_packages(where=...) in setup.cfg is a root; python/<pkg> and lib/<pkg> are found from the files', async () => {
    const cfg = await makeRepo({ 'setup.cfg': '[options]\npackages = find:\n\n[options.packages.find]\nwhere = source\n', 'source/pkg/__init__.py': '' });
    assert.deepEqual((await walk(cfg)).importRoots, ['source']);
    const py = await makeRepo({ 'python/pkg/__init__.py': '', 'python/pkg/a.py': '', 'cpp/a.cpp': '' });
    assert.deepEqual((await walk(py)).importRoots, ['python']);
    // python/ that is itself a package is a flat layout.
    const own = await makeRepo({ 'python/__init__.py': '', 'python/pkg/__init__.py': '' });
    assert.deepEqual((await walk(own)).importRoots, ['']);
  });
});

describe('setup.py readers for layouts', () => {
  test('dictOfStrings reads package_dir, keys and values as Python reads them', () => {
    const sp = readSetupPy("DIRS = {'': 'lib', \"a.b\": r'x\\\\y'}  # {'no': 'comment'}\nsetup(package_dir=DIRS)\n");
    assert.deepEqual(dictOfStrings(sp, assignedBracket(sp, 'package_dir')!), [
      { key: '', value: 'lib' },
      { key: 'a.b', value: 'x\\\\y' },
    ]);
  });

  test('findPackagesWhere reads the first positional literal or where=, nothing else', () => {
    assert.equal(findPackagesWhere(readSetupPy("setup(packages=find_packages('lib'))")), 'lib');
    assert.equal(findPackagesWhere(readSetupPy("setup(packages=find_packages(exclude=['t'], where = 'src'))")), 'src');
    assert.equal(findPackagesWhere(readSetupPy("setup(packages=find_packages(exclude=['t']))")), null);
    assert.equal(findPackagesWhere(readSetupPy('setup(packages=find_packages(HERE))')), null);
    assert.equal(findPackagesWhere(readSetupPy("setup(packages=['a'])")), null);
  });
});
