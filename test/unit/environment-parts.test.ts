import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fallbackVersion, installCommand } from '../../src/environment/builder.js';
import { installFailureReason } from '../../src/environment/installer.js';
import { lockChanges, lockHash, lockVersions, pinsToInstall, renderLock } from '../../src/environment/lock.js';
import { buildError, buildPlan, wheelNameVersion } from '../../src/environment/package-build.js';
import { requirementSatisfied } from '../../src/environment/satisfied.js';
import { versionFromDescribe } from '../../src/ingest/version.js';
import { tempDir, writeTree } from '../helpers/tmp.js';

test('a lock lists base and environment versions, the environment winning, and marks the own package', () => {
  const lock = renderLock({
    implementation: 'CPython',
    version: '3.11.2',
    base: '/usr/bin/python3',
    baseDistributions: ['numpy==1.24.2', 'SciPy==1.10.1'],
    installed: [{ name: 'scipy', version: '1.15.0' }, { name: 'My_Pkg', version: '0.3' }],
    own: 'my-pkg',
  });
  const lines = lock.split('\n');
  assert.match(lines[1]!, /CPython 3\.11\.2/);
  assert.ok(lines.includes('numpy==1.24.2'));
  assert.ok(lines.includes('scipy==1.15.0'));
  assert.ok(lines.some((l) => l.startsWith('my-pkg==0.3  #')));
  // Rebuilding pins what the base lacks, never the package built from the snapshot.
  assert.deepEqual(pinsToInstall(lock, ['numpy==1.24.2', 'scipy==1.10.1']), ['scipy==1.15.0']);
  assert.equal(lockVersions(lock, false).has('my-pkg'), false);
  assert.equal(lockHash(lock), lockHash(lock));
  assert.notEqual(lockHash(lock), lockHash(lock.replace('1.15.0', '1.15.1')));
});

test('lock changes name each distribution whose version moved, appeared or went', () => {
  const before = '# h\nnumpy==1.24.2\nscipy==1.10.1\nold==1\n';
  const after = '# h\nnumpy==1.24.2\nscipy==1.15.0\nnew==2\n';
  assert.deepEqual(lockChanges(before, after), [
    { name: 'new', before: null, after: '2' },
    { name: 'old', before: '1', after: null },
    { name: 'scipy', before: '1.10.1', after: '1.15.0' },
  ]);
});

test('a requirement is satisfied by the installed versions when its constraint holds', () => {
  const installed = new Map([['scipy', '1.10.1'], ['numpy', '2.1.0']]);
  assert.equal(requirementSatisfied('numpy', installed), true);
  assert.equal(requirementSatisfied('numpy>=2', installed), true);
  assert.equal(requirementSatisfied('scipy>=1.15', installed), false);
  assert.equal(requirementSatisfied('SciPy (>=1.5)', installed), true);
  assert.equal(requirementSatisfied('pandas', installed), false);
  // Markers and extras are left to the installer.
  assert.equal(requirementSatisfied('numpy; python_version < "3.9"', installed), null);
  assert.equal(requirementSatisfied('numpy[dev]', installed), null);
});

test('installer output becomes a reason a person can act on', () => {
  assert.equal(
    installFailureReason('ERROR: Could not find a version that satisfies the requirement nosuch (from versions: none)\nERROR: No matching distribution found for nosuch'),
    'not found as a wheel in the configured index or wheel folders (or the index did not answer)',
  );
  assert.match(installFailureReason('ERROR: Could not find a version that satisfies the requirement scipy>=9 (from versions: 1.10.1, 1.11.0)'), /no wheel matches scipy>=9 \(available: 1\.10\.1, 1\.11\.0\)/);
  const dns = installFailureReason("WARNING: Retrying ... Failed to establish a new connection: [Errno -2] Name or service not known')': /simple/x/ https://user:secret@pypi.example/simple/x/");
  assert.match(dns, /unreachable/);
  assert.doesNotMatch(dns, /secret/);
});

