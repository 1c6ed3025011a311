/**
 * The version a checkout would build with from its git metadata, as setuptools_scm and hatch-vcs read it: the
 * nearest tag, with the distance and commit after it. A library's snapshot has no .git, so its build is given
 * this version (SETUPTOOLS_SCM_PRETEND_VERSION) instead of failing or calling itself 0.0.0.
 */
import { runGit } from './git.js';

const PEP440_RELEASE = /^\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?$/;

/** "1.2.3" on a tag, "1.2.3.post4+gabcdef1" after one; null without a usable tag (or without git). */
export async function gitVersion(root: string, opts: { gitBin: string; env?: Record<string, string>; signal?: AbortSignal }): Promise<string | null> {
  const out = await runGit(['describe', '--tags', '--long', '--abbrev=12'], {
    gitBin: opts.gitBin,
    env: opts.env,
    cwd: root,
    signal: opts.signal,
    timeoutMs: 30_000,
    config: { 'core.fsmonitor': 'false' },
  }).catch(() => null);
  return out ? versionFromDescribe(out.stdout.trim()) : null;
}

export function versionFromDescribe(describe: string): string | null {
  const m = /^(.*)-(\d+)-g([0-9a-f]+)$/.exec(describe);
  if (!m) return null;
  const tag = m[1]!.replace(/^[^0-9]*/, '');
  if (!PEP440_RELEASE.test(tag)) return null;
  return m[2] === '0' ? tag : `${tag}.post${m[2]}+g${m[3]}`;
}
