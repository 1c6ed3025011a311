/**
 * A local folder as a source: its real path, and its identity — git HEAD (with "+dirty-<hash>" when tracked
 * files differ) when git tracks it, else a content hash of what a distill reads.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CodedistillError, errorMessage, quoteInput } from '../kernel/errors.js';
import { silentLogger, type Logger } from '../kernel/log.js';
import { contentHash, type HashLimits } from './content-hash.js';
import { GitCommandError, runGit } from './git.js';
import { isValidOwner, isValidRepoName, parseGithubUrl } from './github-ids.js';
import type { ResolvedSource } from './types.js';

export const SOURCE_HINT = 'Give an existing folder, a GitHub URL or owner/name.';

export interface LocalSourceOptions {
  gitBin: string;
  /** Environment for git: pass Config.childEnv. */
  env?: Record<string, string>;
  signal?: AbortSignal;
  logger?: Logger;
  hashLimits?: Partial<HashLimits>;
}

export async function resolveLocalSource(spec: { path: string; location: string }, opts: LocalSourceOptions): Promise<ResolvedSource> {
  const log = opts.logger ?? silentLogger;
  let root: string;
  try {
    root = await fsp.realpath(spec.path);
    const st = await fsp.stat(root);
    if (!st.isDirectory()) {
      throw new CodedistillError('invalid_input', `${quoteInput(root)} is ${st.isFile() ? 'a file' : 'a special file'}, not a folder.`, "Give the repository's folder.");
    }
    refuseNonRepository(root, os.homedir());
    await fsp.access(root, fsp.constants.R_OK | fsp.constants.X_OK);
    await fsp.readdir(root);
  } catch (e) {
    if (e instanceof CodedistillError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CodedistillError('source_not_found', `No folder at ${quoteInput(spec.path)}.`, SOURCE_HINT, { cause: e });
    throw new CodedistillError('source_not_found', `Cannot read ${quoteInput(spec.path)} (${code ?? 'error'}).`, 'Check the folder exists and you may read it.', { cause: e });
  }

  const git = await gitFacts(root, opts).catch((e: unknown) => {
    if (e instanceof CodedistillError && e.code === 'cancelled') throw e;
    log.debug(`not using git for ${root}: ${errorMessage(e)}`);
    return null;
  });
  let commit: string;
  if (git) {
    commit = git.commit;
  } else {
    commit = await contentHash(root, { signal: opts.signal, ...opts.hashLimits });
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

/** Folders of the system that are never a repository, whatever they hold. */
const SYSTEM_FOLDERS = new Set(['/', '/bin', '/boot', '/dev', '/etc', '/home', '/lib', '/lib32', '/lib64', '/media', '/mnt', '/opt', '/proc', '/root', '/run', '/sbin', '/srv', '/sys', '/tmp', '/usr', '/var']);
/** Kernel file systems: their files have no end (/proc/<pid>/pagemap) or change as they are read. */
const KERNEL_TREES = ['/proc', '/sys', '/dev'];

/**
 * Refuses a source that is not a repository: the system's root and top folders, anything under /proc, /sys or
 * /dev, and the home folder itself (or a folder holding it); says what to pass instead.
 */
export function refuseNonRepository(root: string, home: string): void {
  const under = (p: string, dir: string) => p === dir || p.startsWith(`${dir}/`);
  const tree = KERNEL_TREES.find((t) => under(root, t));
  const what = tree
    ? `${tree} holds the kernel's files, not a repository`
    : SYSTEM_FOLDERS.has(root)
      ? `${root} is a system folder, not a repository`
      : home && home !== '/' && under(home, root)
        ? `${root} is ${root === home ? 'your home folder' : 'a folder holding your home folder'}, not a repository`
        : null;
  if (what) {
    throw new CodedistillError('invalid_input', `Refusing to distill ${quoteInput(root)}: ${what}.`, "Pass the repository's own folder (the one holding its pyproject.toml, setup.py or package), a GitHub URL or owner/name.");
  }
}

interface GitFacts {
  /** HEAD, with "+dirty-<hash>" when tracked files differ from it. */
  commit: string;
  branch: string | null;
  remoteUrl: string | null;
}

/** HEAD of the work tree holding `root`, or null when root is not tracked by git. */
async function gitFacts(root: string, opts: LocalSourceOptions): Promise<GitFacts | null> {
  const run = (args: string[], extra: Partial<Parameters<typeof runGit>[1]> = {}) =>
    runGit(args, {
      gitBin: opts.gitBin,
      env: opts.env,
      cwd: root,
      signal: opts.signal,
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
