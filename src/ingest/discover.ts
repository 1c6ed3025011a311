/**
 * Discovery: GitHub's repository search (GraphQL `search(type: REPOSITORY)` through @octokit/graphql) for the
 * repositories of a field: a query built from keywords, topics, language, stars and pushed-since, archived
 * repositories and forks excluded in the query and again on the answer, pages read until the limit or the end,
 * then filtered by licence (SPDX ids), de-duplicated and ranked (stars, then most recently pushed). It sits on the
 * ingest floor over the same client as github-api.ts: it finds sources, it does not read them.
 *
 * Search needs a token (GitHub answers 401 without one), so a missing token is said before any request.
 */
import { graphql, GraphqlResponseError } from '@octokit/graphql';
import type { DiscoveredRepo, DiscoverReport, DiscoverRequestParsed } from '../domain/batch.js';
import { cancelled, CodedistillError, throwIfAborted } from '../kernel/errors.js';
import { causeCode, rateLimitReset, type ApiOptions } from './github-api.js';
import { NO_NETWORK_HINT } from './github-ids.js';

/** GitHub's page size cap for search, and how many results a search reaches at all. */
const PAGE = 100;
const SEARCH_CAP = 1000;

const SEARCH_QUERY = /* GraphQL */ `
  query codedistillDiscover($q: String!, $first: Int!, $after: String) {
    search(query: $q, type: REPOSITORY, first: $first, after: $after) {
      repositoryCount
      pageInfo { hasNextPage endCursor }
      nodes {
        __typename
        ... on Repository {
          nameWithOwner
          url
          description
          stargazerCount
          isArchived
          isFork
          pushedAt
          licenseInfo { spdxId }
          repositoryTopics(first: 20) { nodes { topic { name } } }
          defaultBranchRef { target { oid } }
        }
      }
    }
  }
`;

interface SearchNode {
  __typename?: string;
  nameWithOwner?: string;
  url?: string;
  description?: string | null;
  stargazerCount?: number;
  isArchived?: boolean;
  isFork?: boolean;
  pushedAt?: string | null;
  licenseInfo?: { spdxId: string | null } | null;
  repositoryTopics?: { nodes: Array<{ topic: { name: string } } | null> | null } | null;
  defaultBranchRef?: { target: { oid?: string } | null } | null;
}
interface SearchResult {
  search: { repositoryCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: Array<SearchNode | null> };
}

/** A search term as GitHub's syntax wants it: quoted when it holds a space. */
const term = (s: string) => (/[\s"]/.test(s) ? `"${s.replace(/"/g, '')}"` : s);

/** The search string: keywords, then qualifiers. One licence goes in the query; several are filtered after. */
export function searchQuery(req: DiscoverRequestParsed): string {
  const parts = req.keywords.map(term);
  for (const t of req.topics) parts.push(`topic:${term(t.toLowerCase())}`);
  parts.push(`language:${term(req.language)}`);
  if (req.minStars > 0) parts.push(`stars:>=${req.minStars}`);
  if (req.pushedSince) parts.push(`pushed:>=${req.pushedSince}`);
  if (req.licences.length === 1) parts.push(`license:${req.licences[0]!.toLowerCase()}`);
  parts.push('archived:false', 'fork:false', 'sort:stars');
  return parts.join(' ');
}

export async function discoverRepos(req: DiscoverRequestParsed, opts: ApiOptions): Promise<Omit<DiscoverReport, 'listPath'>> {
  if (!opts.token) {
    throw new CodedistillError(
      'invalid_input',
      "GitHub's repository search needs a token, and GITHUB_TOKEN is not set.",
      'Create a token with public repository read access (https://github.com/settings/tokens; no scopes needed for public repositories), ' +
        'export GITHUB_TOKEN=<token> (or GH_TOKEN) where codedistill runs, and call again. Or write the repository list yourself: one owner/name per line.',
    );
  }
  const q = searchQuery(req);
  const gql = graphql.defaults({ url: opts.apiUrl, headers: { authorization: `bearer ${opts.token}` } });
  const wanted = new Set(req.licences.map((l) => l.toLowerCase()));
  const dropped: Record<string, number> = {};
  const drop = (why: string) => (dropped[why] = (dropped[why] ?? 0) + 1);
  const seen = new Set<string>();
  const repos: DiscoveredRepo[] = [];
  let after: string | null = null;
  let pages = 0;
  let count = 0;
  // Filters may drop results, so read on past `limit` results, within what search reaches at all.
  for (let read = 0; repos.length < req.limit && read < SEARCH_CAP; ) {
    throwIfAborted(opts.signal);
    const timeout = AbortSignal.timeout(opts.timeoutMs ?? 30_000);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    let data: SearchResult;
    try {
      data = await gql<SearchResult>(SEARCH_QUERY, { q, first: PAGE, after, request: { signal } });
    } catch (e) {
      throw searchError(e, q, opts);
    }
    pages += 1;
    count = data.search.repositoryCount;
    for (const n of data.search.nodes) {
      read += 1;
      if (!n || n.__typename !== 'Repository' || !n.nameWithOwner) continue;
      const key = n.nameWithOwner.toLowerCase();
      if (seen.has(key)) {
        drop('duplicate');
        continue;
      }
      seen.add(key);
      if (n.isArchived) {
        drop('archived');
        continue;
      }
      if (n.isFork) {
        drop('fork');
        continue;
      }
      const spdx = n.licenseInfo?.spdxId && n.licenseInfo.spdxId !== 'NOASSERTION' ? n.licenseInfo.spdxId : null;
      if (wanted.size && (!spdx || !wanted.has(spdx.toLowerCase()))) {
        drop('licence');
        continue;
      }
      repos.push({
        repo: n.nameWithOwner,
        commit: n.defaultBranchRef?.target?.oid ?? null,
        stars: n.stargazerCount ?? 0,
        licence: spdx,
        description: n.description?.trim() || null,
        topics: (n.repositoryTopics?.nodes ?? []).flatMap((t) => (t?.topic?.name ? [t.topic.name] : [])),
        pushedAt: n.pushedAt ?? null,
        url: n.url ?? `https://github.com/${n.nameWithOwner}`,
      });
    }
    if (!data.search.pageInfo.hasNextPage || !data.search.pageInfo.endCursor) break;
    after = data.search.pageInfo.endCursor;
  }
  repos.sort((a, b) => b.stars - a.stars || (b.pushedAt ?? '').localeCompare(a.pushedAt ?? '') || a.repo.localeCompare(b.repo));
  return { query: q, repositoryCount: count, pages, repos: repos.slice(0, req.limit), dropped };
}

