/**
 * A batch of repositories distilled together, and the repository list that feeds it (discovery writes one, the
 * user edits it): one zod schema per type, reused for tool input, tool output and the state file on disk.
 */
import { z } from 'zod';

/** One line of a repository list: what `distill` accepts as a source, pinned to a commit or not. */
export const RepoListEntry = z.object({
  source: z.string().min(1).describe('owner/name, a GitHub URL or a local folder, as distill takes it.'),
  ref: z.string().min(1).nullable().describe('Commit, tag or branch after "@"; null: the default branch.'),
});
export type RepoListEntry = z.infer<typeof RepoListEntry>;

export const RepoState = z
  .enum(['queued', 'running', 'done', 'failed'])
  .describe('queued (not started), running, done (a library holds it), failed (see error).');
export type RepoState = z.infer<typeof RepoState>;

/** Why a repository failed: a CodedistillError code (network, source_not_found, ...) or crashed, killed, timeout. */
export const FailureCause = z.string().min(1);

export const BatchRepo = RepoListEntry.extend({
  state: RepoState,
  attempts: z.number().int().min(0).describe('Times a worker started it.'),
  library: z.string().nullable().describe('The library it became (when done).'),
  commit: z.string().nullable().describe('The commit distilled (when done).'),
  blocks: z.number().int().nullable(),
  validated: z.number().int().nullable().describe('Blocks with an example that ran cleanly.'),
  unchanged: z.boolean().nullable().describe('True when the commit was already distilled and nothing was redone.'),
  seconds: z.number().nullable().describe('Wall time of the last attempt.'),
  error: z.object({ cause: FailureCause, message: z.string() }).nullable().describe('Why it failed (when failed).'),
});
export type BatchRepo = z.infer<typeof BatchRepo>;

/** <home>/batches/<id>/state.json, replaced atomically after every change of a repository's state. */
export const BatchStateFile = z.object({
  id: z.string(),
  list: z.string().nullable().describe('The repository list file it was started from.'),
  createdAt: z.string(),
  updatedAt: z.string(),
  repos: z.array(BatchRepo),
});
export type BatchStateFile = z.infer<typeof BatchStateFile>;

export const BatchSummary = z.object({
  id: z.string(),
  statePath: z.string().describe('The state file: a rerun of the same list resumes from it.'),
  total: z.number().int(),
  byState: z.record(RepoState, z.number().int()).describe('Repositories per state.'),
  unchanged: z.number().int().describe('Done repositories whose commit was already distilled (nothing redone).'),
  blocks: z.number().int().describe('Blocks over the done repositories.'),
  validated: z.number().int(),
  validatedShare: z.number().describe('validated / blocks over the done repositories (0..1).'),
  failuresByCause: z.record(z.string(), z.number().int()),
  seconds: z.number().nullable().describe('Wall time of this run (null when only read).'),
  distilledThisRun: z.number().int().describe('Repositories a worker finished in this run (done or failed).'),
  reposPerHour: z.number().nullable().describe('distilledThisRun per hour of this run.'),
  repos: z.array(BatchRepo),
});
export type BatchSummary = z.infer<typeof BatchSummary>;

export const BatchRequest = z.object({
  list: z.string().min(1).describe('A repository list file (one owner/name[@commit] a line), e.g. from discover_repos.'),
  workers: z.number().int().min(1).max(16).default(1).describe('Repositories at once.'),
  retryFailed: z.boolean().default(false).describe('Retry those that failed before.'),
  validate: z.boolean().default(true).describe('Run the examples.'),
});
export type BatchRequest = z.input<typeof BatchRequest>;

export const BatchStatusRequest = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$/, 'a batch id must be letters, digits, dots, dashes and underscores: give one batch_status lists')
    .optional()
    .describe('Batch id; absent: all.'),
});

/** Discovery: GitHub repository search. */
export const DiscoverRequest = z.object({
  keywords: z.array(z.string().trim().min(1)).default([]).describe('Search words.'),
  topics: z.array(z.string().trim().min(1)).default([]).describe('GitHub topics, all required.'),
  language: z.string().trim().min(1).default('Python').describe('Language.'),
  licences: z.array(z.string().trim().min(1)).default([]).describe('SPDX ids allowed; empty: any.'),
  minStars: z.number().int().min(0).default(10).describe('Least stars.'),
  pushedSince: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'pushedSince must be a date: YYYY-MM-DD')
    .optional()
    .describe('Pushed on or after (YYYY-MM-DD).'),
  limit: z.number().int().min(1).max(1000).default(50).describe('At most this many.'),
  out: z.string().min(1).optional().describe('List file to write (default under the home).'),
});
export type DiscoverRequest = z.input<typeof DiscoverRequest>;
export type DiscoverRequestParsed = z.output<typeof DiscoverRequest>;

export const DiscoveredRepo = z.object({
  repo: z.string().describe('owner/name'),
  commit: z.string().nullable().describe("The default branch's head commit when GitHub gave it."),
  stars: z.number().int(),
  licence: z.string().nullable().describe('SPDX id; null when none or not recognised.'),
  description: z.string().nullable(),
  topics: z.array(z.string()),
  pushedAt: z.string().nullable(),
  url: z.string(),
});
export type DiscoveredRepo = z.infer<typeof DiscoveredRepo>;

export const DiscoverReport = z.object({
  query: z.string().describe('The GitHub search query sent.'),
  repositoryCount: z.number().int().describe('Matches GitHub reported for the query.'),
  pages: z.number().int().describe('Result pages read.'),
  repos: z.array(DiscoveredRepo),
  dropped: z.record(z.string(), z.number().int()).describe('Results left out, by reason (duplicate, licence, archived, fork).'),
  listPath: z.string().nullable().describe('The repository list written: edit it, then pass it to batch_distill.'),
});
export type DiscoverReport = z.infer<typeof DiscoverReport>;
