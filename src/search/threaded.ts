/**
 * The search index read on a thread of its own. Loading LanceDB and the ranking's code, reading the full-text
 * index's document lengths and posting pages, and the first searches' compilation take the better part of a second
 * on a large home; on the main thread they could only start once the client's handshake was answered, so a search
 * sent at once waited for all of it. The thread (worker.ts) opens and warms the index while the main thread loads
 * the server and answers the handshake: on two cores, at the same time.
 *
 * Searches, synced() and warm() go to the thread. Syncs stay on the main thread, through an index of its own opened
 * on the first sync (they need the catalogue, which lives here): the thread's index sees each sync as it sees
 * another process's, by the meta file it rewrites (store.ts). In the first pause between searches that index takes
 * the searches over and the thread ends (handOver()).
 */
import { SHARE_ENV, Worker } from 'node:worker_threads';
import type { SearchQuery, SearchResult } from '../domain/search.js';
import { CodedistillError, errorMessage, type ErrorCode } from '../kernel/errors.js';
import type { Logger } from '../kernel/log.js';
import type { IndexSettings } from '../config.js';
import type { SearchIndex, SyncOptions, SyncResult } from './types.js';
import type { LibraryEntry } from '../domain/library.js';

/** What the main thread asks the search thread, and under which id it waits for the answer. */
type Ask = { op: 'search'; query: SearchQuery } | { op: 'synced' } | { op: 'warm' } | { op: 'close' };
export type ThreadRequest = Ask & { id: number };

/** Its answer: the value, or the error as the caller's adapter needs it (code, message, hint). */
export type ThreadReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { code: ErrorCode; message: string; hint: string } };

type Synced = Awaited<ReturnType<SearchIndex['synced']>>;

/** The worker's entry beside this file: worker.js when built, worker.ts when run through tsx (tests, bench). */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(`./worker${FROM_SOURCE ? '.ts' : '.js'}`, import.meta.url);
/**
 * What the thread runs first. stdout belongs to the protocol, so the thread's goes to stderr, before any module loads
 * (a thread's stdout taken by the parent instead, to pipe it to stderr, would keep the process alive when idle).
 * tsx's loader hooks are the main thread's, and on Node 20 `--import tsx` does not reach a thread's entry: a thread
 * started from source registers them itself before it imports its entry.
 */
const BOOT =
  'process.stdout.write = process.stderr.write.bind(process.stderr);\n' +
  (FROM_SOURCE
    ? `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(WORKER_URL.href)}); });`
    : `import(${JSON.stringify(WORKER_URL.href)});`);

/**
 * Start a search thread. Without settings it reads the configuration from this process's environment itself, so that
 * it can start before the main thread has loaded the configuration (cli/main.ts). It shares the process's
 * environment: LanceDB's native code reads the variables the thread sets before it opens the index (config.ts).
 */
export function spawnSearchWorker(settings: IndexSettings | null = null): Worker {
  const worker = new Worker(BOOT, { eval: true, workerData: { settings }, env: SHARE_ENV });
  // Idle, it does not keep the process alive; a call waiting for it does (call()).
  worker.unref();
  return worker;
}

export class ThreadedSearchIndex implements SearchIndex {
  private worker: Worker | null = null;
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private writer_: Promise<SearchIndex> | null = null;
  private closed = false;
  /** The main thread's own index once it has taken the searches over (handOver). */
  private local: SearchIndex | null = null;
  private handOverTimer: NodeJS.Timeout | null = null;
  private handOverBy = Infinity;
  /** Called when nothing is waiting for the thread. */
  private readonly drained: (() => void)[] = [];

  /**
   * @param settings what a thread started here opens (one is, when `started` is not given or has stopped).
   * @param openWriter opens the main thread's own index, for syncs.
   * @param started a thread spawnSearchWorker already started for the same settings.
   * @param handOver when the main thread takes the searches over (see handOver()): after a pause of `quietMs` in the
   * calls, at most `maxMs` after the first; default 1 s and 10 s.
   */
  constructor(
    private readonly settings: IndexSettings,
    private readonly logger: Logger,
    private readonly openWriter: () => Promise<SearchIndex>,
    started?: Worker,
    private readonly handOverAt: { quietMs: number; maxMs: number } = { quietMs: 1_000, maxMs: 10_000 },
  ) {
    if (started) this.adopt(started);
  }

