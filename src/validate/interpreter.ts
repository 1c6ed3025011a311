/**
 * What an interpreter is: its executable, version, prefixes, the folders the sandbox must show for it to run,
 * its standard library and what is installed. Probed by running our own short program with it (-I: no user
 * site, no PYTHON* variables); each Interpreters object keeps its answers per command.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../config.js';
import type { Logger } from '../kernel/log.js';
import { runCaptured } from '../kernel/proc.js';
import { lastLine } from './traceback.js';
import type { EnvironmentRef } from '../domain/environment.js';
import type { InterpreterInfo } from './types.js';

// Our own code: lists what the interpreter is, where it lives and what is installed.
const PROBE = `
import sys, os, json, platform, pkgutil
dists = set()
try:
    from importlib import metadata
    for d in metadata.distributions():
        try:
            name = d.metadata["Name"]
        except Exception:
            name = None
        if name:
            dists.add(name + "==" + str(d.version))
except Exception:
    pass
tops = set()
try:
    tops = {m.name for m in pkgutil.iter_modules()}
except Exception:
    pass
print(json.dumps({
    "executable": sys.executable,
    "version": platform.python_version(),
    "implementation": platform.python_implementation(),
    "prefixes": sorted({sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}),
    "realExecutableDir": os.path.dirname(os.path.realpath(sys.executable)),
    "path": [p for p in sys.path if p],
    "stdlib": sorted(set(getattr(sys, "stdlib_module_names", ())) | set(sys.builtin_module_names)),
    "installed": sorted(tops),
    "dists": sorted(dists),
}))
`;

interface ProbeOutput {
  executable: string;
  version: string;
  implementation: string;
  prefixes: string[];
  realExecutableDir: string;
  path: string[];
  stdlib: string[];
  installed: string[];
  dists: string[];
}

/** Environment variables that would steer the interpreter or point at host paths the sandbox hides. */
export function baseEnv(childEnv: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(childEnv)) {
    if (k.startsWith('PYTHON') || k.startsWith('XDG_') || k === 'LD_PRELOAD' || k === 'MPLCONFIGDIR') continue;
    if (['TMPDIR', 'TMP', 'TEMP', 'PWD', 'OLDPWD', 'HOME', 'USER', 'LOGNAME'].includes(k)) continue;
    // Shell start-up hooks: they would run in (or switch on tracing for) the sandbox's launcher script.
    if (k.startsWith('BASH_FUNC_') || ['BASH_ENV', 'ENV', 'SHELLOPTS', 'BASHOPTS'].includes(k)) continue;
    env[k] = v;
  }
  return env;
}

export function within(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent.endsWith('/') ? parent : `${parent}/`);
}

/** Folders of every hop of a symlink chain ending at `file` (the final target's folder included). */
async function linkFolders(file: string): Promise<string[]> {
  const out: string[] = [];
  let current = file;
  for (let hop = 0; hop < 16; hop++) {
    const target = await fsp.readlink(current).catch(() => null);
    if (target === null) break;
    current = path.resolve(path.dirname(current), target);
    out.push(path.dirname(current));
  }
  return out;
}

/** Probed interpreters, keyed by the command as given: a library's own interpreter is probed once, beside the configured one. */
export class Interpreters {
  private readonly cache = new Map<string, Promise<InterpreterInfo | { error: string }>>();
  private readonly environments = new Map<string, EnvironmentRef>();

  constructor(
    private readonly cfg: Pick<Config, 'python' | 'childEnv'>,
    private readonly logger: Logger,
  ) {}

  /** Runs naming ref.python use the environment; registering it again (rebuilt) replaces the description. */
  register(ref: EnvironmentRef): void {
    this.environments.set(ref.python, ref);
    this.cache.delete(ref.python);
  }

  get(python: string = this.cfg.python): Promise<InterpreterInfo | { error: string }> {
    const env = this.environments.get(python);
    if (env) {
      let p = this.cache.get(python);
      if (!p) {
        p = this.get(env.base).then((base) => ('error' in base ? base : environmentInterpreter(base, env)));
        this.cache.set(python, p);
        p.then((r) => 'error' in r && this.cache.delete(python)).catch(() => undefined);
      }
      return p;
    }
    let p = this.cache.get(python);
    if (!p) {
      p = probeInterpreter(python, this.cfg, this.logger).then((r) => {
        // A failed probe is retried on the next call (the interpreter may be installed meanwhile).
        if ('error' in r) this.cache.delete(python);
        return r;
      });
      this.cache.set(python, p);
    }
    return p;
  }
}

