/**
 * What a library's environment costs to make, on the fixture packages of test/fixtures/env: cold (a new
 * environment: venv, requirements, the package built in the sandbox, data put back, lock), warm (ensure() again:
 * found unchanged and reused), another library with the same inputs (a second snapshot of the same files: shares
 * the environment), and a rebuild from the lock. The base interpreter is CODEDISTILL_PYTHON, else python3 or
 * /usr/bin/python3, the first with the build tools the fixtures need (setuptools, wheel, setuptools_scm, headers:
 * what .ci/run installs); requirements come from a wheel folder built here (PIP_FIND_LINKS, PIP_NO_INDEX): nothing
 * is downloaded.
 *
 *   node --import tsx bench/env.ts [rounds]        (default 3; medians)
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';
import { EnvironmentBuilder, type EnvironmentInput } from '../src/environment/builder.js';
import { chooseInstaller } from '../src/environment/installer.js';
import { silentLogger } from '../src/kernel/log.js';
import { createPythonRunner, createRunnerServices } from '../src/validate/runner.js';
import { buildWheelhouse, missingBuildTools, pipEnv } from '../test/helpers/wheelhouse.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rounds = Number(process.argv[2] ?? 3);
const work = mkdtempSync(path.join(os.tmpdir(), 'codedistill-bench-env-'));
process.once('exit', () => rmSync(work, { recursive: true, force: true }));

const candidates = process.env.CODEDISTILL_PYTHON ? [process.env.CODEDISTILL_PYTHON] : ['python3', '/usr/bin/python3'];
const reasons: string[] = [];
let python: string | null = null;
for (const c of candidates) {
  const why = await missingBuildTools(c);
  if (!why) {
    python = c;
    break;
  }
  reasons.push(why);
}
if (!python) {
  console.log(`skipped: no base interpreter with the fixtures' build tools (${reasons.join('; ')})`);
  process.exit(0);
}
const config = loadConfig({ ...process.env, CODEDISTILL_HOME: path.join(work, 'home'), CODEDISTILL_PYTHON: python });
const runner = createPythonRunner(config, silentLogger, createRunnerServices());
const info = await runner.info();
if (!info.available) {
  console.error(`runner unavailable: ${info.reason}`);
  process.exit(1);
}

const fixtures: Array<{ name: string; importRoots: string[]; requirements: string[] }> = [
  { name: 'metapkg', importRoots: [''], requirements: [] },
  { name: 'scmpkg', importRoots: ['src'], requirements: [] },
  { name: 'datapkg', importRoots: ['src'], requirements: [] },
  { name: 'deppkg', importRoots: [''], requirements: ['helperdep>=1.0'] },
  { name: 'cext', importRoots: ['src'], requirements: [] },
];
const fixtureDir = (name: string) => path.join(root, 'test', 'fixtures', 'env', name);

const wheelDir = path.join(work, 'wheels');
await buildWheelhouse([fixtureDir('helperdep')], wheelDir, { python: config.python });
// The user's environment as a lab's would be: a wheel folder, no index; this machine's own pip settings left out.
const installer = chooseInstaller({ env: pipEnv({ PIP_FIND_LINKS: wheelDir, PIP_NO_INDEX: '1', UV_FIND_LINKS: wheelDir, UV_OFFLINE: '1' }), cwd: work });

function snapshot(name: string, label: string): string {
  const dir = path.join(work, 'snapshots', label, name);
  cpSync(fixtureDir(name), dir, { recursive: true, filter: (p) => path.basename(p) !== '__pycache__' });
  return dir;
}

function input(f: (typeof fixtures)[number], projectDir: string, previousLock: string | null = null): EnvironmentInput {
  return {
    projectDir,
    commit: `bench-${f.name}`,
    version: null,
    importRoots: f.importRoots,
    packages: [f.name],
    requirements: f.requirements,
    settings: { python: null, extras: [] },
    previousLock,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : NaN;
};
const time = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
  const t = performance.now();
  const r = await fn();
  return [r, performance.now() - t];
};

console.log(`installer: ${installer.name}; base: ${info.interpreter}; ${rounds} rounds, medians\n`);
console.log('| fixture | package | cold s | warm (reuse) ms | 2nd library, same inputs ms | rebuild from lock s |');
console.log('|---|---|---:|---:|---:|---:|');
for (const f of fixtures) {
  const cold: number[] = [];
  const warm: number[] = [];
  const shared: number[] = [];
  const rebuild: number[] = [];
  let status = '';
  for (let r = 0; r < rounds; r++) {
    const envsDir = path.join(work, 'envs', `${f.name}-${r}`);
    const builder = new EnvironmentBuilder({ envsDir, defaultPython: config.python, sandbox: runner, installer, logger: silentLogger });
    const [made, tCold] = await time(() => builder.ensure(input(f, snapshot(f.name, `a${r}`)), { mode: 'auto' }));
    status = made.record.package.status;
    const [, tWarm] = await time(() => builder.ensure(input(f, snapshot(f.name, `a${r}`)), { mode: 'auto' }));
    // Another library (another folder, a new builder as in another process) with the same files and inputs.
    const other = new EnvironmentBuilder({ envsDir, defaultPython: config.python, sandbox: runner, installer, logger: silentLogger });
    const [second, tShared] = await time(() => other.ensure(input(f, snapshot(f.name, `b${r}`)), { mode: 'auto' }));
    if (second.outcome.status !== 'reused') status += ` (2nd library: ${second.outcome.status})`;
    const [, tRebuild] = await time(() => builder.ensure(input(f, snapshot(f.name, `a${r}`), made.record.lock), { mode: 'rebuild' }));
    cold.push(tCold);
    warm.push(tWarm);
    shared.push(tShared);
    rebuild.push(tRebuild);
    rmSync(envsDir, { recursive: true, force: true });
  }
  console.log(
    `| ${f.name} | ${status} | ${(median(cold) / 1000).toFixed(1)} | ${median(warm).toFixed(0)} | ${median(shared).toFixed(0)} | ${(median(rebuild) / 1000).toFixed(1)} |`,
  );
}
