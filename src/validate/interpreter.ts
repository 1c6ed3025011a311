/**
 * What an interpreter is: its executable, version, prefixes, the folders the sandbox must show for it to run,
 * its standard library and what is installed. Probed by running our own short program with it (-I: no user
 * site, no PYTHON* variables) INSIDE the sandbox, after interpreter-guard.ts has judged its path: an interpreter
 * is never started on the host just to learn what it is. Each Interpreters object keeps its answers per command.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../config.js';
import { isCodedistillError } from '../kernel/errors.js';
import { describeExit } from '../kernel/exit-status.js';
import type { Logger } from '../kernel/log.js';
import { lastLine } from './traceback.js';
import type { EnvironmentRef } from '../domain/environment.js';
import { checkInterpreter, preliminaryMounts, type InterpreterTrust } from './interpreter-guard.js';
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

/** What a probe run gives back (the isolation's run, capped). */
export interface ProbeResult {
  spawnError?: NodeJS.ErrnoException | null;
  /** Set when no sandbox may run it: the isolation's refusal, said as is. */
  refusal?: string | null;
  exitCode: number | null;
  signal?: string | null;
  stdout: string;
  stderr: string;
}

/** Runs `file args` in a fresh sandbox that shows `mounts` read-only (runner.ts makes it from the isolation). */
export type ProbeExec = (file: string, args: string[], mounts: string[]) => Promise<ProbeResult>;

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
    private readonly cfg: Pick<Config, 'python'>,
    private readonly logger: Logger,
    private readonly trust: InterpreterTrust,
    private readonly exec: ProbeExec,
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
      p = probeInterpreter(python, this.cfg, this.logger, this.trust, this.exec).then((r) => {
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
  cfg: Pick<Config, 'python'>,
  logger: Logger,
  trust: InterpreterTrust,
  exec: ProbeExec,
): Promise<InterpreterInfo | { error: string }> {
  // The configured interpreter is fixed by CODEDISTILL_PYTHON; another one was chosen for a repository.
  const fix =
    python === cfg.python
      ? 'set CODEDISTILL_PYTHON to a working Python 3'
      : 'recreate that environment, or pass an interpreter that exists here (distill --python); without one, runs use CODEDISTILL_PYTHON';
  let file: string | null;
  try {
    file = await checkInterpreter(python, trust, { configured: python === cfg.python });
  } catch (e) {
    if (isCodedistillError(e)) return { error: `${e.message} ${e.hint}` };
    throw e;
  }
  if (file === null) {
    return {
      error:
        python === cfg.python
          ? `Python interpreter "${python}" was not found; install Python 3 or set CODEDISTILL_PYTHON to its path.`
          : `Python interpreter "${python}" was not found; ${fix}.`,
    };
  }
  const r = await exec(file, ['-I', '-c', PROBE], await preliminaryMounts(file));
  if (r.refusal) return { error: `Python interpreter "${python}" was not probed: ${r.refusal}` };
  if (r.spawnError) {
    return { error: `Python interpreter "${python}" could not be started (${r.spawnError.message}); ${fix}.` };
  }
  let data: ProbeOutput;
  try {
    if (r.exitCode !== 0) throw new Error(lastLine(r.stderr) || describeExit(r.exitCode, r.signal));
    data = JSON.parse(r.stdout) as ProbeOutput;
    if (!data.executable) throw new Error('it reports no executable path');
  } catch (e) {
    return {
      error: `Python interpreter "${python}" did not describe itself (${(e as Error).message}); ${fix}.`,
    };
  }
  // The interpreter must be the file given (or a venv's link to it), not a stand-in started by it.
  const [givenReal, reportedReal] = await Promise.all([fsp.realpath(file).catch(() => file), fsp.realpath(data.executable).catch(() => data.executable)]);
  if (python !== cfg.python && givenReal !== reportedReal) {
    return { error: `Python interpreter "${python}" reports itself as ${data.executable}: it is not a Python interpreter itself; pass that one, or nothing (the library's own environment).` };
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
