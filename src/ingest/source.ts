/**
 * What the user typed as a source, and the folder plus identity (commit) it stands for.
 */
import { statSync, type Stats } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CodedistillError, quoteInput } from '../kernel/errors.js';
import type { HashLimits } from './content-hash.js';
import { resolveGithubSource, type GithubSourceOptions } from './github.js';
import { assertSafeRef, isValidOwner, isValidRepoName, parseGithubUrl } from './github-ids.js';
import { resolveLocalSource, SOURCE_HINT } from './local.js';
import type { ResolvedSource } from './types.js';


export type SourceSpec =
  | { kind: 'local'; path: string; location: string }
  | { kind: 'github'; owner: string; name: string; ref: string | null; location: string };

export interface ParseOptions {
  /** Folder relative paths are taken from; the process's working folder by default. */
  cwd?: string;
  /** For `~`; os.homedir() by default. */
  home?: string;
}

/**
 * Accepts a folder (absolute, relative, `~/…`), `owner/name`, `https://github.com/owner/name(.git)`,
 * `…/tree/<ref>`, `…/commit/<sha>`, `…/releases/tag/<tag>`, `git@github.com:owner/name.git` and
 * `ssh://git@github.com/owner/name.git`. An `owner/name` that is also an existing folder is the folder.
 */
export function parseSourceSpec(source: string, ref?: string, opts: ParseOptions = {}): SourceSpec {
  const location = source.trim();
  if (!location) throw new CodedistillError('invalid_input', 'source is empty.', SOURCE_HINT);
  const givenRef = ref?.trim() ? ref.trim() : null;
  if (givenRef !== null) assertSafeRef(givenRef);

  const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(location) || /^[\w.-]+@[\w.-]+:/.test(location);
  if (/^file:\/\//i.test(location)) {
    let p: string;
    try {
      p = fileURLToPath(location);
    } catch (e) {
      throw new CodedistillError('invalid_input', `${quoteInput(location)} is not a valid file URL.`, SOURCE_HINT, { cause: e });
    }
    const folder = localFolder(p, opts);
    if (!folder) throw new CodedistillError('source_not_found', `No folder at ${quoteInput(p)}.`, SOURCE_HINT);
    if (givenRef !== null) throw refForFolder(givenRef, folder);
    return { kind: 'local', path: folder, location };
  }
  if (isUrl) {
    const url = parseGithubUrl(location);
    if (url) return githubSpec(url.owner, url.name, mergeRef(url.ref, givenRef, location), location);
    throw new CodedistillError(
      'source_not_found',
      `${quoteInput(location)} is not a GitHub repository address.`,
      'Only GitHub is fetched: for another host, clone the repository yourself and pass the folder path.',
    );
  }

  // A folder wins over the GitHub reading of the same text ("owner/name", "github.com/o/n").
  const folder = localFolder(location, opts);
  if (folder) {
    if (givenRef !== null) throw refForFolder(givenRef, folder);
    return { kind: 'local', path: folder, location };
  }

  const url = parseGithubUrl(location);
  if (url) return githubSpec(url.owner, url.name, mergeRef(url.ref, givenRef, location), location);

  const short = /^([^/\s]+)\/([^/\s]+?)(?:\.git)?\/?$/.exec(location);
  if (short?.[1] && short[2] && isValidOwner(short[1]) && isValidRepoName(short[2]) && !location.startsWith('.')) {
    return githubSpec(short[1], short[2], givenRef, location);
  }

  const abs = expandPath(location, opts);
  throw new CodedistillError(
    'source_not_found',
    looksLikePath(location) ? `No folder at ${quoteInput(abs)}.` : `${quoteInput(location)} is neither an existing folder nor a GitHub repository.`,
    SOURCE_HINT,
  );
}

function refForFolder(ref: string, folder: string): CodedistillError {
  return new CodedistillError(
    'invalid_input',
    `A ref (${quoteInput(ref)}) was given for the local folder ${quoteInput(folder)}.`,
    'Check the ref out in your clone and pass the folder without a ref, or pass owner/name to fetch that ref from GitHub.',
  );
}

function githubSpec(owner: string, name: string, ref: string | null, location: string): SourceSpec {
  if (!isValidOwner(owner) || !isValidRepoName(name)) {
    throw new CodedistillError('invalid_input', `${quoteInput(`${owner}/${name}`)} is not a valid GitHub owner/name.`, SOURCE_HINT);
  }
  return { kind: 'github', owner, name, ref, location };
}

function mergeRef(fromUrl: string | null, given: string | null, location: string): string | null {
  if (fromUrl !== null && given !== null && fromUrl !== given) {
    throw new CodedistillError(
      'invalid_input',
      `The URL ${quoteInput(location)} names ref ${quoteInput(fromUrl)} but ref ${quoteInput(given)} was also given.`,
      'Give the ref once: in the URL or as ref.',
    );
  }
  const r = given ?? fromUrl;
  if (r !== null) assertSafeRef(r);
  return r;
}

function expandPath(p: string, opts: ParseOptions): string {
  const home = opts.home ?? os.homedir();
  let q = p;
  if (q === '~') q = home;
  else if (q.startsWith('~/') || q.startsWith('~\\')) q = path.join(home, q.slice(2));
  return path.resolve(opts.cwd ?? process.cwd(), q);
}

function looksLikePath(s: string): boolean {
  return /^(\/|\.{1,2}([/\\]|$)|~|[A-Za-z]:[\\/])/.test(s) || s.includes('\\') || s.split('/').length > 2;
}

/** The absolute folder when `s` names an existing directory; errors for a file or an unreadable entry. */
function localFolder(s: string, opts: ParseOptions): string | null {
  const abs = expandPath(s, opts);
  let st: Stats;
  try {
    st = statSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new CodedistillError('source_not_found', `Cannot read ${quoteInput(abs)} (${code ?? 'error'}).`, 'Check the folder exists and you may read it.', { cause: e });
  }
  if (!st.isDirectory()) {
    throw new CodedistillError('invalid_input', `${quoteInput(abs)} is ${st.isFile() ? 'a file' : 'a special file'}, not a folder.`, "Give the repository's folder.");
  }
  return abs;
}

// ---------------------------------------------------------------------------------------------

export interface SourceOptions extends GithubSourceOptions {
  hashLimits?: Partial<HashLimits>;
}

export async function resolveSource(spec: SourceSpec, opts: SourceOptions): Promise<ResolvedSource> {
  if (spec.kind === 'github') return resolveGithubSource(spec, opts);
  return resolveLocalSource(spec, opts);
}
