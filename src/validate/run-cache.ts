/**
 * Run records reused across distills: a run's result is a function of its request (code, expected output,
 * where it sits in the snapshot, timeout, interpreter) and of what it can import and read (the environment's
 * lock, the repository's package and data, the files beside it that it imports or may open), so a runner
 * wrapped here runs only the requests whose inputs changed and answers the rest from the cache. What a distill
 * holds the same for every run (the code version, the environment, the package's content) is its `context`.
 *
 * Passed, failed and timed-out runs are kept. A timeout is kept under its budget (the request's timeout is part of
 * the key): re-running every slow example on each re-distill would cost a timeout's worth each (fluids: minutes after
 * a one-line change), and `revalidate`, which never reads this cache, runs them again. A sandbox error says nothing
 * lasting and is never kept.
 * The snapshot folder a run saw is a temporary one, and the environment's folder changes with its key: keys and
 * records name them by placeholders.
 *
 * With the repository's modules known (`dependencies`), a run's key holds their surfaces only, and its entry the
 * units of code it reached, with a digest of their texts: the entry is reused while that digest still holds, and a
 * run that is run again replaces it. What a run reached is what it executed when the batch driver could trace it
 * (sys.monitoring, or sys.settrace when asked), else what its code can reach by name (run-deps.ts), which counts
 * every branch of a dispatcher: after a one-line edit in fluids' `friction_laminar`, 139 of 1,528 runs reach it by
 * name and 56 of them execute it, the 83 others holding 36 of the 44 s those runs take.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunRecord } from '../domain/validation.js';
import { contentKey, type ContentCache } from '../kernel/content-cache.js';
import { importedTopModules } from '../python/syntax.js';
import type { RunDependencies } from './run-deps.js';
import type { BatchOptions, RunRequest, Runner, RunTrace } from './types.js';

const NAMESPACE = 'runs-v3';
/**
 * Records kept per request, one per state of the code it reached (the newest first): an edit undone, or a branch
 * checked out again, finds the record of that state instead of running again.
 */
const VARIANTS = 4;
/** In a run's units, a file that is not one of the modules (a test helper it imported): its whole content counts. */
const WHOLE_FILE = '*';
const ROOT = '\u0000snapshot\u0000';
const ENVIRONMENT = '\u0000environment\u0000';

export interface RunCacheOptions {
  cache: ContentCache;
  /** What every run of this distill depends on besides its own request (see runContext). */
  context: string;
  /** The snapshot folder the runs see (layout root and import roots under it), named by a placeholder in the cache. */
  root: string;
  /**
   * The distill's interpreter (an environment's python, whose folder is another one for every environment key):
   * its requests are keyed without it, the context holding the environment's lock instead.
   */
  python?: string;
  /** The environment's folder, named by a placeholder in the cache like the snapshot's. */
  environmentDir?: string;
  /**
   * The repository modules a run's code can reach (run-deps.ts): part of each run's key, so a change to one
   * function runs again only the runs that can reach it. Without it the context must hold every module.
   */
  dependencies?: RunDependencies;
  /** Whether batches trace what each run executes (BatchOptions.trace); 'never' keeps to the estimate by name. */
  trace?: 'auto' | 'always' | 'never';
  /** The repository's own package as installed in the environment (BatchOptions.traceRoots), where it is. */
  traceRoots?: string[];
  /**
   * Keep runs skipped for what the environment lacks (a missing dependency) too: true when the context holds an
   * environment's lock, which every install into it changes. Without one, the base interpreter may get the
   * dependency at any time, and such a run must be tried again.
   */
  keepSkipped?: boolean;
}

/** A cache entry: records of one request (`variants`, newest first), each one `Entry`. */
interface Stored {
  variants: Entry[];
}

/** A record as the runner made it, and what of the repository the run reached then. */
interface Entry {
  record: string;
  /** Names of the units reached, by module path (WHOLE_FILE for a file that is not a module). */
  units?: Record<string, string[]>;
  /** sha256 over each unit's id and the hash of its text when the run ran. */
  digest?: string;
}

