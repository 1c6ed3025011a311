/**
 * Bubblewrap detection and the command line that runs untrusted Python.
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
import { closeSync, promises as fsp, lstatSync, openSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCaptured } from '../kernel/proc.js';

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
/** The descriptor bwrap reads the seccomp filter from (the first after stdio). */
export const SECCOMP_FD = 3;

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
  /** seccomp: bwrap takes --seccomp and there is a filter for this architecture. */
  features: { size: boolean; perms: boolean; disableUserns: boolean; seccomp: boolean };
  tools: { setpriv: string | null; prlimit: string | null; time: string | null; bash: string | null; tar: string | null };
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
  /** Size of the tmpfs at SANDBOX_SCRATCH (DEFAULT_SCRATCH_BYTES when absent). */
  scratchBytes?: number;
  /**
   * Whether the child gets the seccomp filter (namespaceFilter()) on descriptor SECCOMP_FD; only when
   * features.seccomp. The caller passes that descriptor.
   */
  seccomp: boolean;
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

  // Root-owned until the launcher unpacks the archive's "./" entry (owner: the sandbox user, 0700) onto it.
  a.push(...size(plan.scratchBytes ?? DEFAULT_SCRATCH_BYTES), ...perms('0700'), '--tmpfs', SANDBOX_SCRATCH);
  a.push('--chdir', SANDBOX_SCRATCH);
  a.push('--remount-ro', '/');
  if (plan.seccomp) {
    if (!support.features.seccomp) throw new Error('this bubblewrap cannot load a seccomp filter');
    a.push('--seccomp', String(SECCOMP_FD));
  }

  if (!support.tools.bash || !support.tools.tar) throw new Error('the launcher needs bash and tar');
  const inner: string[] = [support.tools.bash, '--posix', '-c', launcherScript(support.tools.tar, support.mode === 'root'), LAUNCHER_NAME];
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
export function launcherScript(tar: string, asRoot: boolean): string {
  if (!/^\/[\w./-]+$/.test(tar)) throw new Error(`unexpected tar path ${tar}`);
  // As root, tar keeps the archive's numeric owners (the sandbox user); otherwise the files are the user's anyway.
  const owner = asRoot ? ' --same-owner --numeric-owner' : ' --no-same-owner';
  return (
    'for f in /proc/self/fd/*; do n=${f##*/}; if ((n > 2)); then eval "exec $n<&-"; fi; done; ' +
    `${tar} -x -p${owner} -C ${SANDBOX_SCRATCH} -f - || exit ${LAUNCHER_UNPACK_FAILED}; ` +
    'exec </dev/null; exec "$@"'
  );
}

// ---- scratch archive ------------------------------------------------------------------------------------

const BLOCK = 512;
/** Largest value a ustar octal field of `width` bytes holds (width - 1 digits and a NUL). */
const octalMax = (width: number) => 8 ** (width - 1) - 1;

function octalField(buf: Buffer, offset: number, width: number, value: number): void {
  buf.write(value.toString(8).padStart(width - 1, '0'), offset, width - 1, 'ascii');
  buf[offset + width - 1] = 0;
}

function ustarHeader(e: { name: Buffer; mode: number; uid: number; gid: number; size: number; mtime: number; type: string }): Buffer {
  const h = Buffer.alloc(BLOCK);
  e.name.copy(h, 0, 0, Math.min(e.name.length, 100));
  octalField(h, 100, 8, e.mode);
  octalField(h, 108, 8, Math.min(e.uid, octalMax(8)));
  octalField(h, 116, 8, Math.min(e.gid, octalMax(8)));
  octalField(h, 124, 12, e.size);
  octalField(h, 136, 12, e.mtime);
  h.write(e.type, 156, 1, 'ascii');
  h.write('ustar\0' + '00', 257, 8, 'ascii');
  // The checksum is computed with its own field as spaces.
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return h;
}

/** One pax record: "<length> key=value\n", the length counting its own digits. */
function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  const bodyLen = Buffer.byteLength(body);
  let len = bodyLen + 1;
  while (String(len).length + bodyLen !== len) len = String(len).length + bodyLen;
  return Buffer.from(`${len}${body}`);
}

const padTo = (n: number) => (BLOCK - (n % BLOCK)) % BLOCK;

export interface ScratchArchiveOptions {
  /** Owner recorded for every entry (root mode: the pool uid); null leaves 0 (unpacked without owners). */
  owner: number | null;
  /** Modification time of every entry, seconds since the epoch. */
  mtime: number;
}

