/**
 * The batch on BullMQ over Redis, for more than one process or machine: `enqueueAndWait` puts a list's
 * repositories on the queue (one job each, its id from the batch and the repository, so a rerun adds nothing
 * already there and a completed repository is never redone) and follows them to the end; `runWorker` takes jobs
 * from the queue and distills each with a child `codedistill distill`, as the local queue does, into the
 * worker's CODEDISTILL_HOME (one shared home or library path for all workers). A killed worker's job is not lost:
 * its lock runs out and BullMQ's stalled-job check hands it to another worker. The states are the local batch's
 * (waiting → queued, active → running, completed → done, failed → failed with the cause), written to the same
 * <home>/batches/<id>/state.json on the enqueuing side, and the summary is the same table.
 */
import { createHash } from 'node:crypto';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { Config } from '../config.js';
import type { BatchRepo, BatchStateFile, BatchSummary, RepoListEntry, RepoState } from '../domain/batch.js';
import type { JobOptions } from '../domain/job.js';
import { CodedistillError, errorMessage } from '../kernel/errors.js';
import { writeJsonFileAtomic } from '../kernel/json-file.js';
import type { Logger } from '../kernel/log.js';
import { batchDir, batchId, RepoFailure, statePath, summarize, type RepoResult } from './batch.js';
import { childDistill } from './batch-child.js';
import { readRepoList, REPO_TIMEOUT_MS, selfCommand } from './batch-run.js';

/** The one queue every batch's jobs go on (jobs say their batch). */
export const QUEUE_NAME = 'codedistill-batch';

interface JobData extends RepoListEntry {
  batch: string;
  validate: boolean;
}

export interface QueueDeps {
  config: Config;
  logger: Logger;
}

function connection(url: string) {
  if (!/^rediss?:\/\//.test(url)) {
    throw new CodedistillError('invalid_input', `--queue takes a Redis URL, got "${url.slice(0, 80)}".`, 'Give redis://host:port (or rediss:// for TLS), e.g. redis://127.0.0.1:6379.');
  }
  // Workers block on the queue: BullMQ wants no per-request retry limit, and no offline queue hides a dead server.
  return { url, maxRetriesPerRequest: null };
}

/**
 * Reach the server once, without retries, before BullMQ's clients (which retry for ever, as workers should):
 * a wrong URL or a server that is not running is said at once.
 */
async function probe(url: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 5000, enableOfflineQueue: false });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    throw new CodedistillError('network', `Cannot reach Redis at ${url}: ${errorMessage(e) || 'connection refused'}.`, 'Start redis-server (or point --queue at a running one) and call again.');
  } finally {
    client.disconnect();
  }
}

/** A BullMQ job id: no colons, the same for the same batch and repository. */
export const jobIdOf = (batch: string, e: RepoListEntry) =>
  `${batch}-${createHash('sha256').update(`${e.source.toLowerCase()}@${e.ref ?? ''}`).digest('hex').slice(0, 16)}`;

/** A failure's reason as the worker stores it, "<cause>: <message>", read back into its two parts. */
function failureOf(reason: string | undefined): { cause: string; message: string } {
  const m = /^([a-z_]+): ([\s\S]*)$/.exec(reason ?? '');
  return m ? { cause: m[1]!, message: m[2]! } : { cause: 'internal', message: reason ?? 'failed' };
}

function stateOf(s: string): RepoState {
  if (s === 'completed') return 'done';
  if (s === 'failed') return 'failed';
  if (s === 'active') return 'running';
  return 'queued';
}

async function repoOf(queue: Queue, batch: string, e: RepoListEntry): Promise<BatchRepo> {
  const job = (await queue.getJob(jobIdOf(batch, e))) as Job<JobData, RepoResult> | undefined;
  const base: BatchRepo = { ...e, state: 'queued', attempts: 0, library: null, commit: null, blocks: null, validated: null, unchanged: null, seconds: null, error: null };
  if (!job) return base;
  const state = stateOf(await job.getState());
  const seconds = job.finishedOn && job.processedOn ? Math.round((job.finishedOn - job.processedOn) / 100) / 10 : null;
  const r = job.returnvalue;
  return {
    ...base,
    state,
    attempts: job.attemptsStarted ?? job.attemptsMade ?? 0,
    seconds,
    ...(state === 'done' && r ? { library: r.library, commit: r.commit, blocks: r.blocks, validated: r.validated, unchanged: r.unchanged } : {}),
    error: state === 'failed' ? failureOf(job.failedReason) : null,
  };
}

export interface EnqueueRequest {
  list: string;
  queueUrl: string;
  retryFailed: boolean;
  validate: boolean;
  /** How often the jobs' states are read (ms). */
  pollMs?: number;
}

