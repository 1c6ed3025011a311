/**
 * The environment stage on the fixture packages of test/fixtures/env, with the base interpreter Debian ships
 * (/usr/bin/python3 and the build tools .ci/run installs) and the real bubblewrap sandbox: each fixture's
 * environment is made through the stage's own API and code is run in it through the runner. Indexes are a wheel
 * folder or a loopback index the test serves, given as a user's own pip configuration would be.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { loadConfig, scrubEnv } from '../../src/config.js';
import type { EnvironmentSettings } from '../../src/domain/environment.js';
import { EnvironmentBuilder, fallbackVersion, type EnsuredEnvironment, type EnvironmentInput } from '../../src/environment/builder.js';
import { pipInstaller } from '../../src/environment/installer.js';
import { distillRepo } from '../../src/jobs/distill.js';
import { prepareRuns } from '../../src/jobs/environment.js';
import { silentLogger } from '../../src/kernel/log.js';
import { createParser } from '../../src/parse/parser.js';
import { createPythonRunner } from '../../src/validate/runner.js';
import { serveIndex } from '../helpers/index-server.js';
import { runnerServices } from '../helpers/runner.js';
import { copyFixture, fixture, tempDir } from '../helpers/tmp.js';
import { buildWheelhouse, missingBuildTools, pipEnv, prerequisitesOrSkip } from '../helpers/wheelhouse.js';

const PYTHON = '/usr/bin/python3';
const work = tempDir('cd-environment-');
const home = path.join(work, 'home');

// Secrets of the user: the host's tools may use them, repository code built in the sandbox must never see them.
const SECRET = `s3cret${randomUUID().replace(/-/g, '')}`;
const TOKENS = {
  GITHUB_TOKEN: `ghp_${SECRET}`,
  CODEDISTILL_GITHUB_TOKEN: `ghp_cd${SECRET}`,
  CODEDISTILL_LLM_API_KEY: `sk-${SECRET}`,
};
// In this process's environment too, as the server's would be.
Object.assign(process.env, TOKENS);

const config = loadConfig({ ...pipEnv(), ...TOKENS, CODEDISTILL_HOME: home, CODEDISTILL_PYTHON: PYTHON, CODEDISTILL_SANDBOX: 'bwrap' });
const runner = createPythonRunner(config, silentLogger, runnerServices);

const buildTools = await missingBuildTools(PYTHON);
const info = await runner.info(PYTHON);
const missing = buildTools ?? (info.available && info.sandbox === 'bwrap' ? null : `bubblewrap is not usable here: ${info.reason}`);
const ready = (t: TestContext) => prerequisitesOrSkip(t, missing);

const wheelDir = path.join(work, 'wheels');
if (!missing) await buildWheelhouse([fixture('env/helperdep')], wheelDir, { python: PYTHON });

/** A builder whose installer runs with `userEnv` as the user's environment (this machine's pip settings left out). */
function builder(userEnv: Record<string, string>, envsDir = config.envsDir): EnvironmentBuilder {
  return new EnvironmentBuilder({
    envsDir,
    defaultPython: PYTHON,
    sandbox: runner,
    // As the app makes it: the user's environment less secrets by name (pip and uv settings kept); pip, not
    // uv, whatever is on PATH, so the test is the same everywhere.
    installer: pipInstaller({ env: scrubEnv({ ...pipEnv(userEnv), ...TOKENS }), cwd: work }),
    logger: silentLogger,
  });
}

interface Layout {
  importRoots: string[];
  packages: string[];
  requirements?: string[];
  version?: string | null;
}

const LAYOUTS: Record<string, Layout> = {
  scmpkg: { importRoots: ['src'], packages: ['scmpkg'] },
  metapkg: { importRoots: [''], packages: ['metapkg'] },
  datapkg: { importRoots: ['src'], packages: ['datapkg'] },
  deppkg: { importRoots: [''], packages: ['deppkg'], requirements: ['helperdep>=1.0'] },
  cext: { importRoots: ['src'], packages: ['cext'] },
  hostile: { importRoots: [''], packages: ['hostile'] },
};

