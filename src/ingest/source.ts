/**
 * What the user typed as a source, and the folder plus identity (commit) it stands for.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp, statSync, type Stats } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CodedistillError, throwIfAborted } from '../kernel/errors.js';
import { silentLogger, type Logger } from '../kernel/log.js';
import { GitCommandError, runGit } from './git.js';
import { resolveGithubSource, type GithubSourceDeps } from './github.js';
import { isSafeRef, isValidOwner, isValidRepoName } from './github-ids.js';
import { gitignored, readGitignore, type GitignoreScope } from './gitignore.js';
import { SKIP_DIRS } from './walk.js';
import type { ResolvedSource } from './types.js';

export type SourceSpec =
  | { kind: 'local'; path: string; location: string }
  | { kind: 'github'; owner: string; name: string; ref: string | null; location: string };

const SOURCE_HINT = 'Give an existing folder, a GitHub URL or owner/name.';

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
  if (givenRef !== null && !isSafeRef(givenRef)) {
    throw new CodedistillError('invalid_input', `"${givenRef}" is not a valid branch, tag or commit.`, 'Give a ref as git spells it, e.g. main, v1.2.0 or a commit sha.');
  }

  const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(location) || /^[\w.-]+@[\w.-]+:/.test(location);
  if (/^file:\/\//i.test(location)) {
    let p: string;
    try {
      p = fileURLToPath(location);
    } catch (e) {
      throw new CodedistillError('invalid_input', `${location} is not a valid file URL.`, SOURCE_HINT, { cause: e });
    }
    const folder = localFolder(p, opts);
    if (!folder) throw new CodedistillError('source_not_found', `No folder at ${p}.`, SOURCE_HINT);
    if (givenRef !== null) throw refForFolder(givenRef, folder);
    return { kind: 'local', path: folder, location };
  }
  if (isUrl) {
    const url = parseGithubUrl(location);
    if (url) return githubSpec(url.owner, url.name, mergeRef(url.ref, givenRef, location), location);
    throw new CodedistillError(
      'source_not_found',
      `${location} is not a GitHub repository address.`,
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
    looksLikePath(location) ? `No folder at ${abs}.` : `"${location}" is neither an existing folder nor a GitHub repository.`,
    SOURCE_HINT,
  );
}

function refForFolder(ref: string, folder: string): CodedistillError {
  return new CodedistillError(
    'invalid_input',
    `A ref ("${ref}") was given for the local folder ${folder}.`,
    'Check the ref out in your clone and pass the folder without a ref, or pass owner/name to fetch that ref from GitHub.',
  );
}

function githubSpec(owner: string, name: string, ref: string | null, location: string): SourceSpec {
  if (!isValidOwner(owner) || !isValidRepoName(name)) {
    throw new CodedistillError('invalid_input', `"${owner}/${name}" is not a valid GitHub owner/name.`, SOURCE_HINT);
  }
  return { kind: 'github', owner, name, ref, location };
}

function mergeRef(fromUrl: string | null, given: string | null, location: string): string | null {
  if (fromUrl !== null && given !== null && fromUrl !== given) {
    throw new CodedistillError(
      'invalid_input',
      `The URL ${location} names ref "${fromUrl}" but ref "${given}" was also given.`,
      'Give the ref once: in the URL or as ref.',
    );
  }
  const r = given ?? fromUrl;
  if (r !== null && !isSafeRef(r)) {
    throw new CodedistillError('invalid_input', `"${r}" is not a valid branch, tag or commit.`, 'Give a ref as git spells it, e.g. main, v1.2.0 or a commit sha.');
  }
  return r;
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
    throw new CodedistillError('source_not_found', `Cannot read ${abs} (${code ?? 'error'}).`, 'Check the folder exists and you may read it.', { cause: e });
  }
  if (!st.isDirectory()) {
    throw new CodedistillError('invalid_input', `${abs} is a file, not a folder.`, "Give the repository's folder.");
  }
  return abs;
}

// ---------------------------------------------------------------------------------------------

export interface SourceDeps extends GithubSourceDeps {
  hashLimits?: Partial<HashLimits>;
}

export async function resolveSource(spec: SourceSpec, deps: SourceDeps): Promise<ResolvedSource> {
  if (spec.kind === 'github') return resolveGithubSource(spec, deps);
  return resolveLocalSource(spec, deps);
}

export interface LocalDeps {
  gitBin: string;
  /** Environment for git: pass Config.childEnv. */
  env?: Record<string, string>;
  signal?: AbortSignal;
  logger?: Logger;
  hashLimits?: Partial<HashLimits>;
}

