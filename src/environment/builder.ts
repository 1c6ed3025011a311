/**
 * A library's environment, made or found: a virtual environment from the base interpreter with
 * --system-site-packages (what the base has is reused, nothing is downloaded twice), the requirements
 * installed as wheels by the user's own pip or uv, the repository built in the sandbox from the library's
 * snapshot and installed, its left-out package data put back, and the result locked.
 *
 * Environments live in <envsDir>/<key>/, keyed by their inputs, so libraries with the same inputs share one;
 * environment.json, written last, marks a finished one (a folder without it is a build that died, made again).
 * The host never starts the environment's python after the repository's package is in it: what runs need is
 * read from its files (site.ts) and the base interpreter's probe.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { EnvironmentRecord, type EnvironmentMode, type EnvironmentOutcome, type EnvironmentRef, type EnvironmentSettings, type MissingRequirement, type PackageInstall } from '../domain/environment.js';
import type { JobOptions } from '../domain/job.js';
import { CodedistillError, throwIfAborted } from '../kernel/errors.js';
import { readJsonFile, writeJsonFileAtomic } from '../kernel/json-file.js';
import type { Logger } from '../kernel/log.js';
import { normaliseDistName } from '../python/distributions.js';
import type { BuildSandbox, InterpreterInfo } from '../validate/types.js';
import { overlayPackageData } from './data-overlay.js';
import { blamedRequirement, installFailureReason, type Installer } from './installer.js';
import { lockChanges, lockHash, lockVersions, pinsToInstall, renderLock } from './lock.js';
import { withLock } from '../kernel/lock.js';
import { BUILD_TIMEOUT_MS, buildPlan, buildWheel, stageProject } from './package-build.js';
import { compiledModule, installedIn, sitePackagesOf, topLevelNames } from './site.js';
import { requirementSatisfied } from './satisfied.js';
import { copyVenv, modulesAsInSnapshot, overlayModules } from './derive.js';

export const RECORD_FILE = 'environment.json';
export const BUILD_LOG = 'build.log';

export interface EnvironmentInput {
  /** The repository files as the library keeps them (its source/ snapshot or the staged copy of one). */
  projectDir: string;
  /** Repository commit or content hash: part of the key. */
  commit: string;
  /** The version a setuptools_scm project is given (the snapshot has no .git); derived from the commit when null. */
  version: string | null;
  /** Import roots under projectDir ("" for the top) and the top-level packages: where package data is put back from. */
  importRoots: string[];
  packages: string[];
  /** PEP 508 requirements, declared constraints kept (extras' requirements included). */
  requirements: string[];
  settings: EnvironmentSettings;
  /** The library's lock from before: the environment is made again with its versions (mode auto or rebuild). */
  previousLock: string | null;
}

export interface EnvironmentDeps {
  envsDir: string;
  /** The configured interpreter (CODEDISTILL_PYTHON), used when settings.python is null. */
  defaultPython: string;
  sandbox: BuildSandbox;
  installer: Installer;
  logger: Logger;
}

export interface EnsuredEnvironment {
  record: EnvironmentRecord;
  ref: EnvironmentRef;
  outcome: EnvironmentOutcome;
}

const STEPS = 6;

/** A PEP 440 version for a snapshot without git metadata: 0+g<commit> keeps the commit readable in the lock. */
export function fallbackVersion(commit: string): string {
  const hex = commit.replace(/^sha256:/, '').replace(/[^0-9a-f]/gi, '').slice(0, 12) || '0';
  return `0.0.0+g${hex}`;
}

export function installCommand(missing: MissingRequirement[]): string | null {
  if (!missing.length) return null;
  return `pip install ${missing.map((m) => (/[\s<>;!=~[]/.test(m.requirement) ? `"${m.requirement}"` : m.requirement)).join(' ')}`;
}

/** What the jobs ask of the environment stage (the builder gives it; app.ts loads the builder on first use). */
export type Environments = Pick<EnvironmentBuilder, 'ensure'>;

export class EnvironmentBuilder {
  private readonly inFlight = new Map<string, Promise<EnsuredEnvironment>>();

  constructor(private readonly deps: EnvironmentDeps) {}

