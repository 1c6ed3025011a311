/**
 * An environment copied from another with the snapshot's modules put over its package (environment/derive.ts),
 * on folders laid out as a venv and a snapshot are: nothing here needs Python.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { copyVenv, modulesAsInSnapshot, overlayModules } from '../../src/environment/derive.js';
import { tempDir } from '../helpers/tmp.js';

function write(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

/** A snapshot with src/pkg (two modules and a subpackage) and a site-packages where the build installed it, plus a version file. */
function layout() {
  const root = tempDir('cd-derive-');
  const project = path.join(root, 'project');
  const site = path.join(root, 'venv', 'lib', 'python3.11', 'site-packages');
  const files: Record<string, string> = {
    'pkg/__init__.py': 'from ._version import version\nfrom .core import f\n',
    'pkg/core.py': 'def f():\n    return 1\n',
    'pkg/sub/__init__.py': '',
    'pkg/sub/deep.py': 'X = 2\n',
  };
  for (const [rel, text] of Object.entries(files)) {
    write(path.join(project, 'src', rel), text);
    write(path.join(site, rel), text);
  }
  write(path.join(site, 'pkg/_version.py'), 'version = "1.0"\n');
  return { root, project, site, input: { projectDir: project, importRoots: ['src'], packages: ['pkg'] } };
}

test('modules installed as they are in the snapshot: the files the build added are named as generated', async () => {
  const { site, input } = layout();
  assert.deepEqual(await modulesAsInSnapshot(site, input), { generated: ['pkg/_version.py'] });
});

test('a module the build rewrote, or compiled beside itself, is not copied over: null', async () => {
  const rewritten = layout();
  write(path.join(rewritten.site, 'pkg/core.py'), 'def f():\n    return 1  # rewritten by the build\n');
  assert.equal(await modulesAsInSnapshot(rewritten.site, rewritten.input), null);
  const compiled = layout();
  write(path.join(compiled.site, 'pkg/core.cpython-311-x86_64-linux-gnu.so'), '\x7fELF');
  assert.equal(await modulesAsInSnapshot(compiled.site, compiled.input), null, 'the extension would win the import over an edited core.py');
  const left = layout();
  rmSync(path.join(left.site, 'pkg/sub/deep.py'));
  assert.equal(await modulesAsInSnapshot(left.site, left.input), null, 'a module the wheel left out');
});

test('no package of the snapshot installed: null', async () => {
  const { root, input } = layout();
  const empty = path.join(root, 'empty-site');
  mkdirSync(empty);
  assert.equal(await modulesAsInSnapshot(empty, input), null);
});

test('overlayModules copies changed and new modules, removes those gone, keeps the generated file and drops stale bytecode', async () => {
  const { project, site, input } = layout();
  write(path.join(site, 'pkg/__pycache__/core.cpython-311.pyc'), 'stale');
  write(path.join(site, 'pkg/__pycache__/__init__.cpython-311.pyc'), 'kept');
  write(path.join(project, 'src/pkg/core.py'), 'def f():\n    return 2\n');
  write(path.join(project, 'src/pkg/extra.py'), 'Y = 3\n');
  rmSync(path.join(project, 'src/pkg/sub/deep.py'));
  const changed = await overlayModules(site, input, ['pkg/_version.py']);
  assert.deepEqual(changed, { updated: ['pkg/core.py', 'pkg/extra.py'], removed: ['pkg/sub/deep.py'] });
  assert.equal(readFileSync(path.join(site, 'pkg/core.py'), 'utf8'), 'def f():\n    return 2\n');
  assert.equal(existsSync(path.join(site, 'pkg/extra.py')), true);
  assert.equal(existsSync(path.join(site, 'pkg/sub/deep.py')), false);
  assert.equal(existsSync(path.join(site, 'pkg/_version.py')), true);
  assert.equal(existsSync(path.join(site, 'pkg/__pycache__/core.cpython-311.pyc')), false);
  assert.equal(existsSync(path.join(site, 'pkg/__pycache__/__init__.cpython-311.pyc')), true);
  assert.deepEqual(await overlayModules(site, input, ['pkg/_version.py']), { updated: [], removed: [] }, 'a second pass has nothing to do');
});

test('copyVenv keeps relative links and timestamps, and points scripts and pyvenv.cfg at the new folder', async () => {
  const { root } = layout();
  const from = path.join(root, 'venv');
  write(path.join(from, 'pyvenv.cfg'), `home = /usr/bin\ninclude-system-site-packages = true\ncommand = /usr/bin/python3 -m venv ${from}\n`);
  write(path.join(from, 'bin/tool'), `#!${from}/bin/python\nimport sys\n`);
  chmodSync(path.join(from, 'bin/tool'), 0o755);
  symlinkSync('/usr/bin/python3', path.join(from, 'bin/python'));
  symlinkSync('lib', path.join(from, 'lib64'));
  const old = new Date('2024-01-02T03:04:05Z');
  utimesSync(path.join(from, 'lib/python3.11/site-packages/pkg/core.py'), old, old);
  const to = path.join(root, 'copy', 'venv');
  await copyVenv(from, to);
  assert.equal(readlinkSync(path.join(to, 'lib64')), 'lib');
  assert.equal(readlinkSync(path.join(to, 'bin/python')), '/usr/bin/python3');
  assert.equal(readFileSync(path.join(to, 'bin/tool'), 'utf8'), `#!${to}/bin/python\nimport sys\n`);
  assert.equal(lstatSync(path.join(to, 'bin/tool')).mode & 0o777, 0o755);
  assert.match(readFileSync(path.join(to, 'pyvenv.cfg'), 'utf8'), new RegExp(`venv ${to.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  assert.equal(statSync(path.join(to, 'lib/python3.11/site-packages/pkg/core.py')).mtimeMs, old.getTime(), 'bytecode of untouched modules stays valid');
  assert.equal(readFileSync(path.join(from, 'bin/tool'), 'utf8').includes(to), false, 'the original is untouched');
  // Shared, not copied (a file system without links gets copies); and an overlay over the copy leaves the original.
  const core = 'lib/python3.11/site-packages/pkg/core.py';
  assert.equal(statSync(path.join(to, core)).ino, statSync(path.join(from, core)).ino);
  writeFileSync(path.join(root, 'project/src/pkg/core.py'), 'def f():\n    return 2\n');
  await overlayModules(path.join(to, 'lib/python3.11/site-packages'), { projectDir: path.join(root, 'project'), importRoots: ['src'], packages: ['pkg'] }, []);
  assert.equal(readFileSync(path.join(from, core), 'utf8'), 'def f():\n    return 1\n');
  assert.equal(readFileSync(path.join(to, core), 'utf8'), 'def f():\n    return 2\n');
});
