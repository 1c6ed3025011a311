/**
 * Talking to a git remote: the URL of a repository, the token as a header scoped to https://github.com,
 * git's failures turned into errors that say what to do, and refs resolved with `git ls-remote` (which needs
 * no token for a public repository).
 */
import { CodedistillError } from '../kernel/errors.js';
import { GitCommandError, lastLines, runGit } from './git.js';
import { assertRepoId, assertSafeRef, isFullSha, MISSING_HINT, NO_NETWORK_HINT, type GithubSpec } from './github-ids.js';

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

export function authConfig(gitBaseUrl: string, token: string | null | undefined): Record<string, string> {
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
export function mapGitRemoteError(e: unknown, owner: string, name: string, hasToken: boolean, what: string): unknown {
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
  assertSafeRef(ref);
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
