/**
 * Retrieval eval: hit@1/5/10, MRR and how well the confidence signal separates answerable queries from
 * queries with no answer, for codedistill's search and for a plain BM25 baseline over name + docstring.
 *
 *   npm run eval                      offline (hashing vectors), and the neural model too when one loads
 *   npm run eval -- --json            machine-readable
 *   CODEDISTILL_MODEL_DIR=… npm run eval   with a local sentence model
 *
 * The corpus is the shipped libraries (distilled from test/fixtures/), the queries eval/queries.json.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as lancedb from '@lancedb/lancedb';
import { loadConfig, prepareProcessEnv } from '../src/config.js';
import type { SearchHit } from '../src/domain/search.js';
import { createEmbedder } from '../src/index/embedder.js';
import { HashingEmbedder } from '../src/index/hashing.js';
import { openIndex } from '../src/index/store.js';
import type { BlockIndex, Embedder, LoadedLibrary } from '../src/index/types.js';
import { loadLibrary } from '../src/library/files.js';
import { createLogger } from '../src/log.js';

interface Query {
  query: string;
  expected: string[];
  note?: string;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LIBS = ['flowcalc', 'kinetix', 'sigproc'];

interface Ranked {
  /** qualified names, best first */
  names: string[];
  /** the top hit's score and confidence: what an agent would read to decide "no good match" */
  topScore: number;
  topConfident: boolean;
}

export interface Metrics {
  system: string;
  answerable: number;
  noAnswer: number;
  hit1: number;
  hit5: number;
  hit10: number;
  mrr: number;
  /** Probability a random answerable query's top score beats a random no-answer query's (1 = perfect). */
  auc: number;
  /** Share of no-answer queries whose top hit is not "high" confidence. */
  noAnswerRejected: number;
  /** Share of answerable queries whose correct top-1 hit is not rejected. */
  answerableAccepted: number;
}

function metrics(system: string, queries: Query[], ranked: Ranked[]): Metrics {
  let h1 = 0, h5 = 0, h10 = 0, rr = 0, acc = 0, rej = 0;
  const pos: number[] = [];
  const neg: number[] = [];
  queries.forEach((q, i) => {
    const r = ranked[i]!;
    if (q.expected.length === 0) {
      neg.push(r.topScore);
      if (!r.topConfident) rej++;
      return;
    }
    pos.push(r.topScore);
    const rank = r.names.findIndex((n) => q.expected.includes(n));
    if (rank === 0) h1++;
    if (rank >= 0 && rank < 5) h5++;
    if (rank >= 0 && rank < 10) h10++;
    if (rank >= 0) rr += 1 / (rank + 1);
    if (rank === 0 && r.topConfident) acc++;
  });
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  const n = pos.length;
  return {
    system,
    answerable: n,
    noAnswer: neg.length,
    hit1: h1 / n,
    hit5: h5 / n,
    hit10: h10 / n,
    mrr: rr / n,
    auc: pos.length && neg.length ? wins / (pos.length * neg.length) : NaN,
    noAnswerRejected: neg.length ? rej / neg.length : NaN,
    answerableAccepted: h1 ? acc / h1 : NaN,
  };
}

async function runCodedistill(index: BlockIndex, queries: Query[]): Promise<Ranked[]> {
  const out: Ranked[] = [];
  for (const q of queries) {
    const res = await index.search({ query: q.query, limit: 10 });
    const top: SearchHit | undefined = res.results[0];
    out.push({
      names: res.results.map((h) => h.qualifiedName),
      topScore: top?.score ?? 0,
      topConfident: top?.confidence === 'high',
    });
  }
  return out;
}

/** The baseline an off-the-shelf setup gives: BM25 over the bare name and docstring, default tokenizer. */
async function runBm25Baseline(dir: string, libs: LoadedLibrary[], queries: Query[]): Promise<Ranked[]> {
  const db = await lancedb.connect(dir);
  const rows = libs.flatMap((l) => l.blocks.map((b) => ({ qn: b.qualifiedName, text: `${b.name} ${b.docstring ?? ''}` })));
  const table = await db.createTable('bm25', rows, { mode: 'overwrite' });
  await table.createIndex('text', { config: lancedb.Index.fts() });
  const out: Ranked[] = [];
  for (const q of queries) {
    const clean = q.query.replace(/[^\p{L}\p{N}_\s]/gu, ' ').trim();
    const hits = clean ? ((await table.search(clean, 'fts').limit(10).toArray()) as { qn: string; _score: number }[]) : [];
    // BM25 has no notion of confidence; any hit counts as confident, as a naive caller would read it.
    out.push({ names: hits.map((h) => h.qn), topScore: hits[0]?._score ?? 0, topConfident: hits.length > 0 });
  }
  table.close();
  db.close();
  return out;
}

function table(rows: Metrics[]): string {
  const pct = (x: number) => (Number.isNaN(x) ? '  n/a' : `${(100 * x).toFixed(1).padStart(5)}`);
  const head = '| system | hit@1 | hit@5 | hit@10 | MRR | no-answer AUC | no-answer rejected | correct top-1 accepted |';
  const sep = '|---|---:|---:|---:|---:|---:|---:|---:|';
  const lines = rows.map(
    (m) =>
      `| ${m.system} | ${pct(m.hit1)} | ${pct(m.hit5)} | ${pct(m.hit10)} | ${m.mrr.toFixed(3)} | ${m.auc.toFixed(3)} | ${pct(m.noAnswerRejected)} | ${pct(m.answerableAccepted)} |`,
  );
  return [head, sep, ...lines].join('\n');
}

async function main() {
  prepareProcessEnv();
  const json = process.argv.includes('--json');
  const config = loadConfig();
  const logger = createLogger(json ? 'error' : 'warn');
  const queries = JSON.parse(readFileSync(path.join(root, 'eval', 'queries.json'), 'utf8')) as Query[];
  const libs = await Promise.all(LIBS.map((n) => loadLibrary(path.join(root, 'libraries', n), true)));
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'codedistill-eval-'));
  try {
    const results: Metrics[] = [];
    results.push(metrics('BM25 baseline (name + docstring)', queries, await runBm25Baseline(path.join(tmp, 'bm25'), libs, queries)));

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
    for (const { label, embedder } of embedders) {
      const index = await openIndex({ dir: path.join(tmp, embedder.id.replace(/[^\w.-]+/g, '_')), embedder, logger });
      await index.sync(libs);
      results.push(metrics(label, queries, await runCodedistill(index, queries)));
      await index.close();
    }
    if (json) console.log(JSON.stringify({ queries: queries.length, results }, null, 2));
    else {
      console.log(`${queries.length} queries (${results[0]!.answerable} with an answer, ${results[0]!.noAnswer} without) over ${LIBS.join(', ')}\n`);
      console.log(table(results));
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : String(e));
  process.exitCode = 1;
});
