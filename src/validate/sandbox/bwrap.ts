/**
 * The bubblewrap profile: the command line that runs untrusted Python, and the launcher script inside.
 *
 * What the sandboxed code sees:
 * - a fresh root: /usr (and the /bin, /lib... links to it) and a short list of /etc files, read-only;
 *   /etc/passwd and /etc/group are ours, listing only root and the sandbox user;
 * - the interpreter's prefixes and the import roots, read-only, at their host paths;
 * - /sandbox (HOME and cwd), a private size-capped tmpfs owned by the sandbox user, holding the snippet and
 *   the files given with it; private size-capped tmpfs on /tmp and /dev/shm; nothing else is writable, and
 *   nothing the code writes reaches the host's disks;
 * - its own /proc (new pid namespace: the host's processes, /proc/1/environ of the host and the parent's
 *   environment are not there) and a minimal /dev;
 * - no network (new network namespace with only a loopback), its own ipc, uts and cgroup namespaces;
 * - only descriptors 0, 1 and 2: whatever else our own process inherited is closed before the code starts;
 * - a seccomp filter (x86_64, aarch64) that refuses new user namespaces: unshare() and clone() with
 *   CLONE_NEWUSER and setns() fail with EPERM. The sandbox user has no capabilities; a user namespace would
 *   hand it a full set over new namespaces of its own, and with it kernel code (mounting filesystems, nf_tables)
 *   that an unprivileged user otherwise never reaches. clone3() passes its flags in memory a filter cannot
 *   read, so it fails with ENOSYS, which C libraries answer by falling back to clone().
 * Not visible at all: /root, /home, /work, /var, /opt, /run, /srv, /mnt, /sys, other /etc files.
 *
 * Limits: prlimit sets CPU seconds, address space (memoryLimitMb), file size, no core files, and the number of
 * processes. RLIMIT_NPROC is not enforced for uid 0, and bubblewrap run by root maps the sandbox user back to
 * uid 0 even with --unshare-user. So when we are root, bwrap keeps the host user namespace and the code drops
 * (setpriv, inside the sandbox after the mounts are set up) to an unprivileged uid from a pool reserved for
 * this process, with every capability and the bounding set cleared and no_new_privs set. Each concurrent run
 * gets its own uid, so the process budget of one run is not shared with another. When we are not root, bwrap
 * makes a user namespace; the process count of a fresh namespace starts at zero, so the limit applies to
 * the sandbox alone. bwrap's --disable-userns only works with --unshare-user, hence the seccomp filter.
 *
 * Not limited: the memory of all the run's processes together. RLIMIT_AS is per process, so a run may hold
 * up to maxProcesses x memoryLimitMb of address space, plus what it keeps in its three tmpfs (RAM, not
 * counted by RLIMIT_AS). A per-run cgroup (memory.max, pids.max) would bound that, but needs a writable
 * cgroup v2 hierarchy with the memory controller; the machines this was built on have cgroup v1 for memory.
 *
 * Start-up inside the sandbox: bwrap -> a short bash script (LAUNCHER: closes inherited descriptors, unpacks
 * the scratch archive from stdin into /sandbox, points stdin at /dev/null) -> [root: setpriv] -> prlimit ->
 * [GNU time] -> the command. When we are root the script runs as root with CAP_CHOWN only (so the unpacked
 * files belong to the sandbox user); setpriv then drops everything before any untrusted code runs.
 */
import { lstatSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ResourceLimits } from '../types.js';
import { SECCOMP_FD } from './seccomp.js';

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
/**
 * Size of the scratch tmpfs (/sandbox). RLIMIT_FSIZE bounds one file, not how many there are; the scratch
 * being a tmpfs of its own bounds them all, and keeps them off the host's disk.
 */
export const DEFAULT_SCRATCH_BYTES = 256 * 1024 * 1024;

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

/** Folders under /etc/xdg that are never shown: pip's and uv's configuration (index URLs with credentials). */
const XDG_HIDDEN = ['pip', 'uv'];

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export interface BwrapSupport {
  available: boolean;
  bwrap: string | null;
  version: string | null;
  /** root: no user namespace, setpriv drops to a pool uid; userns: bwrap's own user namespace. */
  mode: 'root' | 'userns' | null;
  /** seccomp: bwrap takes --seccomp and there is a filter for this architecture. */
  features: { size: boolean; perms: boolean; disableUserns: boolean; seccomp: boolean };
  tools: { setpriv: string | null; prlimit: string | null; time: string | null; bash: string | null; tar: string | null };
  reason: string | null;
}

