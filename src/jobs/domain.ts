/**
 * A domain library: discover → batch → (patterns) in one call, with a domain summary written to
 * <home>/domains/<name>.json: the repositories with their licences and states, the batch's totals, and the
 * patterns the libraries share. The patterns step is a seam (`DomainDeps.patterns`): the cross-repository
 * pattern miner plugs in there; without it the summary's `patterns` is null.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.js';
import type { BatchSummary, DiscoverRequest } from '../domain/batch.js';
import type { JobOptions } from '../domain/job.js';
import { CodedistillError } from '../kernel/errors.js';
import { writeJsonFileAtomic } from '../kernel/json-file.js';
import type { Logger } from '../kernel/log.js';
import { discover, distillBatch } from './batch-run.js';

export interface DomainDeps {
  config: Config;
  logger: Logger;
  /** The libraries' shared patterns (names of the libraries done); absent: no patterns step yet. */
  patterns?: (libraries: string[], opts: JobOptions) => Promise<unknown[]>;
}

export interface DomainSummary {
  name: string;
  createdAt: string;
  query: string;
  listPath: string;
  repositories: Array<{ repo: string; commit: string | null; licence: string | null; stars: number; state: string; library: string | null; blocks: number | null; validated: number | null }>;
  licences: Record<string, number>;
  batch: Omit<BatchSummary, 'repos'>;
  patterns: unknown[] | null;
  path: string;
}

const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export async function runDomain(name: string, discoverReq: DiscoverRequest, batch: { workers: number; validate: boolean }, deps: DomainDeps, opts: JobOptions = {}): Promise<DomainSummary> {
  if (!NAME_RE.test(name)) {
    throw new CodedistillError('invalid_input', `"${name.slice(0, 80)}" is not a domain name.`, 'Use lowercase letters, digits, dots, dashes and underscores, e.g. signal-processing.');
  }
  const dir = path.join(deps.config.home, 'domains');
  await mkdir(dir, { recursive: true });
  const found = await discover({ ...discoverReq, out: discoverReq.out ?? path.join(dir, `${name}.txt`) }, deps.config, opts);
  if (!found.repos.length) throw new CodedistillError('not_found', `Discovery found no repository for "${found.query}".`, 'Widen the search: fewer topics, fewer stars, another keyword.');
  const s = await distillBatch({ list: found.listPath!, workers: batch.workers, validate: batch.validate }, deps, opts);
  const libraries = s.repos.flatMap((r) => (r.state === 'done' && r.library ? [r.library] : []));
  const patterns = deps.patterns ? await deps.patterns(libraries, opts) : null;
  const byRepo = new Map(s.repos.map((r) => [r.source.toLowerCase(), r]));
  const licences: Record<string, number> = {};
  for (const r of found.repos) licences[r.licence ?? 'none'] = (licences[r.licence ?? 'none'] ?? 0) + 1;
  const { repos: _repos, ...totals } = s;
  void _repos;
  const file = path.join(dir, `${name}.json`);
  const summary: DomainSummary = {
    name,
    createdAt: new Date().toISOString(),
    query: found.query,
    listPath: found.listPath!,
    repositories: found.repos.map((r) => {
      const b = byRepo.get(r.repo.toLowerCase());
      return { repo: r.repo, commit: b?.commit ?? r.commit, licence: r.licence, stars: r.stars, state: b?.state ?? 'not in batch', library: b?.library ?? null, blocks: b?.blocks ?? null, validated: b?.validated ?? null };
    }),
    licences,
    batch: totals,
    patterns,
    path: file,
  };
  await writeJsonFileAtomic(file, summary, true);
  return summary;
}
