/**
 * A library's environment as the jobs use it: made or reused through the environment stage, with the import
 * roots and interpreter its runs then take. A failed environment is an outcome, not an error: runs fall back to
 * the base interpreter with the snapshot on the import path, and the report says why.
 */
import path from 'node:path';
import type { EnvironmentMode, EnvironmentOutcome, EnvironmentRecord, EnvironmentRef, EnvironmentSettings } from '../domain/environment.js';
import type { JobOptions } from '../domain/job.js';
import type { LibraryEntry, LibraryManifest } from '../domain/library.js';
import { CodedistillError, errorMessage } from '../kernel/errors.js';
import type { EnvironmentInput, Environments } from '../environment/builder.js';
import { importRootsOf, readLock, SOURCE_DIR } from '../library/files.js';
import { lockVersions } from '../environment/lock.js';
import { normaliseDistName } from '../python/distributions.js';
import { checkInterpreter } from '../validate/interpreter-guard.js';

export interface RunSetting {
  /** Interpreter runs name: the environment's python, or the base one when there is no environment. */
  python: string | undefined;
  /** The library's own import roots for runs: none when its installed package is not the snapshot's files. */
  importRoots: string[];
  outcome: EnvironmentOutcome;
  record: EnvironmentRecord | null;
  ref: EnvironmentRef | null;
}

export function noEnvironment(message: string): EnvironmentOutcome {
  return { status: 'none', key: null, seconds: 0, installer: null, package: null, installed: 0, missing: [], installCommand: null, lockHash: null, changes: [], message };
}

/**
 * The settings a library was built with, kept unless the caller changes them. "none" is remembered; auto keeps
 * what was chosen before; rebuild, upgrade or an explicit request for the environment switch it back on.
 */
export function settingsOf(
  manifest: LibraryManifest | null | undefined,
  given: { python?: string; extras?: string[]; mode?: EnvironmentMode; enable?: boolean },
): EnvironmentSettings {
  const kept = manifest?.environment?.settings;
  const enabled = given.mode === 'none' ? false : given.enable || given.mode === 'rebuild' || given.mode === 'upgrade' ? true : (kept?.enabled ?? true);
  return {
    python: given.python ?? kept?.python ?? manifest?.python ?? null,
    extras: given.extras ?? kept?.extras ?? [],
    ...(enabled ? {} : { enabled: false }),
  };
}

/** The mode runs take: a library distilled without an environment keeps running without one when asked for auto. */
export function effectiveMode(mode: EnvironmentMode, settings: EnvironmentSettings): EnvironmentMode {
  return mode === 'auto' && settings.enabled === false ? 'none' : mode;
}

/**
 * Make (or reuse) the environment for `input` and say how runs use it; `snapshotRoots` are the absolute import
 * roots of the project, used when the package is not installed in it.
 */
