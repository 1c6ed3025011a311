/**
 * What installs packages into an environment: uv when it is on PATH (much faster), pip otherwise. Both run on
 * the host with the user's own environment, so their own configuration applies exactly as on the command line
 * (pip.conf, PIP_INDEX_URL, PIP_FIND_LINKS, PIP_NO_INDEX; uv.toml, UV_INDEX_URL, UV_FIND_LINKS, UV_OFFLINE).
 * They only ever install wheels here (--only-binary :all:): installing a wheel runs none of its code, and every
 * build of repository code happens in the sandbox instead (package-build.ts).
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { runCaptured } from '../kernel/proc.js';

export interface InstallOptions {
  /** Install into this folder (pip --target) instead of the environment: build requirements. */
  target?: string;
  upgrade?: boolean;
  noDeps?: boolean;
  /**
   * Install over a distribution of the same name and version already there: the repository's own wheel replaces
   * the release a requirement pulled in from the index (chemicals needs fluids), which pip would otherwise keep.
   */
  reinstall?: boolean;
  /** Local files only (the repository's own wheel): no index is asked. */
  offline?: boolean;
  signal?: AbortSignal;
}

export interface InstallResult {
  ok: boolean;
  /** The tool's output (stdout then stderr), capped. */
  output: string;
  durationMs: number;
}

export interface Installer {
  readonly name: 'pip' | 'uv';
  /** A virtual environment at `dir` from `base`, seeing the base's packages (--system-site-packages). */
  createVenv(base: string, dir: string, signal?: AbortSignal): Promise<InstallResult>;
  /** Install requirements (PEP 508 strings or wheel paths) with the environment's interpreter `python`. */
  install(python: string, requirements: string[], opts?: InstallOptions): Promise<InstallResult>;
}

export interface InstallerEnv {
  /** The user's environment (less secrets by name): pip's and uv's own settings come with it. */
  env: Record<string, string>;
  cwd: string;
}

/** A short network timeout and no retries: an unreachable index fails in seconds, not minutes. */
const NETWORK_TIMEOUT_S = 15;
/** One install call; a large scientific stack from a local index takes a few minutes at most. */
const INSTALL_TIMEOUT_MS = 15 * 60_000;
const OUTPUT_BYTES = 256 * 1024;

async function call(file: string, args: string[], ctx: InstallerEnv, extraEnv: Record<string, string>, signal?: AbortSignal): Promise<InstallResult> {
  const r = await runCaptured(file, args, {
    env: { ...ctx.env, ...extraEnv },
    cwd: ctx.cwd,
    timeoutMs: INSTALL_TIMEOUT_MS,
    capBytes: OUTPUT_BYTES,
    signal,
  });
  const output = `${r.stdout.toString('utf8')}\n${r.stderr.toString('utf8')}`.trim();
  if (r.spawnError) return { ok: false, output: `${file} could not be started: ${r.spawnError.message}`, durationMs: r.durationMs };
  if (r.timedOut) return { ok: false, output: `${output}\n(stopped after ${INSTALL_TIMEOUT_MS / 60_000} minutes)`, durationMs: r.durationMs };
  return { ok: r.exitCode === 0, output, durationMs: r.durationMs };
}

export function pipInstaller(ctx: InstallerEnv): Installer {
  return {
    name: 'pip',
    // pip itself comes from the base (visible through --system-site-packages): no copy of pip per environment.
    createVenv: (base, dir, signal) => call(base, ['-m', 'venv', '--system-site-packages', '--without-pip', dir], ctx, {}, signal),
    install: (python, requirements, opts = {}) =>
      call(
        python,
        [
          '-m',
          'pip',
          'install',
          '--disable-pip-version-check',
          '--no-input',
          '--progress-bar',
          'off',
          '--retries',
          '0',
          '--timeout',
          String(NETWORK_TIMEOUT_S),
          '--only-binary',
          ':all:',
          ...(opts.offline ? ['--no-index'] : []),
          ...(opts.upgrade ? ['--upgrade'] : []),
          ...(opts.noDeps ? ['--no-deps'] : []),
          ...(opts.reinstall ? ['--force-reinstall'] : []),
          ...(opts.target ? ['--target', opts.target] : []),
          // Whatever a requirement looks like, it is never read as an option.
          '--',
          ...requirements,
        ],
        ctx,
        {},
        opts.signal,
      ),
  };
}