export async function resolveLocalSource(spec: { path: string; location: string }, deps: LocalDeps): Promise<ResolvedSource> {
  const log = deps.logger ?? silentLogger;
  let root: string;
  try {
    root = await fsp.realpath(spec.path);
    const st = await fsp.stat(root);
    if (!st.isDirectory()) throw new CodedistillError('invalid_input', `${root} is a file, not a folder.`, "Give the repository's folder.");
    await fsp.access(root, fsp.constants.R_OK | fsp.constants.X_OK);
    await fsp.readdir(root);
  } catch (e) {
    if (e instanceof CodedistillError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CodedistillError('source_not_found', `No folder at ${spec.path}.`, SOURCE_HINT, { cause: e });
    throw new CodedistillError('source_not_found', `Cannot read ${spec.path} (${code ?? 'error'}).`, 'Check the folder exists and you may read it.', { cause: e });
  }

  const git = await gitFacts(root, deps).catch((e: unknown) => {
    if (e instanceof CodedistillError && e.code === 'cancelled') throw e;
    log.debug(`not using git for ${root}: ${e instanceof Error ? e.message : String(e)}`);
    return null;
  });
  let commit: string;
  if (git) {
    commit = git.commit;
  } else {
    commit = await contentHash(root, { signal: deps.signal, ...deps.hashLimits });
  }
  const remote = git?.remoteUrl ? describeRemote(git.remoteUrl) : null;
  return {
    kind: 'local',
    location: spec.location,
    root,
    repo: remote?.repo ?? path.basename(root),
    ref: git?.branch ?? null,
    commit,
    url: remote?.url ?? null,
    description: null,
    licenceHint: null,
    topics: [],
  };
}

interface GitFacts {
  /** HEAD, with "+dirty-<hash>" when tracked files differ from it. */
  commit: string;
  branch: string | null;
  remoteUrl: string | null;
}

/** HEAD of the work tree holding `root`, or null when root is not tracked by git. */
async function gitFacts(root: string, deps: LocalDeps): Promise<GitFacts | null> {
  const run = (args: string[], extra: Partial<Parameters<typeof runGit>[1]> = {}) =>
    runGit(args, {
      gitBin: deps.gitBin,
      env: deps.env,
      cwd: root,
      signal: deps.signal,
      timeoutMs: 60_000,
      // The folder's own .git/config is not ours to trust: an fsmonitor hook would run a command.
      config: { 'core.fsmonitor': 'false' },
      ...extra,
    });
  let head: string;
  let prefix: string;
  try {
    const out = (await run(['rev-parse', '--show-prefix', '--verify', '--quiet', 'HEAD^{commit}'])).stdout.split('\n');
    prefix = (out[0] ?? '').trim();
    head = (out[1] ?? '').trim();
  } catch (e) {
    // Not a work tree, no commit yet, or git refuses the folder (another owner): hash the content instead.
    if (e instanceof GitCommandError) return null;
    throw e;
  }
  if (!/^[0-9a-f]{40,64}$/.test(head)) return null;
  if (prefix !== '') {
    // A folder below the top of some other repository (a home folder kept in git, a fixture inside a
    // project): HEAD names the enclosing tree, whose paths are not this folder's, so provenance would
    // point at the wrong files. The content hash identifies exactly what is distilled.
    return null;
  }
  // Comparing the work tree runs the folder's clean filters, which its own .git/config may name:
  // blank every one of them (an empty command is no filter) so no command of the folder's runs.
  const noFilters: Record<string, string> = { 'core.fsmonitor': 'false' };
  try {
    const listed = (await run(['config', '-z', '--get-regexp', '^filter\\.'])).stdout;
    for (const entry of listed.split('\0')) {
      const key = entry.split('\n')[0] ?? '';
      const m = /^(filter\..+)\.(clean|smudge|process)$/i.exec(key);
      if (m) noFilters[key] = '';
    }
  } catch {
    // exit 1: no filter configured
  }
  // Hash the diff rather than just flag it, so two different edits of the same HEAD differ.
  const diffHash = createHash('sha256');
  let diffBytes = 0;
  await run(['diff', '--binary', '--no-color', '--no-ext-diff', '--no-textconv', '--ignore-submodules', 'HEAD', '--', '.'], {
    config: noFilters,
    timeoutMs: 5 * 60_000,
    onStdout: (c) => {
      diffBytes += c.length;
      diffHash.update(c);
    },
  });
  const commit = diffBytes > 0 ? `${head}+dirty-${diffHash.digest('hex').slice(0, 12)}` : head;
  let branch: string | null = null;
  try {
    const b = (await run(['symbolic-ref', '--quiet', '--short', 'HEAD'])).stdout.trim();
    branch = b || null;
  } catch {
    branch = null;
  }
  let remoteUrl: string | null = null;
  try {
    remoteUrl = (await run(['remote', 'get-url', 'origin'])).stdout.trim() || null;
  } catch {
    try {
      const first = (await run(['remote'])).stdout.split('\n')[0]?.trim();
      if (first) remoteUrl = (await run(['remote', 'get-url', first])).stdout.trim() || null;
    } catch {
      remoteUrl = null;
    }
  }
  return { commit, branch, remoteUrl };
}

/** owner/name and web address for a GitHub remote; for another host only a web address (credentials removed). */
export function describeRemote(remote: string): { repo: string | null; url: string | null } {
  const gh = (() => {
    try {
      return parseGithubUrl(remote);
    } catch {
      return null;
    }
  })();
  if (gh && isValidOwner(gh.owner) && isValidRepoName(gh.name)) {
    return { repo: `${gh.owner}/${gh.name}`, url: `https://github.com/${gh.owner}/${gh.name}` };
  }
  const scp = /^(?:[\w.-]+@)?([\w.-]+\.[a-z]{2,}):(?!\/\/)(.+?)(?:\.git)?\/?$/i.exec(remote);
  if (scp?.[1] && scp[2]) return { repo: null, url: `https://${scp[1]}/${scp[2]}` };
  try {
    const u = new URL(remote);
    if (u.protocol !== 'https:' && u.protocol !== 'http:' && u.protocol !== 'ssh:') return { repo: null, url: null };
    return { repo: null, url: `https://${u.host.replace(/:\d+$/, '')}${u.pathname.replace(/\.git\/?$/, '').replace(/\/$/, '')}` };
  } catch {
    return { repo: null, url: null };
  }
}

// ---------------------------------------------------------------------------------------------
// content hash

export interface HashLimits {
  /** Files past this many are not hashed; the hash then records that it was cut. */
  maxFiles: number;
  /** Files larger than this count by path, size and mtime instead of content. */
  maxFileBytes: number;
  /** Content bytes hashed in all; past it, files count by path, size and mtime. */
  maxTotalBytes: number;
  signal?: AbortSignal;
}

const DEFAULT_LIMITS: HashLimits = { maxFiles: 200_000, maxFileBytes: 64 * 1024 * 1024, maxTotalBytes: 2 * 1024 * 1024 * 1024 };

// The same folders the walker leaves out: the hash identifies exactly what a distill reads.

/**
 * `sha256:<hex>` over the sorted relative paths and contents of the files under root: the identity
 * of a folder that git does not describe. Venvs, caches and what .gitignore excludes are skipped:
 * they change without the source changing.
 */
export async function contentHash(root: string, limits: Partial<HashLimits> = {}): Promise<string> {
  const lim = { ...DEFAULT_LIMITS, ...limits };
  const files: string[] = [];
  let cut = false;
  const walk = async (rel: string, outer: GitignoreScope[]): Promise<void> => {
    throwIfAborted(lim.signal);
    const dir = path.join(root, rel);
    let entries;
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    // A venv under any name: it holds installed packages, not the repository's source.
    if (rel && entries.some((e) => e.name === 'pyvenv.cfg' && e.isFile())) return;
    const own = entries.some((e) => e.name === '.gitignore' && e.isFile()) ? await readGitignore(dir, rel) : null;
    const scopes = own ? [...outer, own] : outer;
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (SKIP_DIRS.has(e.name) || gitignored(scopes, r, true)) continue;
        await walk(r, scopes);
      } else if (e.isFile() || e.isSymbolicLink()) {
        if (gitignored(scopes, r, false)) continue;
        if (files.length >= lim.maxFiles) {
          cut = true;
          return;
        }
        files.push(r);
      }
    }
  };
  await walk('', []);
  files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  const outer = createHash('sha256');
  let total = 0;
  for (const rel of files) {
    throwIfAborted(lim.signal);
    const abs = path.join(root, rel);
    let digest: string;
    try {
      const lst = await fsp.lstat(abs);
      if (lst.isSymbolicLink()) {
        // Never followed: a link out of the tree would make the hash depend on unrelated files.
        digest = `link:${await fsp.readlink(abs)}`;
      } else if (lst.size > lim.maxFileBytes || total + lst.size > lim.maxTotalBytes) {
        digest = `big:${lst.size}:${Math.floor(lst.mtimeMs)}`;
      } else {
        total += lst.size;
        digest = await hashFile(abs);
      }
    } catch {
      digest = 'unreadable';
    }
    outer.update(rel, 'utf8');
    outer.update('\0');
    outer.update(digest, 'utf8');
    outer.update('\n');
  }
  if (cut) outer.update(`\0cut at ${lim.maxFiles} files\n`);
  return `sha256:${outer.digest('hex')}`;
}

function hashFile(abs: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(abs)
      .on('data', (c) => h.update(c))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}