export interface SandboxPlan {
  /** Size of the tmpfs at SANDBOX_SCRATCH (DEFAULT_SCRATCH_BYTES when absent). */
  scratchBytes?: number;
  /**
   * Whether the child gets the seccomp filter (seccomp.ts namespaceFilter()) on descriptor SECCOMP_FD; only when
   * features.seccomp. The caller passes that descriptor.
   */
  seccomp: boolean;
  /** Host paths mounted read-only at the same path: interpreter prefixes, import roots. */
  readOnly: string[];
  /** Host folders covered by an empty tmpfs when a read-only tree contains them (the folder of all runs). */
  hide?: string[];
  /**
   * Host folders mounted read-write at the same path: only an environment's build and output folders, which
   * the caller owns, has emptied and hands to the sandbox user for the duration of one build.
   */
  writable?: string[];
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
  /** A descriptor (3-9) the launcher leaves open for the command: where the scratch files are read out. */
  keepFd?: number;
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
  // Package tools' configuration may hold index credentials; /etc/xdg is shown for fonts and matplotlib.
  for (const tool of XDG_HIDDEN) if (isDir(path.join('/etc/xdg', tool))) a.push('--tmpfs', path.join('/etc/xdg', tool));
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

  for (const w of [...new Set((plan.writable ?? []).map((p) => path.resolve(p)))].sort()) {
    for (const dir of ancestors(w)) {
      if (made.has(dir) || covered(dir)) continue;
      made.add(dir);
      a.push(...perms('0755'), '--dir', dir);
    }
    a.push('--bind', w, w);
  }

  for (const h of plan.hide ?? []) {
    const abs = path.resolve(h);
    if (abs !== '/tmp' && roots.some((r) => within(abs, r) && abs !== r)) a.push('--tmpfs', abs);
  }

  // Root-owned until the launcher unpacks the archive's "./" entry (owner: the sandbox user, 0700) onto it.
  a.push(...size(plan.scratchBytes ?? DEFAULT_SCRATCH_BYTES), ...perms('0700'), '--tmpfs', SANDBOX_SCRATCH);
  a.push('--chdir', SANDBOX_SCRATCH);
  a.push('--remount-ro', '/');
  if (plan.seccomp) {
    if (!support.features.seccomp) throw new Error('this bubblewrap cannot load a seccomp filter');
    a.push('--seccomp', String(SECCOMP_FD));
  }

  if (!support.tools.bash || !support.tools.tar) throw new Error('the launcher needs bash and tar');
  const inner: string[] = [support.tools.bash, '--posix', '-c', launcherScript(support.tools.tar, support.mode === 'root', plan.keepFd), LAUNCHER_NAME];
  if (support.mode === 'root') {
    if (plan.uid === null || !support.tools.setpriv) throw new Error('root mode needs a uid and setpriv');
    // CAP_CHOWN: the launcher (root) gives the unpacked files to the sandbox user; setpriv then drops it.
    a.push('--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID', '--cap-add', 'CAP_SETPCAP', '--cap-add', 'CAP_CHOWN');
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

// ---- launcher -------------------------------------------------------------------------------------------

/** $0 of the launcher: its own error messages start with it. */
export const LAUNCHER_NAME = 'codedistill-launch';
/** The launcher's exit status when the scratch archive cannot be unpacked (tar has said why on stderr). */
export const LAUNCHER_UNPACK_FAILED = 125;

/**
 * The first program inside the sandbox. Descriptors our process inherited from its own parent (without
 * CLOEXEC, e.g. a test harness's pipe) would otherwise pass through bwrap to everything inside; closed here,
 * before any process of the sandbox user exists, no such process can reach them, not even through another
 * one's /proc/<pid>/fd. Keywords, special builtins and an absolute path only (no `[`, no PATH lookup): a
 * function exported in the environment cannot stand in for any of them, and --posix keeps bash from reading
 * BASH_ENV.
 */
export function launcherScript(tar: string, asRoot: boolean, keepFd?: number): string {
  if (!/^\/[\w./-]+$/.test(tar)) throw new Error(`unexpected tar path ${tar}`);
  if (keepFd !== undefined && !(Number.isInteger(keepFd) && keepFd > 2 && keepFd < 10)) throw new Error(`unexpected descriptor ${keepFd}`);
  const keep = keepFd !== undefined ? ` && n != ${keepFd}` : '';
  // As root, tar keeps the archive's numeric owners (the sandbox user); otherwise the files are the user's anyway.
  const owner = asRoot ? ' --same-owner --numeric-owner' : ' --no-same-owner';
  return (
    `for f in /proc/self/fd/*; do n=\${f##*/}; if ((n > 2${keep})); then eval "exec $n<&-"; fi; done; ` +
    `${tar} -x -p${owner} -C ${SANDBOX_SCRATCH} -f - || exit ${LAUNCHER_UNPACK_FAILED}; ` +
    'exec </dev/null; exec "$@"'
  );
}
