/**
 * GitHub sources: repository facts from the GraphQL API, the tree from git at one commit.
 *
 * The API is optional: without a token GitHub's GraphQL endpoint refuses every call, so a public
 * repository is still reached through `git ls-remote` + a shallow fetch, only without the API's
 * description, topics and licence.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { graphql, GraphqlResponseError } from '@octokit/graphql';
import { cancelled, CodedistillError, throwIfAborted } from '../kernel/errors.js';
import { silentLogger, type Logger } from '../kernel/log.js';
import { GitCommandError, lastLines, runGit } from './git.js';
import type { ResolvedSource } from './types.js';

// The git runner moved to git.ts; these stay importable from here for the callers that know them so.
export { GitCommandError, runGit, type GitResult, type RunGitOptions } from './git.js';

export interface GithubSpec {
  owner: string;
  name: string;
  /** Branch, tag or commit; null for the default branch. */
  ref: string | null;
}

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

export interface GitOptions {
  gitBin: string;
  /**
   * Environment for git: pass Config.childEnv (secrets removed; keeps PATH, HOME and proxy settings).
   * Without it git gets a minimal PATH and HOME only.
   */
  env?: Record<string, string>;
  signal?: AbortSignal;
  /** Token for https://github.com only; sent as a header through git's environment, never argv or disk. */
  token?: string | null;
  timeoutMs?: number;
}

export interface TreeOptions extends GitOptions {
  /** https://github.com in production; file:///some/dir in tests (then <base>/<owner>/<name>.git is a bare repo). */
  gitBaseUrl: string;
  cacheDir: string;
  logger?: Logger;
}

export interface FetchedTree {
  root: string;
  /** True when the commit was already in the cache and nothing was fetched. */
  reused: boolean;
}

const OWNER_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const NAME_RE = /^[A-Za-z0-9._-]{1,100}$/;
const SHA_RE = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const COMPLETE_MARKER = 'codedistill-complete.json';

const NO_NETWORK_HINT = 'No network: clone the repository yourself and pass the folder path.';
const MISSING_HINT = 'Check owner/name; if private, set GITHUB_TOKEN with repo read access.';

export function isValidOwner(owner: string): boolean {
  return OWNER_RE.test(owner);
}
export function isValidRepoName(name: string): boolean {
  return NAME_RE.test(name) && name !== '.' && name !== '..';
}
export function isFullSha(s: string): boolean {
  return SHA_RE.test(s);
}

function assertRepoId(owner: string, name: string): void {
  // Both end up in file paths and URLs: refuse anything GitHub itself would not accept.
  if (!isValidOwner(owner) || !isValidRepoName(name)) {
    throw new CodedistillError(
      'invalid_input',
      `"${owner}/${name}" is not a valid GitHub owner/name.`,
      'Give owner/name as in https://github.com/owner/name.',
    );
  }
}