export function uvInstaller(uv: string, ctx: InstallerEnv): Installer {
  // uv's own timeout setting wins when the user has one.
  const extra: Record<string, string> = ctx.env.UV_HTTP_TIMEOUT ? {} : { UV_HTTP_TIMEOUT: String(NETWORK_TIMEOUT_S) };
  return {
    name: 'uv',
    createVenv: (base, dir, signal) => call(uv, ['venv', '--system-site-packages', '--python', base, '--quiet', dir], ctx, extra, signal),
    install: (python, requirements, opts = {}) =>
      call(
        uv,
        [
          'pip',
          'install',
          '--python',
          python,
          '--only-binary',
          ':all:',
          ...(opts.offline ? ['--offline', '--no-index'] : []),
          ...(opts.upgrade ? ['--upgrade'] : []),
          ...(opts.noDeps ? ['--no-deps'] : []),
          ...(opts.reinstall ? ['--reinstall'] : []),
          ...(opts.target ? ['--target', opts.target] : []),
          '--',
          ...requirements,
        ],
        ctx,
        extra,
        opts.signal,
      ),
  };
}

/** uv when an executable `uv` is on the user's PATH, else pip. */
export function chooseInstaller(ctx: InstallerEnv): Installer {
  for (const dir of (ctx.env.PATH ?? '').split(path.delimiter)) {
    if (!dir || !path.isAbsolute(dir)) continue;
    const p = path.join(dir, 'uv');
    try {
      const st = statSync(p);
      if (st.isFile() && st.mode & 0o111) return uvInstaller(p, ctx);
    } catch {
      // not in this folder
    }
  }
  return pipInstaller(ctx);
}

/**
 * Why a requirement could not be installed, in a phrase, from the tool's output; the last lines when the
 * output says nothing recognisable.
 */
export function installFailureReason(output: string): string {
  const text = output.replace(/\r/g, '');
  if (/Name or service not known|Temporary failure in name resolution|Failed to establish a new connection|Connection refused|Network is unreachable|No route to host|ConnectTimeout|timed out|dns error|failed to connect/i.test(text)) {
    const url = /(https?:\/\/[^\s'"]+)/.exec(text)?.[1];
    return `the package index is unreachable${url ? ` (${url.replace(/\/\/[^/@]*@/, '//')})` : ''}`;
  }
  const versions = /Could not find a version that satisfies the requirement (\S+) \(from versions: ([^)]*)\)/.exec(text);
  if (versions) {
    const v = versions[2]!.trim();
    return v === 'none' ? 'not found as a wheel in the configured index or wheel folders (or the index did not answer)' : `no wheel matches ${versions[1]} (available: ${v.length > 120 ? `${v.slice(0, 120)}…` : v})`;
  }
  if (/No matching distribution found|not found in the package registry|No solution found|Because .* was not found/i.test(text)) {
    return 'not found as a wheel in the configured index or wheel folders (or the index did not answer)';
  }
  if (/ResolutionImpossible|conflicting dependencies|unsatisfiable/i.test(text)) return 'its version constraints conflict with other requirements';
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !/^(WARNING|DEPRECATION|notice)/i.test(l));
  return lines.slice(-2).join(' ').slice(0, 300) || 'the installer failed without saying why';
}

const NAME = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/;
const normalised = (s: string) => s.toLowerCase().replace(/[-_.]+/g, '-');

/**
 * The one requirement of `pending` an install failed on, when the tool names it (pip stops at the first it cannot
 * find; uv says which one was not found); null when the output does not say.
 */
export function blamedRequirement(output: string, pending: readonly string[]): string | null {
  const said = [
    /No matching distribution found for (\S+)/,
    /Could not find a version that satisfies the requirement (\S+)/,
    /Invalid requirement: '([^']+)'/,
    /Because (\S+) was not found in the package registry/,
    /No solution found when resolving dependencies:\s*\n\s*╰─▶ Because (\S+)/,
  ]
    .map((re) => re.exec(output)?.[1])
    .find((x) => x !== undefined);
  if (!said) return null;
  const exact = pending.find((r) => r === said);
  if (exact) return exact;
  const name = NAME.exec(said)?.[1];
  return (name && pending.find((r) => NAME.exec(r)?.[1] && normalised(NAME.exec(r)![1]!) === normalised(name))) ?? null;
}
