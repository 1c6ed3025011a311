import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The environment of a pip child in tests: this machine's pip and uv settings (PIP_*, UV_* and the config files,
 * which point at local wheel folders and indexes CI does not have) must not leak in. PIP_CONFIG_FILE=/dev/null
 * makes pip skip every configuration file; `extra` adds the settings a test means to give.
 */
export function pipEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith('PIP_') || k.startsWith('UV_')) continue;
    env[k] = v;
  }
  return {
    ...env,
    PIP_CONFIG_FILE: '/dev/null',
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    PIP_NO_INPUT: '1',
    PIP_NO_CACHE_DIR: '1',
    PYTHONDONTWRITEBYTECODE: '1',
    ...extra,
  };
}

export interface WheelhouseOptions {
  python?: string;
}

/**
 * Build one wheel per package folder into outDir with the base interpreter's own build backends (no build
 * isolation, no index: nothing is downloaded) and return the wheel paths, in the order of pkgDirs.
 * Each package is built from a copy: pip builds local folders in place and would leave build/ and *.egg-info in
 * the fixture. A .git folder is copied too, so a setuptools_scm package can be given a tagged history.
 */
export async function buildWheelhouse(pkgDirs: string[], outDir: string, opts: WheelhouseOptions = {}): Promise<string[]> {
  const python = opts.python ?? '/usr/bin/python3';
  mkdirSync(outDir, { recursive: true });
  const staging = mkdtempSync(path.join(os.tmpdir(), 'cd-wheelhouse-'));
  try {
    const wheels: string[] = [];
    for (const [i, dir] of pkgDirs.entries()) {
      const src = path.join(staging, `${i}`, path.basename(dir));
      cpSync(dir, src, {
        recursive: true,
        filter: (p) => {
          const rel = path.relative(dir, p);
          return path.basename(p) !== '__pycache__' && !['build', 'dist'].includes(rel) && !(rel.endsWith('.egg-info') && !rel.includes(path.sep));
        },
      });
      const out = path.join(staging, `${i}-out`);
      try {
        await run(python, ['-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '--no-index', '-w', out, src], {
          env: pipEnv(),
          maxBuffer: 16 * 1024 * 1024,
        });
      } catch (e) {
        const err = e as { stderr?: string; stdout?: string; message: string };
        throw new Error(`pip wheel failed for ${dir}: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
      }
      const built = readdirSync(out).filter((f) => f.endsWith('.whl'));
      if (built.length !== 1) throw new Error(`pip wheel for ${dir} made ${built.length} wheels: ${built.join(', ')}`);
      const target = path.join(outDir, built[0]!);
      copyFileSync(path.join(out, built[0]!), target);
      wheels.push(target);
    }
    return wheels;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Copy a fixture into parent as a git repository with one commit tagged `tag`, as a checkout of a
 * setuptools_scm project is (the fixture in this repo is not its own repository, so its version is unknowable).
 */
export async function copyAsTaggedRepo(src: string, parent: string, tag: string): Promise<string> {
  const dest = path.join(parent, path.basename(src));
  cpSync(src, dest, { recursive: true, filter: (p) => path.basename(p) !== '__pycache__' });
  const git = (...args: string[]) =>
    run('git', ['-c', 'user.name=codedistill-test', '-c', 'user.email=test@codedistill.invalid', '-c', 'commit.gpgsign=false', '-c', 'tag.gpgsign=false', ...args], {
      cwd: dest,
      env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
    });
  await git('init', '-q');
  await git('add', '-A');
  await git('commit', '-q', '-m', 'fixture');
  await git('tag', tag);
  return dest;
}

/**
 * Why the environment tests cannot run here, or null: the apt packages .ci/run installs (python3 with venv, pip,
 * setuptools, wheel, setuptools_scm and its headers; gcc; git).
 */
export async function missingBuildTools(python = '/usr/bin/python3'): Promise<string | null> {
  if (path.isAbsolute(python) && !existsSync(python)) return `${python} is not installed`;
  // setuptools before anything importing distutils (Debian's setuptools insists on replacing it first).
  const check =
    'import setuptools, setuptools_scm, wheel, venv, ensurepip, sysconfig, os, importlib.util as u\n' +
    'assert u.find_spec("pip"), "no pip"\n' +
    'assert os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")), "no Python.h"\n';
  try {
    await run(python, ['-c', check], { env: pipEnv() });
  } catch (e) {
    const last = ((e as { stderr?: string }).stderr ?? String(e)).trim().split('\n').pop();
    return `${python} lacks a build tool of .ci/run (python3-venv, -pip, -setuptools, -wheel, -setuptools-scm, -dev): ${last}`;
  }
  for (const tool of ['gcc', 'git']) {
    try {
      await run(tool, ['--version']);
    } catch {
      return `${tool} is not installed`;
    }
  }
  return null;
}

/** True when the test can go on; skips it where a prerequisite is missing, but fails under CI, which has them all. */
export function prerequisitesOrSkip(t: { skip(message?: string): void }, missing: string | null): boolean {
  if (!missing) return true;
  if (process.env.CI === 'true') throw new Error(`CI must have the environment tests' prerequisites (.ci/run installs them): ${missing}`);
  t.skip(missing);
  return false;
}
