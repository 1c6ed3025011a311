/**
 * `codedistill doctor`: what this machine gives codedistill, checked rather than assumed. Node, the configured
 * Python (described inside the sandbox, as every run sees it), bubblewrap and the limits a sandboxed run actually
 * gets here (read from inside one: address space, processes, CPU seconds, file size, network, uid), the embedding
 * model's files, the home folder, and leftovers of killed runs and distills; each line says what to fix. It
 * changes nothing: a leftover is named with the command that removes it.
 */
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_MODEL, type Config } from '../config.js';
import { errorMessage } from '../kernel/errors.js';
import { processAlive } from '../kernel/proc.js';
import { silentLogger } from '../kernel/log.js';
import { RUN_DIR_PREFIX } from '../validate/leftovers.js';
import { runLimitMechanism } from '../validate/run-limits.js';
import { findLanceLeftovers } from '../search/leftovers.js';
import { createPythonRunner, createRunnerServices } from '../validate/runner.js';
import { detectBubblewrap } from '../validate/sandbox/detect.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to do; null when nothing needs doing. */
  fix: string | null;
}

const LIMITS_PROBE = `
import json, os, resource, socket
def lim(r):
    soft, _ = resource.getrlimit(r)
    return None if soft == resource.RLIM_INFINITY else soft
net = "blocked"
try:
    socket.create_connection(("1.1.1.1", 53), timeout=2).close()
    net = "open"
except OSError:
    pass
print(json.dumps({"as": lim(resource.RLIMIT_AS), "nproc": lim(resource.RLIMIT_NPROC), "cpu": lim(resource.RLIMIT_CPU),
                  "fsize": lim(resource.RLIMIT_FSIZE), "uid": os.getuid(), "net": net, "home": os.environ.get("HOME"),
                  "env": sorted(os.environ)}))
`;

const mb = (n: number | null) => (n === null ? 'unlimited' : `${Math.round(n / (1024 * 1024))} MB`);

async function entries(dir: string): Promise<string[]> {
  return fsp.readdir(dir).catch(() => [] as string[]);
}

