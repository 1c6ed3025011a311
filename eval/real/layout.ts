/**
 * Lays out the real-repository eval corpus: every repository of eval/real/repos.json distilled at its pinned
 * commit into one home, through the same CLI and git path a user takes (`codedistill distill owner/name --ref`).
 * Nothing fetched is written into this repository.
 *
 *   node --import tsx eval/real/layout.ts --home /tmp/evalhome [--git-url URL] [--validate] [--only owner/name]
 *
 * --git-url   where `owner/name.git` is cloned from (default https://github.com; a folder of mirrors laid out as
 *             <dir>/<owner>/<name>.git works as file:///<dir>)
 * --folder owner/name=DIR
 *             distill that repository from a folder holding its files at the pinned commit instead of cloning it
 *             (for a mirror that lacks some blobs, so git cannot check it out); repeatable
 * --validate  run the examples in each library's environment (slow: environments are built); without it the
 *             libraries are distilled with --no-validate, which is what the search figures in eval/README.md used
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface EvalRepo {
  repo: string;
  commit: string;
  split: 'dev' | 'unseen';
  domain: string;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');

export function evalRepos(): EvalRepo[] {
  return JSON.parse(readFileSync(path.join(here, 'repos.json'), 'utf8')) as EvalRepo[];
}

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

function main(argv: string[]): void {
  const home = arg(argv, '--home');
  if (!home) {
    console.error('Usage: layout.ts --home <dir> [--git-url URL] [--validate] [--only owner/name]');
    process.exit(2);
  }
  const cli = path.join(root, 'dist', 'cli', 'main.js');
  if (!existsSync(cli)) {
    console.error('dist/ is missing: run `npm run build` first.');
    process.exit(2);
  }
  const only = arg(argv, '--only');
  const env: Record<string, string | undefined> = { ...process.env, CODEDISTILL_HOME: path.resolve(home) };
  const gitUrl = arg(argv, '--git-url');
  if (gitUrl) env.CODEDISTILL_GITHUB_GIT_URL = gitUrl;
  const folders = new Map<string, string>();
  argv.forEach((a, i) => {
    if (a !== '--folder') return;
    const [repo, dir] = (argv[i + 1] ?? '').split('=');
    if (repo && dir) folders.set(repo, path.resolve(dir));
  });
  let failed = 0;
  for (const r of evalRepos()) {
    if (only && r.repo !== only) continue;
    const folder = folders.get(r.repo);
    const source = folder ? [folder, '--name', r.repo.split('/')[1]!.toLowerCase()] : [r.repo, '--ref', r.commit];
    const args = [cli, 'distill', ...source, '--json'];
    if (!argv.includes('--validate')) args.push('--no-validate');
    const t0 = Date.now();
    try {
      const out = execFileSync(process.execPath, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
      const report = JSON.parse(out) as { library?: string; counts?: { blocks?: number } };
      console.error(`${r.repo}@${r.commit.slice(0, 12)} [${r.split}] -> ${report.library ?? '?'}: ${report.counts?.blocks ?? '?'} blocks in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    } catch (e) {
      failed++;
      const err = e as { stderr?: string; message: string };
      console.error(`${r.repo}: FAILED ${(err.stderr ?? err.message).trim().split('\n').slice(-3).join(' | ')}`);
    }
  }
  if (failed) process.exit(1);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
