/**
 * Where code runs: in a bubblewrap sandbox, without one (only when allowed), or not at all (the reason says
 * what to install). The choice is made once per interpreter, after a self-check inside the sandbox; launch()
 * then sets up one fresh sandbox per run (run folder, uid lease, scratch archive, environment) and takes it
 * down afterwards.
 */
import { closeSync, promises as fsp, openSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../config.js';
import type { Logger } from '../kernel/log.js';
import { collectingCommand, readOutputs } from './outputs.js';
import { lastLine } from './traceback.js';
import {
  DEFAULT_SCRATCH_BYTES,
  SANDBOX_NS_UID,
  SANDBOX_SCRATCH,
  TIME_FORMAT,
  buildBwrapArgs,
  findTool,
  prlimitArgs,
  type BwrapSupport,
} from './sandbox/bwrap.js';
import type { SandboxDetector } from './sandbox/detect.js';
import { scratchArchive } from './sandbox/scratch.js';
import { namespaceFilter } from './sandbox/seccomp.js';
import { RUN_DIR_PREFIX } from './leftovers.js';
import type { UidLease, UidPool } from './sandbox/uid-pool.js';
import type { InterpreterInfo, LaunchSpec, SandboxLaunch } from './types.js';

export type Sandboxed = { kind: 'bwrap'; support: BwrapSupport } | { kind: 'none' };
export type Isolation = Sandboxed | { kind: 'unavailable'; reason: string; message: string };

/** An interpreter and the isolation its runs get. */
export interface RunEnvironment {
  interp: InterpreterInfo;
  iso: Sandboxed;
}

/** Runs a trivial program in the candidate sandbox: it must print codedistill-ok. */
export type SelfCheck = (iso: Sandboxed, interp: InterpreterInfo) => Promise<{ stdout: string; stderr: string; exitCode: number | null }>;

export type IsolationConfig = Pick<Config, 'sandbox' | 'allowUnsandboxed' | 'childEnv'> & {
  /** Variables every run gets beyond the allow-list (tests tag their sandboxes' processes with one). */
  sandboxEnv?: Record<string, string>;
};

/**
 * The host variables a run may see: locale and time zone only. Everything else a run needs the runner sets
 * itself below; an allow-list, because a deny-list misses what does not look secret (CODEDISTILL_HOME, container
 * names, tool configuration paths, proxy URLs with credentials).
 */
const HOST_ALLOWED = /^(LANG|LANGUAGE|TZ|LC_[A-Z_]+)$/;
const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

export function runEnv(
  childEnv: Record<string, string>,
  opts: { home: string; tmp: string; importRoots: string[]; exeDir: string; extra?: Record<string, string> },
): Record<string, string> {
  const env = Object.fromEntries(Object.entries(childEnv).filter(([k]) => HOST_ALLOWED.test(k)));
  return {
    ...env,
    // `python3` in a subprocess should be the same interpreter (a pyenv shim is not reachable inside); the rest
    // is the system's folders, not the host's PATH (which names folders the sandbox does not show).
    PATH: `${opts.exeDir}:${DEFAULT_PATH}`,
    ...(opts.importRoots.length ? { PYTHONPATH: opts.importRoots.join(path.delimiter) } : {}),
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
    PYTHONHASHSEED: '0',
    PYTHONIOENCODING: 'utf-8',
    PYTHONNOUSERSITE: '1',
    PYTHON_COLORS: '0',
    MPLBACKEND: 'Agg',
    OMP_NUM_THREADS: '1',
    OPENBLAS_NUM_THREADS: '1',
    MKL_NUM_THREADS: '1',
    NUMEXPR_NUM_THREADS: '1',
    HOME: opts.home,
    PWD: opts.home,
    TMPDIR: opts.tmp,
    USER: 'sandbox',
    LOGNAME: 'sandbox',
    ...opts.extra,
  };
}

/** chown -R without following links (lchown): a link the sandbox user made must not hand over its target. */
async function chownTree(p: string, uid: number, gid: number): Promise<void> {
  await fsp.lchown(p, uid, gid);
  const st = await fsp.lstat(p);
  if (!st.isDirectory()) return;
  for (const e of await fsp.readdir(p)) await chownTree(path.join(p, e), uid, gid);
}

async function makeTreeRemovable(dir: string): Promise<void> {
  await fsp.chmod(dir, 0o700).catch(() => undefined);
  const entries = await fsp.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) if (e.isDirectory()) await makeTreeRemovable(path.join(dir, e.name));
}

const refuse = (reason: string): Isolation => ({
  kind: 'unavailable',
  reason,
  message:
    `Repository code is not run without a sandbox: ${reason}. Install bubblewrap (apt-get install bubblewrap) ` +
    'or set CODEDISTILL_ALLOW_UNSANDBOXED=1 to run code without isolation.',
});

export class Isolations {
  // Per interpreter: the self-check inside the sandbox is about that interpreter's files.
  private readonly chosen = new Map<string, Promise<Isolation>>();

