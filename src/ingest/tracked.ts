/**
 * Which files git tracks in a source. A .gitignore applies only to untracked files — git itself reads a tracked
 * file whatever its .gitignore says (a force-added `docs/_static/`, the .gitignore listing itself) — so the walk
 * needs this to honour .gitignore as git does.
 */
import type { ResolvedSource } from './types.js';
import { runGit } from './git.js';

export interface TrackedOptions {
  gitBin: string;
  /** Environment for git: pass Config.childEnv. */
  env?: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * 'all' for a fresh checkout of one commit (every file in it is tracked); the tracked paths, relative to the
 * root, for a local git work tree; null when git does not describe the folder (a content-hashed folder), and
 * then .gitignore rules apply to every file.
 */
export async function trackedFiles(src: ResolvedSource, opts: TrackedOptions): Promise<'all' | ReadonlySet<string> | null> {
  if (src.kind === 'github') return 'all';
  if (src.commit.startsWith('sha256:')) return null;
  const out = await runGit(['ls-files', '-z', '--cached'], {
    gitBin: opts.gitBin,
    env: opts.env,
    cwd: src.root,
    signal: opts.signal,
    timeoutMs: 60_000,
    // The folder's own .git/config is not ours to trust: an fsmonitor hook would run a command.
    config: { 'core.fsmonitor': 'false' },
    maxStdoutBytes: 256 * 1024 * 1024,
  });
  return new Set(out.stdout.split('\0').filter(Boolean));
}
