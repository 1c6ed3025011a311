/**
 * A domain: discover → batch → patterns over one field's repositories, summed up in
 * <home>/domains/<name>.json. One zod schema, used to write that file (jobs/domain.ts) and to read it back
 * (the report page's Domain section).
 */
import { z } from 'zod';
import { BatchSummary } from './batch.js';

export const DOMAIN_NAME_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export const DomainRepository = z.object({
  repo: z.string().describe('owner/name'),
  commit: z.string().nullable(),
  licence: z.string().nullable().describe('SPDX id from discovery; null when none or not recognised.'),
  stars: z.number().int(),
  state: z.string().describe('The batch state (queued, running, done, failed), or "not in batch".'),
  library: z.string().nullable(),
  blocks: z.number().int().nullable(),
  validated: z.number().int().nullable(),
});
export type DomainRepository = z.infer<typeof DomainRepository>;

/** One pattern the domain's libraries share (MinePatternsReport.top's rows). */
export const DomainPattern = z.object({
  id: z.string().describe('The pattern block id: "<name>-patterns:<qualified name>".'),
  template: z.string().describe('The idiom as code.'),
  repos: z.number().int().describe('Repositories that use it.'),
  blocks: z.number().int(),
  ran: z.boolean().describe('Its representative example ran.'),
});
export type DomainPattern = z.infer<typeof DomainPattern>;

export const DomainSummary = z.object({
  name: z.string().regex(DOMAIN_NAME_RE),
  createdAt: z.string(),
  query: z.string().describe('The GitHub search query sent.'),
  listPath: z.string(),
  repositories: z.array(DomainRepository),
  licences: z.record(z.string(), z.number().int()).describe('Repositories per licence ("none": no licence found).'),
  batch: BatchSummary.omit({ repos: true }),
  patterns: z.array(DomainPattern).nullable().describe('The most used shared patterns; null: no patterns step ran.'),
  path: z.string().describe('This file.'),
});
export type DomainSummary = z.infer<typeof DomainSummary>;