/** The fixture as a library's snapshot would hold it: a copy (nothing is ever written into this checkout). */
function inputFor(name: keyof typeof LAYOUTS, over: Partial<EnvironmentInput> = {}): EnvironmentInput {
  const projectDir = path.join(work, 'snapshots', name);
  if (!existsSync(projectDir)) cpSync(fixture(`env/${name}`), projectDir, { recursive: true, filter: (p) => path.basename(p) !== '__pycache__' });
  const l = LAYOUTS[name]!;
  const settings: EnvironmentSettings = { python: null, extras: [] };
  return {
    projectDir,
    commit: createHash('sha1').update(name).digest('hex'),
    version: l.version ?? null,
    importRoots: l.importRoots,
    packages: l.packages,
    requirements: l.requirements ?? [],
    settings,
    previousLock: null,
    ...over,
  };
}

/** Run code with the environment's interpreter in the sandbox, as examples and snippets are. */
async function runIn(env: EnsuredEnvironment, code: string) {
  const rec = await runner.run({ code, python: env.ref.python, timeoutMs: 60_000 });
  assert.equal(rec.status, 'passed', `${code}\n→ ${rec.status}: ${rec.message}\n${rec.stderr}`);
  return rec.stdout.trim();
}

function assertInstalled(env: EnsuredEnvironment) {
  assert.equal(env.record.package.status, 'installed', `${env.record.package.message}\n${readBuildLog(env)}`);
}

function readBuildLog(env: EnsuredEnvironment): string {
  const log = path.join(env.record.dir, 'build.log');
  return existsSync(log) ? readFileSync(log, 'utf8').slice(-4000) : '(no build log)';
}

const plain = builder({ PIP_NO_INDEX: '1' });

test('scmpkg: the version file setuptools_scm writes exists, and __version__ is the version the package was built with', async (t) => {
  if (!ready(t)) return;
  const input = inputFor('scmpkg');
  const env = await plain.ensure(input, { mode: 'auto' });
  assertInstalled(env);
  assert.equal(env.outcome.status, 'built');
  assert.equal(env.record.package.version, fallbackVersion(input.commit));
  assert.equal(await runIn(env, 'import scmpkg; print(scmpkg.__version__)'), env.record.package.version);
  assert.equal(await runIn(env, 'import scmpkg; print(round(scmpkg.annulus_area(2.0, 1.0), 4))'), '9.4248');
  // Given a version (from the repository's tags at another commit), that one.
  const tagged = await plain.ensure(inputFor('scmpkg', { version: '1.2.3', commit: 'f'.repeat(40) }), { mode: 'auto' });
  assertInstalled(tagged);
  assert.equal(tagged.record.package.version, '1.2.3');
  assert.equal(await runIn(tagged, 'import scmpkg; print(scmpkg.__version__)'), '1.2.3');
});

test('metapkg: reading its own metadata at import works once installed', async (t) => {
  if (!ready(t)) return;
  const env = await plain.ensure(inputFor('metapkg'), { mode: 'auto' });
  assertInstalled(env);
  assert.equal(await runIn(env, 'import metapkg; print(metapkg.__version__, metapkg.rescale([2.0, 4.0, 6.0]))'), '0.3.1 [0.0, 0.5, 1.0]');
});

test('datapkg: the data files the wheel left out are put back from the snapshot, and load', async (t) => {
  if (!ready(t)) return;
  const env = await plain.ensure(inputFor('datapkg'), { mode: 'auto' });
  assertInstalled(env);
  assert.equal(env.record.package.dataFilesAdded, 2, env.record.package.message);
  assert.equal(await runIn(env, 'import datapkg; print(datapkg.gas_constant(), datapkg.load_weights())'), '8.314462618 [0.25, 0.5, 0.25]');
});

test('cext: the C extension is compiled in the sandbox with the system compiler and runs', async (t) => {
  if (!ready(t)) return;
  const env = await plain.ensure(inputFor('cext'), { mode: 'auto' });
  assertInstalled(env);
  assert.equal(await runIn(env, 'import cext, cext._kernels as k; print(cext.weighted_mean([1.0, 2.0, 3.0], [1.0, 1.0, 2.0]), k.__file__.endswith(".so"))'), '2.25 True');
});

test("deppkg: helperdep comes from a lab's wheel folder given only as PIP_FIND_LINKS and PIP_NO_INDEX", async (t) => {
  if (!ready(t)) return;
  const b = builder({ PIP_FIND_LINKS: wheelDir, PIP_NO_INDEX: '1' }, path.join(work, 'envs-find-links'));
  const env = await b.ensure(inputFor('deppkg'), { mode: 'auto' });
  assertInstalled(env);
  assert.deepEqual(env.record.missing, []);
  assert.ok(env.record.installed.includes('helperdep==1.2.0'), env.record.installed.join(', '));
  assert.equal(await runIn(env, 'import deppkg; print(deppkg.HELPER_VERSION, deppkg.saturate([-2.0, 0.5, 3.0]))'), '1.2.0 [-1.0, 0.5, 1.0]');
  assert.match(env.record.lock, /^helperdep==1\.2\.0$/m);
});

