/**
 * Re-validation: run a library's examples again, against the source snapshot the library keeps, in the
 * environment as it is now, and say which blocks changed status. Package upgrades break examples silently;
 * this is how a library finds out. The caller decides whether to write the returned blocks back.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Block } from '../domain/block.js';
import type { Progress } from '../domain/job.js';
import type { RevalidateChange, RevalidateReport } from '../domain/revalidate.js';
import { levelOf, type RunStatus, type ValidationLevel } from '../domain/validation.js';
import { CodedistillError, throwIfAborted } from '../kernel/errors.js';
import type { LibraryManifest, LoadedLibrary } from '../domain/library.js';
import { importRootsOf, readLock, snapshotOf, SOURCE_DIR, writeLibrary } from '../library/files.js';
import { DEFAULT_MAX_EXAMPLES_PER_BLOCK, runBlockExamples, skipWarnings } from '../validate/block-runs.js';
import { exampleFigures } from '../distill/coverage.js';
import { reclassifyRuns } from '../validate/classify.js';
import type { Runner } from '../validate/types.js';
import type { LlmClient } from '../enrich/client.js';
import { repairLibraryExamples } from '../enrich/repair.js';
import { constraintsOf } from './environment.js';

export interface RevalidateOptions {
  /** Only these block ids; every block when absent. */
  ids?: string[];
  timeoutMs: number;
  workers: number;
  maxPerBlock?: number;
  /** The library's own top-level packages; read from its blocks and snapshot when absent. */
  packages?: string[];
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Source snapshots of other libraries this one depends on, importable in its runs. */
  extraImportRoots?: string[];
  /** When set, failing examples get repair attempts from this model after the runs. */
  llm?: LlmClient;
  /** Interpreter the examples run with (the library's own); the runner's configured one when absent. */
  python?: string;
  /**
   * The library's own import roots for the runs: none when its package is installed in its environment; the
   * snapshot's roots when absent.
   */
  importRoots?: string[];
  /** What the environment holds and could not install: unmet constraints and missing modules are judged with it. */
  installed?: ReadonlyMap<string, string>;
  /** The Python version the runs use (the environment's base), judged against the library's requires-python. */
  pythonVersion?: string | null;
  attempted?: ReadonlyMap<string, string>;
}

async function isDir(p: string): Promise<boolean> {
  return (await fsp.stat(p).catch(() => null))?.isDirectory() ?? false;
}

/** Top-level packages of the library that its snapshot holds. */
async function packagesOf(blocks: Block[], roots: string[]): Promise<string[]> {
  const names = new Set<string>();
  for (const b of blocks) {
    const top = b.language === 'python' && b.kind !== 'workflow' ? b.module.split('.')[0] : '';
    if (top) names.add(top);
  }
  const out: string[] = [];
  for (const name of [...names].sort()) {
    for (const root of roots) {
      const there = (await isDir(path.join(root, name))) || (await fsp.stat(path.join(root, `${name}.py`)).catch(() => null)) !== null;
      if (there) {
        out.push(name);
        break;
      }
    }
  }
  return out;
}

