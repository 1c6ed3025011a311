/**
 * Two distills into one home at once, `--trials` times (default 10), each trial in a fresh home: both CLI
 * processes start together, and a trial counts as landed when both exit 0, `codedistill libraries` lists both
 * libraries and a search filtered to each finds its blocks in the index. Prints each trial and the tally.
 *
 *   node --import tsx bench/concurrent-distills.ts --sources <checkout a>,<checkout b> [--trials=10] [--validate]
 *
 * The sources are real checkouts (never committed); without --sources two fixtures are used.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { tempDir, testEnv } from '../test/helpers/tmp.js';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');

interface Outcome {
  code: number;
  seconds: number;
  stderr: string;
}

async function distill(home: string, source: string, name: string, validate: boolean): Promise<Outcome> {
  const t0 = performance.now();
  const args = [cli, 'distill', source, '--name', name, ...(validate ? [] : ['--no-validate'])];
  try {
    await run(process.execPath, args, { env: testEnv(home, { CODEDISTILL_MODEL: 'none' }), maxBuffer: 64 * 2 ** 20 });
    return { code: 0, seconds: (performance.now() - t0) / 1000, stderr: '' };
  } catch (e) {
    const err = e as { code?: number; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, seconds: (performance.now() - t0) / 1000, stderr: String(err.stderr ?? '').slice(-400) };
  }
}

/** Hits for the library's own first block, searched by its name within the library: 0 when the index lacks it. */
async function indexed(home: string, name: string): Promise<number> {
  const file = path.join(home, 'libraries', name, 'blocks.jsonl');
  if (!existsSync(file)) return 0;
  const first = JSON.parse(readFileSync(file, 'utf8').split('\n')[0]!) as { name: string };
  const { stdout } = await run(process.execPath, [cli, 'search', first.name, '--library', name, '--limit', '5'], { env: testEnv(home, { CODEDISTILL_MODEL: 'none' }) });
  return stdout.split('\n').filter((l) => l.includes(`${name}:`)).length;
}

async function main() {
  const args = process.argv.slice(2);
  const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined);
  const sources = (flag('sources') ?? [path.join(root, 'test/fixtures/flowcalc'), path.join(root, 'test/fixtures/kinetix')].join(',')).split(',').map((s) => path.resolve(s));
  if (sources.length !== 2 || !sources.every((s) => existsSync(s))) throw new Error('--sources takes two folders, comma-separated');
  if (!existsSync(cli)) throw new Error('dist/ is missing: run npm run build first');
  const trials = Number(flag('trials') ?? 10);
  const validate = args.includes('--validate');
  let landed = 0;
  console.log(`| trial | ${path.basename(sources[0]!)} exit / s | ${path.basename(sources[1]!)} exit / s | listed | found by search | landed |`);
  console.log('|---:|---|---|---|---|---|');
  for (let t = 1; t <= trials; t++) {
    const home = tempDir('codedistill-bench-two-');
    const names = ['first', 'second'];
    try {
      const outcomes = await Promise.all(sources.map((s, i) => distill(home, s, names[i]!, validate)));
      const { stdout } = await run(process.execPath, [cli, 'libraries'], { env: testEnv(home, { CODEDISTILL_MODEL: 'none' }) });
      const listed = names.filter((n) => new RegExp(`^\\s*${n}\\b`, 'm').test(stdout));
      const found = await Promise.all(names.map((n) => indexed(home, n)));
      const ok = outcomes.every((o) => o.code === 0) && listed.length === 2 && found.every((n) => n > 0);
      if (ok) landed++;
      const cell = (o: Outcome) => `${o.code} / ${o.seconds.toFixed(1)}`;
      console.log(`| ${t} | ${cell(outcomes[0]!)} | ${cell(outcomes[1]!)} | ${listed.join(', ') || 'none'} | ${found.join(', ')} | ${ok ? 'yes' : 'NO'} |`);
      for (const o of outcomes) if (o.code !== 0) console.log(`    stderr: ${o.stderr.replace(/\n/g, ' | ')}`);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }
  console.log(`\n${landed} of ${trials} trials: both distills landed`);
  if (landed !== trials) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