  /**
   * The key of an environment: what goes into it. Two libraries with the same key share one environment. The
   * lock is not part of it: it decides the versions when the environment is (re)built, and an environment made
   * from the same inputs is reused whatever lock asked for it.
   *
   * What an environment is made from: the base interpreter, the installer, the requirements and the content of the
   * files a build reads (the build files, the package's data and extension sources; the repository's top-level
   * tests, docs and examples aside). Not the commit, and not the package's own Python modules (`sources`): when
   * every file of the installed package is also in the snapshot (`shadowable`), runs import the package from the
   * snapshot, so an edit to a module keeps the environment. A package the build adds files to (generated,
   * compiled) has its modules in the key too: `full` (made by copying the one at `key` when its modules are the
   * snapshot's files, `modulesFromSnapshot`, else built).
   */
  async keysOf(input: EnvironmentInput, base: InterpreterInfo): Promise<{ key: string; full: string; sources: string }> {
    const { build, sources } = await buildInputs(input.projectDir, packageFolders(input));
    const h = createHash('sha256');
    h.update(
      JSON.stringify({
        base: [base.executable, base.implementation, base.version, base.environmentHash],
        installer: this.deps.installer.name,
        version: input.version,
        files: build,
        requirements: [...input.requirements].sort(),
        extras: [...input.settings.extras].sort(),
      }),
    );
    const key = h.digest('hex').slice(0, 24);
    const sourcesHash = createHash('sha256').update(sources.join('\n')).digest('hex');
    return { key, full: createHash('sha256').update(`${key}\0${sourcesHash}`).digest('hex').slice(0, 24), sources: sourcesHash };
  }

  async load(key: string): Promise<EnvironmentRecord | null> {
    const raw = await readJsonFile(path.join(this.deps.envsDir, key, RECORD_FILE));
    const parsed = EnvironmentRecord.safeParse(raw);
    if (!parsed.success) return null;
    // A record whose interpreter went away (the folder was copied or cleaned) is not an environment.
    return (await fsp.stat(parsed.data.python).catch(() => null)) ? parsed.data : null;
  }

