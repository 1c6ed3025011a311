/**
 * Batch mode: many snippets in one sandbox. Starting a sandboxed interpreter and importing a scientific
 * package (numpy, scipy) costs about half a second, far more than most usage examples take to run; here a
 * driver (driver.py, our own code) imports the package once, then forks a child per snippet.
 *
 * What each snippet still gets, as with run():
 * - its own process (a fork of the driver after the preload) with its own CPU limit, the sandbox's memory,
 *   file-size and process limits, its own wall-clock limit (the driver kills its process group), and a
 *   `python /sandbox/snippet.py`-like start: __main__, sys.argv, sys.path[0], tracebacks naming the snippet;
 * - fresh state: interpreter state dies with the child; before each snippet every other process in the
 *   sandbox is killed (the pid namespace is private, so "every other" is exactly the leftovers), the
 *   writable folders (/sandbox, /tmp, /dev/shm) are emptied and SysV IPC objects removed.
 * What the driver protects: it is non-dumpable (no ptrace, no /proc/<pid>/fd or mem for the children), it
 * reads its job and deletes it before anything else runs, and results go through a private copy of its
 * stdout, each line prefixed with a random token, so a snippet can neither write nor forge another's record.
 * The package's import-time code runs once in the driver; a batch must therefore hold code of one origin
 * (one repository): that code could already decide every example's outcome, and never reaches the host.
 *
 * When a driver dies, stalls or refuses (a check failed), the snippets without a record are run one by one
 * with run(): the batch never yields less than single runs would.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { RunRecord } from '../../domain/validation.js';
import { cancelled, CodedistillError, errorMessage, throwIfAborted } from '../../kernel/errors.js';
import type { Logger } from '../../kernel/log.js';
import { pool } from '../../kernel/pool.js';
import type { RunEnvironment } from '../isolation.js';
import { DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_PROCESSES } from '../sandbox/bwrap.js';
import type { BatchOptions, ClassifyContext, LaunchSpec, Outcome, ResourceLimits, RunRequest, RunTrace, SandboxLaunch } from '../types.js';
import { outcomeOf, traceOf } from './protocol.js';
import { planChunks } from './chunks.js';
import { superviseDriver } from './supervise.js';
import { watchRun, type RunLimits } from '../run-limits.js';
import { describeExit } from '../../kernel/exit-status.js';

/** What the runner lends the batch: its checks, its sandbox and its judgement. */
export interface BatchHost {
  logger: Logger;
  outputCapBytes: number;
  stderrTailBytes: number;
  killAfterBytes: number;
  memoryLimitMb: number;
  /** Bounds on one batch sandbox as a whole (all the driver's forks); absent: none. */
  runLimits?: RunLimits;
  workers: number;
  checkImportRoots(roots: string[]): Promise<string[]>;
  checkFiles(files: Record<string, string>): Array<[string, string]>;
  clampTimeout(ms: number | undefined): number;
  /** For `python` (the configured interpreter when absent). */
  environment(python?: string): Promise<RunEnvironment | { refusal: (ranAt: string) => RunRecord }>;
  launch<T>(env: RunEnvironment, spec: LaunchSpec, use: (launch: SandboxLaunch) => Promise<T>): Promise<T>;
  classify(o: Outcome, ctx: ClassifyContext): RunRecord;
  run(req: RunRequest): Promise<RunRecord>;
}

export const DEFAULT_CHUNK_SIZE = 50;
const JOB_FILE = '.codedistill-job.json';
/** Per preloaded package; a slower import is abandoned and the snippets import it themselves. */
const PRELOAD_TIMEOUT_S = 60;
/** Sandbox start-up before the driver reports. */
const STARTUP_SLACK_MS = 30_000;
/** Beyond a snippet's own limit: killing leftovers, emptying folders, reading output. */
const PER_SNIPPET_SLACK_MS = 30_000;
const PRELOAD_NAME = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * The driver's source, passed as `python -c SOURCE <scratch>`: nothing but the job file has to reach the
 * sandbox. Beside this module both under src/ (tsx) and dist/ (the build copies it: scripts/copy-assets.mjs).
 */
