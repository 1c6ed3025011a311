/**
 * A batch of repositories on the local queue: per-repository state in <home>/batches/<id>/state.json (replaced
 * atomically after every change, so a kill leaves the last state whole), N workers, and a rerun of the same list
 * resumes where the last run stopped: done repositories are not started again, the ones a kill left running are
 * queued again, failed ones stay failed unless asked. Each repository is distilled by the `RepoRunner` given (a
 * child `codedistill distill` by default: batch-child.ts), which itself answers `unchanged` for a commit a library
 * already holds, so nothing distilled is redone. One run per batch at a time: the batch folder's lock.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { BatchStateFile, type BatchRepo, type BatchSummary, type RepoListEntry, type RepoState } from '../domain/batch.js';
import type { JobOptions } from '../domain/job.js';
import { CodedistillError, errorMessage } from '../kernel/errors.js';
import { readJsonFile, writeJsonFileAtomic } from '../kernel/json-file.js';
import { tryLock } from '../kernel/lock.js';
import { silentLogger, type Logger } from '../kernel/log.js';
import { pool } from '../kernel/pool.js';

/** What distilling one repository gave. */
export interface RepoResult {
  library: string;
  commit: string;
  blocks: number;
  validated: number;
  unchanged: boolean;
}

/** A failure with its cause (a CodedistillError code, or crashed / killed / timeout). */
export class RepoFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type RepoRunner = (entry: RepoListEntry, signal: AbortSignal) => Promise<RepoResult>;

export interface BatchOptions extends JobOptions {
  workers: number;
  retryFailed?: boolean;
  logger?: Logger;
  /** The clock, for the summary's throughput (tests pass their own). */
  now?: () => number;
}

/** A batch's id from its list file: the same file resumes the same batch. */
export function batchId(listPath: string): string {
  const abs = path.resolve(listPath);
  const base = path.basename(abs).replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 40) || 'batch';
  return `${base}-${createHash('sha256').update(abs).digest('hex').slice(0, 8)}`;
}

export const batchDir = (home: string, id: string) => path.join(home, 'batches', id);
export const statePath = (home: string, id: string) => path.join(batchDir(home, id), 'state.json');

const freshRepo = (e: RepoListEntry): BatchRepo => ({
  ...e,
  state: 'queued',
  attempts: 0,
  library: null,
  commit: null,
  blocks: null,
  validated: null,
  unchanged: null,
  seconds: null,
  error: null,
});

const keyOf = (e: RepoListEntry) => `${e.source.toLowerCase()}@${e.ref ?? ''}`;

export async function readBatchState(file: string): Promise<BatchStateFile | null> {
  const raw = await readJsonFile(file);
  if (raw === null) return null;
  const parsed = BatchStateFile.safeParse(raw);
  if (!parsed.success) {
    throw new CodedistillError('invalid_input', `${file} is not a batch state file.`, 'Remove that batch folder to start the batch afresh.');
  }
  return parsed.data;
}

/**
 * The list merged with what an earlier run recorded: the list's order, its entries' recorded states kept
 * (running ones, which a killed run left, queued again), entries no longer listed dropped.
 */
export function mergeState(prev: BatchStateFile | null, id: string, list: string | null, entries: RepoListEntry[], retryFailed: boolean, now: Date): BatchStateFile {
  const old = new Map((prev?.repos ?? []).map((r) => [keyOf(r), r]));
  const repos = entries.map((e): BatchRepo => {
    const r = old.get(keyOf(e));
    if (!r) return freshRepo(e);
    if (r.state === 'running' || (r.state === 'failed' && retryFailed)) return { ...r, state: 'queued', error: null };
    return r;
  });
  return { id, list, createdAt: prev?.createdAt ?? now.toISOString(), updatedAt: now.toISOString(), repos };
}