  /** Make or reuse the environment for `input`; throws only for cancellation and a base interpreter that does not work. */
  async ensure(input: EnvironmentInput, opts: JobOptions & { mode: EnvironmentMode }): Promise<EnsuredEnvironment> {
    if (opts.mode === 'none') throw new CodedistillError('invalid_input', 'Environment mode "none" makes no environment.', 'Pass auto, rebuild or upgrade.');
    const started = Date.now();
    const python = input.settings.python ?? this.deps.defaultPython;
    const base = await this.deps.sandbox.describe(python);
    if ('error' in base) throw new CodedistillError('interpreter_missing', base.error, 'Pass a base interpreter that exists here (distill --python, or codedistill env <library> --python / build_environment with python), or set CODEDISTILL_PYTHON.');
    // upgrade ignores the lock; auto and rebuild make the locked versions again.
    const fromLock = opts.mode === 'upgrade' ? null : input.previousLock;
    const keys = await this.keysOf(input, base);
    // The environment at the key serves these modules when its package shadows (or was built from them); else the
    // one built for exactly these modules, at the full key.
    const serves = (r: EnvironmentRecord | null, key: string): r is EnvironmentRecord =>
      !!r && (key === keys.full || r.shadowable === true || r.packageSources === keys.sources);
    let key = keys.key;
    // An environment whose package modules are the snapshot's, byte for byte: the next one is a copy of it.
    let copyOf: EnvironmentRecord | null = null;
    if (opts.mode === 'auto') {
      const atKey = await this.load(keys.key);
      const existing = serves(atKey, keys.key) ? atKey : await this.load(keys.full);
      if (existing) {
        const ref = refOf(existing, python, await modulesOf(existing.dir));
        this.deps.sandbox.registerEnvironment(ref);
        return { record: existing, ref, outcome: outcomeOf(existing, 'reused', Date.now() - started, input.previousLock) };
      }
      if (atKey) {
        key = keys.full;
        if (atKey.package.status === 'installed' && atKey.modulesFromSnapshot) copyOf = atKey;
      }
    }
    let p = this.inFlight.get(key);
    if (!p) {
      const dir = path.join(this.deps.envsDir, key);
      p = withLock(
        `${dir}.building`,
        async () => {
          // Another process may have made it while this one waited for the lock.
          const found = opts.mode === 'auto' ? await this.load(key) : null;
          const made = serves(found, key) ? found : null;
          if (!made && copyOf) {
            try {
              return await this.derive(copyOf, key, keys.sources, input, python, opts);
            } catch (e) {
              if (e instanceof CodedistillError && e.code === 'cancelled') throw e;
              this.deps.logger.debug(`environment ${key} could not be copied from ${copyOf.key} (${e instanceof Error ? e.message : String(e)}); building it`);
            }
          }
          if (!made) return this.build(key, keys.sources, input, base, python, fromLock, opts);
          const ref = refOf(made, python, await modulesOf(made.dir));
          this.deps.sandbox.registerEnvironment(ref);
          return { record: made, ref, outcome: outcomeOf(made, 'reused', 0, input.previousLock) };
        },
        { maxWaitMs: BUILD_TIMEOUT_MS, signal: opts.signal, logger: this.deps.logger },
      ).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, p);
    }
    const made = await p;
    return { ...made, outcome: { ...made.outcome, seconds: round((Date.now() - started) / 1000) } };
  }

  /**
   * The environment for edited modules made from `from` (built from the same inputs but other modules): its
   * virtual environment copied and the snapshot's modules put over the package (derive.ts). Same versions, same
   * lock; the record says what it was copied from.
   */
  private async derive(from: EnvironmentRecord, key: string, packageSources: string, input: EnvironmentInput, python: string, opts: JobOptions): Promise<EnsuredEnvironment> {
    const started = Date.now();
    const dir = path.join(this.deps.envsDir, key);
    const venv = path.join(dir, 'venv');
    opts.onProgress?.({ stage: 'environment', done: 0, total: STEPS, message: `copying environment ${from.key} with the edited modules` });
    await fsp.rm(dir, { recursive: true, force: true });
    await fsp.mkdir(dir, { recursive: true });
    await copyVenv(path.join(from.dir, 'venv'), venv);
    throwIfAborted(opts.signal);
    const site = await sitePackagesOf(venv);
    if (!site) throw new Error('the copied environment has no site-packages folder');
    const changed = await overlayModules(site, input, from.modulesFromSnapshot?.generated ?? []);
    const what = [
      changed.updated.length ? `${changed.updated.length} module${changed.updated.length === 1 ? '' : 's'} updated` : '',
      changed.removed.length ? `${changed.removed.length} removed` : '',
    ].filter(Boolean).join(', ') || 'no module changed';
    const record: EnvironmentRecord = {
      ...from,
      key,
      dir,
      python: path.join(venv, 'bin', 'python'),
      package: { ...from.package, message: `${from.package.message}; copied from environment ${from.key} with the snapshot's modules (${what}), no build` },
      builtAt: new Date().toISOString(),
      durationMs: Date.now() - started,
      packageSources,
      derivedFrom: from.key,
    };
    await fsp.writeFile(
      path.join(dir, BUILD_LOG),
      `copied from ${from.dir}\n${changed.updated.map((f) => `updated ${f}`).concat(changed.removed.map((f) => `removed ${f}`)).join('\n')}\n`,
    );
    await fsp.writeFile(path.join(dir, 'environment.lock'), record.lock);
    await writeJsonFileAtomic(path.join(dir, RECORD_FILE), record, true);
    opts.onProgress?.({ stage: 'environment', done: STEPS, total: STEPS, message: `environment ${key} ready` });
    this.deps.logger.info(`environment ${key}: copied from ${from.key}, ${what} (${record.durationMs} ms)`);
    const ref = refOf(record, python, await modulesOf(dir));
    this.deps.sandbox.registerEnvironment(ref);
    return { record, ref, outcome: outcomeOf(record, 'built', record.durationMs, input.previousLock) };
  }

  private async build(
    key: string,
    packageSources: string,
    input: EnvironmentInput,
    base: InterpreterInfo,
    python: string,
    fromLock: string | null,
    opts: JobOptions,
  ): Promise<EnsuredEnvironment> {
    const { installer, sandbox, logger } = this.deps;
    const { signal } = opts;
    const progress = (done: number, message: string) => opts.onProgress?.({ stage: 'environment', done, total: STEPS, message });
    const started = Date.now();
    const dir = path.join(this.deps.envsDir, key);
    const venv = path.join(dir, 'venv');
    const envPython = path.join(venv, 'bin', 'python');
    const log: string[] = [];
    await fsp.rm(dir, { recursive: true, force: true });
    await fsp.mkdir(dir, { recursive: true });

    progress(0, `creating a virtual environment from ${base.display}`);
    const made = await installer.createVenv(base.executable, venv, signal);
    log.push(`$ create venv (${installer.name})\n${made.output}`);
    if (!made.ok) {
      await fsp.writeFile(path.join(dir, BUILD_LOG), log.join('\n\n'));
      throw new CodedistillError(
        'environment_failed',
        `Could not make a virtual environment from ${base.display}: ${installFailureReason(made.output)}.`,
        'Install the venv module for that interpreter (Debian: apt-get install python3-venv), or pass another one (--python).',
      );
    }
    throwIfAborted(signal);

    // Requirements: as wheels, with the user's own index settings; what cannot be installed is named, once.
    progress(1, `installing ${input.requirements.length} requirements with ${installer.name}`);
    // The base's "name==version" list reads as lock lines.
    const baseVersions = lockVersions(base.distributions.join('\n'));
    const pins = fromLock ? pinsToInstall(fromLock, base.distributions) : [];
    const wanted = [...new Set([...input.requirements, ...pins])].filter((r) => !sameName(r, input.packages));
    const missing: MissingRequirement[] = [];
    const toInstall = wanted.filter((r) => requirementSatisfied(r, baseVersions) !== true);
    let pending = toInstall;
    while (pending.length) {
      throwIfAborted(signal);
      const all = await installer.install(envPython, pending, { upgrade: false, signal });
      log.push(`$ install ${pending.join(' ')}\n${all.output}`);
      if (all.ok) break;
      // The installer names the requirement it stopped at: that one is missing, the rest go again together.
      const blamed = blamedRequirement(all.output, pending);
      if (blamed) {
        missing.push({ requirement: blamed, reason: installFailureReason(all.output) });
        pending = pending.filter((r) => r !== blamed);
        continue;
      }
      // It does not say: one by one, to know which ones are missing and why; the others still get installed.
      for (const r of pending) {
        throwIfAborted(signal);
        const one = await installer.install(envPython, [r], { signal });
        log.push(`$ install ${r}\n${one.output}`);
        if (!one.ok) missing.push({ requirement: r, reason: installFailureReason(one.output) });
      }
      break;
    }
    throwIfAborted(signal);

    // The package: built in the sandbox, installed by the host from the wheel (no code of it runs here).
    progress(2, 'reading the build configuration');
    const plan = await buildPlan(input.projectDir);
    let pkg: PackageInstall;
    let shadowable = false;
    let modulesFromSnapshot: EnvironmentRecord['modulesFromSnapshot'];
    const site = await sitePackagesOf(venv);
    if (!plan.packaged || !site) {
      // Runs import the snapshot: its modules are not the environment's.
      shadowable = true;
      pkg = { status: 'not_packaged', name: null, version: null, message: plan.reason ?? 'the environment has no site-packages folder', dataFilesAdded: 0 };
    } else {
      // As pip's isolated builds do, the newest build requirements the index has, beside the environment (as
      // wheels, by the host); without an index, the backends the environment already has.
      let buildDeps: string | null = path.join(dir, 'build-deps');
      progress(3, `installing build requirements: ${plan.requires.join(', ')}`);
      const bd = await installer.install(envPython, plan.requires, { target: buildDeps, signal });
      log.push(`$ install --target build-deps ${plan.requires.join(' ')}\n${bd.output}`);
      let got = bd.ok;
      if (!bd.ok && plan.requires.length > 1) {
        // One missing build requirement must not cost the others (a newer setuptools is often what matters).
        for (const r of plan.requires) {
          const one = await installer.install(envPython, [r], { target: buildDeps, signal });
          log.push(`$ install --target build-deps ${r}\n${one.output}`);
          got ||= one.ok;
        }
      }
      if (!got) {
        const afterReqs = new Map([...baseVersions, ...versionsOfInstalled(await installedIn(site))]);
        const unmet = plan.requires.filter((r) => requirementSatisfied(r, afterReqs) === false);
        logger.debug(`build requirements not installed (${installFailureReason(bd.output)}); building with the environment's own${unmet.length ? `, which lacks ${unmet.join(', ')}` : ''}`);
        await fsp.rm(buildDeps, { recursive: true, force: true });
        buildDeps = null;
      }
      throwIfAborted(signal);
      progress(3, 'building the package in the sandbox');
      // From here on the host never starts this python: the sandbox describes it from the base's probe.
      sandbox.registerEnvironment({ python: envPython, base: python, dir, lockHash: 'building', modules: [] });
      const buildDir = path.join(dir, 'build');
      const srcDir = path.join(buildDir, 'src');
      const outDir = path.join(buildDir, 'out');
      await stageProject(input.projectDir, srcDir);
      await fsp.mkdir(outDir, { recursive: true });
      const wheel = await buildWheel(sandbox, { python: envPython, srcDir, outDir, buildDeps, version: input.version ?? fallbackVersion(input.commit), signal });
      log.push(`$ build wheel in the sandbox\n${wheel.log}`);
      if (!wheel.wheel) {
        const noDeps = buildDeps === null && plan.requires.length ? ` (its build requirements ${plan.requires.join(', ')} could not be installed: the environment's own were used)` : '';
        pkg = {
          status: 'failed',
          name: null,
          version: null,
          message: `${wheel.message}${noDeps}; runs import the snapshot instead; the whole log: ${path.join(dir, BUILD_LOG)}`,
          dataFilesAdded: 0,
        };
      } else {
        progress(4, `installing ${path.basename(wheel.wheel)}`);
        const kept = path.join(dir, path.basename(wheel.wheel));
        await fsp.copyFile(wheel.wheel, kept);
        const inst = await installer.install(envPython, [kept], { noDeps: true, offline: true, reinstall: true, signal });
        log.push(`$ install ${path.basename(kept)}\n${inst.output}`);
        if (!inst.ok) {
          pkg = { status: 'failed', name: wheel.name, version: wheel.version, message: `the built wheel did not install: ${installFailureReason(inst.output)}`, dataFilesAdded: 0 };
        } else {
          const added = await overlayPackageData(input.projectDir, input.importRoots, input.packages, site);
          shadowable = await inSnapshot(site, input);
          if (!shadowable) modulesFromSnapshot = (await modulesAsInSnapshot(site, input)) ?? undefined;
          pkg = {
            status: 'installed',
            name: wheel.name,
            version: wheel.version,
            message: `${wheel.name} ${wheel.version} built from the snapshot and installed${added.length ? `; ${added.length} package files the build left out (data, subpackages) were copied from the snapshot` : ''}`,
            dataFilesAdded: added.length,
          };
        }
      }
      await fsp.rm(buildDir, { recursive: true, force: true });
      if (buildDeps) await fsp.rm(buildDeps, { recursive: true, force: true });
    }

    // No package installed (a failed build): runs import the snapshot, which an edit to a module does not change.
    if (pkg.status !== 'installed') shadowable = true;

    progress(5, 'writing the lock');
    const installedHere = site ? await installedIn(site) : [];
    const lock = renderLock({
      implementation: base.implementation,
      version: base.version,
      base: base.executable,
      baseDistributions: base.distributions,
      installed: installedHere,
      own: pkg.status === 'installed' ? pkg.name : null,
    });
    const record: EnvironmentRecord = {
      key,
      dir,
      python: envPython,
      base: { command: python, executable: base.executable, version: base.version, implementation: base.implementation },
      installer: installer.name,
      package: pkg,
      requested: wanted,
      installed: installedHere.filter((d) => d.name !== (pkg.name ? normaliseDistName(pkg.name) : '')).map((d) => `${d.name}==${d.version}`),
      missing,
      lock,
      lockHash: lockHash(lock),
      fromLock: fromLock !== null,
      builtAt: new Date().toISOString(),
      durationMs: Date.now() - started,
      packageSources,
      shadowable,
      ...(modulesFromSnapshot ? { modulesFromSnapshot } : {}),
    };
    await fsp.writeFile(path.join(dir, BUILD_LOG), log.join('\n\n') + '\n');
    await fsp.writeFile(path.join(dir, 'environment.lock'), lock);
    await writeJsonFileAtomic(path.join(dir, RECORD_FILE), record, true);
    progress(STEPS, `environment ${key} ready`);
    logger.info(`environment ${key}: ${record.installed.length} installed, ${missing.length} missing, package ${pkg.status} (${record.durationMs} ms)`);
    const ref = refOf(record, python, await modulesOf(dir));
    sandbox.registerEnvironment(ref);
    return { record, ref, outcome: outcomeOf(record, 'built', record.durationMs, input.previousLock) };
  }
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