export const DRIVER_PATH = new URL('./driver.py', import.meta.url);
// Read when this module loads: the file is part of the program (a missing one is a broken install, said early).
const DRIVER_SOURCE = readFileSync(DRIVER_PATH, 'utf8');
// ---- orchestration ----------------------------------------------------------------------------------------

interface Item {
  index: number;
  req: RunRequest;
  code: string;
  files: Array<[string, string]>;
  timeoutMs: number;
  layout: { root: string; dir: string; cwd: string } | null;
}

/** A relative folder inside the snapshot, or null when it would leave it. */
function insideRel(rel: string): string | null {
  const norm = path.posix.normalize(rel || '.');
  if (norm === '.') return '';
  if (path.posix.isAbsolute(norm) || norm === '..' || norm.startsWith('../') || norm.includes('\0')) return null;
  return norm.replace(/\/$/, '');
}

function sameRoots(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export async function runBatchWith(host: BatchHost, reqs: RunRequest[], opts: BatchOptions): Promise<RunRecord[]> {
  const { signal } = opts;
  throwIfAborted(signal);
  const results: Array<RunRecord | null> = reqs.map(() => null);
  if (reqs.length === 0) return [];
  // Records arrive inside stream handlers, where a throw would take the process down: the caller's error is
  // kept and rethrown once the batch is over.
  let callbackError: { error: unknown } | null = null;
  const deliver = (i: number, rec: RunRecord) => {
    if (results[i]) return;
    results[i] = rec;
    try {
      opts.onResult?.(i, rec);
    } catch (e) {
      callbackError ??= { error: e };
    }
  };

  const onTrace = opts.onTrace
    ? (i: number, t: RunTrace) => {
        try {
          opts.onTrace!(i, t);
        } catch (e) {
          callbackError ??= { error: e };
        }
      }
    : undefined;

  const importRoots = await host.checkImportRoots(opts.importRoots);
  const preload = [...new Set(opts.preload)];
  const badName = preload.find((p) => !PRELOAD_NAME.test(p));
  if (badName !== undefined) {
    throw new CodedistillError('invalid_input', `Preload "${badName}" is not a module name.`, 'Pass importable names such as "numpy" or "pkg.sub".');
  }
  // Checked up front, like run() does: a bad request is the caller's mistake whichever way it would run.
  const items: Item[] = [];
  const alone: Item[] = [];
  for (const [index, req] of reqs.entries()) {
    const files = host.checkFiles(req.files ?? {});
    let layout: Item['layout'] = null;
    if (req.layout) {
      const [root] = await host.checkImportRoots([req.layout.root]);
      const dir = insideRel(req.layout.dir);
      const cwd = insideRel(req.layout.cwd);
      if (dir === null || cwd === null) {
        throw new CodedistillError('invalid_input', `Example layout "${req.layout.dir}" / "${req.layout.cwd}" leaves its snapshot.`, 'Pass folders relative to the snapshot.');
      }
      layout = { root: root!, dir, cwd };
    }
    const item = { index, req, code: req.code, files, timeoutMs: host.clampTimeout(req.timeoutMs ?? opts.timeoutMs), layout };
    const own = req.importRoots ? await host.checkImportRoots(req.importRoots) : null;
    const otherPython = req.python !== undefined && req.python !== opts.python;
    if ((own && !sameRoots(own, importRoots)) || otherPython) alone.push(item);
    else items.push(item);
  }

  const env = await host.environment(opts.python);
  if ('refusal' in env) {
    // A request with an interpreter of its own may still run; the rest share the batch's refusal.
    const own = alone.filter((it) => it.req.python !== undefined && it.req.python !== opts.python);
    for (const [i] of reqs.entries()) if (!own.some((it) => it.index === i)) deliver(i, env.refusal(new Date().toISOString()));
    items.length = 0;
    alone.splice(0, alone.length, ...own);
  }
  const ready = 'refusal' in env ? null : env;

  const runAlone = async (item: Item): Promise<void> => {
    throwIfAborted(signal);
    const req = item.req;
    const rec = await host.run({
      code: req.code,
      importRoots: req.importRoots ?? importRoots,
      files: req.files,
      timeoutMs: item.timeoutMs,
      expectedOutput: req.expectedOutput,
      signal,
      python: req.python ?? opts.python,
    });
    deliver(item.index, rec);
  };

  const runChunk = async (chunk: Item[]): Promise<void> => {
    throwIfAborted(signal);
    if (!ready) return;
    const began = performance.now();
    const exit = await driveChunk(host, ready, chunk, { importRoots, preload, signal, deliver, trace: opts.trace, onTrace, traceRoots: opts.traceRoots }).catch((e: unknown) => {
      if (signal?.aborted) throw cancelled();
      host.logger.warn(`batch sandbox failed (${errorMessage(e)}); running its snippets one by one`);
      return null;
    });
    if (exit?.aborted || signal?.aborted) throw cancelled();
    host.logger.debug(`batch sandbox of ${chunk.length}: ${Math.round(performance.now() - began)} ms`);
    const left = chunk.filter((it) => !results[it.index]);
    if (left.length && exit) {
      const why = exit.reason ?? 'the driver stopped early';
      host.logger.warn(`batch of ${chunk.length}: ${why}; running the ${left.length} snippets without a record one by one`);
    }
    for (const it of left) await runAlone(it);
  };

  const workers = Math.max(1, Math.floor(opts.workers ?? host.workers));
  const tasks: Array<() => Promise<void>> = [];
  for (const chunk of planChunks(items.map((it) => it.req), opts.chunkSize ?? DEFAULT_CHUNK_SIZE, workers)) {
    const these = chunk.map((i) => items[i]!);
    tasks.push(() => runChunk(these));
  }
  for (const it of alone) tasks.push(() => runAlone(it));

  const settled = await pool(tasks, workers);
  if (signal?.aborted) throw cancelled();
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) throw failure.reason;
  if (callbackError) throw (callbackError as { error: unknown }).error;
  return results as RunRecord[];
}