export async function prepareRuns(
  builder: Environments | null,
  input: EnvironmentInput,
  snapshotRoots: string[],
  opts: JobOptions & { mode: EnvironmentMode },
): Promise<RunSetting> {
  const base = input.settings.python ?? undefined;
  if (!builder || opts.mode === 'none') {
    return { python: base, importRoots: snapshotRoots, outcome: noEnvironment(builder ? 'no environment asked for: runs use the base interpreter with the snapshot on the import path' : 'environments are not available here'), record: null, ref: null };
  }
  const started = Date.now();
  try {
    const { record, ref, outcome } = await builder.ensure(input, opts);
    // An installed package whose files are all in the snapshot is imported from the snapshot: the same files, and
    // an edited module is seen without a new environment (builder.ts, keysOf).
    const installedOnly = record.package.status === 'installed' && record.shadowable !== true;
    return { python: ref.python, importRoots: installedOnly ? [] : snapshotRoots, outcome, record, ref };
  } catch (e) {
    // Cancelled, or an interpreter that does not exist: the caller's to fix, before anything is written.
    if (e instanceof CodedistillError && (e.code === 'cancelled' || e.code === 'interpreter_missing')) throw e;
    const outcome: EnvironmentOutcome = {
      ...noEnvironment(`the environment could not be made (${errorMessage(e)}); runs used the base interpreter with the snapshot on the import path`),
      status: 'failed',
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
    return { python: base, importRoots: snapshotRoots, outcome, record: null, ref: null };
  }
}

/** The environment input of a library already written: its snapshot, its lock, its remembered settings. */
export async function libraryEnvironmentInput(
  lib: LibraryEntry,
  given: { python?: string; extras?: string[]; mode?: EnvironmentMode; enable?: boolean } = {},
): Promise<EnvironmentInput> {
  const m = lib.manifest;
  return {
    projectDir: path.join(lib.dir, SOURCE_DIR),
    commit: m.source.commit,
    version: m.environment?.version ?? null,
    importRoots: m.importRoots.length ? m.importRoots : [''],
    packages: m.environment?.packages ?? lib.packages,
    requirements: m.requirementSpecs ?? m.requirements,
    settings: settingsOf(m, given),
    previousLock: await readLock(lib.dir),
  };
}

/**
 * Refuses a base interpreter (given now or read back from a manifest) that lies inside a repository: `roots` are
 * the source being distilled and the folder a library was distilled from. The runner refuses those inside
 * CODEDISTILL_HOME itself; a bare command is resolved (and judged) there, with the user's PATH.
 */
export async function refuseRepositoryInterpreter(python: string | null | undefined, roots: string[]): Promise<void> {
  if (!python || !python.includes('/')) return;
  await checkInterpreter(python, { untrusted: roots.filter((r) => path.isAbsolute(r)), allowed: [], pathEnv: '' });
}

/** The folder a library was distilled from, when it was a local one. */
export function localSourceOf(manifest: LibraryManifest | null | undefined): string[] {
  return manifest?.source.kind === 'local' ? [path.resolve(manifest.source.location)] : [];
}

/** Where the repositories of these libraries live: each library's folder and the local folder it came from. */
export function repositoryFolders(libs: readonly LibraryEntry[]): string[] {
  return [...new Set(libs.flatMap((l) => [l.dir, ...localSourceOf(l.manifest)]))];
}

/** prepareRuns for a library already written. */
export async function prepareLibraryRuns(
  builder: Environments | null,
  lib: LibraryEntry,
  opts: JobOptions & {
    mode: EnvironmentMode;
    python?: string;
    extras?: string[];
    enable?: boolean;
    /** Every known library: no interpreter inside any of their repositories is started (repositoryFolders). */
    known?: readonly LibraryEntry[];
  },
): Promise<RunSetting & { input: EnvironmentInput }> {
  const input = await libraryEnvironmentInput(lib, opts);
  await refuseRepositoryInterpreter(input.settings.python, repositoryFolders([lib, ...(opts.known ?? [])]));
  return { ...(await prepareRuns(builder, input, importRootsOf(lib), { ...opts, mode: effectiveMode(opts.mode, input.settings) })), input };
}

/** The manifest's environment section after a run setting was used. */
export function manifestEnvironment(input: EnvironmentInput, run: RunSetting): NonNullable<LibraryManifest['environment']> {
  return {
    settings: input.settings,
    version: input.version,
    packages: input.packages,
    key: run.record?.key ?? null,
    lockHash: run.record?.lockHash ?? null,
    package: run.record?.package ?? null,
  };
}

/** Distribution → why installing it failed: the reports then say it was tried. */
export function attemptedInstalls(run: RunSetting): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of run.outcome.missing) {
    const name = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(m.requirement)?.[1];
    if (name) out.set(normaliseDistName(name), m.reason);
  }
  return out;
}

/**
 * What the runs saw installed (the lock's versions) for judging unmet constraints, the repository's own package
 * left out (what it lacks is its own failure); absent without a lock.
 */
export function installedVersions(run: RunSetting): Map<string, string> | undefined {
  return run.record ? lockVersions(run.record.lock, false) : undefined;
}

/** The constraints among PEP 508 requirements ("scipy>=1.15" → scipy, >=1.15), markers and extras left out. */
export function constraintsOf(requirements: string[]): Array<{ name: string; spec: string }> {
  const out: Array<{ name: string; spec: string }> = [];
  for (const r of requirements) {
    const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*\(?([<>=!~][^;)]*)\)?/.exec(r);
    if (m) out.push({ name: normaliseDistName(m[1]!), spec: m[2]!.trim() });
  }
  return out;
}
