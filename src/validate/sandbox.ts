/**
 * Bubblewrap detection and the command line that runs untrusted Python.
 *
 * What the sandboxed code sees:
 * - a fresh root: /usr (and the /bin, /lib... links to it) and a short list of /etc files, read-only;
 *   /etc/passwd and /etc/group are ours, listing only root and the sandbox user;
 * - the interpreter's prefixes and the import roots, read-only, at their host paths;
 * - the scratch folder, read-write, at /sandbox (HOME and cwd), plus private size-capped tmpfs on /tmp and
 *   /dev/shm; nothing else is writable;
 * - its own /proc (new pid namespace: the host's processes, /proc/1/environ of the host and the parent's
 *   environment are not there) and a minimal /dev;
 * - no network (new network namespace with only a loopback), its own ipc, uts and cgroup namespaces.
 * Not visible at all: /root, /home, /work, /var, /opt, /run, /srv, /mnt, /sys, other /etc files.
 *
 * Limits: prlimit sets CPU seconds, address space (memoryLimitMb), file size, no core files, and the number of
 * processes. RLIMIT_NPROC is not enforced for uid 0, and bubblewrap run by root maps the sandbox user back to
 * uid 0 even with --unshare-user. So when we are root, bwrap keeps the host user namespace and the code drops
 * (setpriv, inside the sandbox after the mounts are set up) to an unprivileged uid from a pool reserved for
 * this process, with every capability and the bounding set cleared and no_new_privs set. Each concurrent run
 * gets its own uid, so the process budget of one run is not shared with another. When we are not root, bwrap
 * makes a user namespace; the process count of a fresh namespace starts at zero, so the limit applies to
 * the sandbox alone.
 */
import { promises as fsp, lstatSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCaptured } from './spawn.js';

/** Where the scratch folder appears inside the sandbox. */
export const SANDBOX_SCRATCH = '/sandbox';
/** Sandbox uid inside a user namespace (not root). */
export const SANDBOX_NS_UID = 65534;
/** Processes (threads count too) one run may have at once. */
export const DEFAULT_MAX_PROCESSES = 128;
/** Largest file a run may write. */
export const DEFAULT_MAX_FILE_BYTES = 256 * 1024 * 1024;
/** Size of each private tmpfs (/tmp, /dev/shm); tmpfs pages are RAM and not counted by RLIMIT_AS. */
export const DEFAULT_TMPFS_BYTES = 256 * 1024 * 1024;

/** Files from /etc that programs commonly need and that hold no secrets. */
const ETC_ALLOW = [
  'alternatives',
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'localtime',
  'timezone',
  'nsswitch.conf',
  'hosts',
  'host.conf',
  'gai.conf',
  'protocols',
  'services',
  'mime.types',
  'os-release',
  'debian_version',
  'locale.alias',
  'locale.conf',
  'ssl',
  'ca-certificates',
  'ca-certificates.conf',
  'fonts',
  'matplotlibrc',
  'xdg',
];

export interface BwrapSupport {
  available: boolean;
  bwrap: string | null;
  version: string | null;
  /** root: no user namespace, setpriv drops to a pool uid; userns: bwrap's own user namespace. */
  mode: 'root' | 'userns' | null;
  features: { size: boolean; perms: boolean; disableUserns: boolean };
  tools: { setpriv: string | null; prlimit: string | null; time: string | null };
  reason: string | null;
}

export interface ResourceLimits {
  cpuSeconds: number;
  addressSpaceBytes: number;
  /** Null: leave the limit alone (used without a sandbox, where it would count every process of the user). */
  maxProcesses: number | null;
  fileSizeBytes: number;
}

export interface SandboxPlan {
  /** Host folder mounted read-write at SANDBOX_SCRATCH. */
  scratchHost: string;
  /** Host paths mounted read-only at the same path: interpreter prefixes, import roots. */
  readOnly: string[];
  /** Host folders covered by an empty tmpfs when a read-only tree contains them (the folder of all runs). */
  hide?: string[];
  /** Host files shown as /etc/passwd and /etc/group. */
  passwdFile: string;
  groupFile: string;
  /** Root mode only: the uid and gid the code runs as. */
  uid: number | null;
  limits: ResourceLimits;
  /** The program and arguments, as seen inside the sandbox. */
  command: string[];
  /** Append GNU time's peak-memory line to stderr. */
  measure: boolean;
}

