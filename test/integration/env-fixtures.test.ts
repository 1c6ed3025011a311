/**
 * The fixture packages of the environment tests, and the helpers that serve them, checked on their own: they
 * build into wheels offline with Debian's backends, pip installs one with its dependency from a wheel folder and
 * from a loopback index, and each fixture does in a venv what its tests elsewhere rely on. The hostile fixture's
 * probe is checked against decoys here so that "it managed nothing" elsewhere means something.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { before, test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { serveIndex } from '../helpers/index-server.js';
import { fixture, tempDir } from '../helpers/tmp.js';
import { buildWheelhouse, copyAsTaggedRepo, missingBuildTools, pipEnv, prerequisitesOrSkip } from '../helpers/wheelhouse.js';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const envFixture = (name: string) => fixture(path.join('env', name));

const missing = await missingBuildTools(PYTHON);
const ready = (t: TestContext) => prerequisitesOrSkip(t, missing);

const work = tempDir('cd-env-fixtures-');
const wheelDir = path.join(work, 'wheels');
const wheels = new Map<string, string>();
const SCM_TAG = 'v1.2.3';

before(async () => {
  if (missing) return;
  const tagged = await copyAsTaggedRepo(envFixture('scmpkg'), path.join(work, 'checkouts'), SCM_TAG);
  const dirs = [tagged, ...['metapkg', 'datapkg', 'helperdep', 'deppkg', 'cext'].map(envFixture)];
  const built = await buildWheelhouse(dirs, wheelDir, { python: PYTHON });
  for (const w of built) wheels.set(path.basename(w).split('-')[0]!, w);
});

/** A fresh venv on the base interpreter; Debian's pip is seen through --system-site-packages. */
async function freshVenv(name: string): Promise<string> {
  const dir = path.join(work, name);
  await run(PYTHON, ['-m', 'venv', '--system-site-packages', '--without-pip', dir], { env: pipEnv() });
  return path.join(dir, 'bin', 'python');
}

async function pip(python: string, args: string[], extra: Record<string, string> = {}) {
  return run(python, ['-m', 'pip', 'install', '--no-build-isolation', ...args], { env: pipEnv(extra), maxBuffer: 16 * 1024 * 1024 });
}

async function py(python: string, code: string): Promise<string> {
  const { stdout } = await run(python, ['-c', code], { env: pipEnv() });
  return stdout.trim();
}

/** Names in a wheel, read with the base interpreter's zipfile. */
async function wheelNames(wheel: string): Promise<string[]> {
  return JSON.parse(await py(PYTHON, `import json, zipfile; print(json.dumps(zipfile.ZipFile(${JSON.stringify(wheel)}).namelist()))`)) as string[];
}

test('the fixtures build into wheels offline: the scm version is generated, the data left out, the C extension compiled', async (t) => {
  if (!ready(t)) return;
  assert.deepEqual([...wheels.keys()].sort(), ['cext', 'datapkg', 'deppkg', 'helperdep', 'metapkg', 'scmpkg']);
  assert.match(path.basename(wheels.get('scmpkg')!), /^scmpkg-1\.2\.3-py3-none-any\.whl$/);
  const scm = await wheelNames(wheels.get('scmpkg')!);
  assert.ok(scm.includes('scmpkg/_version.py'), `scmpkg's wheel has no generated _version.py: ${scm.join(', ')}`);
  assert.equal(existsSync(envFixture('scmpkg/src/scmpkg/_version.py')), false, 'the build wrote into the fixture');
  const data = await wheelNames(wheels.get('datapkg')!);
  assert.ok(data.includes('datapkg/tables.py'));
  assert.equal(data.filter((n) => n.includes('/data/')).length, 0, `datapkg's wheel should lack its data files: ${data.join(', ')}`);
  assert.match(path.basename(wheels.get('cext')!), /^cext-0\.4\.0-cp3\d+-cp3\d+-linux_\w+\.whl$/);
  assert.ok((await wheelNames(wheels.get('cext')!)).some((n) => /^cext\/_kernels\..*\.so$/.test(n)), 'no compiled module in the cext wheel');
  for (const dir of ['build', 'cext.egg-info', 'src/cext.egg-info']) assert.equal(existsSync(envFixture(`cext/${dir}`)), false, `the build left ${dir} in the fixture`);
});

