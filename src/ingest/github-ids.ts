/**
 * What GitHub accepts as an owner, a repository name, a ref and a commit. The owner and name end up in file
 * paths and URLs and a ref on git's command line, so every GitHub call checks them here first. A GitHub URL is
 * read here too.
 */
import { CodedistillError } from '../kernel/errors.js';

export interface GithubSpec {
  owner: string;
  name: string;
  /** Branch, tag or commit; null for the default branch. */
  ref: string | null;
}

const OWNER_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const NAME_RE = /^[A-Za-z0-9._-]{1,100}$/;
const SHA_RE = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export const NO_NETWORK_HINT = 'No network: clone the repository yourself and pass the folder path.';
export const MISSING_HINT = 'Check owner/name; if private, set GITHUB_TOKEN with repo read access.';

export function isValidOwner(owner: string): boolean {
  return OWNER_RE.test(owner);
}
export function isValidRepoName(name: string): boolean {
  return NAME_RE.test(name) && name !== '.' && name !== '..';
}
export function isFullSha(s: string): boolean {
  return SHA_RE.test(s);
}

export function assertRepoId(owner: string, name: string): void {
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

export function assertSafeRef(ref: string): void {
  if (!isSafeRef(ref)) {
    throw new CodedistillError('invalid_input', `"${ref}" is not a valid branch, tag or commit.`, 'Give a ref as git spells it, e.g. main, v1.2.0 or a commit sha.');
  }
}

/** owner/name (and a ref when the URL names one) from a GitHub URL; null when it is not one. */
export function parseGithubUrl(s: string): { owner: string; name: string; ref: string | null } | null {
  let rest: string | null = null;
  const scp = /^(?:[\w.-]+@)?github\.com:(.+)$/i.exec(s);
  if (scp?.[1] && !s.includes('://')) {
    rest = scp[1];
  } else if (/^(https?|ssh|git|git\+ssh|git\+https):\/\//i.test(s) || /^(www\.)?github\.com\//i.test(s)) {
    let u: URL;
    try {
      u = new URL(/^[a-z+]+:\/\//i.test(s) ? s : `https://${s}`);
    } catch {
      return null;
    }
    const host = u.hostname.toLowerCase();
    if (host !== 'github.com' && host !== 'www.github.com') return null;
    rest = u.pathname;
  } else {
    return null;
  }
  const parts = rest
    .split(/[?#]/)[0]!
    .split('/')
    .filter(Boolean)
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  const [owner, rawName, kind, ...tail] = parts;
  if (!owner || !rawName) {
    throw new CodedistillError('invalid_input', `The GitHub URL ${s} does not name a repository.`, 'Give https://github.com/owner/name.');
  }
  const name = rawName.replace(/\.git$/i, '');
  let ref: string | null = null;
  if ((kind === 'tree' || kind === 'commit' || kind === 'commits') && tail.length > 0) ref = tail.join('/');
  else if (kind === 'releases' && tail[0] === 'tag' && tail.length > 1) ref = tail.slice(1).join('/');
  // blob/<ref>/<path>: the ref cannot be told from the path when it has slashes; take its first part.
  else if (kind === 'blob' && tail[0]) ref = tail[0];
  return { owner, name, ref };
}