test('deppkg: helperdep comes from a loopback index given as PIP_INDEX_URL, and the index was asked', async (t) => {
  if (!ready(t)) return;
  const index = await serveIndex(wheelDir);
  t.after(() => index.close());
  const b = builder({ PIP_INDEX_URL: index.url }, path.join(work, 'envs-index'));
  const env = await b.ensure(inputFor('deppkg'), { mode: 'auto' });
  assertInstalled(env);
  assert.deepEqual(env.record.missing, []);
  assert.ok(index.projectHits('helperdep') >= 1, `the index saw: ${JSON.stringify(index.requests)}`);
  assert.equal(await runIn(env, 'import deppkg; print(deppkg.HELPER_VERSION)'), '1.2.0');
});

test('an unreachable index ends the build with helperdep named as missing, and the package still installed', { timeout: 10 * 60_000 }, async (t) => {
  if (!ready(t)) return;
  const b = builder({ PIP_INDEX_URL: 'http://127.0.0.1:9/simple' }, path.join(work, 'envs-unreachable'));
  const env = await b.ensure(inputFor('deppkg'), { mode: 'auto' });
  assert.equal(env.outcome.status, 'built');
  assert.equal(env.outcome.missing.length, 1, JSON.stringify(env.outcome.missing));
  assert.equal(env.outcome.missing[0]!.requirement, 'helperdep>=1.0');
  // pip 23 with --retries 0 logs the refused connection only at debug level, so the reason may read as
  // "not found"; either way it names the index as the place that did not have it.
  assert.match(env.outcome.missing[0]!.reason, /unreachable|not found as a wheel in the configured index/);
  assert.match(env.outcome.installCommand ?? '', /helperdep>=1\.0/);
  assert.match(env.outcome.message, /helperdep/);
  // deppkg itself builds offline; importing it then fails on the missing dependency, as it would for the user.
  assertInstalled(env);
  const rec = await runner.run({ code: 'import deppkg', python: env.ref.python });
  assert.notEqual(rec.status, 'passed');
  assert.match(rec.stderr, /helperdep/);
});