function sameName(requirement: string, packages: string[]): boolean {
  const name = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(requirement)?.[1];
  return !!name && packages.some((p) => normaliseDistName(p) === normaliseDistName(name));
}

function versionsOfInstalled(dists: Array<{ name: string; version: string }>): Map<string, string> {
  return new Map(dists.map((d) => [normaliseDistName(d.name), d.version]));
}

async function modulesOf(dir: string): Promise<string[]> {
  const site = await sitePackagesOf(path.join(dir, 'venv'));
  return site ? topLevelNames(site) : [];
}

export function refOf(record: EnvironmentRecord, base: string, modules: string[]): EnvironmentRef {
  return { python: record.python, base, dir: record.dir, lockHash: record.lockHash, modules };
}

function outcomeOf(record: EnvironmentRecord, status: 'built' | 'reused', ms: number, previousLock: string | null): EnvironmentOutcome {
  const changes = previousLock && previousLock !== record.lock ? lockChanges(previousLock, record.lock) : [];
  const missing = record.missing;
  // A copy made now (derive) is new, but saying "built" would promise a build that did not happen.
  const made =
    status === 'reused' ? `reused environment ${record.key}` : record.derivedFrom ? `copied environment ${record.derivedFrom} to ${record.key} with the edited modules` : `built environment ${record.key}`;
  const what =
    `${made} (${record.installer}, ${record.installed.length} installed, ` +
    `package ${record.package.status})` +
    (missing.length ? `; missing: ${missing.map((m) => `${m.requirement} (${m.reason})`).join('; ')}` : '');
  return {
    status,
    key: record.key,
    seconds: round(ms / 1000),
    installer: record.installer,
    package: record.package,
    installed: record.installed.length,
    missing,
    installCommand: installCommand(missing),
    lockHash: record.lockHash,
    changes,
    message: what,
  };
}