/** Format of the line GNU time appends to stderr; the runner strips it. */
export const TIME_MARKER = '__codedistill_rusage__';
export const TIME_FORMAT = `${TIME_MARKER} peak_kb=%M`;

const TOOL_DIRS = ['/usr/bin', '/bin', '/usr/sbin', '/sbin'];
export function findTool(name: string): string | null {
  for (const dir of TOOL_DIRS) {
    const p = path.join(dir, name);
    try {
      const st = statSync(p);
      if (st.isFile() && st.mode & 0o111) return p;
    } catch {
      // try the next folder
    }
  }
  return null;
}

/** prlimit arguments, ending with `--`. */
export function prlimitArgs(limits: ResourceLimits): string[] {
  const cpu = Math.max(1, Math.ceil(limits.cpuSeconds));
  const args = [
    // Soft limit sends SIGXCPU, the hard one a second later SIGKILL.
    `--cpu=${cpu}:${cpu + 1}`,
    `--as=${limits.addressSpaceBytes}`,
    `--fsize=${limits.fileSizeBytes}`,
    '--core=0',
  ];
  if (limits.maxProcesses !== null) args.push(`--nproc=${limits.maxProcesses}`);
  return [...args, '--'];
}

/** Directories to mount a path on, shallowest first. */
function ancestors(p: string): string[] {
  const out: string[] = [];
  let cur = path.dirname(p);
  while (cur !== '/' && cur !== '.') {
    out.unshift(cur);
    cur = path.dirname(cur);
  }
  return out;
}

function within(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent.endsWith('/') ? parent : `${parent}/`);
}

/** Readable and searchable by a user that is neither owner nor in the group. */
function worldReadableDir(p: string): boolean {
  try {
    const st = statSync(p);
    return (st.mode & 0o005) === 0o005;
  } catch {
    return true;
  }
}