async function probeInterpreter(
  python: string,
  cfg: Pick<Config, 'python' | 'childEnv'>,
  logger: Logger,
): Promise<InterpreterInfo | { error: string }> {
  const env = baseEnv(cfg.childEnv);
  // The configured interpreter is fixed by CODEDISTILL_PYTHON; another one was chosen for a repository.
  const fix =
    python === cfg.python
      ? 'set CODEDISTILL_PYTHON to a working Python 3'
      : 'recreate that environment, or pass an interpreter that exists here (distill --python); without one, runs use CODEDISTILL_PYTHON';
  const r = await runCaptured(python, ['-I', '-c', PROBE], {
    env: { ...env, HOME: os.homedir() },
    cwd: os.tmpdir(),
    timeoutMs: 60_000,
    capBytes: 16 * 1024 * 1024,
  });
  if (r.spawnError) {
    return {
      error:
        r.spawnError.code === 'ENOENT'
          ? python === cfg.python
            ? `Python interpreter "${python}" was not found; install Python 3 or set CODEDISTILL_PYTHON to its path.`
            : `Python interpreter "${python}" was not found; ${fix}.`
          : `Python interpreter "${python}" could not be started (${r.spawnError.message}); ${fix}.`,
    };
  }
  let data: ProbeOutput;
  try {
    if (r.exitCode !== 0) throw new Error(lastLine(r.stderr.toString()) || `exit ${r.exitCode ?? r.signal}`);
    data = JSON.parse(r.stdout.toString()) as ProbeOutput;
    if (!data.executable) throw new Error('it reports no executable path');
  } catch (e) {
    return {
      error: `Python interpreter "${python}" did not describe itself (${(e as Error).message}); ${fix}.`,
    };
  }
  const home = os.homedir();
  // A virtualenv's bin/python links (maybe through several hops) to a base interpreter elsewhere; its
  // prefixes cover the venv and the base, the hops' folders make every link resolvable inside.
  const mounts = new Set<string>([
    ...data.prefixes,
    data.realExecutableDir,
    path.dirname(data.executable),
    ...(await linkFolders(data.executable)),
  ]);
  // sys.path entries outside the prefixes (.pth files, editable installs) are part of the environment.
  for (const p of data.path) {
    const st = path.isAbsolute(p) ? await fsp.stat(p).catch(() => null) : null;
    if (st?.isDirectory()) mounts.add(p);
  }
  // Never the whole system or a folder holding the home folder, whatever the interpreter reports; if it
  // needed one, the sandbox self-check says so.
  const safeMounts = [...mounts].filter((m) => path.isAbsolute(m) && m !== '/' && !(home !== '/' && within(home, m)));
  const environmentHash = createHash('sha256')
    .update(`${data.implementation} ${data.version}\n${data.dists.join('\n')}`)
    .digest('hex');
  logger.debug(`python: ${data.executable} ${data.version}, ${data.dists.length} distributions`);
  return {
    executable: data.executable,
    version: data.version,
    implementation: data.implementation,
    mounts: safeMounts,
    stdlib: new Set(data.stdlib),
    installed: new Set(data.installed),
    environmentHash,
    distributions: data.dists,
    display: `${data.executable} (${data.version})`,
  };
}

/**
 * An environment made from a base interpreter (environment/): the base's description plus the environment's
 * folder and modules. Its python is never started on the host.
 */
export function environmentInterpreter(base: InterpreterInfo, ref: EnvironmentRef): InterpreterInfo {
  return {
    ...base,
    executable: ref.python,
    mounts: [...new Set([...base.mounts, ref.dir])],
    installed: new Set([...base.installed, ...ref.modules]),
    environmentHash: ref.lockHash,
    environment: path.basename(ref.dir),
    // The environment's folder name is its key: one name for it in every message.
    display: `${ref.python} (${base.version}, environment ${path.basename(ref.dir)})`,
  };
}