  constructor(
    private readonly cfg: IsolationConfig,
    private readonly logger: Logger,
    private readonly detector: SandboxDetector,
    private readonly uids: UidPool,
  ) {}

  choose(python: string, interp: InterpreterInfo, selfCheck: SelfCheck): Promise<Isolation> {
    let p = this.chosen.get(python);
    if (!p) {
      p = this.resolve(interp, selfCheck);
      this.chosen.set(python, p);
    }
    return p;
  }

  /**
   * The isolation to describe an interpreter in, before it is known (no self-check: the probe is the check).
   * Without a sandbox the probe runs on the host only where running code so is allowed.
   */
  async forProbe(): Promise<Isolation> {
    const { cfg } = this;
    if (cfg.sandbox === 'none') {
      return cfg.allowUnsandboxed ? { kind: 'none' } : refuse('CODEDISTILL_SANDBOX is none and CODEDISTILL_ALLOW_UNSANDBOXED is not set');
    }
    const support = await this.detector.detect('bwrap', { PATH: cfg.childEnv.PATH ?? '/usr/bin:/bin' });
    if (support.available) return { kind: 'bwrap', support };
    if (cfg.sandbox === 'auto' && cfg.allowUnsandboxed) return { kind: 'none' };
    return refuse(support.reason ?? 'bubblewrap is unavailable');
  }

  private async resolve(interp: InterpreterInfo, selfCheck: SelfCheck): Promise<Isolation> {
    const { cfg, logger } = this;
    if (cfg.sandbox === 'none') {
      if (cfg.allowUnsandboxed) {
        logger.warn('running code WITHOUT a sandbox (CODEDISTILL_SANDBOX=none, CODEDISTILL_ALLOW_UNSANDBOXED=1)');
        return { kind: 'none' };
      }
      return refuse('CODEDISTILL_SANDBOX is none and CODEDISTILL_ALLOW_UNSANDBOXED is not set');
    }
    const support = await this.detector.detect('bwrap', { PATH: cfg.childEnv.PATH ?? '/usr/bin:/bin' });
    let reason = support.reason;
    if (support.available) {
      // The interpreter must also work inside (its prefix readable by the sandbox user, its libraries visible).
      const check = await selfCheck({ kind: 'bwrap', support }, interp);
      if (check.stdout.includes('codedistill-ok')) {
        logger.debug(`sandbox: bubblewrap ${support.version} (${support.mode} mode, seccomp ${support.features.seccomp ? 'on' : 'off'})`);
        if (!support.features.seccomp) {
          logger.warn(`sandbox: no seccomp filter on this system (${process.arch}); code in the sandbox can create user namespaces`);
        }
        return { kind: 'bwrap', support };
      }
      reason = `the interpreter does not run inside bubblewrap: ${lastLine(check.stderr) || `exit ${check.exitCode}`}`;
    }
    if (cfg.sandbox === 'auto' && cfg.allowUnsandboxed) {
      logger.warn(`running code WITHOUT a sandbox (CODEDISTILL_ALLOW_UNSANDBOXED=1): ${reason}`);
      return { kind: 'none' };
    }
    return refuse(reason ?? 'bubblewrap is unavailable');
  }

