/**
 * The batch and discovery as the CLI and the tools call them: a list file read and run on the local queue with
 * child distills, and a discovery written out as a list file the user edits before the batch.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';
import { BatchRequest, DiscoverRequest, type BatchSummary, type DiscoverReport, type RepoListEntry } from '../domain/batch.js';
import type { JobOptions } from '../domain/job.js';
import { CodedistillError, quoteInput } from '../kernel/errors.js';
import type { Logger } from '../kernel/log.js';
import { discoverRepos } from '../ingest/discover.js';
import { formatRepoList, parseRepoList } from '../ingest/repo-list.js';
import { batchId, runBatch } from './batch.js';
import { childDistill } from './batch-child.js';

/** How this process starts codedistill's CLI again: the built one, or the sources through tsx (tests, dev). */
export function selfCommand(): string[] {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) return [process.execPath, '--import', 'tsx', path.join(path.dirname(here), '..', 'cli', 'main.ts')];
  return [process.execPath, path.join(path.dirname(here), '..', 'cli', 'main.js')];
}

/** One repository's wall-clock limit in a batch: a distill with validation of a large repository takes tens of minutes. */
export const REPO_TIMEOUT_MS = 2 * 60 * 60 * 1000;

export async function readRepoList(file: string): Promise<RepoListEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new CodedistillError('invalid_input', `Cannot read the repository list ${quoteInput(file)} (${(e as NodeJS.ErrnoException).code ?? 'error'}).`, 'Give a file with one owner/name[@commit] per line, as discover writes it.');
  }
  const entries = parseRepoList(text, file);
  if (!entries.length) throw new CodedistillError('invalid_input', `The repository list ${quoteInput(file)} names no repository.`, 'Write one owner/name[@commit] per line (# starts a comment).');
  return entries;
}

export interface BatchDeps {
  config: Config;
  logger: Logger;
  /** Distills one repository; default: a child `codedistill distill` (selfCommand). */
  command?: string[];
}

export async function distillBatch(input: BatchRequest, deps: BatchDeps, opts: JobOptions = {}): Promise<BatchSummary> {
  const req = BatchRequest.parse(input);
  const list = path.resolve(req.list);
  const entries = await readRepoList(list);
  const runner = childDistill({ command: deps.command ?? deps.config.batchCommand ?? selfCommand(), env: deps.config.selfEnv, validate: req.validate, timeoutMs: REPO_TIMEOUT_MS });
  return runBatch(deps.config.home, batchId(list), list, entries, runner, { ...opts, workers: req.workers, retryFailed: req.retryFailed, logger: deps.logger });
}

/** Search GitHub and write the result as a list file (default under <home>/discoveries/). */
export async function discover(input: DiscoverRequest, config: Config, opts: JobOptions = {}): Promise<DiscoverReport> {
  const req = DiscoverRequest.parse(input);
  const found = await discoverRepos(req, { token: config.githubToken, apiUrl: config.githubApiUrl, signal: opts.signal });
  const file = req.out
    ? path.resolve(req.out)
    : path.join(config.home, 'discoveries', `${createHash('sha256').update(found.query).digest('hex').slice(0, 12)}.txt`);
  const header = [
    `codedistill discover, ${new Date().toISOString()}: ${found.repos.length} of ${found.repositoryCount} matches`,
    `query: ${found.query}`,
    'Edit freely: one owner/name[@commit] per line, # starts a comment. Then: codedistill batch <this file>',
  ];
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, formatRepoList(found.repos, header), 'utf8');
  return { ...found, listPath: file };
}
