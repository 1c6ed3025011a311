/**
 * The checkout cache: the tree of one commit, fetched shallowly with git into
 * `<cacheDir>/repos/<owner>__<name>/<commit>` and reused by every later job that asks for the same commit.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { CodedistillError } from '../kernel/errors.js';
import { silentLogger, type Logger } from '../kernel/log.js';
import { runGit } from './git.js';
import { assertRepoId, isFullSha } from './github-ids.js';
import { authConfig, mapGitRemoteError, repoGitUrl, type GitOptions } from './git-remote.js';

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

const COMPLETE_MARKER = 'codedistill-complete.json';

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
