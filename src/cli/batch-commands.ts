/**
 * The batch commands of the CLI: `discover` (a list file from GitHub's search), `batch` (the list distilled on the
 * local queue, or enqueued on Redis with --queue), `batch-status`, and `worker` (a Redis queue's worker). Ctrl-C
 * or SIGTERM stops a local batch cleanly: the repositories in flight are queued again for the next run.
 */
import { SingleBar } from 'cli-progress';
import type { Config } from '../config.js';
import type { DomainDeps } from '../jobs/domain.js';
import type { BatchSummary, DiscoverReport } from '../domain/batch.js';
import type { Progress } from '../domain/job.js';
import type { Logger } from '../kernel/log.js';
import { batchStatus, summaryTable } from '../jobs/batch.js';
import { discover, distillBatch } from '../jobs/batch-run.js';

export interface BatchCliValues {
  workers?: string;
  queue?: string;
  'retry-failed'?: boolean;
  'no-validate'?: boolean;
  keyword?: string[];
  topic?: string[];
  language?: string;
  licence?: string[];
  stars?: string;
  'pushed-since'?: string;
  limit?: string;
  out?: string;
  json?: boolean;
}

type Print = (data: unknown, text: string) => void;

/** A bar over the batch's repositories on a terminal; nothing in logs and pipes. */
function batchBar(): { onProgress: ((p: Progress) => void) | undefined; stop: () => void } {
  if (!process.stderr.isTTY) return { onProgress: undefined, stop: () => {} };
  const bar = new SingleBar({ stream: process.stderr, format: '{bar} {value}/{total} repositories | {msg}', hideCursor: true, barsize: 30 });
  let started = false;
  return {
    onProgress: (p) => {
      if (!started) {
        bar.start(p.total, p.done, { msg: '' });
        started = true;
      }
      bar.update(p.done, { msg: (p.message ?? '').slice(0, 50) });
    },
    stop: () => started && bar.stop(),
  };
}

/** Stop on Ctrl-C / SIGTERM through an AbortSignal (a second signal is left to Node: it ends the process). */
function stopSignal(): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return { signal: ac.signal, dispose: () => (process.off('SIGINT', stop), process.off('SIGTERM', stop)) };
}

const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));

export async function batchCommand(list: string, values: BatchCliValues, config: Config, logger: Logger, print: Print): Promise<number> {
  const workers = num(values.workers) ?? 1;
  const validate = !values['no-validate'];
  const { signal, dispose } = stopSignal();
  const bar = batchBar();
  try {
    let summary: BatchSummary;
    if (values.queue) {
      const { enqueueAndWait } = await import('../jobs/redis-queue.js');
      summary = await enqueueAndWait({ list, queueUrl: values.queue, retryFailed: values['retry-failed'] ?? false, validate }, { config, logger }, { onProgress: bar.onProgress, signal });
    } else {
      summary = await distillBatch({ list, workers, retryFailed: values['retry-failed'] ?? false, validate }, { config, logger }, { onProgress: bar.onProgress, signal });
    }
    bar.stop();
    print(summary, summaryTable(summary));
    return summary.byState.failed ? 1 : 0;
  } finally {
    bar.stop();
    dispose();
  }
}

export async function workerCommand(values: BatchCliValues, config: Config, logger: Logger): Promise<number> {
  if (!values.queue) throw new Error('worker needs --queue redis://host:port');
  const { runWorker } = await import('../jobs/redis-queue.js');
  const { signal, dispose } = stopSignal();
  try {
    await runWorker({ queueUrl: values.queue, concurrency: num(values.workers) ?? 1 }, { config, logger }, signal);
    return 0;
  } finally {
    dispose();
  }
}

export async function batchStatusCommand(id: string | undefined, config: Config, print: Print): Promise<number> {
  const all = await batchStatus(config.home, id);
  print(all.length === 1 ? all[0] : all, all.length ? all.map(summaryTable).join('\n\n') : `no batches in ${config.home}/batches`);
  return 0;
}

/** discover → batch → patterns (the idioms the libraries share, when a miner is given) → <home>/domains/<name>.json */
export async function domainCommand(
  name: string,
  words: string[],
  values: BatchCliValues,
  config: Config,
  logger: Logger,
  print: Print,
  patterns?: DomainDeps['patterns'],
): Promise<number> {
  const { runDomain } = await import('../jobs/domain.js');
  const { signal, dispose } = stopSignal();
  const bar = batchBar();
  try {
    const d = await runDomain(
      name,
      { keywords: words, topics: values.topic, language: values.language, licences: values.licence, minStars: num(values.stars), pushedSince: values['pushed-since'], limit: num(values.limit), out: values.out },
      { workers: num(values.workers) ?? 1, validate: !values['no-validate'] },
      { config, logger, ...(patterns ? { patterns } : {}) },
      { onProgress: bar.onProgress, signal },
    );
    bar.stop();
    const lic = Object.entries(d.licences).map(([k, n]) => `${k} ${n}`).join(', ');
    print(
      d,
      `domain ${d.name}: ${d.repositories.length} repositories (${lic}); ${d.batch.byState.done} done, ${d.batch.byState.failed} failed; ` +
        `${d.batch.blocks} blocks, ${Math.round(d.batch.validatedShare * 100)}% validated; patterns ${d.patterns === null ? 'not mined (no pattern step here)' : d.patterns.length}\n` +
        `list: ${d.listPath}\nsummary: ${d.path}`,
    );
    return d.batch.byState.failed ? 1 : 0;
  } finally {
    bar.stop();
    dispose();
  }
}

export async function discoverCommand(words: string[], values: BatchCliValues, config: Config, print: Print): Promise<number> {
  const r: DiscoverReport = await discover(
    {
      keywords: words,
      topics: values.topic,
      language: values.language,
      licences: values.licence,
      minStars: num(values.stars),
      pushedSince: values['pushed-since'],
      limit: num(values.limit),
      out: values.out,
    },
    config,
  );
  const dropped = Object.entries(r.dropped).map(([k, n]) => `${k} ${n}`).join(', ');
  print(
    r,
    r.repos.map((x) => `${x.repo.padEnd(40)} ★${String(x.stars).padEnd(6)} ${(x.licence ?? '-').padEnd(14)} ${(x.description ?? '').slice(0, 60)}`).join('\n') +
      `\n\n${r.repos.length} repositories of ${r.repositoryCount} matches (${r.pages} pages)${dropped ? `; left out: ${dropped}` : ''}\nquery: ${r.query}\n` +
      `list: ${r.listPath}\nnext: edit it, then codedistill batch ${r.listPath}`,
  );
  return 0;
}
