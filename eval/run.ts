/**
 * Retrieval eval: hit@1/5/10, MRR and how well the confidence signal separates answerable queries from
 * queries with no answer, for codedistill's search and for a plain BM25 baseline over name + docstring.
 *
 *   npm run eval                      offline (hashing vectors), and the neural model too when one loads
 *   npm run eval -- --json            machine-readable
 *   npm run eval -- --verbose         also list every query whose expected block is not first
 *   npm run eval -- --ablate          offline mode with each ranking idea switched off in turn, both sets
 *   CODEDISTILL_MODEL_DIR=… npm run eval   with a local sentence model
 *
 * The corpus is the shipped libraries (distilled from test/fixtures/). Two query sets are reported apart: dev
 * (eval/queries.json), which ranking and confidence were tuned on, and holdout (eval/queries-holdout.json),
 * written before any tuning and never tuned on, so the gap between them shows how much of a gain is overfit.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as lancedb from '@lancedb/lancedb';
import { loadConfig, prepareProcessEnv } from '../src/config.js';
import type { SearchHit } from '../src/domain/search.js';
import { createEmbedder } from '../src/search/embedder.js';
import { HashingEmbedder } from '../src/search/hashing.js';
import { DEFAULT_RANKING, type RankingOptions } from '../src/search/ranking/options.js';
import { handwrittenLexicon, type Lexicon } from '../src/search/lexicons.js';
import { openIndex } from '../src/search/store.js';
import { WordnetLexicon, type WordnetLexiconOptions } from '../src/search/wordnet-lexicon.js';
import { bundledWordnetDir, WordNet } from '../src/search/wordnet.js';
import type { SearchIndex, Embedder } from '../src/search/types.js';
import type { LoadedLibrary } from '../src/domain/library.js';
import { loadLibrary } from '../src/library/files.js';
import { createLogger } from '../src/kernel/log.js';

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
  /** 'high' or 'medium': an agent would use the top hit; 'low' tells it nothing fits. */
  topAccepted: boolean;
  /** 'high': the strongest claim search makes; a no-answer query must never get it. */
  topHigh: boolean;
  topConfidence: string;
}

const SETS = [
  { label: 'dev', file: 'queries.json' },
  { label: 'holdout', file: 'queries-holdout.json' },
] as const;

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
  /** Share of no-answer queries whose top hit is rejected (confidence 'low', or no hit at all). */
  noAnswerRejected: number;
  /** Share of no-answer queries whose top hit claims 'high' confidence: the worst kind of false positive. */
  noAnswerHigh: number;
  /** Share of correct top-1 hits that are accepted (confidence 'high' or 'medium'). */
  answerableAccepted: number;
}

