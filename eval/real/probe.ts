/**
 * One question at a time, for tuning on the dev split: where each expected block lands, and what ranks above it.
 *
 *   node --import tsx eval/real/probe.ts --home <home> [--index <dir>] "query" [expected.name ...]
 */
import path from 'node:path';
import { createLogger } from '../../src/kernel/log.js';
import { loadConfig, prepareProcessEnv } from '../../src/config.js';
import { HashingEmbedder } from '../../src/search/hashing.js';
import { openIndex } from '../../src/search/store.js';
import { loadCorpus } from './run.js';

async function main(argv: string[]): Promise<void> {
  prepareProcessEnv();
  const config = loadConfig();
  const take = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    if (i < 0) return undefined;
    const [v] = argv.splice(i, 2).slice(1);
    return v;
  };
  const home = take('--home');
  const indexDir = take('--index') ?? path.join(home ?? '.', '.probe-index');
  if (!home || argv.length === 0) throw new Error('usage: probe.ts --home <home> [--index <dir>] "query" [expected ...]');
  const [query, ...expected] = argv;
  const logger = createLogger('warn');
  const index = await openIndex({ dir: indexDir, embedder: new HashingEmbedder(), logger });
  await index.sync(await loadCorpus(home, config.shippedLibrariesDir));
  const res = await index.search({ query: query!, limit: 50 });
  res.results.forEach((h, i) => {
    const mark = expected.includes(h.qualifiedName) ? '=>' : '  ';
    if (i < 10 || mark === '=>') console.log(`${mark} ${String(i + 1).padStart(2)} ${h.score.toFixed(3)} ${h.confidence.padEnd(6)} ${h.qualifiedName}  [${h.matched.join(',')}]`);
  });
  for (const e of expected) if (!res.results.some((h) => h.qualifiedName === e)) console.log(`   >50 ${e}`);
  await index.close();
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