/** Every check, in the order a user would fix things. */
export async function runDoctor(config: Config): Promise<Check[]> {
  const checks: Check[] = [];
  const add = (name: string, status: CheckStatus, detail: string, fix: string | null = null) => checks.push({ name, status, detail, fix });

  const major = Number(process.versions.node.split('.')[0]);
  add('node', major >= 20 ? 'ok' : 'fail', `Node ${process.versions.node}`, major >= 20 ? null : 'Install Node 20 or newer.');

  const bwrap = await detectBubblewrap('bwrap', { PATH: config.childEnv.PATH ?? '/usr/bin:/bin' });
  if (bwrap.available) {
    const f = bwrap.features;
    const missing = [!f.seccomp && 'seccomp filter', !f.size && 'tmpfs --size', !f.disableUserns && '--disable-userns'].filter(Boolean);
    add(
      'bubblewrap',
      missing.length ? 'warn' : 'ok',
      `bubblewrap ${bwrap.version} (${bwrap.mode} mode); prlimit ${bwrap.tools.prlimit ? 'yes' : 'no'}, GNU time ${bwrap.tools.time ? 'yes' : 'no'}${missing.length ? `; without ${missing.join(', ')}` : ''}`,
      missing.length ? 'A newer bubblewrap (0.8 or later) gives every protection.' : null,
    );
  } else {
    add('bubblewrap', config.allowUnsandboxed ? 'warn' : 'fail', bwrap.reason ?? 'bubblewrap is unavailable', 'Install bubblewrap (apt-get install bubblewrap); without it repository code is not run.');
  }

  const runner = createPythonRunner(config, silentLogger, createRunnerServices());
  const info = await runner.info();
  add('python', info.available ? 'ok' : 'fail', info.interpreter ?? info.reason ?? 'no interpreter', info.available ? null : (info.reason ?? 'Set CODEDISTILL_PYTHON to a Python 3.'));

  if (info.available) {
    const rec = await runner.run({ code: LIMITS_PROBE, timeoutMs: 20_000 });
    if (rec.status === 'passed') {
      const l = JSON.parse(rec.stdout.trim().split('\n').pop() ?? '{}') as { as: number | null; nproc: number | null; cpu: number | null; fsize: number | null; uid: number; net: string; home: string; env: string[] };
      add(
        'sandbox limits',
        l.net === 'blocked' && l.uid !== 0 ? 'ok' : 'fail',
        `as seen inside a run (${rec.sandbox}): address space ${mb(l.as)}, processes ${l.nproc ?? 'unlimited'}, CPU ${l.cpu ?? 'unlimited'} s, ` +
          `file size ${mb(l.fsize)}, network ${l.net}, uid ${l.uid}, HOME ${l.home}; ${l.env.length} environment variables (${l.env.join(' ')})`,
        l.net === 'blocked' && l.uid !== 0 ? null : 'Runs are not isolated here: install bubblewrap and unset CODEDISTILL_ALLOW_UNSANDBOXED.',
      );
      const held = runLimitMechanism(config.runLimits);
      add(
        'run totals',
        held.memory === 'watchdog' ? 'ok' : 'warn',
        `${held.detail}; ${config.workers} sandboxes run at once while distilling (each process also at most ${config.memoryLimitMb} MB address space)`,
        held.memory === 'watchdog' ? null : "Set CODEDISTILL_RUN_MEMORY_MB (e.g. 4096) so a run's processes together are bounded.",
      );
    } else {
      add('sandbox limits', 'fail', `a run in the sandbox failed: ${rec.status}: ${rec.message}`, 'Run `echo "print(1)" | codedistill validate -` to see the error, and check bubblewrap.');
    }
  }

  if (config.model === 'none') {
    add('embedding model', 'warn', 'none configured: search is lexical only', `Set CODEDISTILL_MODEL (default ${DEFAULT_MODEL}) and provide its files.`);
  } else {
    const places = [config.modelDir, config.modelCacheDir].filter((d): d is string => !!d).map((d) => path.join(d, config.model));
    const found: string[] = [];
    for (const p of places) if ((await fsp.stat(p).catch(() => null))?.isDirectory()) found.push(p);
    add(
      'embedding model',
      found.length ? 'ok' : config.allowRemoteModels ? 'warn' : 'fail',
      found.length ? `${config.model} at ${found[0]}` : `${config.model} not found in ${places.join(' or ')}`,
      found.length ? null : config.allowRemoteModels ? 'It is downloaded on first search.' : 'Set CODEDISTILL_MODEL_DIR to a folder holding it, or CODEDISTILL_ALLOW_REMOTE_MODELS=1 once to download it.',
    );
  }

  try {
    await fsp.mkdir(config.home, { recursive: true });
    await fsp.access(config.home, fsp.constants.W_OK);
    add('home', 'ok', `${config.home} is writable`);
  } catch (e) {
    add('home', 'fail', `${config.home}: ${errorMessage(e)}`, 'Set CODEDISTILL_HOME to a folder you may write.');
  }

  // A run folder names the process that made it; one whose process is alive is a run going on, not a leftover.
  const runs = (await entries(os.tmpdir()))
    .filter((n) => {
      if (!n.startsWith(RUN_DIR_PREFIX)) return false;
      const pid = /^codedistill-run-(\d+)-/.exec(n)?.[1];
      // Without a pid in its name the folder is an older version's, which nothing removes.
      return pid === undefined || !processAlive(Number(pid));
    })
    .map((n) => path.join(os.tmpdir(), n));
  const partial = (await entries(config.userLibrariesDir)).filter((n) => n.startsWith('.') && n.includes('.tmp-')).map((n) => path.join(config.userLibrariesDir, n));
  // The libraries folder's first: few, and the user's own; run folders can be many.
  const leftovers = [...partial, ...runs];
  add(
    'leftovers',
    leftovers.length ? 'warn' : 'ok',
    leftovers.length ? `${runs.length} run folders of killed runs, ${partial.length} partial library copies of killed distills (a start of the server removes them)` : 'none',
    // Only when no codedistill process is running: a live run's folder looks the same.
    leftovers.length ? `With no codedistill running: rm -rf ${leftovers.slice(0, 5).join(' ')}${leftovers.length > 5 ? ' …' : ''}` : null,
  );
  const lance = await findLanceLeftovers();
  const lanceMb = Math.round(lance.reduce((a, l) => a + l.bytes, 0) / 1024 / 1024);
  add(
    'LanceDB temp folders',
    lance.length ? 'warn' : 'ok',
    lance.length
      ? `${lance.length} shuffle folders LanceDB left in ${os.tmpdir()} after vector-index builds (${lanceMb} MB), unused for 30 minutes (a start of the server or CLI removes them)`
      : 'none',
    lance.length ? `rm -rf ${lance.slice(0, 5).map((l) => l.path).join(' ')}${lance.length > 5 ? ' …' : ''}` : null,
  );
  return checks;
}

export function renderChecks(checks: Check[]): string {
  const mark: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' };
  return checks.map((c) => `${mark[c.status]} ${c.name}: ${c.detail}${c.fix ? `\n     fix: ${c.fix}` : ''}`).join('\n');
}
