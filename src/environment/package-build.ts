/**
 * The repository built as a real package, from the library's snapshot, inside the sandbox: setup.py and build
 * backends are repository code. The build sees the environment read-only, writes only into its own build
 * folder, has no network and no index (--no-index, --no-build-isolation: build requirements come from the
 * environment or were installed beside it as wheels by the host), and none of the host's package settings.
 * A setuptools_scm project gets its version through SETUPTOOLS_SCM_PRETEND_VERSION (a snapshot has no .git).
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { asStrings, asTable, readSmallFile, readToml } from '../ingest/metadata.js';
import type { BuildSandbox } from '../validate/types.js';

/** A generous bound: compiled extensions of a large package take minutes on two cores. */
export const BUILD_TIMEOUT_MS = 20 * 60_000;
/** Data files larger than this are not copied into the build folder: installed data comes back from the snapshot. */
const BUILD_COPY_MAX_DATA_BYTES = 1024 * 1024;
const CODE_FILE = /\.(py|pyi|pyx|pxd|pxi|c|h|cc|cpp|cxx|hpp|hh|f|f90|f95|for|cu|toml|cfg|txt|in|md|rst|json|yaml|yml)$/i;

export interface BuildPlan {
  packaged: boolean;
  /** What the build backend needs ([build-system] requires, or setuptools' legacy default). */
  requires: string[];
  /** Why not packaged, when it is not. */
  reason: string | null;
}

/** Whether the project folder declares a build, and what the build needs; read as text, nothing runs. */
export async function buildPlan(projectDir: string): Promise<BuildPlan> {
  const pyprojectText = await readSmallFile(path.join(projectDir, 'pyproject.toml'), 1024 * 1024);
  const has = async (f: string) => (await fsp.stat(path.join(projectDir, f)).catch(() => null))?.isFile() ?? false;
  const setupPy = await has('setup.py');
  const setupCfg = await has('setup.cfg');
  let requires: string[] | null = null;
  let declaresProject = false;
  if (pyprojectText !== null) {
    try {
      const doc = readToml(pyprojectText);
      const bs = asTable(doc['build-system']);
      if (bs) requires = asStrings(bs.requires);
      declaresProject = asTable(doc.project) !== null || (bs !== null && typeof bs['build-backend'] === 'string');
    } catch {
      return { packaged: false, requires: [], reason: 'pyproject.toml is not valid TOML' };
    }
  }
  if (!declaresProject && !setupPy && !(setupCfg && pyprojectText !== null)) {
    return { packaged: false, requires: [], reason: 'the repository declares no build (no setup.py, no [project] or [build-system] in pyproject.toml)' };
  }
  // pip's default for projects without [build-system]: setuptools, and wheel for bdist_wheel on older setuptools.
  return { packaged: true, requires: requires ?? ['setuptools>=40.8.0', 'wheel'], reason: null };
}

/** The project copied into the (writable) build folder: code and small files, not large data. */
export async function stageProject(projectDir: string, dest: string): Promise<number> {
  let copied = 0;
  const walk = async (rel: string): Promise<void> => {
    const entries = await fsp.readdir(path.join(projectDir, rel), { withFileTypes: true });
    for (const e of entries) {
      const r = rel ? path.join(rel, e.name) : e.name;
      const from = path.join(projectDir, r);
      const to = path.join(dest, r);
      if (e.isDirectory()) {
        if (e.name === '.git' || e.name === '__pycache__') continue;
        await fsp.mkdir(to, { recursive: true });
        await walk(r);
      } else if (e.isFile()) {
        const st = await fsp.stat(from);
        if (st.size > BUILD_COPY_MAX_DATA_BYTES && !CODE_FILE.test(e.name)) continue;
        await fsp.copyFile(from, to);
        await fsp.chmod(to, st.mode & 0o777);
        copied++;
      }
    }
  };
  await fsp.mkdir(dest, { recursive: true });
  await walk('');
  return copied;
}