export interface CachingRunner extends Runner {
  /** `reusedTimeouts`: of the reused, the runs that had timed out (the distill says how to run them again). */
  readonly stats: { reused: number; ran: number; reusedTimeouts: number; traced: number };
  /** Where a distill's validation spent its time (ms): deciding what to reuse, and running the rest. */
  readonly timing: { lookupMs: number; runMs: number };
}

/**
 * The context of a distill's runs: the code version, the environment (its lock hash, or the interpreter when
 * there is none), the digest of the files runs import or read from the package (filesDigest: its data files, and
 * its Python modules unless each run's key holds the modules it reaches), and the libraries providing its
 * dependencies (by fingerprint).
 */
export function runContext(parts: { codeVersion: string; environment: string; files: string; providers: string[] }): string {
  return contentKey('runs-v1', parts.codeVersion, parts.environment, parts.files, ...parts.providers);
}

/** sha256 over the files' paths and contents, in path order; an unreadable file counts by its path alone. */
export async function filesDigest(files: readonly { path: string; absPath: string }[]): Promise<string> {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    h.update(`${f.path}\0`);
    const body = await readFile(f.absPath).catch(() => null);
    h.update(body ? createHash('sha256').update(body).digest('hex') : 'unreadable');
    h.update('\0');
  }
  return h.digest('hex');
}