test('the install command quotes requirements with constraints', () => {
  assert.equal(installCommand([{ requirement: 'pint', reason: 'x' }, { requirement: 'scipy>=1.15', reason: 'y' }]), 'pip install pint "scipy>=1.15"');
  assert.equal(installCommand([]), null);
});

test('versions for a snapshot without git: from git describe, or from the commit', () => {
  assert.equal(versionFromDescribe('v1.2.3-0-gabcdef123456'), '1.2.3');
  assert.equal(versionFromDescribe('1.2.3-4-gabcdef123456'), '1.2.3.post4+gabcdef123456');
  assert.equal(versionFromDescribe('release-candidate-4-gabc'), null);
  assert.equal(fallbackVersion('f1b7e4f4e3281234'), '0.0.0+gf1b7e4f4e328');
  assert.equal(fallbackVersion('sha256:00ff'), '0.0.0+g00ff');
});

test('wheel names give the distribution and version', () => {
  assert.deepEqual(wheelNameVersion('/x/my_pkg-1.0.post2+gabc-py3-none-any.whl'), { name: 'my-pkg', version: '1.0.post2+gabc' });
  assert.deepEqual(wheelNameVersion('cext-0.1-cp311-cp311-linux_x86_64.whl'), { name: 'cext', version: '0.1' });
  assert.equal(wheelNameVersion('notawheel.zip'), null);
});

test('a build plan reads pyproject.toml and setup.py as text', async () => {
  const dir = writeTree({ 'a/pyproject.toml': '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n', 'b/setup.py': 'raise SystemExit("never run")\n', 'c/pkg/__init__.py': '', 'd/pyproject.toml': '[tool.black]\nline-length = 100\n' }, tempDir());
  assert.deepEqual(await buildPlan(`${dir}/a`), { packaged: true, requires: ['hatchling'], reason: null });
  assert.deepEqual((await buildPlan(`${dir}/b`)).requires, ['setuptools>=40.8.0', 'wheel']);
  assert.equal((await buildPlan(`${dir}/c`)).packaged, false);
  assert.equal((await buildPlan(`${dir}/d`)).packaged, false);
});

test('a build log is read for the line that says what failed', () => {
  assert.match(buildError('Processing /x\nModuleNotFoundError: No module named \'setuptools_scm\'\nERROR: Failed building wheel'), /setuptools_scm.*backend is not installed/);
  assert.equal(buildError("gcc -I/x -c src/a.c\nsrc/a.c:3:10: fatal error: Python.h: No such file\nerror: command '/usr/bin/gcc' failed with exit code 1\nERROR: Failed building wheel for x"), 'src/a.c:3:10: fatal error: Python.h: No such file');
});

test('a library keeps how its environment is made unless the caller changes it', async () => {
  const { settingsOf } = await import('../../src/jobs/environment.js');
  const manifest = { python: '/old/python', environment: { settings: { python: '/venv/bin/python', extras: ['plot'] } } } as unknown as Parameters<typeof settingsOf>[0];
  assert.deepEqual(settingsOf(manifest, {}), { python: '/venv/bin/python', extras: ['plot'] });
  assert.deepEqual(settingsOf(manifest, { python: '/usr/bin/python3' }), { python: '/usr/bin/python3', extras: ['plot'] });
  // A library from before environments remembers its interpreter in `python`.
  assert.deepEqual(settingsOf({ python: '/old/python' } as Parameters<typeof settingsOf>[0], {}), { python: '/old/python', extras: [] });
  assert.deepEqual(settingsOf(null, {}), { python: null, extras: [] });
  // "none" is remembered; auto keeps it; rebuild, upgrade or an explicit request switch the environment back on.
  const { effectiveMode } = await import('../../src/jobs/environment.js');
  const off = settingsOf(manifest, { mode: 'none' });
  assert.equal(off.enabled, false);
  const later = { environment: { settings: off } } as unknown as Parameters<typeof settingsOf>[0];
  assert.equal(effectiveMode('auto', settingsOf(later, { mode: 'auto' })), 'none');
  assert.equal(effectiveMode('rebuild', settingsOf(later, { mode: 'rebuild' })), 'rebuild');
  assert.equal(settingsOf(later, { mode: 'auto', enable: true }).enabled, undefined);
});