/** Put the list's repositories on the queue and follow them until every one is done or failed. */
export async function enqueueAndWait(req: EnqueueRequest, deps: QueueDeps, opts: JobOptions = {}): Promise<BatchSummary> {
  const list = path.resolve(req.list);
  const entries = await readRepoList(list);
  const id = batchId(list);
  connection(req.queueUrl);
  await probe(req.queueUrl);
  const queue = new Queue<JobData, RepoResult>(QUEUE_NAME, { connection: connection(req.queueUrl) });
  const started = Date.now();
  try {
    await queue.waitUntilReady().catch((e: unknown) => {
      throw new CodedistillError('network', `Cannot reach Redis at ${req.queueUrl}: ${errorMessage(e)}`, 'Start redis-server (or point --queue at a running one) and call again.');
    });
    for (const e of entries) {
      const jobId = jobIdOf(id, e);
      const job = await queue.getJob(jobId);
      if (job && req.retryFailed && (await job.getState()) === 'failed') await job.retry();
      // An id already on the queue is not added again: a rerun of the list adds only what is new.
      else if (!job) await queue.add('distill', { ...e, batch: id, validate: req.validate }, { jobId, attempts: 1, removeOnComplete: false, removeOnFail: false });
    }
    await mkdir(batchDir(deps.config.home, id), { recursive: true });
    const file = statePath(deps.config.home, id);
    const createdAt = new Date(started).toISOString();
    let last = -1;
    for (;;) {
      const repos = await Promise.all(entries.map((e) => repoOf(queue, id, e)));
      const state: BatchStateFile = { id, list, createdAt, updatedAt: new Date().toISOString(), repos };
      await writeJsonFileAtomic(file, state, true);
      const settled = repos.filter((r) => r.state === 'done' || r.state === 'failed').length;
      const running = repos.filter((r) => r.state === 'running').length;
      if (settled !== last) opts.onProgress?.({ stage: 'batch', done: settled, total: repos.length, message: `${running} running` });
      last = settled;
      if (settled === repos.length) {
        const finished = repos.filter((r) => (r.seconds ?? 0) > 0).length;
        return summarize(state, file, { seconds: (Date.now() - started) / 1000, finished });
      }
      if (opts.signal?.aborted) {
        throw new CodedistillError('cancelled', `Stopped following batch ${id}; its jobs stay on the queue for the workers.`, 'Run the same batch command again to follow it, or codedistill batch-status.');
      }
      await new Promise((r) => setTimeout(r, req.pollMs ?? 1000));
    }
  } finally {
    await queue.close().catch(() => {});
  }
}

export interface WorkerRequest {
  queueUrl: string;
  concurrency: number;
}

/** Take jobs from the queue until the signal; each one a child distill into this worker's home. */
export async function runWorker(req: WorkerRequest, deps: QueueDeps, signal: AbortSignal): Promise<void> {
  const log = deps.logger;
  const cfg = deps.config;
  const runners = new Map<boolean, ReturnType<typeof childDistill>>();
  const runnerFor = (validate: boolean) => {
    let r = runners.get(validate);
    if (!r) runners.set(validate, (r = childDistill({ command: cfg.batchCommand ?? selfCommand(), env: cfg.selfEnv, validate, timeoutMs: REPO_TIMEOUT_MS })));
    return r;
  };
  connection(req.queueUrl);
  await probe(req.queueUrl);
  const stop = new AbortController();
  const worker = new Worker<JobData, RepoResult>(
    QUEUE_NAME,
    async (job) => {
      log.info(`worker ${process.pid}: ${job.data.source} (batch ${job.data.batch}, attempt ${(job.attemptsStarted ?? 0)})`);
      try {
        return await runnerFor(job.data.validate)({ source: job.data.source, ref: job.data.ref }, stop.signal);
      } catch (e) {
        if (stop.signal.aborted) throw e;
        const f = e instanceof RepoFailure ? e : new RepoFailure(e instanceof CodedistillError ? e.code : 'internal', errorMessage(e));
        throw new Error(`${f.code}: ${f.message}`);
      }
    },
    {
      connection: connection(req.queueUrl),
      concurrency: Math.max(1, req.concurrency),
      // A killed worker's job goes back to the queue once its lock has run out for this long.
      lockDuration: cfg.queueLockMs,
      stalledInterval: cfg.queueLockMs,
      maxStalledCount: 2,
    },
  );
  worker.on('error', (e) => log.warn(`queue: ${errorMessage(e)}`));
  worker.on('completed', (job: Job<JobData, RepoResult>) => log.info(`worker ${process.pid}: ${job.data.source} done`));
  worker.on('failed', (job: Job<JobData, RepoResult> | undefined, e: Error) => log.warn(`worker ${process.pid}: ${job?.data.source ?? '?'} failed: ${e.message.slice(0, 300)}`));
  await worker.waitUntilReady().catch((e: unknown) => {
    throw new CodedistillError('network', `Cannot reach Redis at ${req.queueUrl}: ${errorMessage(e)}`, 'Start redis-server (or point --queue at a running one) and call again.');
  });
  log.info(`worker ${process.pid}: waiting for jobs on ${QUEUE_NAME} at ${req.queueUrl} (concurrency ${req.concurrency}); libraries into ${cfg.home}`);
  await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  // Stopped: the distills in flight are ended and their jobs left to the stalled check, which queues them again.
  stop.abort();
  await worker.close(true).catch(() => {});
}
