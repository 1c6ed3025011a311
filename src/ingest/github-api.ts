/**
 * Repository facts from GitHub's GraphQL API (through @octokit/graphql): owner and name as GitHub spells them,
 * description, topics, licence, and the commit a ref stands for. Every failure becomes a typed error that
 * says what to do: missing or private, rate limited (with the reset time), a bad or absent token, no network.
 */
import { graphql, GraphqlResponseError } from '@octokit/graphql';
import { cancelled, CodedistillError, throwIfAborted } from '../kernel/errors.js';
import { assertRepoId, assertSafeRef, MISSING_HINT, NO_NETWORK_HINT, type GithubSpec } from './github-ids.js';

export interface RepoMeta {
  /** Owner and name as GitHub spells them (the request may differ in case). */
  owner: string;
  name: string;
  url: string;
  description: string | null;
  isPrivate: boolean;
  /** SPDX id GitHub detected; null when none or when GitHub says NOASSERTION ("Other"). */
  licence: string | null;
  topics: string[];
  defaultBranch: string | null;
  /** The ref asked for, else the default branch. */
  ref: string | null;
  commit: string;
}

export interface ApiOptions {
  token: string | null;
  /** Full GraphQL endpoint, e.g. https://api.github.com/graphql. */
  apiUrl: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

const REPO_QUERY = /* GraphQL */ `
  query codedistillRepo($owner: String!, $name: String!, $expression: String!, $hasRef: Boolean!) {
    repository(owner: $owner, name: $name) {
      name
      owner { login }
      url
      description
      isPrivate
      licenseInfo { spdxId }
      repositoryTopics(first: 25) { nodes { topic { name } } }
      defaultBranchRef { name target { oid } }
      object(expression: $expression) @include(if: $hasRef) {
        __typename
        ... on Commit { oid }
        ... on Tag { target { __typename oid ... on Tag { target { __typename oid } } } }
      }
    }
  }
`;

interface GitObj {
  __typename?: string;
  oid?: string;
  target?: GitObj | null;
}
interface RepoQueryResult {
  repository: {
    name: string;
    owner: { login: string };
    url: string;
    description: string | null;
    isPrivate: boolean;
    licenseInfo: { spdxId: string | null } | null;
    repositoryTopics: { nodes: Array<{ topic: { name: string } } | null> | null } | null;
    defaultBranchRef: { name: string; target: { oid: string } | null } | null;
    object?: GitObj | null;
  } | null;
}

/** Peel annotated tags (possibly tags of tags) down to the commit. */
function peelToCommit(obj: GitObj | null | undefined): string | null {
  let cur = obj;
  for (let i = 0; cur && i < 4; i++) {
    if (cur.__typename === 'Commit' && cur.oid) return cur.oid;
    if (cur.__typename === 'Tag' || cur.target) {
      cur = cur.target;
      continue;
    }
    return null;
  }
  return null;
}

export async function fetchRepoMeta(spec: GithubSpec, opts: ApiOptions): Promise<RepoMeta> {
  assertRepoId(spec.owner, spec.name);
  if (spec.ref !== null) assertSafeRef(spec.ref);
  throwIfAborted(opts.signal);
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? 30_000);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `bearer ${opts.token}`;
  let data: RepoQueryResult;
  try {
    // The endpoint is a full URL (GitHub, Enterprise or a test server): set as the default, since
    // per-call options named "url" are refused as GraphQL variables.
    const gql = graphql.defaults({ url: opts.apiUrl, headers, request: { signal } });
    data = await gql<RepoQueryResult>(REPO_QUERY, {
      owner: spec.owner,
      name: spec.name,
      expression: spec.ref ?? 'HEAD',
      hasRef: spec.ref !== null,
    });
  } catch (e) {
    throw mapApiError(e, spec, opts);
  }
  const repo = data?.repository;
  if (repo === undefined) {
    // Not GitHub's answer to this query (a proxy, a stand-in server): no verdict on the repository.
    throw new CodedistillError('internal', `The GitHub API at ${opts.apiUrl} answered the query for ${spec.owner}/${spec.name} without a repository.`, 'Check CODEDISTILL_GITHUB_API_URL, or clone the repository yourself and pass the folder path.');
  }
  if (!repo) throw missingRepo(spec, !!opts.token);
  const full = `${repo.owner.login}/${repo.name}`;
  const defaultBranch = repo.defaultBranchRef?.name ?? null;
  let commit: string | null;
  if (spec.ref !== null) {
    commit = peelToCommit(repo.object);
    if (!commit) {
      const why = repo.object ? `points at a ${repo.object.__typename ?? 'non-commit'}, not a commit` : 'was not found';
      throw new CodedistillError(
        'source_not_found',
        `Ref "${spec.ref}" ${why} in ${full}.`,
        `Give a branch, tag or commit that exists${defaultBranch ? ` (the default branch is ${defaultBranch})` : ''}.`,
      );
    }
  } else {
    commit = repo.defaultBranchRef?.target?.oid ?? null;
    if (!commit) {
      throw new CodedistillError('source_not_found', `${full} has no commits.`, 'Pick a repository with code in it.');
    }
  }
  const spdx = repo.licenseInfo?.spdxId ?? null;
  return {
    owner: repo.owner.login,
    name: repo.name,
    url: repo.url,
    description: repo.description?.trim() || null,
    isPrivate: repo.isPrivate,
    licence: spdx && spdx !== 'NOASSERTION' ? spdx : null,
    topics: (repo.repositoryTopics?.nodes ?? []).flatMap((n) => (n?.topic?.name ? [n.topic.name] : [])),
    defaultBranch,
    ref: spec.ref ?? defaultBranch,
    commit,
  };
}

