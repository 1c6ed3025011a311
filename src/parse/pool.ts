/**
 * Parsing many files at once on this thread and on worker threads, each worker with a parser of its own
 * (parse-worker.ts): files are handed out largest first to whichever is free, and the results come back in the
 * order the files were given, the same as parsing them one by one here. A worker that fails or exits gives its
 * file back to this thread and takes no more; a file that fails to parse is that file's outcome alone.
 *
 * Workers start on a call with enough work (a small repository is parsed here, where the grammars are loaded
 * already) or on start(), and are stopped when that call ends.
 */
import { Worker } from 'node:worker_threads';
import { CodedistillError, throwIfAborted, type ErrorCode } from '../kernel/errors.js';
import type { ParsedFile, ParseJob, ParseOutcome } from './types.js';

export interface ParsePoolOptions {
  /** Worker threads besides this one; 0 parses everything here. */
  workers: number;
  /** Below this much source text in one call (characters), no worker is started: it would cost more than it saves. */
  minChars?: number;
  /** The worker's module; parse-worker.js beside this file unless given (tests). */
  workerUrl?: URL;
}

export interface ParsePool {
  parseAll(jobs: readonly ParseJob[], opts?: { signal?: AbortSignal }): Promise<ParseOutcome[]>;
  /** Start the workers now (parseAll starts them when it has enough work): how many are ready. */
  start(): Promise<number>;
  /** Stop the workers (they are started again when needed). */
  close(): Promise<void>;
}

/** Messages between this thread and a worker. */
export type WorkerRequest = { id: number } & ParseJob;
export type WorkerReply =
  | { ready: true }
  | { ready: false; message: string }
  | { id: number; parsed: ParsedFile }
  | { id: number; error: { name: string; message: string; code?: ErrorCode; hint?: string } };

const DEFAULT_MIN_CHARS = 256 * 1024;

export function workerUrlBesideThis(): URL {
  // Run from source (tsx in tests and benches) the worker is the .ts file; built, the .js one.
  return new URL(import.meta.url.endsWith('.ts') ? './parse-worker.ts' : './parse-worker.js', import.meta.url);
}

/** The error a worker reported, as the parser here would have thrown it. */
export function errorFromReply(e: { name: string; message: string; code?: ErrorCode; hint?: string }): Error {
  if (e.code) return new CodedistillError(e.code, e.message, e.hint ?? '');
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}

export function errorForReply(e: unknown): { name: string; message: string; code?: ErrorCode; hint?: string } {
  if (e instanceof CodedistillError) return { name: e.name, message: e.message, code: e.code, hint: e.hint };
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: 'Error', message: String(e) };
}

function startWorker(url: URL): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url);
  // Run from source (tsx), a worker does not take tsx's loader from the command line: it registers it first.
  const api = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`, { eval: true });
}

class ParseWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (o: ParseOutcome) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  dead = false;
  readonly ready: Promise<boolean>;

  constructor(url: URL) {
    this.worker = startWorker(url);
    this.worker.unref();
    let settle: (ok: boolean) => void = () => undefined;
    this.ready = new Promise((resolve) => (settle = resolve));
    this.worker.on('message', (m: WorkerReply) => {
      if ('ready' in m) {
        if (!m.ready) this.fail(new Error(m.message));
        settle(m.ready);
        return;
      }
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      p.resolve('error' in m ? { error: errorFromReply(m.error) } : { parsed: m.parsed });
    });
    const gone = (e: Error) => {
      this.fail(e);
      settle(false);
    };
    this.worker.on('error', gone);
    this.worker.on('exit', (code) => gone(new Error(`the parse worker exited (code ${code})`)));
  }

  parse(job: ParseJob): Promise<ParseOutcome> {
    if (this.dead) return Promise.reject(new Error('the parse worker is gone'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const msg: WorkerRequest = { id, relPath: job.relPath, source: job.source, importRoots: job.importRoots };
      this.worker.postMessage(msg);
    });
  }

  private fail(e: Error): void {
    this.dead = true;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  async terminate(): Promise<void> {
    this.dead = true;
    await this.worker.terminate();
  }
}

/**
 * Workers are never referenced (an idle one must not keep the process alive); while a call waits on one, this
 * timer keeps the process alive instead, so a wait for a worker's start or reply is never cut short.
 */
async function keepingAlive<T>(work: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => undefined, 1 << 30);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** `parseHere` is this thread's parser (its throws become outcomes). */
export function createParsePool(parseHere: (job: ParseJob) => ParsedFile, opts: ParsePoolOptions): ParsePool {
  const minChars = opts.minChars ?? DEFAULT_MIN_CHARS;
  let workers: ParseWorker[] = [];
  const local = (job: ParseJob): ParseOutcome => {
    try {
      return { parsed: parseHere(job) };
    } catch (e) {
      return { error: e instanceof Error ? e : new Error(String(e)) };
    }
  };
  const startWorkers = () => {
    workers = workers.filter((w) => !w.dead);
    while (workers.length < opts.workers) workers.push(new ParseWorker(opts.workerUrl ?? workerUrlBesideThis()));
  };
  return {
    async start() {
      startWorkers();
      return keepingAlive(async () => (await Promise.all(workers.map((w) => w.ready))).filter(Boolean).length);
    },
    async parseAll(jobs, { signal } = {}) {
      const results: ParseOutcome[] = new Array(jobs.length);
      let chars = 0;
      for (const j of jobs) chars += j.source.length;
      const useWorkers = opts.workers > 0 && jobs.length > 1 && (chars >= minChars || workers.some((w) => !w.dead));
      if (useWorkers) startWorkers();
      // Largest first, so that no thread is left with one big file at the end.
      const order = jobs.map((_, i) => i).sort((a, b) => jobs[b]!.source.length - jobs[a]!.source.length || a - b);
      let next = 0;
      const take = (): number => (next < order.length && !signal?.aborted ? order[next++]! : -1);
      const here = async () => {
        for (let i = take(); i >= 0; i = take()) {
          results[i] = local(jobs[i]!);
          // Let the workers' replies in, so each is handed its next file without waiting for this loop.
          if (useWorkers) await new Promise((r) => setImmediate(r));
        }
      };
      const there = async (w: ParseWorker) => {
        if (!(await w.ready)) return;
        for (let i = take(); i >= 0; i = take()) {
          try {
            results[i] = await w.parse(jobs[i]!);
          } catch {
            // The worker is gone: its file is parsed here, and it takes no more.
            results[i] = local(jobs[i]!);
            return;
          }
        }
      };
      try {
        await keepingAlive(() => Promise.all([here(), ...(useWorkers ? workers : []).map(there)]));
      } finally {
        // Stopped after each call: an idle worker kept the CLI from exiting once its distill was done.
        if (useWorkers) await this.close();
      }
      throwIfAborted(signal);
      return results;
    },
    async close() {
      const all = workers;
      workers = [];
      await Promise.all(all.map((w) => w.terminate()));
    },
  };
}
