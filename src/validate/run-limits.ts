/**
 * Bounds on a run as a whole. The sandbox's rlimits are per process (address space, CPU seconds, process
 * count), so a snippet that forks can still take the machine's memory (8.5 GB was seen against a 2 GB limit).
 * Here a watchdog follows every process the launch started, sums their resident memory, and kills the run
 * when the sum passes the limit; and every one of them gets a lower CPU priority (nice), so runs yield to the
 * server and to the user's own work.
 *
 * Why a watchdog and not a cgroup: a cgroup v2 needs a delegated subtree we may write, and a process of ours
 * outside it (the "no internal processes" rule); most machines codedistill runs on (containers, CI, a cgroup
 * v1 host such as this one) give neither to an unprivileged server. `runLimitMechanism` says which holds here,
 * for doctor. The watchdog samples, so a run may pass the limit by what it allocates between two samples.
 *
 * Processes are followed by parentage (/proc/<pid>/stat), not by process group: bubblewrap starts the code in
 * a new session, and inside its pid namespace an orphan is re-parented to the namespace's first process, still
 * under the launch.
 */
import { existsSync, readdirSync, readFileSync, accessSync, constants as fsConstants } from 'node:fs';
import os from 'node:os';
import type { ProcessControl } from '../kernel/proc.js';

/** ProcessControl.kill's reason, matched by the runner to give the record its message. */
export const RUN_MEMORY_LIMIT = 'memory limit of the run';
/** How often a run's processes are measured. */
const SAMPLE_MS = 200;
const PAGE_BYTES = 4096;

export interface RunLimits {
  /** Summed resident memory of the run's processes, MB; 0: no bound. */
  memoryMb: number;
  /** Niceness given to every process of the run (0: left as ours). */
  nice: number;
}

/** Parent of every process on the machine (pid → ppid); processes that end while read are left out. */
function parents(): Map<number, number> {
  const out = new Map<number, number>();
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command name (field 2) is in parentheses and may hold spaces or parentheses itself.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(name), Number(rest[1]));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

/** `root` and every process below it. */
export function processTree(root: number, ppids: Map<number, number> = parents()): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of ppids) {
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop()!;
    if (out.includes(pid)) continue;
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out.filter((p) => p === root || ppids.has(p));
}

/** Resident bytes of a process (0 when it has gone). */
function residentBytes(pid: number): number {
  try {
    const statm = readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ');
    return Number(statm[1]) * PAGE_BYTES;
  } catch {
    return 0;
  }
}

export interface RunWatch {
  /** The SuperviseOptions.onSpawn hook. */
  onSpawn: (pid: number, control: ProcessControl) => () => void;
  /** The largest summed resident memory seen, bytes. */
  peakBytes(): number;
}

/** A watchdog for one launch; null when there is nothing to enforce or no /proc to read. */
export function watchRun(limits: RunLimits | undefined): RunWatch | null {
  if (!limits || (limits.memoryMb <= 0 && limits.nice <= 0) || !existsSync('/proc/self/statm')) return null;
  const maxBytes = limits.memoryMb * 1024 * 1024;
  let peak = 0;
  return {
    peakBytes: () => peak,
    onSpawn(root, control) {
      const niced = new Set<number>();
      const lower = (pid: number) => {
        if (limits.nice <= 0 || niced.has(pid)) return;
        niced.add(pid);
        try {
          // Children inherit it; processes started before we saw them are caught at the next sample.
          os.setPriority(pid, Math.max(os.getPriority(pid), limits.nice));
        } catch {
          // Gone, or not ours to change.
        }
      };
      lower(root);
      const sample = () => {
        const tree = processTree(root);
        let sum = 0;
        for (const pid of tree) {
          lower(pid);
          if (maxBytes > 0) sum += residentBytes(pid);
        }
        peak = Math.max(peak, sum);
        if (maxBytes > 0 && sum > maxBytes) {
          control.kill(RUN_MEMORY_LIMIT);
          // The group kill reaches the sandbox; processes in a session of their own are killed here too.
          for (const pid of tree) {
            try {
              process.kill(pid, 'SIGKILL');
            } catch {
              // Gone.
            }
          }
        }
      };
      const timer = setInterval(sample, SAMPLE_MS);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}

/** What holds a run's memory here, for doctor. */
export interface RunLimitMechanism {
  memory: 'watchdog' | 'none';
  cpu: 'nice' | 'none';
  /** A cgroup v2 we could write: not used yet (see the header), reported so the user knows. */
  cgroupV2: 'writable' | 'read-only' | 'absent';
  detail: string;
}

export function runLimitMechanism(limits: RunLimits): RunLimitMechanism {
  let cgroupV2: RunLimitMechanism['cgroupV2'] = 'absent';
  if (existsSync('/sys/fs/cgroup/cgroup.controllers')) {
    const own = /^0::(.*)$/m.exec(readFileSync('/proc/self/cgroup', 'utf8'))?.[1] ?? '/';
    try {
      accessSync(`/sys/fs/cgroup${own}`, fsConstants.W_OK);
      cgroupV2 = 'writable';
    } catch {
      cgroupV2 = 'read-only';
    }
  }
  const proc = existsSync('/proc/self/statm');
  const memory = limits.memoryMb > 0 && proc ? 'watchdog' : 'none';
  const cpu = limits.nice > 0 ? 'nice' : 'none';
  const detail =
    (memory === 'watchdog' ? `a run's processes together: at most ${limits.memoryMb} MB resident (watchdog, sampled every ${SAMPLE_MS} ms)` : "no bound on a run's total memory") +
    `; CPU: ${cpu === 'nice' ? `nice ${limits.nice}` : 'same priority as the server'}; cgroup v2: ${cgroupV2}`;
  return { memory, cpu, cgroupV2, detail };
}
