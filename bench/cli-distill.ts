/**
 * The built CLI distilling a real repository, as a user runs it: `codedistill distill <checkout> --no-validate`
 * from scratch into a fresh home (the CLI writes the library; the index is built by the next search, which this
 * does not time), then, in that home with the distill
 * cache warm, the same after a comment is appended to one library file (`--force`). N runs of each; the medians,
 * min / max and the load average are printed (timings are never asserted in tests).
 *
 *   node --import tsx bench/cli-distill.ts --repo <checkout of CalebBell/fluids> [--runs 3] [--file fluids/friction.py]
 *       [--cli dist/cli/main.js,/tmp/base/dist/cli/main.js]   several builds, interleaved run by run (before / after)
 *
 * The checkout is copied once (it is never written to); the changed file is restored after each run, so every run
 * starts from the same text. Also run by `npm run bench -- --repo <checkout>`.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { tempDir, testEnv } from '../test/helpers/tmp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const eq = args.find((a) => a.startsWith(`--${name}=`));
  if (eq) return eq.slice(name.length + 3);
  return args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined;
};

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : NaN;
};
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

/** The library file changed: the one named, else the largest .py under a folder with an __init__.py. */
function pickFile(repo: string, named: string | undefined): string {
  if (named) return named;
  let best: { rel: string; size: number } | null = null;
  const visit = (dir: string) => {
    for (const e of readdirSync(path.join(repo, dir), { withFileTypes: true })) {
      const rel = dir ? `${dir}/${e.name}` : e.name;
      if (e.isDirectory() && !e.name.startsWith('.') && !/^(tests?|docs?|examples?|benchmarks?)$/.test(e.name)) visit(rel);
      else if (e.isFile() && e.name.endsWith('.py') && dir && existsSync(path.join(repo, dir, '__init__.py'))) {
        const size = statSync(path.join(repo, rel)).size;
        if (!best || size > best.size) best = { rel, size };
      }
    }
  };
  visit('');
  if (!best) throw new Error(`no library .py file in ${repo}: pass --file`);
  return (best as { rel: string }).rel;
}

function distill(cli: string, repo: string, home: string, extra: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [cli, 'distill', repo, '--no-validate', ...extra], {
      env: testEnv(home, { CODEDISTILL_MODEL: 'none' }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve((performance.now() - t0) / 1000) : reject(new Error(`distill exited ${code}: ${err}`))));
  });
}

async function main() {
  const repoArg = flag('repo');
  if (!repoArg) throw new Error('usage: bench/cli-distill.ts --repo <checkout> [--runs N] [--file rel/path.py] [--cli a.js,b.js]');
  const runs = Number(flag('runs') ?? 3);
  const clis = (flag('cli') ?? path.join(root, 'dist', 'cli', 'main.js')).split(',').map((c) => path.resolve(c));
  for (const c of clis) if (!existsSync(c)) throw new Error(`${c} is missing: run npm run build first`);
  const repo = path.join(tempDir('codedistill-bench-cli-repo-'), path.basename(path.resolve(repoArg)));
  cpSync(path.resolve(repoArg), repo, { recursive: true });
  const file = pickFile(repo, flag('file'));
  const original = readFileSync(path.join(repo, file), 'utf8');
  const times = new Map<string, { scratch: number[]; change: number[] }>(clis.map((c) => [c, { scratch: [], change: [] }]));
  const loads: string[] = [];
  console.log(`\n### ${path.basename(repo)} through the CLI, no validation (${runs} runs${clis.length > 1 ? ', builds interleaved' : ''}; changed file ${file})\n`);
  console.log('| run | build | from scratch s | one file changed s | load average before |');
  console.log('|---:|---|---:|---:|---|');
  for (let i = 0; i < runs; i++) {
    for (const cli of clis) {
      const home = tempDir('codedistill-bench-cli-home-');
      const before = load();
      loads.push(before);
      const scratch = await distill(cli, repo, home, []);
      appendFileSync(path.join(repo, file), '\n# bench: a one-line change\n');
      let change: number;
      try {
        change = await distill(cli, repo, home, ['--force']);
      } finally {
        writeFileSync(path.join(repo, file), original);
      }
      times.get(cli)!.scratch.push(scratch);
      times.get(cli)!.change.push(change);
      console.log(`| ${i + 1} | ${path.relative(process.cwd(), cli) || cli} | ${scratch.toFixed(2)} | ${change.toFixed(2)} | ${before} |`);
    }
  }
  console.log('\n| build | from scratch median (min–max) s | one file changed median (min–max) s |');
  console.log('|---|---:|---:|');
  const span = (xs: number[]) => `${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;
  for (const [cli, t] of times) console.log(`| ${path.relative(process.cwd(), cli) || cli} | ${span(t.scratch)} | ${span(t.change)} |`);
  console.log(`\nload average (1, 5, 15 min) before each run: ${loads.join('; ')}; after: ${load()}; ${os.availableParallelism()} cores`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