test('the requirement an install stopped at is the one named missing; the rest go again together', async () => {
  const { blamedRequirement } = await import('../../src/environment/installer.js');
  const pending = ['numpy', 'hepunits>=2.4.0', 'Scikit_Learn'];
  assert.equal(blamedRequirement('ERROR: Could not find a version that satisfies the requirement hepunits>=2.4.0 (from versions: none)\nERROR: No matching distribution found for hepunits>=2.4.0', pending), 'hepunits>=2.4.0');
  assert.equal(blamedRequirement('ERROR: No matching distribution found for scikit-learn', pending), 'Scikit_Learn');
  assert.equal(blamedRequirement("ERROR: Invalid requirement: '-utilities'", ['-utilities']), '-utilities');
  assert.equal(blamedRequirement('  × No solution found when resolving dependencies:\n  ╰─▶ Because hepunits was not found in the package registry', pending), 'hepunits>=2.4.0');
  assert.equal(blamedRequirement('Killed', pending), null);
});

test('an environment is keyed by what a build reads: a test, a commit or a package module keep it (the modules are keyed apart), a data file of the same size does not', async () => {
  const { EnvironmentBuilder } = await import('../../src/environment/builder.js');
  const { silentLogger } = await import('../../src/kernel/log.js');
  const { writeFileSync } = await import('node:fs');
  const path = await import('node:path');
  const builder = new EnvironmentBuilder({ envsDir: tempDir(), defaultPython: 'python3', installer: { name: 'pip' }, logger: silentLogger } as unknown as ConstructorParameters<typeof EnvironmentBuilder>[0]);
  const dir = writeTree({ 'pyproject.toml': '[project]\nname = "p"\n', 'setup.py': 'X = 1\n', 'p/__init__.py': 'X = 1\n', 'p/table.csv': 'a\n1\n', 'tests/test_p.py': 'def test(): pass\n' });
  const base = { executable: '/usr/bin/python3', implementation: 'cpython', version: '3.11.2', environmentHash: 'h' } as Parameters<typeof builder.keysOf>[1];
  const input = (commit: string) => ({ projectDir: dir, commit, version: null, importRoots: [''], packages: ['p'], requirements: ['numpy'], settings: { python: null, extras: [] }, previousLock: null }) as unknown as Parameters<typeof builder.keysOf>[0];
  const first = await builder.keysOf(input('a'.repeat(40)), base);
  writeFileSync(path.join(dir, 'tests/test_p.py'), 'def test(): assert True\n');
  assert.deepEqual(await builder.keysOf(input('b'.repeat(40)), base), first, 'a test edit in a new commit keeps the environment');
  writeFileSync(path.join(dir, 'p/__init__.py'), 'X = 2\n');
  const edited = await builder.keysOf(input('b'.repeat(40)), base);
  assert.equal(edited.key, first.key, 'a package module edited keeps the key: what it depends on did not change');
  assert.notEqual(edited.sources, first.sources, 'and is told by its sources');
  assert.notEqual(edited.full, first.full);
  writeFileSync(path.join(dir, 'setup.py'), 'X = 2\n');
  const setup = await builder.keysOf(input('b'.repeat(40)), base);
  assert.notEqual(setup.key, first.key, 'a build file is what it is made from');
  writeFileSync(path.join(dir, 'p/table.csv'), 'a\n2\n');
  assert.notEqual((await builder.keysOf(input('b'.repeat(40)), base)).key, setup.key, 'a package data file changed at the same size makes a new one');
});