test('pip in a fresh venv installs deppkg and helperdep from a wheel folder alone (--no-index --find-links)', async (t) => {
  if (!ready(t)) return;
  const python = await freshVenv('venv-find-links');
  await pip(python, ['--no-index', '--find-links', wheelDir, 'deppkg']);
  assert.equal(await py(python, 'import deppkg; print(deppkg.HELPER_VERSION, deppkg.saturate([-2.0, 0.5, 3.0]))'), '1.2.0 [-1.0, 0.5, 1.0]');
  // Installed into the venv itself, not found in the base.
  assert.match(await py(python, 'import helperdep, sys; print(helperdep.__file__.startswith(sys.prefix))'), /True/);
});

test('pip in a fresh venv installs deppkg and helperdep from the loopback index, which saw both asked for', async (t) => {
  if (!ready(t)) return;
  const index = await serveIndex(wheelDir);
  t.after(() => index.close());
  const python = await freshVenv('venv-index');
  // Given through the environment, as a user's configuration is.
  await pip(python, ['deppkg'], { PIP_INDEX_URL: index.url, PIP_DEFAULT_TIMEOUT: '10', PIP_RETRIES: '0' });
  assert.equal(await py(python, 'import deppkg; print(deppkg.HELPER_VERSION)'), '1.2.0');
  assert.ok(index.projectHits('deppkg') >= 1, `the index saw no request for deppkg: ${JSON.stringify(index.requests)}`);
  assert.ok(index.projectHits('HelperDep') >= 1, 'the index saw no request for helperdep');
  assert.equal(index.fileHits(path.basename(wheels.get('helperdep')!)), 1);
});

test('the loopback index answers 404 for an unknown project, and pip says so', async (t) => {
  if (!ready(t)) return;
  const index = await serveIndex(wheelDir);
  t.after(() => index.close());
  const python = await freshVenv('venv-unknown');
  await assert.rejects(
    pip(python, ['no-such-fixture-package'], { PIP_INDEX_URL: index.url, PIP_RETRIES: '0' }),
    (e: { stderr?: string }) => /No matching distribution found for no-such-fixture-package/.test(e.stderr ?? ''),
  );
  assert.equal(index.projectHits('no-such-fixture-package'), 1);
});

test('installed, the fixtures do what their tests rely on (scm and metadata versions, C extension, data missing from the wheel)', async (t) => {
  if (!ready(t)) return;
  const python = await freshVenv('venv-all');
  await pip(python, ['--no-index', '--find-links', wheelDir, 'scmpkg', 'metapkg', 'datapkg', 'cext']);
  assert.equal(await py(python, 'import scmpkg; print(scmpkg.__version__, round(scmpkg.annulus_area(2.0, 1.0), 4))'), '1.2.3 9.4248');
  assert.equal(await py(python, 'import metapkg; print(metapkg.__version__, metapkg.rescale([2.0, 4.0, 6.0]))'), '0.3.1 [0.0, 0.5, 1.0]');
  assert.equal(await py(python, 'import cext; print(cext.weighted_mean([1.0, 2.0, 3.0], [1.0, 1.0, 2.0]))'), '2.25');
  // The wheel lacks the data: what the environment stage has to make up for from the snapshot.
  await assert.rejects(py(python, 'import datapkg'), (e: { stderr?: string }) => /FileNotFoundError/.test(e.stderr ?? ''));
  // From the source tree (the data present), the package works.
  const fromSource = await run(python, ['-c', 'import datapkg; print(datapkg.gas_constant(), datapkg.load_weights())'], {
    env: pipEnv({ PYTHONPATH: envFixture('datapkg/src') }),
    cwd: work,
  });
  assert.equal(fromSource.stdout.trim(), '8.314462618 [0.25, 0.5, 0.25]');
  // metapkg without metadata (the source tree alone) fails: the reason it needs installing.
  await assert.rejects(
    run(PYTHON, ['-S', '-c', 'import metapkg'], { env: pipEnv({ PYTHONPATH: envFixture('metapkg') }), cwd: work }),
    (e: { stderr?: string }) => /PackageNotFoundError/.test(e.stderr ?? ''),
  );
});