test('the lock is written, and ensure() again reuses the environment (same key, same lock hash)', async (t) => {
  if (!ready(t)) return;
  const first = await plain.ensure(inputFor('metapkg'), { mode: 'auto' });
  const lockFile = path.join(first.record.dir, 'environment.lock');
  assert.ok(existsSync(lockFile));
  const lock = readFileSync(lockFile, 'utf8');
  assert.equal(lock, first.record.lock);
  assert.match(lock, /^# python: .*\d+\.\d+/m);
  assert.match(lock, /^metapkg==0\.3\.1\b/m);
  assert.equal(first.record.lockHash, createHash('sha256').update(lock).digest('hex'));
  const again = await plain.ensure(inputFor('metapkg'), { mode: 'auto' });
  assert.equal(again.outcome.status, 'reused');
  assert.equal(again.record.key, first.record.key);
  assert.equal(again.outcome.lockHash, first.record.lockHash);
  // A new builder (a new process) finds it on disk too.
  const fresh = await builder({ PIP_NO_INDEX: '1' }).ensure(inputFor('metapkg'), { mode: 'auto' });
  assert.equal(fresh.outcome.status, 'reused');
  assert.equal(fresh.outcome.lockHash, first.record.lockHash);
});

test('an edit to a package module keeps the environment and runs see the edit; a generated file makes a new one for other modules', async (t) => {
  if (!ready(t)) return;
  const edited = (name: keyof typeof LAYOUTS, rel: string, tail: string): EnvironmentInput => {
    const input = inputFor(name);
    const projectDir = path.join(work, 'snapshots', `${name}-edited`);
    cpSync(input.projectDir, projectDir, { recursive: true });
    writeFileSync(path.join(projectDir, rel), readFileSync(path.join(projectDir, rel), 'utf8') + tail);
    return { ...input, projectDir, commit: 'e'.repeat(40) };
  };
  // metapkg: every installed file is in the snapshot, so runs import the snapshot and the environment is its deps'.
  const first = await prepareRuns(plain, inputFor('metapkg'), [path.join(work, 'snapshots', 'metapkg')], { mode: 'auto' });
  assert.equal(first.record?.shadowable, true, first.record?.package.message);
  const input = edited('metapkg', 'metapkg/scaling.py', '\n\ndef edited():\n    return "edited"\n');
  const again = await prepareRuns(plain, input, [input.projectDir], { mode: 'auto' });
  assert.equal(again.outcome.status, 'reused', again.outcome.message);
  assert.equal(again.record?.key, first.record?.key);
  assert.deepEqual(again.importRoots, [input.projectDir]);
  const rec = await runner.run({ code: 'import metapkg.scaling as s; print(s.edited(), __import__("metapkg").__version__)', python: again.python, importRoots: again.importRoots, timeoutMs: 60_000 });
  assert.equal(rec.stdout.trim(), 'edited 0.3.1', `${rec.message}\n${rec.stderr}`);
  // scmpkg: its build writes a version file the snapshot lacks, so runs import the installed package; but the
  // modules are installed as they are, so an edit to one is the environment copied with the edited module over it.
  const scmInput = inputFor('scmpkg', { version: '2.0.0' });
  const scm = await plain.ensure(scmInput, { mode: 'auto' });
  assertInstalled(scm);
  assert.equal(scm.record.shadowable, false);
  assert.deepEqual(scm.record.modulesFromSnapshot, { generated: ['scmpkg/_version.py'] });
  const scmEdited = await plain.ensure({ ...edited('scmpkg', 'src/scmpkg/geometry.py', '\n\ndef edited():\n    return "edited"\n'), version: '2.0.0' }, { mode: 'auto' });
  assert.equal(scmEdited.outcome.status, 'built');
  assert.equal(scmEdited.record.derivedFrom, scm.record.key, scmEdited.record.package.message);
  assert.match(scmEdited.outcome.message, new RegExp(`^copied environment ${scm.record.key} to ${scmEdited.record.key} with the edited modules`));
  assert.notEqual(scmEdited.record.key, scm.record.key);
  assert.equal(scmEdited.record.lockHash, scm.record.lockHash, 'the same versions');
  assert.equal(await runIn(scmEdited, 'import scmpkg, scmpkg.geometry as g; print(g.edited(), scmpkg.__version__)'), 'edited 2.0.0');
  assert.equal(await runIn(scm, 'import scmpkg.geometry as g; print(hasattr(g, "edited"))'), 'False', 'the environment copied from is untouched');
  // A module added and one removed: the copy has the first, not the second; the generated version file stays.
  const moved = path.join(work, 'snapshots', 'scmpkg-moved');
  cpSync(scmInput.projectDir, moved, { recursive: true });
  writeFileSync(path.join(moved, 'src/scmpkg/__init__.py'), 'from ._version import version as __version__\nfrom .shapes import square\n');
  writeFileSync(path.join(moved, 'src/scmpkg/shapes.py'), 'def square(x):\n    return x * x\n');
  rmSync(path.join(moved, 'src/scmpkg/geometry.py'));
  const movedEnv = await plain.ensure({ ...scmInput, projectDir: moved }, { mode: 'auto' });
  assert.equal(movedEnv.record.derivedFrom, scm.record.key, movedEnv.record.package.message);
  assert.equal(await runIn(movedEnv, 'import importlib.util, scmpkg; print(scmpkg.square(3), scmpkg.__version__, importlib.util.find_spec("scmpkg.geometry"))'), '9 2.0.0 None');
  assert.equal((await plain.ensure(scmInput, { mode: 'auto' })).record.key, scm.record.key, 'the first one is still there for its modules');
  // Another version is a build input: built, not copied.
  const retagged = await plain.ensure({ ...scmInput, projectDir: moved, version: '2.0.1' }, { mode: 'auto' });
  assert.equal(retagged.outcome.status, 'built');
  assert.equal(retagged.record.derivedFrom, undefined);
  assert.equal(await runIn(retagged, 'import scmpkg; print(scmpkg.__version__)'), '2.0.1');
});

/** A pyproject package written into `dir/name` (one module, optional dependencies): built into a wheelhouse by a test. */
function writePackage(dir: string, name: string, version: string, body: string, dependencies: string[] = []): string {
  const root = path.join(dir, name);
  mkdirSync(path.join(root, name), { recursive: true });
  writeFileSync(
    path.join(root, 'pyproject.toml'),
    `[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "${name}"\nversion = "${version}"\n` +
      `dependencies = [${dependencies.map((d) => JSON.stringify(d)).join(', ')}]\n\n[tool.setuptools]\npackages = ["${name}"]\n`,
  );
  writeFileSync(path.join(root, name, '__init__.py'), body);
  return root;
}

test("the snapshot's own wheel replaces the release of the same version a requirement pulled in from the index", async (t) => {
  if (!ready(t)) return;
  // As chemicals does for fluids: a requirement depends on the library's own distribution, which the index has at
  // the very version the snapshot builds. The release differs from the snapshot (it says so).
  const lab = path.join(work, 'lab-self');
  const released = writePackage(path.join(lab, 'src'), 'metapkg', '0.3.1', 'RELEASED = True\n');
  const dependent = writePackage(path.join(lab, 'src'), 'needsmeta', '1.0', 'import metapkg\n', ['metapkg']);
  await buildWheelhouse([released, dependent], path.join(lab, 'wheels'), { python: PYTHON });
  const b = builder({ PIP_FIND_LINKS: path.join(lab, 'wheels'), PIP_NO_INDEX: '1' }, path.join(work, 'envs-self'));
  const env = await b.ensure(inputFor('metapkg', { requirements: ['needsmeta'] }), { mode: 'auto' });
  assertInstalled(env);
  assert.ok(env.record.installed.includes('needsmeta==1.0'), env.record.installed.join(', '));
  // Imported from the environment alone (no snapshot on the path): the snapshot's build, not the release.
  assert.equal(await runIn(env, 'import metapkg; print(hasattr(metapkg, "RELEASED"), metapkg.rescale([2.0, 4.0, 6.0]))'), 'False [0.0, 0.5, 1.0]');
});

test('a package the build does not install (an in-tree build backend) keeps the environment shadowable: an edit that changes behaviour is run, a build-file edit rebuilds', async (t) => {
  if (!ready(t)) return;
  // fluids lists `_custom_build` (its pyproject's backend-path) beside `fluids`; the wheel holds `fluids` only.
  const base = inputFor('metapkg');
  const projectDir = path.join(work, 'snapshots', 'metapkg-backend');
  cpSync(base.projectDir, projectDir, { recursive: true });
  mkdirSync(path.join(projectDir, '_custom_build'));
  writeFileSync(path.join(projectDir, '_custom_build', '__init__.py'), '');
  const input: EnvironmentInput = { ...base, projectDir, packages: ['metapkg', '_custom_build'], commit: 'b'.repeat(40) };
  const b = builder({ PIP_NO_INDEX: '1' }, path.join(work, 'envs-backend'));
  const first = await prepareRuns(b, input, [projectDir], { mode: 'auto' });
  assert.equal(first.outcome.status, 'built');
  assert.equal(first.record?.shadowable, true, first.record?.package.message);
  assert.deepEqual(first.importRoots, [projectDir]);
  const code = 'from metapkg import rescale; print(rescale([2.0, 4.0, 6.0]))';
  const ran = (s: typeof first) => runner.run({ code, python: s.python, importRoots: s.importRoots, timeoutMs: 60_000 });
  assert.equal((await ran(first)).stdout.trim(), '[0.0, 0.5, 1.0]');
  // The behaviour of the function changes: the environment is reused, and the run sees the edited code.
  const editedDir = path.join(work, 'snapshots', 'metapkg-backend-edited');
  cpSync(projectDir, editedDir, { recursive: true });
  const scaling = path.join(editedDir, 'metapkg', 'scaling.py');
  writeFileSync(scaling, readFileSync(scaling, 'utf8').replace('return [low + (v - lo)', 'return [high + (v - lo)'));
  const edited = await prepareRuns(b, { ...input, projectDir: editedDir, commit: 'c'.repeat(40) }, [editedDir], { mode: 'auto' });
  assert.equal(edited.outcome.status, 'reused', edited.outcome.message);
  assert.equal(edited.record?.key, first.record?.key);
  assert.equal((await ran(edited)).stdout.trim(), '[1.0, 1.5, 2.0]');
  // A change to the build configuration is a new environment.
  const pyproject = path.join(editedDir, 'pyproject.toml');
  writeFileSync(pyproject, `${readFileSync(pyproject, 'utf8')}\n[tool.codedistill-test]\nedited = true\n`);
  const rebuilt = await prepareRuns(b, { ...input, projectDir: editedDir, commit: 'd'.repeat(40) }, [editedDir], { mode: 'auto' });
  assert.equal(rebuilt.outcome.status, 'built', rebuilt.outcome.message);
  assert.notEqual(rebuilt.record?.key, first.record?.key);
});

test('a build that fails leaves runs on the snapshot: an edit to a module reuses the environment', async (t) => {
  if (!ready(t)) return;
  const projectDir = writePackage(path.join(work, 'snapshots', 'nobuild'), 'nobuild', '1.0', 'def f():\n    return "first"\n');
  // A build backend nobody has (pint here, "requires a different Python", ends the same way: no wheel).
  writeFileSync(path.join(projectDir, 'pyproject.toml'), '[build-system]\nrequires = []\nbuild-backend = "no_such_backend_here"\n\n[project]\nname = "nobuild"\nversion = "1.0"\n');
  const b = builder({ PIP_NO_INDEX: '1' }, path.join(work, 'envs-nobuild'));
  const input: EnvironmentInput = { ...inputFor('metapkg'), projectDir, importRoots: [''], packages: ['nobuild'], commit: '9'.repeat(40) };
  const first = await prepareRuns(b, input, [projectDir], { mode: 'auto' });
  assert.equal(first.record?.package.status, 'failed', first.record?.package.message);
  assert.equal(first.record?.shadowable, true);
  assert.deepEqual(first.importRoots, [projectDir]);
  const editedDir = path.join(work, 'snapshots', 'nobuild-edited');
  cpSync(projectDir, editedDir, { recursive: true });
  writeFileSync(path.join(editedDir, 'nobuild', '__init__.py'), 'def f():\n    return "edited"\n');
  const again = await prepareRuns(b, { ...input, projectDir: editedDir }, [editedDir], { mode: 'auto' });
  assert.equal(again.outcome.status, 'reused', again.outcome.message);
  assert.equal(again.record?.key, first.record?.key);
  const rec = await runner.run({ code: 'import nobuild; print(nobuild.f())', python: again.python, importRoots: again.importRoots, timeoutMs: 60_000 });
  assert.equal(rec.stdout.trim(), 'edited', `${rec.message}\n${rec.stderr}`);
});

test('a newer helperdep in the wheel folder: rebuild keeps the locked 1.2.0, upgrade takes 1.3.0 and names the change', async (t) => {
  if (!ready(t)) return;
  // The lab's wheel folder gets a newer release after the library was locked.
  const labWheels = path.join(work, 'lab-wheels');
  cpSync(wheelDir, labWheels, { recursive: true });
  const b = builder({ PIP_FIND_LINKS: labWheels, PIP_NO_INDEX: '1' }, path.join(work, 'envs-upgrade'));
  const first = await b.ensure(inputFor('deppkg'), { mode: 'auto' });
  assert.match(first.record.lock, /^helperdep==1\.2\.0$/m);
  const newer = path.join(work, 'helperdep-1.3.0', 'helperdep');
  cpSync(fixture('env/helperdep'), newer, { recursive: true, filter: (p) => path.basename(p) !== '__pycache__' });
  for (const f of ['pyproject.toml', 'helperdep/__init__.py']) {
    const file = path.join(newer, f);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/1\.2\.0/g, '1.3.0'));
  }
  await buildWheelhouse([newer], labWheels, { python: PYTHON });

  const rebuilt = await b.ensure(inputFor('deppkg', { previousLock: first.record.lock }), { mode: 'rebuild' });
  assert.equal(rebuilt.outcome.status, 'built');
  assert.equal(rebuilt.record.fromLock, true);
  assert.ok(rebuilt.record.installed.includes('helperdep==1.2.0'), rebuilt.record.installed.join(', '));
  assert.deepEqual(rebuilt.outcome.changes, []);
  assert.equal(await runIn(rebuilt, 'import deppkg; print(deppkg.HELPER_VERSION)'), '1.2.0');

  const upgraded = await b.ensure(inputFor('deppkg', { previousLock: first.record.lock }), { mode: 'upgrade' });
  assert.equal(upgraded.record.fromLock, false);
  assert.ok(upgraded.record.installed.includes('helperdep==1.3.0'), upgraded.record.installed.join(', '));
  assert.deepEqual(upgraded.outcome.changes, [{ name: 'helperdep', before: '1.2.0', after: '1.3.0' }]);
  assert.notEqual(upgraded.record.lockHash, first.record.lockHash);
  assert.equal(await runIn(upgraded, 'import deppkg; print(deppkg.HELPER_VERSION)'), '1.3.0');
});