/**
 * A POSIX (pax) tar stream of what the scratch folder starts with: itself ("./", 0700), the folders the files
 * need (0755) and the files (0644), as the host-side scratch folder used to have them. pax records carry
 * what ustar fields cannot hold: long or non-ASCII names and uids above 2097151 (the pool's are).
 */
export function scratchArchive(files: Array<[string, string]>, opts: ScratchArchiveOptions): Buffer {
  const id = opts.owner ?? 0;
  const mtime = Math.max(0, Math.floor(opts.mtime));
  const parts: Buffer[] = [];
  const add = (name: string, type: '0' | '5', mode: number, data: Buffer | null) => {
    const nameBytes = Buffer.from(name, 'utf8');
    const records: Buffer[] = [];
    if (nameBytes.length > 100 || /[^\x20-\x7e]/.test(name)) records.push(paxRecord('path', name));
    if (id > octalMax(8)) records.push(paxRecord('uid', String(id)), paxRecord('gid', String(id)));
    if (records.length) {
      const body = Buffer.concat(records);
      parts.push(ustarHeader({ name: Buffer.from('PaxHeader'), mode: 0o644, uid: 0, gid: 0, size: body.length, mtime, type: 'x' }));
      parts.push(body, Buffer.alloc(padTo(body.length)));
    }
    const size = data ? data.length : 0;
    parts.push(ustarHeader({ name: nameBytes, mode, uid: id, gid: id, size, mtime, type }));
    if (data) parts.push(data, Buffer.alloc(padTo(size)));
  };
  add('./', '5', 0o700, null);
  const dirs = new Set<string>();
  for (const [name, content] of files) {
    const segments = name.split('/');
    for (let i = 1; i < segments.length; i++) {
      const dir = segments.slice(0, i).join('/');
      if (dirs.has(dir)) continue;
      dirs.add(dir);
      add(`${dir}/`, '5', 0o755, null);
    }
    add(name, '0', 0o644, Buffer.from(content, 'utf8'));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

// ---- seccomp --------------------------------------------------------------------------------------------

/** Linux audit architecture and syscall numbers per Node architecture; others get no filter. */
const SYSCALLS: Record<string, { audit: number; clone: number; clone3: number; unshare: number; setns: number; x32Bit: boolean }> = {
  x64: { audit: 0xc000003e, clone: 56, clone3: 435, unshare: 272, setns: 308, x32Bit: true },
  arm64: { audit: 0xc00000b7, clone: 220, clone3: 435, unshare: 97, setns: 268, x32Bit: false },
};
const CLONE_NEWUSER = 0x10000000;
const SECCOMP_RET_ALLOW = 0x7fff0000;
const SECCOMP_RET_ERRNO = 0x00050000;
const EPERM = 1;
const ENOSYS = 38;
// Classic BPF opcodes.
const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const JGE_K = 0x35;
const JSET_K = 0x45;
const RET_K = 0x06;
// struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6] (args[0]'s low word at 16
// on little-endian machines, which both supported architectures are).
const OFF_NR = 0;
const OFF_ARCH = 4;
const OFF_ARG0_LO = 16;

/**
 * The classic-BPF seccomp program bwrap loads with --seccomp: an array of struct sock_filter (u16 code,
 * u8 jt, u8 jf, u32 k), native byte order. Null for an architecture it does not know.
 */
export function namespaceFilter(arch: string = process.arch): Buffer | null {
  const sc = SYSCALLS[arch];
  if (!sc) return null;
  type Ins = { code: number; k: number; jt?: string; jf?: string; label?: string };
  const prog: Ins[] = [
    { code: LD_W_ABS, k: OFF_ARCH },
    // Another ABI (i386 through int 0x80) numbers its syscalls differently: refuse all of them.
    { code: JEQ_K, k: sc.audit, jf: 'enosys' },
    { code: LD_W_ABS, k: OFF_NR },
    // x32 calls carry the x86_64 audit arch with bit 30 set on the number.
    ...(sc.x32Bit ? [{ code: JGE_K, k: 0x40000000, jt: 'enosys' }] : []),
    { code: JEQ_K, k: sc.clone, jt: 'flags' },
    { code: JEQ_K, k: sc.unshare, jt: 'flags' },
    { code: JEQ_K, k: sc.setns, jt: 'eperm' },
    // clone3's flags are in memory the filter cannot read; C libraries fall back to clone() on ENOSYS.
    { code: JEQ_K, k: sc.clone3, jt: 'enosys' },
    { code: RET_K, k: SECCOMP_RET_ALLOW },
    { label: 'flags', code: LD_W_ABS, k: OFF_ARG0_LO },
    { code: JSET_K, k: CLONE_NEWUSER, jt: 'eperm' },
    { code: RET_K, k: SECCOMP_RET_ALLOW },
    { label: 'eperm', code: RET_K, k: SECCOMP_RET_ERRNO | EPERM },
    { label: 'enosys', code: RET_K, k: SECCOMP_RET_ERRNO | ENOSYS },
  ];
  const at = new Map(prog.flatMap((ins, i) => (ins.label ? [[ins.label, i] as const] : [])));
  const jump = (from: number, label: string | undefined) => {
    if (label === undefined) return 0;
    const to = at.get(label);
    if (to === undefined || to <= from) throw new Error(`bad seccomp jump to ${label}`);
    return to - from - 1;
  };
  // Both supported architectures are little-endian.
  const out = Buffer.alloc(prog.length * 8);
  prog.forEach((ins, i) => {
    const o = i * 8;
    out.writeUInt16LE(ins.code, o);
    out[o + 2] = jump(i, ins.jt);
    out[o + 3] = jump(i, ins.jf);
    out.writeUInt32LE(ins.k >>> 0, o + 4);
  });
  return out;
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
  features: { size: false, perms: false, disableUserns: false, seccomp: false },
  tools: { setpriv: null, prlimit: null, time: null, bash: null, tar: null },
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
    seccomp: helpText.includes('--seccomp') && namespaceFilter() !== null,
  };
  const tools = {
    setpriv: findTool('setpriv'),
    prlimit: findTool('prlimit'),
    time: findTool('time'),
    bash: findTool('bash'),
    tar: findTool('tar'),
  };
  const isRoot = process.getuid?.() === 0;
  const mode: 'root' | 'userns' = isRoot ? 'root' : 'userns';
  const partial = { bwrap, version, mode, features, tools };
  if (!tools.prlimit) return unavailable('prlimit (util-linux) is not installed; it sets the resource limits', partial);
  if (!tools.bash || !tools.tar) {
    return unavailable('bash and tar are needed inside the sandbox (they close inherited descriptors and fill the scratch folder)', partial);
  }
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
      const passwd = path.join(dir, 'passwd');
      await fsp.writeFile(passwd, 'root:x:0:0:root:/root:/usr/sbin/nologin\n');
      const lease = isRoot ? acquireSandboxUid() : null;
      const filter = support.features.seccomp ? namespaceFilter() : null;
      let fd: number | null = null;
      try {
        if (filter) {
          await fsp.writeFile(path.join(dir, 'seccomp.bpf'), filter);
          fd = openSync(path.join(dir, 'seccomp.bpf'), 'r');
        }
        const args = buildBwrapArgs(support, {
          readOnly: [],
          passwdFile: passwd,
          groupFile: passwd,
          uid: lease?.uid ?? null,
          limits: { cpuSeconds: 5, addressSpaceBytes: 512 * 1024 * 1024, maxProcesses: 16, fileSizeBytes: 1024 * 1024 },
          command: ['/bin/sh', '-c', 'test -w /sandbox && ! test -w /usr && echo codedistill-sandbox-ok'],
          measure: false,
          seccomp: fd !== null,
        });
        const r = await runCaptured(bwrap, args, {
          env: base,
          timeoutMs: 15_000,
          capBytes: 16 * 1024,
          input: scratchArchive([], { owner: lease?.uid ?? null, mtime: Date.now() / 1000 }),
          extraFds: fd !== null ? [fd] : [],
        });
        if (r.spawnError) return r.spawnError.message;
        if (r.exitCode === 0 && r.stdout.toString().includes('codedistill-sandbox-ok')) return null;
        return r.stderr.toString().trim() || `trial sandbox exited with ${r.exitCode ?? r.signal}`;
      } finally {
        if (fd !== null) closeSync(fd);
        lease?.release();
      }
    } finally {
      await fsp.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  };

  let support: BwrapSupport = { available: true, bwrap, version, mode, features, tools, reason: null };
  let failure = await trial(support);
  if (failure && features.disableUserns && mode === 'userns') {
    // Some kernels refuse the sysctl write behind --disable-userns; the sandbox is still sound without it.
    const without = { ...support, features: { ...support.features, disableUserns: false } };
    const second = await trial(without);
    if (!second) return without;
    failure = second;
  }
  if (failure && features.seccomp) {
    // A kernel without seccomp filters (CONFIG_SECCOMP_FILTER off) refuses the filter; nested user
    // namespaces then stay possible, as they were before the filter existed.
    const without = { ...support, features: { ...support.features, seccomp: false } };
    if (!(await trial(without))) {
      support = without;
      failure = null;
    }
  }
  if (failure) return unavailable(`a trial bubblewrap sandbox failed: ${failure.split('\n')[0]}`, partial);
  return support;
}