/** Top-level folders of a repository that no build of its package reads. */
const NOT_BUILD_INPUTS = new Set(['tests', 'test', 'testing', 'docs', 'doc', 'examples', 'example', 'notebooks', 'tutorials', 'benchmarks', 'bench']);

/** Where the package's modules are in the project: `<import root>/<package>` (a folder, or a module file less .py). */
function packageFolders(input: Pick<EnvironmentInput, 'importRoots' | 'packages'>): string[] {
  return input.importRoots.flatMap((r) => input.packages.map((p) => (r ? `${r}/${p}` : p)));
}

/**
 * The files a build of the snapshot may read, each with the hash of its content: the package's Python modules
 * (`sources`) apart from the rest (`build`).
 */
async function buildInputs(root: string, packages: string[]): Promise<{ build: string[]; sources: string[] }> {
  const build: string[] = [];
  const sources: string[] = [];
  const isModule = (r: string) => r.endsWith('.py') && packages.some((p) => r === `${p}.py` || r.startsWith(`${p}/`));
  const walk = async (rel: string): Promise<void> => {
    const entries = await fsp.readdir(path.join(root, rel), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!(rel === '' && NOT_BUILD_INPUTS.has(e.name))) await walk(r);
      } else if (e.isFile()) {
        (isModule(r) ? sources : build).push(`${r}:${createHash('sha256').update(await fsp.readFile(path.join(root, r))).digest('hex').slice(0, 16)}`);
      }
    }
  };
  await walk('');
  return { build: build.sort(), sources: sources.sort() };
}