test('distilled with validation, each fixture\'s examples pass in its environment, and every run carries the lock hash', { timeout: 10 * 60_000 }, async (t) => {
  if (!ready(t)) return;
  const parser = await createParser();
  const environments = builder({ PIP_FIND_LINKS: wheelDir, PIP_NO_INDEX: '1' }, path.join(work, 'envs-distill'));
  const libraries = path.join(work, 'libraries');
  for (const name of ['scmpkg', 'metapkg', 'datapkg', 'deppkg', 'cext'] as const) {
    const source = copyFixture(`env/${name}`, path.join(work, 'checkouts'));
    const report = await distillRepo(
      { source, name: `fx-${name}`, validate: true, force: true },
      { config, logger: silentLogger, parser, runner, llm: null, existingLibrary: async () => null, libraries: () => [], libraryParentDir: libraries, environments },
    );
    const e = report.environment;
    assert.ok(e, `${name}: no environment outcome`);
    assert.equal(e.package?.status, 'installed', `${name}: ${e.message} / ${e.package?.message}`);
    assert.deepEqual(e.missing, [], name);
    assert.ok(report.counts.examples >= 1, `${name}: no example found`);
    assert.equal(report.counts.validated, report.counts.examples, `${name}: ${JSON.stringify(report.counts)}`);
    const lock = readFileSync(path.join(report.libraryPath, 'environment.lock'), 'utf8');
    const lockHash = createHash('sha256').update(lock).digest('hex');
    assert.equal(e.lockHash, lockHash, name);
    const blocks = readFileSync(path.join(report.libraryPath, 'blocks.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { validation: { status: string; environmentHash?: string | null } | null });
    for (const b of blocks.filter((x) => x.validation)) assert.equal(b.validation!.environmentHash, lockHash, `${name}: a run without the lock's hash`);
  }
});

test('an edited module of a built package: the environment is copied, and only the runs that executed the edited function run again', { timeout: 10 * 60_000 }, async (t) => {
  if (!ready(t)) return;
  const parser = await createParser();
  const environments = builder({ PIP_NO_INDEX: '1' }, path.join(work, 'envs-edit'));
  const libraries = path.join(work, 'libraries-edit');
  const source = copyFixture('env/scmpkg', path.join(work, 'checkouts-edit'));
  // Traced on every Python (3.11 here too): the runs import the installed wheel, whose files count as the snapshot's.
  const traced = { ...config, runTrace: 'always' as const, cacheDir: path.join(work, 'cache-edit') };
  const distill = async () => {
    const lines: string[] = [];
    const logger = { ...silentLogger, debug: (m: string) => void lines.push(m) };
    const report = await distillRepo(
      { source, name: 'fx-scm-edit', validate: true, force: true },
      { config: traced, logger, parser, runner, llm: null, existingLibrary: async () => null, libraries: () => [], libraryParentDir: libraries, environments },
    );
    const runs = lines.find((l) => l.startsWith('example runs:')) ?? '(no run summary)';
    const blocks = readFileSync(path.join(report.libraryPath, 'blocks.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { name: string; validation: { status: string; ranAt: string } | null });
    return { report, runs, area: blocks.find((b) => b.name === 'annulus_area')!.validation };
  };
  const first = await distill();
  assert.equal(first.report.environment?.package?.status, 'installed', first.report.environment?.message);
  assert.equal(first.area?.status, 'passed');
  const geometry = path.join(source, 'src', 'scmpkg', 'geometry.py');
  writeFileSync(geometry, readFileSync(geometry, 'utf8').replace('(outer * outer - inner * inner)', '(outer ** 2 - inner ** 2)'));
  const edited = await distill();
  const record = JSON.parse(readFileSync(path.join(work, 'envs-edit', edited.report.environment!.key!, 'environment.json'), 'utf8')) as { derivedFrom?: string };
  assert.equal(record.derivedFrom, first.report.environment?.key, edited.report.environment?.message);
  assert.match(edited.runs, /^example runs: [1-9]\d* run \([1-9]\d* traced\)/, "the edited function's runs ran again, traced in the environment");
  assert.notEqual(edited.area?.ranAt, first.area?.ranAt);
  assert.equal(edited.area?.status, 'passed');
  // A file neither the build nor any run reads: the environment and every run are reused.
  mkdirSync(path.join(source, 'docs'));
  writeFileSync(path.join(source, 'docs', 'notes.md'), 'Notes on the geometry.\n');
  const again = await distill();
  assert.equal(again.report.environment?.key, edited.report.environment?.key);
  assert.match(again.runs, /^example runs: 0 run /);
  assert.equal(again.area?.ranAt, edited.area?.ranAt);
});

interface Findings {
  written: string[];
  env: Record<string, string>;
  files: Record<string, string>;
  network: string[];
}

const MARKER = 'codedistill-hostile-was-here.txt';
const CANARY_PORT = 38517;

test('hostile: its build writes nothing outside, reads no token or credential, reaches no network', { timeout: 10 * 60_000 }, async (t) => {
  if (!ready(t)) return;
  // Another library's environment beside it, which the build must not write into.
  const envsDir = path.join(home, 'envs-hostile');
  const b = (extra: Record<string, string>) => builder(extra, envsDir);
  const neighbour = await b({ PIP_NO_INDEX: '1' }).ensure(inputFor('metapkg'), { mode: 'auto' });
  assertInstalled(neighbour);

  // The user's pip configuration holds credentials: in a file and in PIP_INDEX_URL.
  const index = await serveIndex(wheelDir);
  t.after(() => index.close());
  const credentialed = index.url.replace('http://', `http://lab:${SECRET}@`);
  const pipConf = path.join(work, 'user-pip.conf');
  writeFileSync(pipConf, `[global]\nindex-url = ${credentialed}\n`);

  // A connection from the build to the host's loopback would arrive here.
  let canaryHits = 0;
  const canary = net.createServer((s) => {
    canaryHits++;
    s.destroy();
  });
  const canaryUp = await new Promise<boolean>((resolve) => {
    canary.once('error', () => resolve(false));
    canary.listen(CANARY_PORT, '127.0.0.1', () => resolve(true));
  });
  t.after(() => new Promise<void>((resolve) => (canaryUp ? canary.close(() => resolve()) : resolve())));

  const hostPlaces = [os.homedir(), '/work', '/tmp', '/var/tmp', '/dev/shm', os.tmpdir(), home, envsDir, neighbour.record.dir, work];
  const markersBefore = hostPlaces.filter((d) => existsSync(path.join(d, MARKER)));
  assert.deepEqual(markersBefore, [], `a marker of an earlier escape is on the host already: remove ${markersBefore.map((d) => path.join(d, MARKER)).join(', ')}`);

  const env = await b({ PIP_INDEX_URL: credentialed, PIP_CONFIG_FILE: pipConf }).ensure(inputFor('hostile'), { mode: 'auto' });

  // Whatever the build claimed, nothing is on the host.
  for (const d of hostPlaces) assert.equal(existsSync(path.join(d, MARKER)), false, `the hostile build wrote ${path.join(d, MARKER)} on the host`);
  for (const e of readdirSync(envsDir)) {
    if (e !== env.record.key) assert.equal(existsSync(path.join(envsDir, e, MARKER)), false, `the hostile build wrote into environment ${e}`);
  }
  assert.equal(canaryHits, 0, 'the hostile build connected to the host loopback');
  assert.equal(existsSync(path.join(inputFor('hostile').projectDir, 'hostile', '_findings.py')), false, 'the build wrote into the snapshot');

  if (env.record.package.status !== 'installed') {
    assert.equal(env.record.package.status, 'failed');
    return;
  }
  const out = await runIn(env, 'import hostile, json; print(json.dumps(hostile.FINDINGS))');
  const f = JSON.parse(out) as Findings | null;
  // The build ran the probe (else "it managed nothing" would prove nothing).
  assert.ok(f && Array.isArray(f.written) && typeof f.env === 'object', `the built package carries no findings: ${out}`);
  const text = JSON.stringify(f);
  assert.equal(text.includes(SECRET), false, `the build saw a secret: ${text}`);
  assert.deepEqual(f.env, {}, 'the build saw credential-like variables');
  assert.deepEqual(f.network, [], 'the build reached the network');
  assert.equal(pipConf in f.files, false, "the build read the user's pip configuration");
  for (const w of f.written) assert.equal(existsSync(w), false, `${w} (written by the build) is on the host`);
});