/** The full bwrap command line for one run. */
export function buildBwrapArgs(support: BwrapSupport, plan: SandboxPlan): string[] {
  if (!support.available || !support.bwrap || !support.mode || !support.tools.prlimit) {
    throw new Error('bubblewrap is not available');
  }
  const a: string[] = [];
  const perms = (mode: string) => (support.features.perms ? ['--perms', mode] : []);
  const size = (bytes: number) => (support.features.size ? ['--size', String(bytes)] : []);

  a.push('--unshare-ipc', '--unshare-pid', '--unshare-net', '--unshare-uts', '--unshare-cgroup-try');
  if (support.mode === 'userns') {
    a.push('--unshare-user', '--uid', String(SANDBOX_NS_UID), '--gid', String(SANDBOX_NS_UID));
    if (support.features.disableUserns) a.push('--disable-userns');
  }
  a.push('--die-with-parent', '--new-session', '--hostname', 'sandbox');

  // System, read-only. On merged-/usr systems /bin, /lib... are links into /usr.
  a.push('--ro-bind', '/usr', '/usr');
  for (const top of ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) {
    try {
      const st = lstatSync(top);
      if (st.isSymbolicLink()) a.push('--symlink', readlinkSync(top), top);
      else if (st.isDirectory()) a.push('--ro-bind', top, top);
    } catch {
      // absent on this system
    }
  }
  // Folders bwrap creates for mount points are 0700: the unprivileged sandbox user could not enter them.
  a.push(...perms('0755'), '--dir', '/etc');
  for (const name of ETC_ALLOW) a.push('--ro-bind-try', path.join('/etc', name), path.join('/etc', name));
  a.push('--ro-bind', plan.passwdFile, '/etc/passwd', '--ro-bind', plan.groupFile, '/etc/group');

  a.push('--proc', '/proc', '--dev', '/dev');
  a.push(...size(DEFAULT_TMPFS_BYTES), ...perms('1777'), '--tmpfs', '/tmp');
  a.push(...size(DEFAULT_TMPFS_BYTES), ...perms('1777'), '--tmpfs', '/dev/shm');

  // Read-only trees at their host paths. Parents first; a path inside an earlier one is already visible.
  const roots = [...new Set(plan.readOnly.map((p) => path.resolve(p)))].sort();
  // /tmp is an empty tmpfs here, so trees under it still need mounting.
  const mounted: string[] = ['/usr', '/tmp', '/proc', '/dev'];
  const covered = (p: string) => mounted.some((m) => (m === '/tmp' ? p === m : within(p, m)));
  const made = new Set<string>();
  for (const root of roots) {
    if (covered(root)) continue;
    // bwrap makes the parents it creates 0700; make them searchable for the sandbox user.
    for (const dir of ancestors(root)) {
      if (made.has(dir) || covered(dir)) continue;
      made.add(dir);
      a.push(...perms('0755'), '--dir', dir);
    }
    if (support.mode === 'root' && !worldReadableDir(root)) {
      // The code runs as an unprivileged uid that cannot enter a 0700 folder (mkdtemp makes those). Recreate
      // the folder itself with a searchable mode and mount its entries one by one.
      let entries: string[] = [];
      try {
        entries = readdirSync(root);
      } catch {
        entries = [];
      }
      if (entries.length <= 2000) {
        made.add(root);
        a.push(...perms('0755'), '--dir', root);
        for (const e of entries) a.push('--ro-bind', path.join(root, e), path.join(root, e));
        mounted.push(root);
        continue;
      }
    }
    a.push('--ro-bind', root, root);
    mounted.push(root);
  }

  for (const h of plan.hide ?? []) {
    const abs = path.resolve(h);
    if (abs !== '/tmp' && roots.some((r) => within(abs, r) && abs !== r)) a.push('--tmpfs', abs);
  }

  a.push('--bind', plan.scratchHost, SANDBOX_SCRATCH, '--chdir', SANDBOX_SCRATCH);
  a.push('--remount-ro', '/');

  const inner: string[] = [];
  if (support.mode === 'root') {
    if (plan.uid === null || !support.tools.setpriv) throw new Error('root mode needs a uid and setpriv');
    a.push('--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID', '--cap-add', 'CAP_SETPCAP');
    inner.push(
      support.tools.setpriv,
      `--reuid=${plan.uid}`,
      `--regid=${plan.uid}`,
      '--clear-groups',
      '--bounding-set=-all',
      '--inh-caps=-all',
      '--no-new-privs',
      '--',
    );
  }
  inner.push(support.tools.prlimit, ...prlimitArgs(plan.limits));
  if (plan.measure && support.tools.time) inner.push(support.tools.time, '-f', TIME_FORMAT, '--');
  inner.push(...plan.command);
  return [...a, '--', ...inner];
}

// ---- uid pool (root mode) -------------------------------------------------------------------------------

/** First uid of the pool: far above regular and subordinate-uid ranges; the process id spreads pools apart. */
const UID_BASE = 1_800_000_000;
const UID_SLOTS = 64;
const inUse = new Set<number>();
let roundRobin = 0;

/** A uid for one run; distinct among concurrent runs in this process (up to 64, then shared). */
export function acquireSandboxUid(): { uid: number; release: () => void } {
  const base = UID_BASE + (process.pid % 100_000) * UID_SLOTS;
  let slot = -1;
  for (let i = 0; i < UID_SLOTS; i++) {
    if (!inUse.has(i)) {
      slot = i;
      break;
    }
  }
  const owned = slot >= 0;
  if (!owned) slot = roundRobin++ % UID_SLOTS;
  if (owned) inUse.add(slot);
  let released = false;
  return {
    uid: base + slot,
    release: () => {
      if (released || !owned) return;
      released = true;
      inUse.delete(slot);
    },
  };
}

// ---- detection ------------------------------------------------------------------------------------------

const detections = new Map<string, Promise<BwrapSupport>>();

/** Forget cached detections (tests). */
export function resetSandboxDetection(): void {
  detections.clear();
}

const unavailable = (reason: string, partial: Partial<BwrapSupport> = {}): BwrapSupport => ({
  available: false,
  bwrap: null,
  version: null,
  mode: null,
  features: { size: false, perms: false, disableUserns: false },
  tools: { setpriv: null, prlimit: null, time: null },
  ...partial,
  reason,
});

/**
 * Whether bubblewrap works here: it exists, and a trial sandbox with the real profile (namespaces, the uid
 * drop when root, the limits) runs /usr/bin/true. Cached per bwrap path.
 */