/** Run every queued repository of the batch with `workers` at once; the summary when all have settled. */
export async function runBatch(
  home: string,
  id: string,
  list: string | null,
  entries: RepoListEntry[],
  runRepo: RepoRunner,
  opts: BatchOptions,
): Promise<BatchSummary> {
  const log = opts.logger ?? silentLogger;
  const now = opts.now ?? Date.now;
  const file = statePath(home, id);
  await mkdir(batchDir(home, id), { recursive: true });
  const release = await tryLock(path.join(batchDir(home, id), 'run'), { logger: log });
  if (!release) {
    throw new CodedistillError('busy', `Batch ${id} is already running in another process.`, 'Wait for it to end, or follow it with `codedistill batch-status`.');
  }
  const started = now();
  try {
    const state = mergeState(await readBatchState(file), id, list, entries, opts.retryFailed ?? false, new Date(started));
    // Writes are chained: each replaces the file with the state as it is then, in the order they were asked for.
    let writing: Promise<void> = Promise.resolve();
    const save = () => {
      state.updatedAt = new Date(now()).toISOString();
      const snapshot = JSON.parse(JSON.stringify(state)) as BatchStateFile;
      writing = writing.then(() => writeJsonFileAtomic(file, snapshot, true));
      return writing;
    };
    await save();
    const total = state.repos.length;
    let finished = 0;
    const settled = () => state.repos.filter((r) => r.state === 'done' || r.state === 'failed').length;
    const report = (message: string) => opts.onProgress?.({ stage: 'batch', done: settled(), total, message });
    report(`${settled()} of ${total} already settled`);
    const todo = state.repos.filter((r) => r.state === 'queued');
    const signal = opts.signal ?? new AbortController().signal;
    await pool(
      todo.map((r) => async () => {
        if (signal.aborted) return;
        r.state = 'running';
        r.attempts += 1;
        r.error = null;
        await save();
        report(`started ${r.source}`);
        const t0 = now();
        try {
          const res = await runRepo({ source: r.source, ref: r.ref }, signal);
          Object.assign(r, { state: 'done' as RepoState, ...res });
        } catch (e) {
          if (signal.aborted) {
            // Stopped by the caller: queued again, so the next run starts it afresh.
            r.state = 'queued';
          } else {
            r.state = 'failed';
            r.error = e instanceof RepoFailure ? { cause: e.code, message: e.message } : { cause: e instanceof CodedistillError ? e.code : 'internal', message: errorMessage(e) };
            log.warn(`batch ${id}: ${r.source} failed (${r.error.cause}): ${r.error.message.slice(0, 300)}`);
          }
        }
        r.seconds = Math.round((now() - t0) / 100) / 10;
        if (r.state !== 'queued') finished += 1;
        await save();
        report(`${r.source} ${r.state}`);
      }),
      opts.workers,
      { signal },
    );
    await writing;
    if (signal.aborted) throw new CodedistillError('cancelled', `Batch ${id} was stopped; ${settled()} of ${total} repositories are settled.`, 'Run the same batch again to resume it.');
    return summarize(state, file, { seconds: (now() - started) / 1000, finished });
  } finally {
    await release().catch(() => {});
  }
}

/** The summary table's figures from a state; `run` is this run's wall time and repositories finished. */
export function summarize(state: BatchStateFile, file: string, run: { seconds: number; finished: number } | null): BatchSummary {
  const byState: Record<RepoState, number> = { queued: 0, running: 0, done: 0, failed: 0 };
  const failuresByCause: Record<string, number> = {};
  let blocks = 0;
  let validated = 0;
  let unchanged = 0;
  for (const r of state.repos) {
    byState[r.state] += 1;
    if (r.state === 'done') {
      blocks += r.blocks ?? 0;
      validated += r.validated ?? 0;
      if (r.unchanged) unchanged += 1;
    }
    if (r.state === 'failed' && r.error) failuresByCause[r.error.cause] = (failuresByCause[r.error.cause] ?? 0) + 1;
  }
  const seconds = run ? Math.round(run.seconds * 10) / 10 : null;
  return {
    id: state.id,
    statePath: file,
    total: state.repos.length,
    byState,
    unchanged,
    blocks,
    validated,
    validatedShare: blocks ? Math.round((validated / blocks) * 1000) / 1000 : 0,
    failuresByCause,
    seconds,
    distilledThisRun: run?.finished ?? 0,
    reposPerHour: run && run.seconds > 0 && run.finished > 0 ? Math.round((run.finished / run.seconds) * 3600 * 10) / 10 : null,
    repos: state.repos,
  };
}

/** Every batch of a home (or one), as summaries read from their state files. */
export async function batchStatus(home: string, id?: string): Promise<BatchSummary[]> {
  const ids = id ? [id] : await readdir(path.join(home, 'batches')).catch(() => [] as string[]);
  const out: BatchSummary[] = [];
  for (const b of ids.sort()) {
    const state = await readBatchState(statePath(home, b));
    if (state) out.push(summarize(state, statePath(home, b), null));
    else if (id) throw new CodedistillError('not_found', `There is no batch "${id}" in ${path.join(home, 'batches')}.`, 'Call batch_status without an id to list the batches.');
  }
  return out;
}

/** The summary as a table for people: one line per repository, then the totals and failures by cause. */
export function summaryTable(s: BatchSummary): string {
  const rows = s.repos.map((r) => [
    `${r.source}${r.ref ? `@${r.ref.slice(0, 12)}` : ''}`,
    r.state + (r.unchanged ? ' (unchanged)' : ''),
    r.blocks === null ? '-' : String(r.blocks),
    r.blocks ? `${Math.round(((r.validated ?? 0) / r.blocks) * 100)}%` : '-',
    r.seconds === null ? '-' : `${r.seconds}s`,
    r.error ? `${r.error.cause}: ${r.error.message.replace(/\s+/g, ' ').slice(0, 70)}` : '',
  ]);
  const head = ['repository', 'state', 'blocks', 'validated', 'time', 'why'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const causes = Object.entries(s.failuresByCause).map(([c, n]) => `${c} ${n}`).join(', ');
  return [
    fmt(head),
    ...rows.map(fmt),
    '',
    `batch ${s.id}: ${s.total} repositories, ${s.byState.done} done (${s.unchanged} unchanged), ${s.byState.failed} failed, ${s.byState.queued + s.byState.running} not settled; ` +
      `${s.blocks} blocks, ${Math.round(s.validatedShare * 100)}% validated` +
      (s.seconds !== null ? `; ${s.distilledThisRun} distilled in ${s.seconds} s${s.reposPerHour !== null ? ` (${s.reposPerHour} repositories/hour)` : ''}` : ''),
    ...(causes ? [`failures by cause: ${causes}`] : []),
    `state: ${s.statePath}`,
  ].join('\n');
}
