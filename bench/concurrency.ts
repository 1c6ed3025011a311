/**
 * Many processes on one home for minutes: `--searchers` long-running servers searching while `--distillers` CLI
 * processes distill, each into its own library and all in turn into one shared library, from the given sources
 * (real checkouts: never committed). Prints searches, distills, errors, and what the index holds after (rows,
 * distinct ids, blocks in the library files), which must agree.
 *
 *   node --import tsx bench/concurrency.ts --sources /tmp/repos/a,/tmp/repos/b [--searchers=4] [--distillers=2] [--minutes=3]
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runStress } from '../test/helpers/stress.js';
import { tempDir } from '../test/helpers/tmp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function main() {
  const args = process.argv.slice(2);
  const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined);
  const sources = (flag('sources') ?? [path.join(root, 'test/fixtures/flowcalc'), path.join(root, 'test/fixtures/kinetix')].join(',')).split(',').map((s) => path.resolve(s));
  const searchers = Number(flag('searchers') ?? 4);
  const distillers = Number(flag('distillers') ?? 2);
  const minutes = Number(flag('minutes') ?? 3);
  const t0 = Date.now();
  const r = await runStress({
    home: tempDir('codedistill-bench-concurrency-'),
    cli: path.join(root, 'dist', 'cli', 'main.js'),
    sources,
    sharedName: 'shared',
    searchers,
    distillers,
    rounds: 1,
    untilMs: minutes * 60_000,
    queries: ['propagate uncertainty through a calculation', 'convert units of a quantity', 'friction factor of a pipe', 'molar mass of a formula', 'mean and standard deviation'],
  });
  console.log(`\n${searchers} searching servers and ${distillers} distilling CLIs on one home for ${((Date.now() - t0) / 60_000).toFixed(1)} min; sources: ${sources.map((s) => path.basename(s)).join(', ')}\n`);
  console.log('| searches | search errors | distills | distill errors | index rows | distinct ids | blocks in the files | servers serve the last write |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---|');
  console.log(`| ${r.searches} | ${r.searchErrors.length} | ${r.distills} | ${r.distillErrors.length} | ${r.rows} | ${r.distinctIds} | ${r.fileBlocks} | ${r.searchersSeeLastWrite ? 'yes' : 'no'} |`);
  for (const e of [...r.searchErrors, ...r.distillErrors].slice(0, 10)) console.log(`  ${e}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
