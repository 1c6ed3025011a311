/**
 * GitHub sources: repository facts from the GraphQL API (github-api.ts) when a token is there, the ref
 * resolved with git otherwise (git-remote.ts), and the tree of the commit from the checkout cache
 * (checkout.ts).
 *
 * The API is optional: without a token GitHub's GraphQL endpoint refuses every call, so a public
 * repository is still reached through `git ls-remote` + a shallow fetch, only without the API's
 * description, topics and licence.
 */
import { CodedistillError } from '../kernel/errors.js';
import { silentLogger, type Logger } from '../kernel/log.js';
import { fetchRepoTree } from './checkout.js';
import { fetchRepoMeta, type RepoMeta } from './github-api.js';
import type { GithubSpec } from './github-ids.js';
import { resolveRefWithGit } from './git-remote.js';
import type { ResolvedSource } from './types.js';

export interface GithubSourceOptions {
  token: string | null;
  /** Full GraphQL endpoint (Config.githubApiUrl). */
  apiUrl: string;
  /** https://github.com in production (Config.githubGitUrl); a file:// folder of bare repos in tests. */
  gitBaseUrl: string;
  gitBin: string;
  cacheDir: string;
  /** Environment for git: pass Config.childEnv (secrets removed). See GitOptions.env. */
  env?: Record<string, string>;
  signal?: AbortSignal;
  logger?: Logger;
}

const UNAVAILABLE = new Set(['rate_limited', 'network', 'internal']);

/** A metadata failure git can go around: the API did not say the repository is missing, and nobody cancelled. */
function metadataUnavailable(e: unknown): e is CodedistillError {
  return e instanceof CodedistillError && UNAVAILABLE.has(e.code);
}

/** Facts from the API when a token is there, the commit's tree from git either way. */
export async function resolveGithubSource(
  spec: GithubSpec & { location?: string },
  opts: GithubSourceOptions,
): Promise<ResolvedSource> {
  const log = opts.logger ?? silentLogger;
  const gitOpts = { gitBin: opts.gitBin, env: opts.env, signal: opts.signal, token: opts.token, gitBaseUrl: opts.gitBaseUrl };
  let meta: RepoMeta | null = null;
  let commit: string;
  let ref: string | null;
  if (opts.token) {
    try {
      meta = await fetchRepoMeta(spec, { token: opts.token, apiUrl: opts.apiUrl, signal: opts.signal });
    } catch (e) {
      // Metadata unavailable (rate limit, no answer, an error answer or one that holds no repository): git has
      // its own way in and its own limit, so a public repository is still reachable. A repository GitHub
      // says is missing or private, and a cancellation, are final.
      if (!metadataUnavailable(e)) throw e;
      log.warn(
        `GitHub metadata for ${spec.owner}/${spec.name} is unavailable (${e.code}: ${e.message.replace(/\.$/, '')}); resolving it with git from ${opts.gitBaseUrl} instead: description, topics and GitHub's licence will be missing.`,
      );
    }
  } else {
    log.info(`GITHUB_TOKEN is not set: resolving ${spec.owner}/${spec.name} with git only (no description, topics or licence from GitHub).`);
  }
  if (meta) {
    commit = meta.commit;
    ref = meta.ref;
  } else {
    ({ commit, ref } = await resolveRefWithGit(spec, gitOpts));
  }
  const owner = meta?.owner ?? spec.owner;
  const name = meta?.name ?? spec.name;
  const tree = await fetchRepoTree({ owner, name }, commit, { ...gitOpts, cacheDir: opts.cacheDir, logger: log });
  return {
    kind: 'github',
    location: spec.location ?? `${spec.owner}/${spec.name}`,
    root: tree.root,
    repo: `${owner}/${name}`,
    ref,
    commit,
    url: meta?.url ?? `https://github.com/${owner}/${name}`,
    description: meta?.description ?? null,
    licenceHint: meta?.licence ?? null,
    topics: meta?.topics ?? [],
  };
}
