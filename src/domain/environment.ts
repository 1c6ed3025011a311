import { z } from 'zod';

/**
 * A library's own Python environment: a virtual environment made from a base interpreter with
 * --system-site-packages, the repository installed into it as a real package (built in the sandbox from the
 * library's snapshot), its requirements installed, and the result locked. Lives in $CODEDISTILL_HOME/envs/<key>/.
 */

/** How a library's environment is made; kept in the manifest so a forced re-distill builds the same one. */
export const EnvironmentSettings = z.object({
  python: z
    .string()
    .nullable()
    .describe('Base interpreter the environment is made from (command or path as given); null: CODEDISTILL_PYTHON.'),
  extras: z
    .array(z.string())
    .default([])
    .describe('Optional-dependency groups of the repository installed too (e.g. "plot" for pkg[plot]).'),
  enabled: z
    .boolean()
    .optional()
    .describe('false: the library was distilled with environment "none", and its runs use the base interpreter until an environment is asked for (rebuild, upgrade, build_environment); absent: true.'),
});
export type EnvironmentSettings = z.infer<typeof EnvironmentSettings>;

export const EnvironmentMode = z
  .enum(['auto', 'rebuild', 'upgrade', 'none'])
  .describe(
    'auto: reuse the environment when its inputs are unchanged, else build it (from the lock when there is one); ' +
      'rebuild: make it again from the lock; upgrade: make it again ignoring the lock (newest allowed versions) and ' +
      'report what changed; none: no environment, runs use the base interpreter and the snapshot on the import path.',
  );
export type EnvironmentMode = z.infer<typeof EnvironmentMode>;

export const MissingRequirement = z.object({
  requirement: z.string().describe('The requirement as asked for, e.g. "scipy>=1.15".'),
  reason: z.string().describe('Why it is not installed: not found in the configured index, only a source distribution, index unreachable...'),
});
export type MissingRequirement = z.infer<typeof MissingRequirement>;

export const PackageInstall = z.object({
  status: z
    .enum(['installed', 'not_packaged', 'failed'])
    .describe('installed: built from the snapshot and installed; not_packaged: the repository declares no build; failed: the build failed (message says why).'),
  name: z.string().nullable().describe('Distribution name of the built package.'),
  version: z.string().nullable(),
  message: z.string().describe('One sentence: what was built, or why not and what to do.'),
  dataFilesAdded: z.number().int().default(0).describe('Package files the build left out (data, subpackages a git file finder would have listed), copied from the snapshot into the installed package.'),
});
export type PackageInstall = z.infer<typeof PackageInstall>;

/** envs/<key>/environment.json: what was built, from what, with what result. */
export const EnvironmentRecord = z.object({
  key: z.string().describe('Hash of the inputs (base interpreter and its packages, snapshot, requirements, extras): libraries with the same inputs share the environment.'),
  dir: z.string().describe('Folder of the environment.'),
  python: z.string().describe("The environment's bin/python."),
  base: z.object({
    command: z.string().describe('Base interpreter as given.'),
    executable: z.string(),
    version: z.string(),
    implementation: z.string(),
  }),
  installer: z.enum(['pip', 'uv']).describe('What installed the requirements: uv when it is on PATH, else pip.'),
  package: PackageInstall,
  requested: z.array(z.string()).describe('Requirements asked for (PEP 508, declared constraints kept).'),
  installed: z.array(z.string()).describe('Distributions installed into the environment itself ("name==version"), not counting the base.'),
  missing: z.array(MissingRequirement),
  lock: z.string().describe('The environment in pip freeze form, with a header naming the interpreter.'),
  lockHash: z.string().describe('sha256 of the lock: every run record made in this environment carries it as environmentHash.'),
  fromLock: z.boolean().describe('Built by pinning the versions of a previous lock.'),
  builtAt: z.string(),
  durationMs: z.number(),
  packageSources: z
    .string()
    .optional()
    .describe("Hash of the package's Python modules the installed package was built from (they are not part of the key)."),
  shadowable: z
    .boolean()
    .optional()
    .describe("Every file of the installed package is in the snapshot too (nothing generated or compiled by the build), or no package is installed: runs import the package from the snapshot, so an edit to a module needs no new environment."),
  modulesFromSnapshot: z
    .object({
      generated: z.array(z.string()).describe('Files the build added to the package (a setuptools_scm version.py), kept when modules are copied over.'),
    })
    .optional()
    .describe("The installed package's Python modules are the snapshot's files byte for byte: after an edit to modules alone, the next environment is this one copied with the snapshot's modules put over it, without a build."),
  derivedFrom: z.string().optional().describe('Key of the environment this one was copied from, its modules updated from the snapshot (no build).'),
});
export type EnvironmentRecord = z.infer<typeof EnvironmentRecord>;