export async function revalidateLibrary(
  lib: LoadedLibrary,
  runner: Runner,
  opts: RevalidateOptions,
): Promise<{ blocks: Block[]; report: RevalidateReport }> {
  const started = Date.now();
  throwIfAborted(opts.signal);
  const roots = importRootsOf(lib);
  const runRoots = opts.importRoots ?? roots;
  for (const r of roots) {
    if (!(await isDir(r))) {
      throw new CodedistillError(
        'invalid_input',
        `Library "${lib.name}" has no source snapshot at ${r}, so its examples cannot import its code.`,
        'Distill the repository again to rebuild the library with its snapshot.',
      );
    }
  }

  // Work on copies: the loaded library stays as it is on disk until the caller writes the result.
  const blocks = lib.blocks.map((b) => structuredClone(b));
  let selected = blocks;
  if (opts.ids) {
    const byId = new Map(blocks.map((b) => [b.id, b]));
    const unknown = opts.ids.filter((id) => !byId.has(id));
    if (unknown.length) {
      throw new CodedistillError(
        'unknown_block',
        `Library "${lib.name}" has no block ${unknown.slice(0, 5).map((u) => `"${u}"`).join(', ')}${unknown.length > 5 ? ` (and ${unknown.length - 5} more)` : ''}.`,
        'Pass ids as returned by search_library ("<library>:<qualifiedName>").',
      );
    }
    selected = [...new Set(opts.ids)].map((id) => byId.get(id) as Block);
  }

  const before = new Map<string, { status: RunStatus | null; level: ValidationLevel | null }>(
    selected.map((b) => [b.id, { status: b.validation?.status ?? null, level: levelOf(b.validation) }]),
  );
  const previousEnvironmentHashes = new Set<string>();
  for (const b of selected) {
    if (b.validation?.environmentHash) previousEnvironmentHashes.add(b.validation.environmentHash);
    for (const e of b.examples) if (e.run?.environmentHash) previousEnvironmentHashes.add(e.run.environmentHash);
  }

  const result = await runBlockExamples(selected, runner, {
    importRoots: [...runRoots, ...(opts.extraImportRoots ?? [])],
    packages: opts.packages ?? (await packagesOf(blocks, roots)),
    timeoutMs: opts.timeoutMs,
    workers: opts.workers,
    maxPerBlock: opts.maxPerBlock ?? DEFAULT_MAX_EXAMPLES_PER_BLOCK,
    signal: opts.signal,
    onProgress: opts.onProgress,
    python: opts.python,
    layoutRoot: path.join(lib.dir, SOURCE_DIR),
  });

  if (opts.llm) {
    // Repairs go before the comparison so that `changed` shows what they fixed.
    const fixed = await repairLibraryExamples(selected, opts.llm, runner, {
      importRoots: [...runRoots, ...(opts.extraImportRoots ?? [])],
      timeoutMs: opts.timeoutMs,
      python: opts.python,
      signal: opts.signal,
      onProgress: opts.onProgress,
    });
    result.warnings.push(...fixed.warnings);
    if (fixed.repaired) result.warnings.push(`${fixed.repaired} failing examples were repaired by ${opts.llm.model} (marked repairedFrom)`);
  }

  // The same reclassification as a distill's (unbuilt extensions, provider mismatches), after the last runs.
  const filePaths = (await snapshotOf(lib)).map((f) => f.path);
  reclassifyRuns(selected, {
    filePaths,
    providerRoots: opts.extraImportRoots ?? [],
    constraints: constraintsOf(lib.manifest.requirementSpecs ?? []),
    installed: opts.installed,
    ...(lib.manifest.requiresPython && opts.pythonVersion ? { python: { version: opts.pythonVersion, requires: lib.manifest.requiresPython } } : {}),
  });
  result.warnings.push(...skipWarnings(selected, { filePaths, attempted: opts.attempted }));

  const counts = { runs: result.runs, passed: 0, failed: 0, skipped: 0, timeout: 0, error: 0 };
  for (const r of result.records) if (r.status !== 'not_run') counts[r.status]++;

  const changed: RevalidateChange[] = [];
  for (const b of selected) {
    const was = before.get(b.id) ?? { status: null, level: null };
    const now: RunStatus = b.validation?.status ?? 'not_run';
    const levelNow = levelOf(b.validation);
    // No stored record and nothing to run now is no change; checked → ran under the same status is one.
    if ((was.status ?? 'not_run') === now && was.level === levelNow) continue;
    changed.push({ id: b.id, before: was.status, after: now, levelBefore: was.level, levelAfter: levelNow, message: b.validation?.message ?? 'No example of this block was run.' });
  }

  return {
    blocks,
    report: {
      library: lib.name,
      environmentHash: result.records.find((r) => r.environmentHash)?.environmentHash ?? null,
      previousEnvironmentHashes: [...previousEnvironmentHashes].sort(),
      blocks: selected.length,
      counts,
      changed,
      warnings: result.warnings,
      durationMs: Date.now() - started,
    },
  };
}

/**
 * Revalidate and keep the new run records: they are part of the library files, written as a new library folder
 * under `libraryParentDir` (a shipped, read-only library is copied there). The report's libraryPath is null when
 * nothing ran and nothing was written.
 */
export async function revalidateAndStore(
  lib: LoadedLibrary,
  runner: Runner,
  opts: RevalidateOptions & {
    libraryParentDir: string;
    /** The environment the runs used: its lock and manifest section are stored with the records. */
    environment?: { section: NonNullable<LibraryManifest['environment']>; lock: string | null };
  },
): Promise<RevalidateReport> {
  const { blocks, report } = await revalidateLibrary(lib, runner, opts);
  if (report.counts.runs === 0) return { ...report, libraryPath: null };
  const manifest = {
    ...lib.manifest,
    counts: { ...lib.manifest.counts, validated: blocks.filter((b) => b.validation?.status === 'passed').length, ...exampleFigures(blocks) },
    ...(opts.environment ? { environment: opts.environment.section } : {}),
  };
  const lock = opts.environment ? opts.environment.lock : await readLock(lib.dir);
  const libraryPath = await writeLibrary(opts.libraryParentDir, manifest, blocks, await snapshotOf(lib), { lock, signal: opts.signal });
  return { ...report, libraryPath };
}