/** One sandbox, one driver, up to a chunk of snippets. Resolves once the sandbox is gone. */
async function driveChunk(
  host: BatchHost,
  env: RunEnvironment,
  chunk: Item[],
  ctx: {
    importRoots: string[];
    preload: string[];
    signal?: AbortSignal;
    deliver: (i: number, rec: RunRecord) => void;
    trace?: BatchOptions['trace'];
    onTrace?: (i: number, trace: RunTrace) => void;
    traceRoots?: string[];
  },
): Promise<{ aborted: boolean; reason: string | null }> {
  const token = randomBytes(24).toString('hex');
  const layoutRoots = [...new Set(chunk.flatMap((it) => (it.layout ? [it.layout.root] : [])))];
  const job = {
    token,
    sandboxed: env.iso.kind === 'bwrap',
    capBytes: host.outputCapBytes,
    tailBytes: host.stderrTailBytes,
    killAfterBytes: host.killAfterBytes,
    preload: ctx.preload,
    preloadTimeoutS: PRELOAD_TIMEOUT_S,
    examples: chunk.map((it) => ({ code: it.code, files: it.files, timeoutMs: it.timeoutMs, layout: it.layout })),
    // The scratch folder is traced too: a laid-out example reaches the snapshot's modules through links there.
    trace: ctx.trace && ctx.onTrace ? { roots: [...ctx.importRoots, ...layoutRoots, ...(ctx.traceRoots ?? [])].map((r) => r + path.sep), mode: ctx.trace } : null,
  };
  const perSnippet = chunk.map((it) => it.timeoutMs + PER_SNIPPET_SLACK_MS);
  const startupMs = STARTUP_SLACK_MS + ctx.preload.length * PRELOAD_TIMEOUT_S * 1000;
  const totalMs = startupMs + perSnippet.reduce((a, b) => a + b, 0);
  const limits: ResourceLimits = {
    // The driver's own CPU (imports, bookkeeping); each snippet lowers it to its own limit after the fork.
    cpuSeconds: Math.ceil(totalMs / 1000),
    addressSpaceBytes: host.memoryLimitMb * 1024 * 1024,
    maxProcesses: DEFAULT_MAX_PROCESSES,
    fileSizeBytes: DEFAULT_MAX_FILE_BYTES,
  };
  const spec: LaunchSpec = {
    files: [[JOB_FILE, JSON.stringify(job)]],
    importRoots: ctx.importRoots,
    // The snapshots examples are laid out in: readable, not on the import path.
    readOnly: layoutRoots,
    limits,
    command: (inside) => [env.interp.executable, '-c', DRIVER_SOURCE, inside],
    // Peak memory comes from each child's rusage; GNU time would also be one more process holding the pipe.
    measure: false,
  };

  return host.launch(env, spec, async (launch) => {
    const snippetPath = (item: Item | undefined) => (item?.layout?.dir ? `${launch.inside}/${item.layout.dir}/snippet.py` : `${launch.inside}/snippet.py`);
    const started = Date.now();
    let next = 0;
    let fatal: string | null = null;
    let done = false;
    let readySeen = false;
    const watch = watchRun(host.runLimits);
    const exit = await superviseDriver(launch, token, {
      signal: ctx.signal,
      ...(watch ? { onSpawn: watch.onSpawn } : {}),
      deadlineMs: () => {
        // The report of the snippet running now is due within its limit plus slack; the whole chunk within the sum.
        const overall = started + totalMs - Date.now();
        const due = next === 0 && !readySeen ? startupMs : (perSnippet[next] ?? PER_SNIPPET_SLACK_MS);
        return Math.min(due, overall);
      },
      onMessage: (m) => {
        if (m.t === 'ready') {
          readySeen = true;
          for (const p of m.preload) {
            if (p.ok) host.logger.debug(`batch preload ${p.name}: ${p.ms ?? '?'} ms`);
            else host.logger.debug(`batch preload ${p.name} failed (${p.error ?? 'unknown'}); each snippet imports it itself`);
          }
        } else if (m.t === 'result') {
          const item = chunk[m.i];
          if (!item || m.i !== next) return;
          next++;
          const rec = host.classify(outcomeOf(m, host, snippetPath(item)), {
            interp: env.interp,
            sandbox: launch.sandbox,
            timeoutMs: item.timeoutMs,
            expectedOutput: item.req.expectedOutput,
            importRoots: ctx.importRoots,
            files: item.files,
            ranAt: new Date(Date.now() - Math.round(m.ms)).toISOString(),
          });
          if (ctx.onTrace && m.trace) {
            const trace = traceOf(m, (file) => placeTraced(file, launch.inside, item, snippetPath(item)));
            if (trace) ctx.onTrace(item.index, trace);
          }
          ctx.deliver(item.index, rec);
        } else if (m.t === 'fatal') {
          fatal = m.message;
        } else {
          done = true;
        }
      },
    });
    let reason: string | null = null;
    if (exit.spawnError) reason = `the driver could not start (${exit.spawnError.message})`;
    else if (fatal) reason = `the driver stopped: ${fatal}`;
    else if (exit.overRunMemory) reason = `its processes together passed the memory limit of a run (${host.runLimits?.memoryMb} MB) and were killed`;
    else if (exit.stalled) reason = 'the driver stopped reporting and was killed';
    else if (exit.garbled) reason = 'the driver wrote something that is not a report and was killed';
    else if (!done) {
      const last = exit.stderr.trim().split('\n').pop() ?? '';
      reason = `the driver ended early (${describeExit(exit.exitCode, exit.signal)}${last ? `: ${last.slice(0, 200)}` : ''})`;
    }
    return { aborted: exit.aborted, reason };
  });
}


/**
 * A traced file as a host path: the snapshot's and the import roots' files are seen at their own paths; a laid-out
 * example's scratch folder mirrors its snapshot (links), so a file there is the snapshot's file at that place. The
 * snippet itself, and scratch files of an example without a layout, are the request's own.
 */
function placeTraced(file: string, inside: string, item: Item, snippet: string): string | null {
  if (file === snippet) return null;
  if (!file.startsWith(inside + '/')) return file;
  if (!item.layout) return null;
  return path.join(item.layout.root, file.slice(inside.length + 1));
}