  /** Start the thread now (it opens and warms the index at once); any call starts it too. */
  start(): this {
    this.thread();
    return this;
  }

  private thread(): Worker {
    return this.worker ?? this.adopt(spawnSearchWorker(this.settings));
  }

  private adopt(worker: Worker): Worker {
    worker.on('message', (reply: ThreadReply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (!this.pending.size) {
        worker.unref();
        for (const fn of this.drained.splice(0)) fn();
      }
      if (reply.ok) waiting.resolve(reply.value);
      else waiting.reject(new CodedistillError(reply.error.code, reply.error.message, reply.error.hint));
    });
    const stopped = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = null;
      if (!this.closed) this.logger.warn(`the search thread stopped (${why}); the next search starts another`);
      const failure = new CodedistillError('internal', `The search thread stopped: ${why}.`, 'Call again: the next search starts it again.');
      for (const { reject } of this.pending.values()) reject(failure);
      this.pending.clear();
    };
    worker.on('error', (e) => stopped(e.message));
    worker.on('exit', (code) => stopped(`exit code ${code}`));
    this.worker = worker;
    return worker;
  }

  private call<T>(ask: Ask): Promise<T> {
    if (this.closed) return Promise.reject(new CodedistillError('internal', 'The search index is closed.', 'Open it again.'));
    const worker = this.thread();
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.ref();
      worker.postMessage({ ...ask, id } satisfies ThreadRequest);
    });
  }

  search(query: SearchQuery): Promise<SearchResult> {
    if (this.local) return this.local.search(query);
    this.handOverSoon();
    return this.call<SearchResult>({ op: 'search', query });
  }

  synced(): Promise<Synced> {
    return this.local ? this.local.synced() : this.call<Synced>({ op: 'synced' });
  }

  async warm(): Promise<void> {
    if (this.local) return;
    await this.call<void>({ op: 'warm' });
    this.handOverSoon();
  }

  /** Whether searches still go to the thread (false once the main thread took them over, or after close). */
  get threaded(): boolean {
    return !this.local && !this.closed;
  }

  /**
   * The thread is for a server's first searches. Once warm, a search costs a little more through it (the hop, and
   * retrieve measured slower there: p95 5-8 ms at 1M) and the process holds two indexes; so in a pause between
   * searches the main thread opens and warms its own (the one it syncs with: loading LanceDB holds this thread for a
   * moment, which a pause can spare), takes the searches over, and the thread ends.
   */
  private handOverSoon(): void {
    if (this.local || this.closed) return;
    const now = Date.now();
    if (this.handOverBy === Infinity) this.handOverBy = now + this.handOverAt.maxMs;
    if (this.handOverTimer) clearTimeout(this.handOverTimer);
    this.handOverTimer = setTimeout(() => {
      this.handOverTimer = null;
      this.handOver().catch((e) => this.logger.debug(`the main thread could not take the searches over (${errorMessage(e)}); the thread keeps them`));
    }, Math.max(0, Math.min(this.handOverAt.quietMs, this.handOverBy - now)));
    this.handOverTimer.unref();
  }

  private async handOver(): Promise<void> {
    const local = await this.writer();
    await local.warm?.();
    if (this.closed || this.local) return;
    this.local = local;
    // What the thread was still asked finishes there; nothing new goes to it.
    if (this.pending.size) await new Promise<void>((resolve) => this.drained.push(resolve));
    const worker = this.worker;
    if (worker) await this.call({ op: 'close' }).catch(() => {});
    this.worker = null;
    await worker?.terminate();
    this.logger.debug('the main thread took the searches over from the search thread');
  }

  private writer(): Promise<SearchIndex> {
    if (!this.writer_) {
      this.writer_ = this.openWriter();
      this.writer_.catch(() => (this.writer_ = null));
    }
    return this.writer_;
  }

  async sync(libraries: LibraryEntry[], opts?: SyncOptions): Promise<SyncResult> {
    return (await this.writer()).sync(libraries, opts);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.handOverTimer) clearTimeout(this.handOverTimer);
    const worker = this.worker;
    if (worker) await this.call({ op: 'close' }).catch(() => {});
    this.closed = true;
    await worker?.terminate();
    if (this.writer_) await (await this.writer_.catch(() => null))?.close();
  }
}
