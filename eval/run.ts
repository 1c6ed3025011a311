/**
 * Retrieval eval: hit@1/5/10, MRR and how well the confidence signal separates answerable queries from
 * queries with no answer, for codedistill's search and for a plain BM25 baseline over name + docstring.
 *
 *   npm run eval                      offline (hashing vectors), and the neural model too when one loads
 *   npm run eval -- --json            machine-readable
 *   npm run eval -- --verbose         also list every query whose expected block is not first
 *   npm run eval -- --ablate          offline mode with each ranking idea switched off in turn, both sets
 *   CODEDISTILL_MODEL_DIR=… npm run eval   with a local sentence model
 *   npm run eval -- --real <home>      the real-repository eval instead (eval/real/run.ts)
 *
 * The corpus is the shipped libraries (distilled from test/fixtures/). Two query sets are reported apart: dev
 * (eval/queries.json), which ranking and confidence were tuned on, and holdout (eval/queries-holdout.json),
 * written before any tuning and never tuned on, so the gap between them shows how much of a gain is overfit.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, prepareProcessEnv } from '../src/config.js';
import { createEmbedder } from '../src/search/embedder.js';
import { HashingEmbedder } from '../src/search/hashing.js';
import { openIndex } from '../src/search/store.js';
import type { Embedder } from '../src/search/types.js';
import type { RankingOptions } from '../src/search/ranking/options.js';
import type { LoadedLibrary } from '../src/domain/library.js';
import { loadLibrary } from '../src/library/files.js';
import { createLogger } from '../src/kernel/log.js';
import { ABLATIONS, evalLexicons } from './lib/ablations.js';
import { metrics, misses, table, type Metrics, type Query } from './lib/metrics.js';
import { runBm25Baseline, runCodedistill } from './lib/systems.js';
import { runRealEval, SPLITS, type Split } from './real/run.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LIBS = ['flowcalc', 'kinetix', 'sigproc'];

const SETS = [
  { label: 'dev', file: 'queries.json' },
  { label: 'holdout', file: 'queries-holdout.json' },
] as const;

async function main() {
  prepareProcessEnv();
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const verbose = args.includes('--verbose');
  const ablate = args.includes('--ablate');
  // --set=dev while tuning, so that the holdout set is not looked at query by query.
  const only = args.find((a) => a.startsWith('--set='))?.slice('--set='.length);
  const config = loadConfig();
  const logger = createLogger(json ? 'error' : 'warn');
  const realAt = args.indexOf('--real');
  if (realAt >= 0) {
    const home = args[realAt + 1];
    if (!home) throw new Error('--real takes the home the corpus was laid out in (see eval/real/layout.ts)');
    const split = args.find((a) => a.startsWith('--split='))?.slice('--split='.length);
    // --ranking='{"feedback":{...}}' tries other settings (each top-level key whole) without editing the defaults.
    const rankingArg = args.find((a) => a.startsWith('--ranking='))?.slice('--ranking='.length);
    if (split !== undefined && !SPLITS.includes(split as Split)) throw new Error(`unknown --split; use one of ${SPLITS.join(', ')}`);
    await runRealEval({
      home: path.resolve(home),
      shippedDir: config.shippedLibrariesDir,
      splits: split ? [split as Split] : SPLITS,
      logger,
      verbose,
      ablate,
      json,
      ranking: rankingArg ? (JSON.parse(rankingArg) as Partial<RankingOptions>) : undefined,
    });
    return;
  }
  const sets = SETS.filter((s) => !only || s.label === only).map((s) => ({
    ...s,
    queries: JSON.parse(readFileSync(path.join(root, 'eval', s.file), 'utf8')) as Query[],
  }));
  if (sets.length === 0) throw new Error(`unknown --set; use one of ${SETS.map((s) => s.label).join(', ')}`);
  const libs = await Promise.all(LIBS.map((n) => loadLibrary(path.join(root, 'libraries', n), true)));
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'codedistill-eval-'));
  try {
    if (ablate) {
      await runAblations(path.join(tmp, 'ablate'), libs, sets, logger, json);
      return;
    }
    const embedders: { label: string; embedder: Embedder }[] = [{ label: 'codedistill offline (hashing)', embedder: new HashingEmbedder() }];
    if (config.model !== 'none') {
      const neural = await createEmbedder({
        model: config.model,
        modelDir: config.modelDir,
        cacheDir: config.modelCacheDir,
        allowRemote: config.allowRemoteModels,
        logger,
      });
      if (neural.neural) embedders.push({ label: `codedistill hybrid (${neural.id})`, embedder: neural });
      else if (!json) console.error(`(no neural model could be loaded, so only the offline mode is measured)`);
    }
    const results: Record<string, Metrics[]> = {};
    const notes: string[] = [];
    for (const set of sets) {
      results[set.label] = [
        metrics('BM25 baseline (name + docstring)', set.queries, await runBm25Baseline(path.join(tmp, `bm25-${set.label}`), libs, set.queries)),
      ];
    }
    for (const { label, embedder } of embedders) {
      const index = await openIndex({ dir: path.join(tmp, embedder.id.replace(/[^\w.-]+/g, '_')), embedder, logger, lexicons: evalLexicons() });
      await index.sync(libs);
      for (const set of sets) {
        const ranked = await runCodedistill(index, set.queries);
        results[set.label]!.push(metrics(label, set.queries, ranked));
        if (verbose) notes.push(`${set.label}, ${label}:`, ...misses(set.label, set.queries, ranked));
      }
      await index.close();
    }
    if (json) {
      console.log(JSON.stringify(Object.fromEntries(sets.map((s) => [s.label, { queries: s.queries.length, results: results[s.label] }])), null, 2));
      return;
    }
    for (const set of sets) {
      const rows = results[set.label]!;
      console.log(
        `\n${set.label} (eval/${set.file}): ${set.queries.length} queries (${rows[0]!.answerable} with an answer, ` +
          `${rows[0]!.noAnswer} without) over ${LIBS.join(', ')}\n`,
      );
      console.log(table(rows));
    }
    console.log(`\naccepted = top hit 'high' or 'medium'; rejected = 'low' (or no hit). The baseline has no confidence, so every hit counts as 'high'.`);
    if (notes.length) console.log(`\n${notes.join('\n')}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function runAblations(
  dir: string,
  libs: LoadedLibrary[],
  sets: { label: string; queries: Query[] }[],
  logger: ReturnType<typeof createLogger>,
  json: boolean,
): Promise<void> {
  const embedder = new HashingEmbedder();
  // One index serves every variant: the settings switched here are read at search time only.
  const first = await openIndex({ dir, embedder, logger });
  await first.sync(libs);
  await first.close();
  const rows: { label: string; set: string; m: Metrics }[] = [];
  for (const a of ABLATIONS) {
    const index = await openIndex({ dir, embedder, logger, ranking: a.ranking, lexicons: evalLexicons(a.wordnet) });
    for (const set of sets) rows.push({ label: a.label, set: set.label, m: metrics(a.label, set.queries, await runCodedistill(index, set.queries)) });
    await index.close();
  }
  if (json) {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  const pct = (x: number) => (Number.isNaN(x) ? 'n/a' : (100 * x).toFixed(1));
  const cell = (m: Metrics) => `${pct(m.hit1)} / ${pct(m.hit5)} / ${m.mrr.toFixed(3)} / ${m.auc.toFixed(3)} / ${pct(m.noAnswerRejected)} / ${pct(m.answerableAccepted)}`;
  console.log('Offline (hashing) search with one idea switched off at a time.');
  console.log('Cells: hit@1 / hit@5 / MRR / no-answer AUC / no-answer rejected / correct top-1 accepted.\n');
  console.log(`| variant | ${sets.map((s) => s.label).join(' | ')} |`);
  console.log(`|---|${sets.map(() => '---|').join('')}`);
  for (const a of ABLATIONS) {
    console.log(`| ${a.label} | ${sets.map((s) => cell(rows.find((r) => r.label === a.label && r.set === s.label)!.m)).join(' | ')} |`);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : String(e));
  process.exitCode = 1;
});