interface HttpLikeError {
  status?: number;
  response?: { headers?: Record<string, string | undefined> };
  message: string;
  cause?: unknown;
}

function rateLimited(headers: Record<string, string | undefined> | undefined, cause: unknown): CodedistillError {
  const reset = rateLimitReset(headers);
  return new CodedistillError(
    'rate_limited',
    reset ? `GitHub's search rate limit is used up; it resets at ${reset}.` : "GitHub's search rate limit is used up.",
    reset ? `Call again after ${reset}, or narrow the search (fewer pages: a smaller limit).` : 'Wait a minute and call again, or narrow the search.',
    { cause },
  );
}

/** A failed search as a typed error: rate limit (with the reset), bad query, bad token, no network. */
function searchError(e: unknown, q: string, opts: ApiOptions): unknown {
  if (e instanceof CodedistillError) return e;
  if (opts.signal?.aborted) return cancelled({ cause: e });
  if (e instanceof GraphqlResponseError) {
    const headers = e.headers as Record<string, string | undefined>;
    const errs = (e.errors ?? []) as Array<{ type?: string; message?: string }>;
    if (errs.some((x) => x.type === 'RATE_LIMITED') || headers['x-ratelimit-remaining'] === '0') return rateLimited(headers, e);
    return new CodedistillError(
      'invalid_input',
      `GitHub refused the search "${q.slice(0, 200)}": ${errs.map((x) => x.message).join('; ').slice(0, 300)}`,
      'Check the keywords, topics (lowercase, dashes), language, licences (SPDX ids) and pushedSince (YYYY-MM-DD).',
      { cause: e },
    );
  }
  const he = e as HttpLikeError;
  if (e instanceof Error && typeof he.status === 'number') {
    const h = he.response?.headers;
    if (!he.response) {
      return new CodedistillError('network', `Could not reach the GitHub API at ${opts.apiUrl} (${causeCode(e) ?? 'unknown'}: ${he.message}).`, NO_NETWORK_HINT.replace('clone the repository yourself and pass the folder path', 'write the repository list yourself, one owner/name per line'), { cause: e });
    }
    if ((he.status === 403 || he.status === 429) && (h?.['x-ratelimit-remaining'] === '0' || h?.['retry-after'] !== undefined || /rate limit/i.test(he.message))) {
      return rateLimited(h, e);
    }
    if (he.status === 401) {
      return new CodedistillError('invalid_input', `GitHub rejected the token (HTTP 401: ${he.message}).`, 'Set GITHUB_TOKEN to a valid token (https://github.com/settings/tokens) and call again.', { cause: e });
    }
    if (he.status === 400 || he.status === 422) {
      return new CodedistillError('invalid_input', `GitHub refused the search "${q.slice(0, 200)}" (HTTP ${he.status}: ${he.message}).`, 'Check the search terms and qualifiers.', { cause: e });
    }
    return new CodedistillError('network', `GitHub API answered HTTP ${he.status}: ${he.message}`, 'Try again later, or write the repository list yourself.', { cause: e });
  }
  const code = causeCode(e);
  if (code) {
    return new CodedistillError('network', `Could not reach the GitHub API at ${opts.apiUrl} (${code}).`, 'No network: write the repository list yourself, one owner/name per line.', { cause: e });
  }
  return e;
}