export interface WheelBuild {
  wheel: string | null;
  name: string | null;
  version: string | null;
  /** The build's output, capped; kept in the environment folder as build.log. */
  log: string;
  message: string;
}

/** name and version from a wheel's file name (PEP 427: name-version(-build)?-py-abi-platform.whl). */
export function wheelNameVersion(file: string): { name: string; version: string } | null {
  const m = /^([^-]+)-([^-]+)(?:-\d[^-]*)?-[^-]+-[^-]+-[^-]+\.whl$/.exec(path.basename(file));
  return m ? { name: m[1]!.replace(/_/g, '-').toLowerCase(), version: m[2]! } : null;
}

/**
 * Build a wheel of `srcDir` (a staged copy the sandbox may write) into `outDir` with the environment's
 * interpreter `python`, inside the sandbox.
 */
export async function buildWheel(
  sandbox: BuildSandbox,
  opts: { python: string; srcDir: string; outDir: string; buildDeps: string | null; version: string; signal?: AbortSignal },
): Promise<WheelBuild> {
  const { python, srcDir, outDir } = opts;
  const r = await sandbox.exec({
    python,
    argv: [python, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '--no-index', '--no-cache-dir', '--disable-pip-version-check', '--progress-bar', 'off', '-w', outDir, srcDir],
    writable: [srcDir, outDir],
    importRoots: opts.buildDeps ? [opts.buildDeps] : [],
    env: {
      PIP_CONFIG_FILE: '/dev/null',
      PIP_NO_INDEX: '1',
      SETUPTOOLS_SCM_PRETEND_VERSION: opts.version,
      // A build must not pick up the build folder of another run or the user's compiler caches.
      PYTHONDONTWRITEBYTECODE: '1',
    },
    timeoutMs: BUILD_TIMEOUT_MS,
    signal: opts.signal,
  });
  const log = `${r.stdout}\n${r.stderr}`.trim();
  if (r.refusal) return { wheel: null, name: null, version: null, log, message: `not built: ${r.refusal}` };
  if (r.timedOut) return { wheel: null, name: null, version: null, log, message: `the build did not finish within ${BUILD_TIMEOUT_MS / 60_000} minutes` };
  const wheels = (await fsp.readdir(outDir).catch(() => [] as string[])).filter((f) => f.endsWith('.whl'));
  if (r.exitCode !== 0 || wheels.length === 0) {
    return { wheel: null, name: null, version: null, log, message: `the build failed: ${buildError(log)}` };
  }
  const wheel = path.join(outDir, wheels.sort()[0]!);
  const nv = wheelNameVersion(wheel);
  return { wheel, name: nv?.name ?? null, version: nv?.version ?? null, log, message: `built ${path.basename(wheel)} in the sandbox` };
}

/** pip's wrapping lines around a failed build: they say that it failed, not why. */
const WRAPPER = /^(error: (subprocess-exited-with-error|metadata-generation-failed)|ERROR: Failed (building wheel|to build)|× |╰─>|note: )/;

/** The line of a build log that says what went wrong. */
export function buildError(log: string): string {
  const lines = log.split('\n').map((l) => l.trim()).filter((l) => l && !WRAPPER.test(l));
  // A compiler's own diagnosis says more than the command line that failed.
  const compiler = lines.find((l) => /fatal error:|: error: /.test(l));
  if (compiler) return compiler.slice(0, 400);
  const python = lines.find((l) => /requires a different Python/.test(l));
  if (python) return python.replace(/^ERROR:\s*/, '');
  const missing = lines.find((l) => /ModuleNotFoundError: No module named|Cannot import '|BackendUnavailable/.test(l));
  if (missing) return `${missing} (the build backend is not installed in the environment)`;
  const err = [...lines].reverse().find((l) => /^(error|ERROR)\b|[A-Za-z]Error:|error:/.test(l));
  return (err ?? lines[lines.length - 1] ?? 'no output').slice(0, 400);
}