function missingRepo(spec: GithubSpec, hasToken: boolean): CodedistillError {
  return new CodedistillError(
    'private_or_missing_repo',
    `GitHub repository ${spec.owner}/${spec.name} was not found or is private.`,
    hasToken ? `${MISSING_HINT} The token was sent; check that it can read this repository.` : MISSING_HINT,
  );
}

interface HttpLikeError {
  status?: number;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
  cause?: unknown;
  message: string;
}

function header(h: Record<string, string | undefined> | undefined, name: string): string | undefined {
  if (!h) return undefined;
  const v = h[name] ?? h[name.toLowerCase()];
  return typeof v === 'string' ? v : undefined;
}

/** When the limit resets, as ISO 8601, from x-ratelimit-reset (epoch seconds) or retry-after (seconds). */
export function rateLimitReset(h: Record<string, string | undefined> | undefined, now = Date.now()): string | null {
  const reset = Number(header(h, 'x-ratelimit-reset'));
  if (Number.isFinite(reset) && reset > 0) return new Date(reset * 1000).toISOString();
  const retry = Number(header(h, 'retry-after'));
  if (Number.isFinite(retry) && retry >= 0) return new Date(now + retry * 1000).toISOString();
  return null;
}

function rateLimited(h: Record<string, string | undefined> | undefined, cause: unknown): CodedistillError {
  const reset = rateLimitReset(h);
  return new CodedistillError(
    'rate_limited',
    reset ? `GitHub API rate limit exceeded; it resets at ${reset}.` : 'GitHub API rate limit exceeded.',
    reset
      ? `Wait until ${reset}, set GITHUB_TOKEN for a higher limit, or clone the repository yourself and pass the folder path.`
      : 'Wait a while, set GITHUB_TOKEN for a higher limit, or clone the repository yourself and pass the folder path.',
    { cause },
  );
}

/** The system error code under a failed request (ECONNREFUSED, ENOTFOUND, ETIMEDOUT), if any. */
export function causeCode(e: unknown): string | undefined {
  // undici wraps the socket error: TypeError('fetch failed', { cause: Error & { code } }), sometimes twice.
  let cur: unknown = e;
  for (let i = 0; cur && i < 5; i++) {
    const c = cur as { code?: unknown; name?: unknown; cause?: unknown };
    if (typeof c.code === 'string') return c.code;
    if (c.name === 'TimeoutError') return 'ETIMEDOUT';
    cur = c.cause;
  }
  return undefined;
}

function mapApiError(e: unknown, spec: GithubSpec, opts: ApiOptions): unknown {
  if (e instanceof CodedistillError) return e;
  if (opts.signal?.aborted) {
    return cancelled({ cause: e });
  }
  const hasToken = !!opts.token;
  if (e instanceof GraphqlResponseError) {
    const errs = (e.errors ?? []) as Array<{ type?: string; message?: string }>;
    if (errs.some((x) => x.type === 'RATE_LIMITED') || header(e.headers as Record<string, string>, 'x-ratelimit-remaining') === '0') {
      return rateLimited(e.headers as Record<string, string>, e);
    }
    if (errs.some((x) => x.type === 'NOT_FOUND')) return missingRepo(spec, hasToken);
    if (errs.some((x) => x.type === 'FORBIDDEN')) {
      return new CodedistillError(
        'private_or_missing_repo',
        `GitHub refused access to ${spec.owner}/${spec.name}: ${errs[0]?.message ?? 'forbidden'}`,
        'Use a token with repo read access (for an organisation, it may need SSO authorisation).',
        { cause: e },
      );
    }
    return new CodedistillError(
      'internal',
      `GitHub GraphQL error for ${spec.owner}/${spec.name}: ${errs.map((x) => x.message).join('; ')}`,
      'Try again later, or clone the repository yourself and pass the folder path.',
      { cause: e },
    );
  }
  const he = e as HttpLikeError;
  if (e instanceof Error && typeof he.status === 'number') {
    const h = he.response?.headers;
    if (!he.response) {
      // No HTTP answer at all: DNS, refused connection, TLS, timeout.
      const code = causeCode(e) ?? 'unknown';
      return new CodedistillError('network', `Could not reach the GitHub API at ${opts.apiUrl} (${code}: ${he.message}).`, NO_NETWORK_HINT, {
        cause: e,
      });
    }
    if ((he.status === 403 || he.status === 429) && (header(h, 'x-ratelimit-remaining') === '0' || header(h, 'retry-after') !== undefined || /rate limit/i.test(he.message))) {
      return rateLimited(h, e);
    }
    if (he.status === 401) {
      return hasToken
        ? new CodedistillError(
            'invalid_input',
            `GitHub rejected the token (HTTP 401: ${he.message}).`,
            'Set GITHUB_TOKEN to a valid token with repo read access, or clone the repository yourself and pass the folder path.',
            { cause: e },
          )
        : new CodedistillError(
            'invalid_input',
            "GitHub's GraphQL API needs a token (HTTP 401).",
            'Set GITHUB_TOKEN (a token with public repo read access is enough); a local clone path works without one.',
            { cause: e },
          );
    }
    if (he.status === 404) return missingRepo(spec, hasToken);
    if (he.status === 403) {
      return new CodedistillError('private_or_missing_repo', `GitHub refused the request (HTTP 403: ${he.message}).`, MISSING_HINT, { cause: e });
    }
    return new CodedistillError('network', `GitHub API answered HTTP ${he.status}: ${he.message}`, `Try again later. ${NO_NETWORK_HINT}`, {
      cause: e,
    });
  }
  const code = causeCode(e);
  if (code) {
    return new CodedistillError('network', `Could not reach the GitHub API at ${opts.apiUrl} (${code}).`, NO_NETWORK_HINT, { cause: e });
  }
  return e;
}