export function detectBubblewrap(bwrap = 'bwrap', env: Record<string, string> = { PATH: '/usr/bin:/bin' }): Promise<BwrapSupport> {
  const key = bwrap;
  let p = detections.get(key);
  if (!p) {
    p = probeBubblewrap(bwrap, env);
    detections.set(key, p);
  }
  return p;
}

async function probeBubblewrap(bwrap: string, env: Record<string, string>): Promise<BwrapSupport> {
  const base = { PATH: env.PATH ?? '/usr/bin:/bin' };
  const ver = await runCaptured(bwrap, ['--version'], { env: base, timeoutMs: 10_000, capBytes: 4096 });
  if (ver.spawnError) return unavailable(`bubblewrap (${bwrap}) is not installed (${ver.spawnError.code ?? ver.spawnError.message})`);
  if (ver.exitCode !== 0) return unavailable(`"${bwrap} --version" failed: ${ver.stderr.toString().trim()}`);
  const version = ver.stdout.toString().trim().replace(/^bubblewrap\s*/, '') || null;

  const help = await runCaptured(bwrap, ['--help'], { env: base, timeoutMs: 10_000, capBytes: 64 * 1024 });
  const helpText = help.stdout.toString() + help.stderr.toString();
  const features = {
    size: helpText.includes('--size'),
    perms: helpText.includes('--perms'),
    disableUserns: helpText.includes('--disable-userns'),
  };
  const tools = { setpriv: findTool('setpriv'), prlimit: findTool('prlimit'), time: findTool('time') };
  const isRoot = process.getuid?.() === 0;
  const mode: 'root' | 'userns' = isRoot ? 'root' : 'userns';
  const partial = { bwrap, version, mode, features, tools };
  if (!tools.prlimit) return unavailable('prlimit (util-linux) is not installed; it sets the resource limits', partial);
  if (isRoot && !features.perms) {
    // Without --perms the folders bwrap creates stay 0700 and the unprivileged sandbox user is locked out.
    return unavailable(`bubblewrap ${version ?? ''} is too old (0.5 or later is needed for --perms)`, partial);
  }
  if (isRoot && !tools.setpriv) {
    return unavailable('setpriv (util-linux) is not installed; running as root it is needed to limit processes', partial);
  }

  const trial = async (support: BwrapSupport): Promise<string | null> => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'codedistill-probe-'));
    try {
      const scratch = path.join(dir, 'scratch');
      await fsp.mkdir(scratch, { mode: 0o700 });
      const passwd = path.join(dir, 'passwd');
      await fsp.writeFile(passwd, 'root:x:0:0:root:/root:/usr/sbin/nologin\n');
      const lease = isRoot ? acquireSandboxUid() : null;
      try {
        if (lease) await fsp.chown(scratch, lease.uid, lease.uid);
        const args = buildBwrapArgs(support, {
          scratchHost: scratch,
          readOnly: [],
          passwdFile: passwd,
          groupFile: passwd,
          uid: lease?.uid ?? null,
          limits: { cpuSeconds: 5, addressSpaceBytes: 512 * 1024 * 1024, maxProcesses: 16, fileSizeBytes: 1024 * 1024 },
          command: ['/bin/sh', '-c', 'test -w /sandbox && ! test -w /usr && echo codedistill-sandbox-ok'],
          measure: false,
        });
        const r = await runCaptured(bwrap, args, { env: base, timeoutMs: 15_000, capBytes: 16 * 1024 });
        if (r.spawnError) return r.spawnError.message;
        if (r.exitCode === 0 && r.stdout.toString().includes('codedistill-sandbox-ok')) return null;
        return r.stderr.toString().trim() || `trial sandbox exited with ${r.exitCode ?? r.signal}`;
      } finally {
        lease?.release();
      }
    } finally {
      await fsp.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  };

  const support: BwrapSupport = { available: true, bwrap, version, mode, features, tools, reason: null };
  let failure = await trial(support);
  if (failure && features.disableUserns && mode === 'userns') {
    // Some kernels refuse the sysctl write behind --disable-userns; the sandbox is still sound without it.
    const without = { ...support, features: { ...features, disableUserns: false } };
    const second = await trial(without);
    if (!second) return without;
    failure = second;
  }
  if (failure) return unavailable(`a trial bubblewrap sandbox failed: ${failure.split('\n')[0]}`, partial);
  return support;
}