  /**
   * Make a run folder (our passwd/group files and seccomp filter; without a sandbox, the scratch folder), lease
   * a uid, build the command line and the scratch archive fed to it on stdin, and hand them
   * to `use`; afterwards release the uid and remove the folder. `use` must not return before every process
   * it started is gone (runCaptured and the batch spawner kill the whole group).
   */
  async launch<T>(environment: RunEnvironment, spec: LaunchSpec, use: (launch: SandboxLaunch) => Promise<T>): Promise<T> {
    const { cfg, logger } = this;
    const { iso, interp } = environment;
    const runDir = await fsp.mkdtemp(path.join(os.tmpdir(), `${RUN_DIR_PREFIX}${process.pid}-`));
    let lease: UidLease | null = null;
    let filterFd: number | null = null;
    let outFd: number | null = null;
    try {
      const exeDir = path.dirname(interp.executable);
      // The scratch files come back through a descriptor on a file of the run folder (outputs.ts).
      const outFile = path.join(runDir, 'outputs.json');
      const collected = (bash: string | null, inside: string, childFd: number, command: string[]): string[] => {
        if (!spec.collect || !bash) return command;
        return collectingCommand(bash, interp.executable, childFd, command, { inside, ...spec.collect });
      };
      const readBack = spec.collect ? { readOutputs: () => readOutputs(outFile, spec.collect!.caps) } : {};
      if (spec.collect) outFd = openSync(outFile, 'w', 0o600);
      if (iso.kind === 'bwrap') {
        const { support } = iso;
        lease = support.mode === 'root' ? this.uids.acquire() : null;
        const uid = lease?.uid ?? SANDBOX_NS_UID;
        // The sandbox user writes only into the folders handed over, and only while it runs.
        if (lease) for (const w of spec.writable ?? []) await chownTree(w, lease.uid, lease.uid);
        const passwdFile = path.join(runDir, 'passwd');
        const groupFile = path.join(runDir, 'group');
        await fsp.writeFile(
          passwdFile,
          `root:x:0:0:root:/root:/usr/sbin/nologin\nsandbox:x:${uid}:${uid}:sandbox:${SANDBOX_SCRATCH}:/bin/sh\n`,
          { mode: 0o644 },
        );
        await fsp.writeFile(groupFile, `root:x:0:\nsandbox:x:${uid}:\n`, { mode: 0o644 });
        const filter = support.features.seccomp ? namespaceFilter() : null;
        if (filter) {
          // A file of its own per run: concurrent bwraps reading one shared descriptor would share its offset.
          const filterFile = path.join(runDir, 'seccomp.bpf');
          await fsp.writeFile(filterFile, filter, { mode: 0o600 });
          filterFd = openSync(filterFile, 'r');
        }
        const measured = spec.measure && support.tools.time !== null;
        const fds = [...(filterFd !== null ? [filterFd] : []), ...(outFd !== null ? [outFd] : [])];
        const childOutFd = outFd !== null ? 3 + fds.indexOf(outFd) : undefined;
        // The snippet and its files go in through stdin (unpacked inside into the scratch tmpfs): nothing of
        // the run is written to the host's disk.
        const input = await scratchArchive(spec.files, { owner: lease?.uid ?? null, mtime: Date.now() / 1000 });
        const args = buildBwrapArgs(support, {
          readOnly: [...interp.mounts, ...spec.importRoots, ...(spec.readOnly ?? [])],
          writable: spec.writable ?? [],
          hide: [os.tmpdir()],
          passwdFile,
          groupFile,
          uid: lease?.uid ?? null,
          limits: spec.limits,
          command: childOutFd !== undefined ? collected(support.tools.bash, SANDBOX_SCRATCH, childOutFd, spec.command(SANDBOX_SCRATCH)) : spec.command(SANDBOX_SCRATCH),
          measure: measured,
          seccomp: filterFd !== null,
          keepFd: childOutFd,
          // What the code may add is capped; what the caller hands over always fits, however large.
          scratchBytes: DEFAULT_SCRATCH_BYTES + input.length,
        });
        const env = runEnv(cfg.childEnv, { home: SANDBOX_SCRATCH, tmp: '/tmp', importRoots: spec.importRoots, exeDir, extra: { ...cfg.sandboxEnv, ...spec.env } });
        return await use({
          file: support.bwrap ?? 'bwrap',
          args,
          env,
          cwd: runDir,
          inside: SANDBOX_SCRATCH,
          measured,
          sandbox: 'bwrap',
          input,
          fds,
          ...readBack,
        });
      }
      const scratch = path.join(runDir, 'scratch');
      await fsp.mkdir(scratch, { mode: 0o700 });
      for (const [name, content] of spec.files) {
        const dest = path.join(scratch, name);
        await fsp.mkdir(path.dirname(dest), { recursive: true });
        await fsp.writeFile(dest, content, { encoding: 'utf8', mode: 0o644 });
      }
      const prlimit = findTool('prlimit');
      const time = spec.measure ? findTool('time') : null;
      // No process limit here: RLIMIT_NPROC counts every process of the user, not just this run's.
      const cmd = [
        ...(prlimit ? [prlimit, ...prlimitArgs({ ...spec.limits, maxProcesses: null })] : []),
        ...(time ? [time, '-f', TIME_FORMAT, '--'] : []),
        ...collected(outFd !== null ? findTool('bash') : null, scratch, 3, spec.command(scratch)),
      ];
      const env = runEnv(cfg.childEnv, { home: scratch, tmp: scratch, importRoots: spec.importRoots, exeDir, extra: { ...cfg.sandboxEnv, ...spec.env } });
      return await use({
        file: cmd[0] as string,
        args: cmd.slice(1),
        env,
        cwd: scratch,
        inside: scratch,
        measured: time !== null,
        sandbox: 'none',
        input: null,
        fds: outFd !== null ? [outFd] : [],
        ...readBack,
      });
    } finally {
      if (filterFd !== null) closeSync(filterFd);
      if (outFd !== null) closeSync(outFd);
      if (lease) {
        const { uid, gid } = os.userInfo();
        for (const w of spec.writable ?? []) await chownTree(w, uid, gid).catch((e) => logger.warn(`could not take back ${w}: ${String(e)}`));
      }
      // The process group is dead by now, so the uid can serve another run.
      lease?.release();
      await fsp.rm(runDir, { recursive: true, force: true }).catch(async () => {
        // The code may have made its own folders unreadable (possible when we are not root).
        await makeTreeRemovable(runDir);
        await fsp.rm(runDir, { recursive: true, force: true }).catch((e) => logger.warn(`could not remove ${runDir}: ${String(e)}`));
      });
    }
  }
}