/** What runs need to use an environment without executing anything of it on the host. */
export const EnvironmentRef = z.object({
  python: z.string().describe("The environment's bin/python."),
  base: z.string().describe('The base interpreter command: probed on the host (trusted); the environment itself never is.'),
  dir: z.string(),
  lockHash: z.string(),
  modules: z.array(z.string()).describe('Top-level modules the environment adds to the base.'),
});
export type EnvironmentRef = z.infer<typeof EnvironmentRef>;

/** The environment outcome in a distill or env report. */
export const EnvironmentOutcome = z.object({
  status: z.enum(['built', 'reused', 'failed', 'none']).describe('built now, reused unchanged, failed (runs fell back to the base interpreter), or none (not asked for).'),
  key: z.string().nullable(),
  seconds: z.number().describe('Time spent making or checking the environment.'),
  installer: z.enum(['pip', 'uv']).nullable(),
  package: PackageInstall.nullable(),
  installed: z.number().int().describe('Distributions installed into the environment (not counting the base).'),
  missing: z.array(MissingRequirement),
  installCommand: z.string().nullable().describe('The command that would install what is missing, when something is.'),
  lockHash: z.string().nullable(),
  changes: z
    .array(z.object({ name: z.string(), before: z.string().nullable(), after: z.string().nullable() }))
    .default([])
    .describe('Versions that differ from the previous lock (after an upgrade or a rebuild).'),
  message: z.string(),
});
export type EnvironmentOutcome = z.infer<typeof EnvironmentOutcome>;

export const EnvironmentRequest = z.object({
  library: z.string().min(1).describe('The library.'),
  mode: z
    .enum(['auto', 'rebuild', 'upgrade'])
    .default('auto')
    .describe('auto (reuse or build), rebuild (from the lock) or upgrade (newest allowed versions).'),
  python: z.string().trim().min(1).optional().describe('Another base interpreter, installed outside any repository and CODEDISTILL_HOME (remembered).'),
  extras: z.array(z.string().trim().min(1)).optional().describe('Optional-dependency groups to install (remembered).'),
});
export type EnvironmentRequest = z.input<typeof EnvironmentRequest>;

export const EnvironmentReport = z.object({
  library: z.string(),
  environment: EnvironmentOutcome,
  python: z.string().nullable().describe("The environment's interpreter (runs of this library use it); null when there is none."),
  lockPath: z.string().nullable().describe('The library file holding the lock (pip freeze form); null when nothing was locked.'),
});
export type EnvironmentReport = z.infer<typeof EnvironmentReport>;

/** What `codedistill env --prune` found and removed: environments no library needs any more. */
export const PruneReport = z.object({
  dryRun: z.boolean().describe('true: listed, nothing removed.'),
  kept: z.number().int().describe('Environments kept: named by a library, copied from by one, being built, or made within the last hour.'),
  unused: z
    .array(
      z.object({
        key: z.string(),
        bytes: z.number().int().describe('What removing it frees (files it shares with a copy through hard links not counted).'),
        madeAt: z.string(),
      }),
    )
    .describe('Environments no library needs, oldest first.'),
  removed: z.array(z.string()).describe('Keys removed (empty in a dry run).'),
  failed: z.array(z.object({ key: z.string(), reason: z.string() })).describe('Environments that could not be removed, and why.'),
});
export type PruneReport = z.infer<typeof PruneReport>;