/**
 * Whether the installed package holds only files the snapshot has at the same place (compiled bytecode aside):
 * then importing it from the snapshot is importing the same files, and runs may.
 */
async function inSnapshot(site: string, input: EnvironmentInput): Promise<boolean> {
  let any = false;
  for (const pkg of input.packages) {
    const roots = input.importRoots.map((r) => path.join(input.projectDir, r));
    const dir = path.join(site, pkg);
    const stat = await fsp.stat(dir).catch(() => null);
    if (stat?.isDirectory()) {
      const files = await listFiles(dir);
      for (const f of files) {
        if (f.endsWith('.pyc') || f.split('/').includes('__pycache__')) continue;
        const there = await Promise.all(roots.map((r) => fsp.stat(path.join(r, pkg, f)).then((s) => s.isFile(), () => false)));
        if (!there.some(Boolean)) return false;
      }
      any = true;
    } else if (await fsp.stat(path.join(site, `${pkg}.py`)).then((s) => s.isFile(), () => false)) {
      const there = await Promise.all(roots.map((r) => fsp.stat(path.join(r, `${pkg}.py`)).then((s) => s.isFile(), () => false)));
      if (!there.some(Boolean)) return false;
      any = true;
    } else if (await compiledModule(site, pkg)) {
      // Installed as a compiled module: not the snapshot's files.
      return false;
    }
    // Otherwise the build installs nothing by that name (fluids' `_custom_build`, its in-tree build backend): runs
    // can only import it from the snapshot, so it neither shadows an installed file nor stops the others from it.
  }
  return any;
}

async function listFiles(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fsp.readdir(path.join(dir, rel), { withFileTypes: true }).catch(() => [])) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, r)));
    else out.push(r);
  }
  return out;
}