function metrics(system: string, queries: Query[], ranked: Ranked[]): Metrics {
  let h1 = 0, h5 = 0, h10 = 0, rr = 0, acc = 0, rej = 0, high = 0;
  const pos: number[] = [];
  const neg: number[] = [];
  queries.forEach((q, i) => {
    const r = ranked[i]!;
    if (q.expected.length === 0) {
      neg.push(r.topScore);
      if (!r.topAccepted) rej++;
      if (r.topHigh) high++;
      return;
    }
    pos.push(r.topScore);
    const rank = r.names.findIndex((n) => q.expected.includes(n));
    if (rank === 0) h1++;
    if (rank >= 0 && rank < 5) h5++;
    if (rank >= 0 && rank < 10) h10++;
    if (rank >= 0) rr += 1 / (rank + 1);
    if (rank === 0 && r.topAccepted) acc++;
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
    noAnswerHigh: neg.length ? high / neg.length : NaN,
    answerableAccepted: h1 ? acc / h1 : NaN,
  };
}

/**
 * Each idea of the ranking switched off on its own, to show what it contributes. Query expansion, BM25F field
 * weights, vector share, coverage scaling, name bonus and priors are search-time settings; stemming, stop
 * words and the context field are index-time and are not switched here (see eval/README.md for their effect).
 */
/** The expansion sources every eval index is given (ranking.expansion.sources decides which are used). */
function evalLexicons(wordnet: Partial<WordnetLexiconOptions> = {}): Lexicon[] {
  return [handwrittenLexicon, new WordnetLexicon(new WordNet(bundledWordnetDir()), wordnet)];
}

const ABLATIONS: { label: string; ranking: Partial<RankingOptions>; wordnet?: Partial<WordnetLexiconOptions> }[] = [
  { label: 'full (defaults)', ranking: {} },
  { label: 'no lexicon expansion', ranking: { expansion: { same: 0, related: 0 } } },
  { label: 'lexicon: synonyms only', ranking: { expansion: { same: 1, related: 0 } } },
  { label: 'lexicon: related only', ranking: { expansion: { same: 0, related: 1 } } },
  { label: 'lexicon: WordNet instead', ranking: { expansion: { same: 1, related: 1, sources: { handwritten: 0, wordnet: 1 } } } },
  { label: 'lexicon: hand-written + WordNet', ranking: { expansion: { same: 1, related: 1, sources: { handwritten: 1, wordnet: 1 } } } },
  { label: 'lexicon: hand-written + WordNet synonyms', ranking: { expansion: { same: 1, related: 1, sources: { handwritten: 1, wordnet: 1 } } }, wordnet: { relations: [] } },
  { label: 'no coverage scaling', ranking: { coverageFactor: 0 } },
  { label: 'no vector share', ranking: { vector: { ...DEFAULT_RANKING.vector, hashing: 0 } } },
  {
    label: 'no context / purpose fields',
    ranking: { bm25f: { ...DEFAULT_RANKING.bm25f, weight: { ...DEFAULT_RANKING.bm25f.weight, context: 0, purpose: 0 } } },
  },
  {
    label: 'flat field weights (all 1, b 0.75)',
    ranking: {
      bm25f: {
        k1: DEFAULT_RANKING.bm25f.k1,
        weight: Object.fromEntries(Object.keys(DEFAULT_RANKING.bm25f.weight).map((f) => [f, 1])) as RankingOptions['bm25f']['weight'],
        b: Object.fromEntries(Object.keys(DEFAULT_RANKING.bm25f.b).map((f) => [f, 0.75])) as RankingOptions['bm25f']['b'],
      },
    },
  },
  { label: 'no exact-name bonus', ranking: { name: 0 } },
  { label: 'no validated / kind priors', ranking: { validated: 0, kind: { function: 0, class: 0, method: 0, workflow: 0 } } },
];

async function runCodedistill(index: SearchIndex, queries: Query[]): Promise<Ranked[]> {
  const out: Ranked[] = [];
  for (const q of queries) {
    const res = await index.search({ query: q.query, limit: 10 });
    const top: SearchHit | undefined = res.results[0];
    out.push({
      names: res.results.map((h) => h.qualifiedName),
      topScore: top?.score ?? 0,
      topAccepted: top !== undefined && top.confidence !== 'low',
      topHigh: top?.confidence === 'high',
      topConfidence: top?.confidence ?? 'none',
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
    const any = hits.length > 0;
    out.push({ names: hits.map((h) => h.qn), topScore: hits[0]?._score ?? 0, topAccepted: any, topHigh: any, topConfidence: any ? 'high' : 'none' });
  }
  table.close();
  db.close();
  return out;
}

function table(rows: Metrics[]): string {
  const pct = (x: number) => (Number.isNaN(x) ? '  n/a' : `${(100 * x).toFixed(1).padStart(5)}`);
  const head = '| system | hit@1 | hit@5 | hit@10 | MRR | no-answer AUC | no-answer rejected | no-answer high | correct top-1 accepted |';
  const sep = '|---|---:|---:|---:|---:|---:|---:|---:|---:|';
  const lines = rows.map(
    (m) =>
      `| ${m.system} | ${pct(m.hit1)} | ${pct(m.hit5)} | ${pct(m.hit10)} | ${m.mrr.toFixed(3)} | ${m.auc.toFixed(3)} | ${pct(m.noAnswerRejected)} | ${pct(m.noAnswerHigh)} | ${pct(m.answerableAccepted)} |`,
  );
  return [head, sep, ...lines].join('\n');
}

function misses(label: string, queries: Query[], ranked: Ranked[]): string[] {
  const out: string[] = [];
  queries.forEach((q, i) => {
    const r = ranked[i]!;
    const rank = r.names.findIndex((n) => q.expected.includes(n));
    const top = `${r.names[0] ?? '(nothing)'} [${r.topConfidence} ${r.topScore.toFixed(3)}]`;
    if (q.expected.length === 0) {
      if (r.topAccepted) out.push(`  ${label} no-answer accepted: "${q.query}" -> ${top}`);
    } else if (rank !== 0) {
      out.push(`  ${label} rank ${rank < 0 ? '>10' : rank + 1}: "${q.query}" -> ${top}; want ${q.expected[0]}`);
    } else if (!r.topAccepted) {
      out.push(`  ${label} correct but rejected: "${q.query}" -> ${top}`);
    }
  });
  return out;
}

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