/** Git refuses these in ref names; rejecting them early also keeps a ref from reading as a git option. */
export function isSafeRef(ref: string): boolean {
  return (
    ref.length > 0 &&
    ref.length <= 255 &&
    !ref.startsWith('-') &&
    !ref.includes('..') &&
    !ref.includes('@{') &&
    !ref.endsWith('/') &&
    !ref.endsWith('.lock') &&
    !/[\s~^:?*[\\\x00-\x1f\x7f]/.test(ref)
  );
}

/** The https URL prefix the token may be sent to, or null when the base is not GitHub over https. */
function tokenScope(gitBaseUrl: string): string | null {
  try {
    const u = new URL(gitBaseUrl);
    if (u.protocol === 'https:' && u.hostname.toLowerCase() === 'github.com') return 'https://github.com/';
  } catch {
    /* not a URL: no token */
  }
  return null;
}

function authConfig(gitBaseUrl: string, token: string | null | undefined): Record<string, string> {
  const scope = tokenScope(gitBaseUrl);
  if (!token || !scope) return {};
  // GitHub's git endpoint answers 401 to "Authorization: Bearer"; it takes Basic with the
  // x-access-token user, as actions/checkout sends. Scoped to the URL so a redirect elsewhere never gets it.
  const basic = Buffer.from(`x-access-token:${token}`, 'utf8').toString('base64');
  return { [`http.${scope}.extraHeader`]: `Authorization: Basic ${basic}` };
}

export function repoGitUrl(gitBaseUrl: string, owner: string, name: string): string {
  return `${gitBaseUrl.replace(/\/+$/, '')}/${owner}/${name}.git`;
}

/** Turn a git failure against a remote into an error that says what to do. */
function mapGitRemoteError(e: unknown, owner: string, name: string, hasToken: boolean, what: string): unknown {
  if (!(e instanceof GitCommandError)) return e;
  const s = e.stderr;
  if (e.timedOut) {
    return new CodedistillError('network', `git ${what} for ${owner}/${name} timed out.`, NO_NETWORK_HINT, { cause: e });
  }
  if (/not our ref|couldn't find remote ref|no such remote ref|unadvertised object|invalid index-pack output|bad object/i.test(s)) {
    return new CodedistillError(
      'source_not_found',
      `The commit or ref is not in ${owner}/${name}: ${lastLines(s, 1)}`,
      'Give a branch, tag or full commit sha that exists in the repository.',
      { cause: e },
    );
  }
  if (
    /could not read (Username|Password)|Authentication failed|terminal prompts disabled|Repository not found|returned error: 40[134]|does not appear to be a git repository|not found/i.test(
      s,
    )
  ) {
    const hint = hasToken
      ? `${MISSING_HINT} The token was sent; check that it can read this repository.`
      : `${MISSING_HINT} A local clone path works without a token.`;
    return new CodedistillError('private_or_missing_repo', `GitHub repository ${owner}/${name} was not found or is private.`, hint, {
      cause: e,
    });
  }
  if (/Could not resolve host|Failed to connect|Connection (timed out|refused|reset)|Network is unreachable|Operation timed out|unable to access|SSL|TLS|early EOF/i.test(s)) {
    return new CodedistillError('network', `Could not reach the git server for ${owner}/${name}: ${lastLines(s, 1)}`, NO_NETWORK_HINT, {
      cause: e,
    });
  }
  return new CodedistillError('internal', `git ${what} for ${owner}/${name} failed: ${lastLines(s)}`, 'Try again; if it persists, clone the repository yourself and pass the folder path.', {
    cause: e,
  });
}

// ---------------------------------------------------------------------------------------------
// GraphQL

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
  if (spec.ref !== null && !isSafeRef(spec.ref)) {
    throw new CodedistillError('invalid_input', `"${spec.ref}" is not a valid branch, tag or commit.`, 'Give a ref as git spells it, e.g. main, v1.2.0 or a commit sha.');
  }
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
  const repo = data.repository;
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

function causeCode(e: unknown): string | undefined {
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

// ---------------------------------------------------------------------------------------------
// git: refs and trees

/**
 * Resolve a ref to a commit with `git ls-remote`: works for public repositories without a token.
 * A full sha is returned as is (servers do not list commits); the fetch checks it exists.
 */
export async function resolveRefWithGit(
  spec: GithubSpec,
  opts: GitOptions & { gitBaseUrl: string },
): Promise<{ commit: string; ref: string | null }> {
  assertRepoId(spec.owner, spec.name);
  const url = repoGitUrl(opts.gitBaseUrl, spec.owner, spec.name);
  const run = (args: string[]) =>
    runGit(args, {
      gitBin: opts.gitBin,
      env: opts.env,
      signal: opts.signal,
      timeoutMs: opts.timeoutMs ?? 60_000,
      config: authConfig(opts.gitBaseUrl, opts.token),
    }).catch((e: unknown) => {
      throw mapGitRemoteError(e, spec.owner, spec.name, !!opts.token, 'ls-remote');
    });

  if (spec.ref === null) {
    const { stdout } = await run(['ls-remote', '--symref', '--', url, 'HEAD']);
    let branch: string | null = null;
    let commit: string | null = null;
    for (const line of stdout.split('\n')) {
      const sym = /^ref: refs\/heads\/(\S+)\tHEAD$/.exec(line);
      if (sym) branch = sym[1] ?? null;
      const plain = /^([0-9a-f]{40,64})\tHEAD$/.exec(line);
      if (plain) commit = plain[1] ?? null;
    }
    if (!commit) throw new CodedistillError('source_not_found', `${spec.owner}/${spec.name} has no commits.`, 'Pick a repository with code in it.');
    return { commit, ref: branch };
  }
  const ref = spec.ref;
  if (!isSafeRef(ref)) {
    throw new CodedistillError('invalid_input', `"${ref}" is not a valid branch, tag or commit.`, 'Give a ref as git spells it, e.g. main, v1.2.0 or a commit sha.');
  }
  if (isFullSha(ref.toLowerCase())) return { commit: ref.toLowerCase(), ref };
  const names = ref.startsWith('refs/') ? [ref, `${ref}^{}`] : [`refs/tags/${ref}^{}`, `refs/tags/${ref}`, `refs/heads/${ref}`];
  const { stdout } = await run(['ls-remote', '--', url, ...names]);
  const found = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^([0-9a-f]{40,64})\t(\S+)$/.exec(line);
    if (m?.[1] && m[2]) found.set(m[2], m[1]);
  }
  // git's own order: a tag wins over a branch of the same name; an annotated tag is peeled.
  for (const n of names) {
    const c = found.get(n);
    if (c) return { commit: c, ref };
  }
  if (/^[0-9a-f]{4,39}$/i.test(ref)) {
    throw new CodedistillError(
      'invalid_input',
      `"${ref}" looks like an abbreviated commit, which git cannot resolve on a remote.`,
      'Give the full 40-character commit sha, or set GITHUB_TOKEN so the GitHub API can resolve it.',
    );
  }
  throw new CodedistillError('source_not_found', `No branch or tag "${ref}" in ${spec.owner}/${spec.name}.`, 'Give a branch, tag or commit that exists.');
}

/** Where the tree of one commit lives in the cache. */
export function treeCachePath(cacheDir: string, owner: string, name: string, commit: string): string {
  return path.join(cacheDir, 'repos', `${owner}__${name}`, commit);
}

async function isComplete(dir: string, commit: string): Promise<boolean> {
  try {
    const raw = await fsp.readFile(path.join(dir, '.git', COMPLETE_MARKER), 'utf8');
    return (JSON.parse(raw) as { commit?: string }).commit === commit;
  } catch {
    return false;
  }
}

/** Temp folders left by a job that was killed mid-fetch; a day old is surely not in use. */
async function sweepStaleTemps(parent: string): Promise<void> {
  const entries = await fsp.readdir(parent).catch(() => [] as string[]);
  for (const e of entries) {
    if (!e.startsWith('.tmp-') && !/\.stale-[0-9a-f]+$/.test(e)) continue;
    const p = path.join(parent, e);
    const st = await fsp.stat(p).catch(() => null);
    if (st && Date.now() - st.mtimeMs > 24 * 3600_000) await fsp.rm(p, { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * The tree of `commit`, fetched shallowly into `<cacheDir>/repos/<owner>__<name>/<commit>`.
 * Built in a temporary sibling folder and renamed into place, so a folder at the final path is
 * always whole; the marker lives in .git so it never shows up as a source file.
 */
export async function fetchRepoTree(repo: { owner: string; name: string }, commit: string, opts: TreeOptions): Promise<FetchedTree> {
  assertRepoId(repo.owner, repo.name);
  const sha = commit.toLowerCase();
  if (!isFullSha(sha)) {
    throw new CodedistillError('invalid_input', `"${commit}" is not a full commit sha.`, 'Resolve the ref to a 40-character commit first.');
  }
  const log = opts.logger ?? silentLogger;
  const finalDir = treeCachePath(opts.cacheDir, repo.owner, repo.name, sha);
  if (await isComplete(finalDir, sha)) {
    log.debug(`reusing cached tree ${repo.owner}/${repo.name}@${sha.slice(0, 12)}`);
    return { root: finalDir, reused: true };
  }
  const parent = path.dirname(finalDir);
  await fsp.mkdir(parent, { recursive: true });
  await sweepStaleTemps(parent);
  const tmp = path.join(parent, `.tmp-${sha.slice(0, 12)}-${process.pid}-${randomBytes(4).toString('hex')}`);
  await fsp.mkdir(tmp);
  const url = repoGitUrl(opts.gitBaseUrl, repo.owner, repo.name);
  const base = {
    gitBin: opts.gitBin,
    env: opts.env,
    signal: opts.signal,
    cwd: tmp,
    config: { 'advice.detachedHead': 'false', 'core.autocrlf': 'false', 'init.defaultBranch': 'main' } as Record<string, string>,
  };
  try {
    await runGit(['init', '-q'], { ...base, timeoutMs: 30_000 });
    log.info(`fetching ${repo.owner}/${repo.name}@${sha.slice(0, 12)}`);
    await runGit(['fetch', '--quiet', '--no-tags', '--depth', '1', '--', url, sha], {
      ...base,
      config: { ...base.config, ...authConfig(opts.gitBaseUrl, opts.token) },
      timeoutMs: opts.timeoutMs ?? 10 * 60_000,
    }).catch((e: unknown) => {
      throw mapGitRemoteError(e, repo.owner, repo.name, !!opts.token, 'fetch');
    });
    await runGit(['checkout', '--quiet', 'FETCH_HEAD'], { ...base, timeoutMs: 5 * 60_000 });
    const head = (await runGit(['rev-parse', 'HEAD'], { ...base, timeoutMs: 30_000 })).stdout.trim();
    if (head !== sha) {
      throw new CodedistillError('internal', `git checked out ${head} instead of ${sha}.`, 'Clear the cache folder and try again.');
    }
    await fsp.writeFile(
      path.join(tmp, '.git', COMPLETE_MARKER),
      JSON.stringify({ owner: repo.owner, name: repo.name, commit: sha, fetchedAt: new Date().toISOString() }) + '\n',
    );
    try {
      await fsp.rename(tmp, finalDir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
      if (await isComplete(finalDir, sha)) {
        // Another job fetched the same commit meanwhile: theirs is as good as ours.
        await fsp.rm(tmp, { recursive: true, force: true });
        return { root: finalDir, reused: true };
      }
      // A leftover without a marker (an older, interrupted layout): move it aside, then take its place.
      const stale = `${finalDir}.stale-${randomBytes(4).toString('hex')}`;
      await fsp.rename(finalDir, stale);
      await fsp.rename(tmp, finalDir);
      await fsp.rm(stale, { recursive: true, force: true });
    }
    return { root: finalDir, reused: false };
  } catch (e) {
    await fsp.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------

export interface GithubSourceDeps {
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

/** Facts from the API when a token is there, the commit's tree from git either way. */
export async function resolveGithubSource(
  spec: GithubSpec & { location?: string },
  deps: GithubSourceDeps,
): Promise<ResolvedSource> {
  const log = deps.logger ?? silentLogger;
  const gitOpts = { gitBin: deps.gitBin, env: deps.env, signal: deps.signal, token: deps.token, gitBaseUrl: deps.gitBaseUrl };
  let meta: RepoMeta | null = null;
  let commit: string;
  let ref: string | null;
  if (deps.token) {
    try {
      meta = await fetchRepoMeta(spec, { token: deps.token, apiUrl: deps.apiUrl, signal: deps.signal });
    } catch (e) {
      // git has its own, separate limit: a public repository is still reachable.
      if (!(e instanceof CodedistillError && e.code === 'rate_limited')) throw e;
      log.warn(`${e.message} Resolving ${spec.owner}/${spec.name} with git instead; description and topics will be missing.`);
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
  const tree = await fetchRepoTree({ owner, name }, commit, { ...gitOpts, cacheDir: deps.cacheDir, logger: log });
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
