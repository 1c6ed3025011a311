/**
 * A domain library: discover → batch → (patterns) in one call, with a domain summary written to
 * <home>/domains/<name>.json: the repositories with their licences and states, the batch's totals, and the
 * patterns the libraries share. The patterns step is a seam (`DomainDeps.patterns`): the cross-repository
 * pattern miner plugs in there; without it the summary's `patterns` is null. The file is checked against
 * domain/domain-summary.ts when written and when read back (`readDomainSummaries`, for the report page).
 */
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.js';
import type { DiscoverRequest } from '../domain/batch.js';
import { DOMAIN_NAME_RE, DomainSummary, type DomainPattern } from '../domain/domain-summary.js';
import type { JobOptions } from '../domain/job.js';
import { CodedistillError, errorMessage, fromZod } from '../kernel/errors.js';
import { readJsonFile, writeJsonFileAtomic } from '../kernel/json-file.js';
import type { Logger } from '../kernel/log.js';
import { discover, distillBatch } from './batch-run.js';

export interface DomainDeps {
  config: Config;
  logger: Logger;
  /** The libraries' shared patterns (names of the libraries done); absent: no patterns step yet. */
  patterns?: (libraries: string[], opts: JobOptions) => Promise<DomainPattern[]>;
}

export type { DomainSummary };


export async function runDomain(name: string, discoverReq: DiscoverRequest, batch: { workers: number; validate: boolean }, deps: DomainDeps, opts: JobOptions = {}): Promise<DomainSummary> {
  if (!DOMAIN_NAME_RE.test(name)) {
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
  const checked = DomainSummary.safeParse(summary);
  if (!checked.success) throw fromZod(`The domain summary of ${name} is not valid`, checked.error, 'This is a bug in codedistill: report it with the command you ran.');
  await writeJsonFileAtomic(file, checked.data, true);
  return checked.data;
}

/**
 * Every domain summary in <home>/domains, by name. A file that does not read or does not match the schema is
 * left out with a warning (an older or hand-edited file must not stop a report).
 */
export async function readDomainSummaries(home: string, logger: Logger): Promise<DomainSummary[]> {
  const dir = path.join(home, 'domains');
  let names: string[];
  try {
    names = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: DomainSummary[] = [];
  for (const f of names) {
    const file = path.join(dir, f);
    try {
      const parsed = DomainSummary.safeParse(await readJsonFile(file));
      if (parsed.success) out.push(parsed.data);
      else logger.warn(`${errorMessage(fromZod(`domain summary ${file} left out of the report`, parsed.error, '', 3))}`);
    } catch (e) {
      logger.warn(`domain summary ${file} left out of the report: ${errorMessage(e)}`);
    }
  }
  return out;
}