test("the hostile fixture's probe detects each escape when it is possible (run on the host against decoys only)", async (t) => {
  if (!ready(t)) return;
  const decoys = path.join(work, 'decoys');
  const writable = path.join(decoys, 'writable');
  mkdirSync(writable, { recursive: true });
  const pipConf = path.join(decoys, 'pip.conf');
  const SECRET = `s3cret-${process.pid}`;
  writeFileSync(pipConf, `[global]\nindex-url = http://lab:${SECRET}@127.0.0.1:1/simple\n`);
  const listener = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', () => resolve()));
  t.after(() => new Promise<void>((resolve) => listener.close(() => resolve())));
  const port = (listener.address() as net.AddressInfo).port;

  // Two environments side by side: from inside one, the probe's default targets include the other.
  const envA = path.join(decoys, 'home', 'envs', 'aaa');
  const envB = path.join(decoys, 'home', 'envs', 'bbb');
  mkdirSync(envA, { recursive: true });
  mkdirSync(envB, { recursive: true });
  const code = [
    'import json, sys',
    `sys.path.insert(0, ${JSON.stringify(envFixture('hostile'))})`,
    'import hostile_probe as h',
    `f = h.probe(write_dirs=[${JSON.stringify(writable)}], secret_files=[${JSON.stringify(pipConf)}], net_targets=[("127.0.0.1", ${port})])`,
    'f["defaults"] = {"write": h.default_write_dirs(), "files": h.default_secret_files()}',
    'print(json.dumps(f))',
  ].join('\n');
  const { stdout } = await run(PYTHON, ['-c', code], {
    cwd: envB,
    env: pipEnv({ GITHUB_TOKEN: `ghp_${SECRET}`, PIP_INDEX_URL: `http://lab:${SECRET}@127.0.0.1:1/simple` }),
  });
  const f = JSON.parse(stdout) as {
    written: string[];
    env: Record<string, string>;
    files: Record<string, string>;
    network: string[];
    defaults: { write: string[]; files: string[] };
  };
  assert.deepEqual(f.written, [path.join(writable, 'codedistill-hostile-was-here.txt')]);
  assert.ok(existsSync(f.written[0]!));
  assert.equal(f.env.GITHUB_TOKEN, `ghp_${SECRET}`);
  assert.ok(f.env.PIP_INDEX_URL?.includes(SECRET));
  assert.ok(f.files[pipConf]?.includes(SECRET));
  assert.deepEqual(f.network, [`127.0.0.1:${port}`]);
  for (const d of ['/tmp', '/work', envA]) assert.ok(f.defaults.write.includes(d), `default write targets lack ${d}: ${f.defaults.write.join(', ')}`);
  for (const p of ['/etc/xdg/pip/pip.conf', '/etc/pip.conf']) assert.ok(f.defaults.files.includes(p));
  assert.ok(f.defaults.files.some((p) => p.endsWith('/.config/pip/pip.conf')));
  // The fixture itself is untouched (no findings module written into the source tree).
  assert.equal(readFileSync(envFixture('hostile/hostile/__init__.py'), 'utf8').includes('FINDINGS = None'), true);
  assert.equal(existsSync(envFixture('hostile/hostile/_findings.py')), false);
});
