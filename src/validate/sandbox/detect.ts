/**
 * Detection: whether bubblewrap and the tools the profile needs are here, which of its options this version
 * has, and whether a trial sandbox with the real profile works on this kernel.
 */
import { closeSync, promises as fsp, openSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCaptured } from '../../kernel/proc.js';
import { buildBwrapArgs, findTool, type BwrapSupport } from './bwrap.js';
import { scratchArchive } from './scratch.js';
import { namespaceFilter } from './seccomp.js';
import { UidPool } from './uid-pool.js';

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
 * drop when root, the limits) runs a shell check. Each detector caches its answers per bwrap path; the app
 * keeps one for the process, a test makes its own.
 */
export class SandboxDetector {
  private readonly detections = new Map<string, Promise<BwrapSupport>>();

  constructor(private readonly uids: UidPool) {}

  detect(bwrap = 'bwrap', env: Record<string, string> = { PATH: '/usr/bin:/bin' }): Promise<BwrapSupport> {
    let p = this.detections.get(bwrap);
    if (!p) {
      p = probeBubblewrap(bwrap, env, this.uids);
      this.detections.set(bwrap, p);
    }
    return p;
  }
}

/** One detection with a pool of its own (tests that only ask whether bubblewrap works here). */
export function detectBubblewrap(bwrap = 'bwrap', env: Record<string, string> = { PATH: '/usr/bin:/bin' }): Promise<BwrapSupport> {
  return new SandboxDetector(new UidPool()).detect(bwrap, env);
}

async function probeBubblewrap(bwrap: string, env: Record<string, string>, uids: UidPool): Promise<BwrapSupport> {
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
      const lease = isRoot ? uids.acquire() : null;
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
          input: await scratchArchive([], { owner: lease?.uid ?? null, mtime: Date.now() / 1000 }),
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