export function cachingRunner(inner: Runner, opts: RunCacheOptions): CachingRunner {
  const stats = { reused: 0, ran: 0, reusedTimeouts: 0, traced: 0 };
  const timing = { lookupMs: 0, runMs: 0 };
  const json = (s: string) => JSON.stringify(s).slice(1, -1);
  // Longest first, so a folder inside another is named by its own placeholder.
  const folders = [
    [opts.root, ROOT],
    ...(opts.environmentDir ? [[opts.environmentDir, ENVIRONMENT]] : []),
  ].sort((a, b) => b[0]!.length - a[0]!.length) as [string, string][];
  const hide = (s: string) => folders.reduce((t, [dir, mark]) => t.split(dir).join(mark), s);
  const hideJson = (s: string) => folders.reduce((t, [dir, mark]) => t.split(json(dir)).join(json(mark)), s);
  const showJson = (s: string) => folders.reduce((t, [dir, mark]) => t.split(json(mark)).join(json(dir)), s);
  const besideDigests = new Map<string, Promise<Map<string, string>>>();

  /** Each file of a folder of the snapshot (not below it) by name, with the hash of its content. */
  const beside = (dir: string): Promise<Map<string, string>> => {
    let d = besideDigests.get(dir);
    if (!d) {
      d = (async () => {
        const out = new Map<string, string>();
        const abs = path.join(opts.root, dir);
        const entries = await readdir(abs, { withFileTypes: true }).catch(() => []);
        for (const e of entries) {
          if (!e.isFile()) continue;
          const body = await readFile(path.join(abs, e.name)).catch(() => null);
          out.set(e.name, body ? createHash('sha256').update(body).digest('hex') : 'unreadable');
        }
        return out;
      })();
      besideDigests.set(dir, d);
    }
    return d;
  };

  const keyOf = async (req: RunRequest, importRoots: readonly string[] | undefined, preload: readonly string[]): Promise<string> => {
    let layout = '';
    if (req.layout) {
      // A run laid out in a folder of the snapshot sees its data files and the modules beside it it imports;
      // not the other tests there, whose changes are not its own.
      const files = await beside(req.layout.dir);
      const imported = new Set(importedTopModules(req.code).map((m) => `${m}.py`));
      const seen = [...files]
        .filter(([name]) => !name.endsWith('.py') || imported.has(name))
        .sort((a, b) => (a[0] < b[0] ? -1 : 1))
        .map(([n, h]) => `${n}=${h}`);
      layout = [hide(req.layout.root), req.layout.dir, req.layout.cwd, ...seen].join('\n');
    }
    return contentKey(
      opts.context,
      req.code,
      req.expectedOutput === null || req.expectedOutput === undefined ? '\u0000none' : req.expectedOutput,
      JSON.stringify(req.files ?? {}),
      String(req.timeoutMs ?? ''),
      req.python === undefined || req.python === opts.python ? '' : req.python,
      (importRoots ?? []).map(hide).join('\n'),
      preload.join(','),
      layout,
      opts.dependencies ? opts.dependencies.surface : '',
    );
  };

  const fileHashes = new Map<string, Promise<string>>();
  const fileHash = (rel: string): Promise<string> => {
    let h = fileHashes.get(rel);
    if (!h) {
      h = readFile(path.join(opts.root, ...rel.split('/'))).then(
        (body) => createHash('sha256').update(body).digest('hex'),
        () => 'missing',
      );
      fileHashes.set(rel, h);
    }
    return h;
  };

  /**
   * The file of the snapshot a traced file is, or null for none: a file of the snapshot itself, or a module of the
   * repository's own wheel installed in the environment (its files are the snapshot's, line for line), which is
   * what runs import when the package had to be built. Without the second, an edit to such a package reached no
   * run: the environment's lock names the package by version, which an edit leaves as it is.
   */
  const snapshotFileOf = (deps: RunDependencies, abs: string): string | null => {
    const rel = path.relative(opts.root, abs);
    if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) return rel.split(path.sep).join('/');
    if (!opts.environmentDir) return null;
    const inEnv = path.relative(opts.environmentDir, abs);
    if (!inEnv || inEnv.startsWith('..') || path.isAbsolute(inEnv)) return null;
    const parts = inEnv.split(path.sep);
    const site = parts.lastIndexOf('site-packages');
    if (site < 0) return null;
    return deps.installedFrom(parts.slice(site + 1).join('/')) ?? null;
  };

  /** The units a run reached: as traced, or (no trace) as its code can reach them by name. */
  const reachedOf = (deps: RunDependencies, code: string, trace: RunTrace | undefined): Record<string, string[]> => {
    const units = new Map<string, Set<string>>();
    const add = (file: string, name: string) => {
      const names = units.get(file);
      if (names) names.add(name);
      else units.set(file, new Set([name]));
    };
    const addId = (id: string) => {
      const at = id.lastIndexOf(':');
      add(id.slice(0, at), id.slice(at + 1));
    };
    if (trace) {
      for (const [abs, lines] of Object.entries(trace.files)) {
        const file = snapshotFileOf(deps, abs);
        // Outside the snapshot: the environment and the providing libraries, which the context holds.
        if (file === null) continue;
        if (!deps.has(file)) {
          add(file, WHOLE_FILE);
          continue;
        }
        for (const line of lines) {
          const unit = deps.unitAt(file, line);
          if (unit) addId(unit[0]);
        }
      }
    } else {
      for (const [id] of deps.reach(code)) addId(id);
    }
    return Object.fromEntries([...units].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([f, names]) => [f, [...names].sort()]));
  };

  const digestOf = async (deps: RunDependencies, units: Record<string, string[]>): Promise<string> => {
    const h = createHash('sha256');
    for (const [file, names] of Object.entries(units)) {
      for (const name of names) {
        const now = name === WHOLE_FILE ? await fileHash(file) : (deps.hashOf(`${file}:${name}`) ?? 'gone');
        h.update(`${file}:${name}=${now}\0`);
      }
    }
    return h.digest('hex');
  };

  /** What the cache holds for a request, as read (a file another version or a crash left may hold anything). */
  const variantsOf = async (key: string): Promise<Partial<Entry>[]> => {
    const stored = (await opts.cache.get(NAMESPACE, key)) as { variants?: unknown } | undefined;
    return Array.isArray(stored?.variants) ? (stored.variants as unknown[]).filter((v): v is Partial<Entry> => !!v && typeof v === 'object') : [];
  };
  /** The record to reuse, or none; and then how long the same request took when it last ran, where it did. */
  const lookup = async (key: string): Promise<{ hit: RunRecord | null; lastMs?: number }> => {
    let lastMs: number | undefined;
    for (const entry of await variantsOf(key)) {
      if (typeof entry.record !== 'string') continue;
      let rec: RunRecord;
      try {
        rec = JSON.parse(showJson(entry.record)) as RunRecord;
      } catch {
        continue;
      }
      if (opts.dependencies) {
        // A changed function the run reaches: this record is another state's; the newest says how long it takes.
        const stale = !entry.units || typeof entry.units !== 'object' || typeof entry.digest !== 'string' || (await digestOf(opts.dependencies, entry.units)) !== entry.digest;
        if (stale) {
          if (lastMs === undefined && typeof rec.durationMs === 'number') lastMs = rec.durationMs;
          continue;
        }
      }
      return { hit: rec };
    }
    return { hit: null, ...(lastMs !== undefined ? { lastMs } : {}) };
  };
  /** The record as the runner made it, before a caller reclassifies or relocates it in place. */
  const snapshot = (rec: RunRecord): string | null =>
    rec.status === 'passed' || rec.status === 'failed' || rec.status === 'timeout' || (opts.keepSkipped === true && rec.status === 'skipped') ? JSON.stringify(rec) : null;
  const reused = (rec: RunRecord) => {
    stats.reused++;
    if (rec.status === 'timeout') stats.reusedTimeouts++;
  };
  const store = async (key: string, text: string | null, code: string, trace?: RunTrace): Promise<void> => {
    if (text === null) return;
    const entry: Entry = { record: hideJson(text) };
    let variants: Entry[] = [entry];
    if (opts.dependencies) {
      entry.units = reachedOf(opts.dependencies, code, trace);
      entry.digest = await digestOf(opts.dependencies, entry.units);
      if (trace) stats.traced++;
      // The other states' records stay, newest first; this state's replaces its own.
      const others = (await variantsOf(key)).filter((v): v is Entry => typeof v.record === 'string' && typeof v.digest === 'string' && v.digest !== entry.digest);
      variants = [entry, ...others].slice(0, VARIANTS);
    }
    const stored: Stored = { variants };
    await opts.cache.put(NAMESPACE, key, stored);
  };

  const runner: CachingRunner = {
    stats,
    timing,
    info: (python) => inner.info(python),
    async run(req) {
      const key = await keyOf(req, req.importRoots, []);
      const { hit } = await lookup(key);
      if (hit) {
        reused(hit);
        return hit;
      }
      const rec = await inner.run(req);
      stats.ran++;
      await store(key, snapshot(rec), req.code);
      return rec;
    },
  };
  if (inner.runBatch) {
    const batch = inner.runBatch.bind(inner);
    runner.runBatch = async (reqs: RunRequest[], bopts: BatchOptions): Promise<RunRecord[]> => {
      const out: RunRecord[] = new Array<RunRecord>(reqs.length);
      const lookedUp = performance.now();
      const keys = await Promise.all(reqs.map((r) => keyOf(r, r.importRoots ?? bopts.importRoots, bopts.preload)));
      const misses: number[] = [];
      const lastMs = new Map<number, number>();
      for (const [i, key] of keys.entries()) {
        const { hit, lastMs: ms } = await lookup(key);
        if (!hit) {
          misses.push(i);
          if (ms !== undefined) lastMs.set(i, ms);
          continue;
        }
        reused(hit);
        out[i] = hit;
        bopts.onResult?.(i, hit);
      }
      timing.lookupMs += performance.now() - lookedUp;
      if (misses.length === 0) return out;
      const ranFrom = performance.now();
      const texts = new Map<number, string | null>();
      const traces = new Map<number, RunTrace>();
      const mode = opts.trace ?? 'auto';
      const recs = await batch(
        misses.map((i) => (lastMs.has(i) ? { ...reqs[i]!, expectedMs: lastMs.get(i)! } : reqs[i]!)),
        {
          ...bopts,
          ...(opts.dependencies && mode !== 'never' ? { trace: mode, traceRoots: opts.traceRoots, onTrace: (j: number, t: RunTrace) => void traces.set(j, t) } : {}),
          onResult: (j, rec) => {
            texts.set(j, snapshot(rec));
            bopts.onResult?.(misses[j]!, rec);
          },
        },
      );
      timing.runMs += performance.now() - ranFrom;
      for (const [j, rec] of recs.entries()) {
        const i = misses[j]!;
        out[i] = rec;
        stats.ran++;
        await store(keys[i]!, texts.has(j) ? texts.get(j)! : snapshot(rec), [...bopts.preload, reqs[i]!.code].join('\n'), traces.get(j));
      }
      return out;
    };
  }
  return runner;
}
