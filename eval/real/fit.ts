/**
 * Fits the search-time ranking settings (BM25F field weights and length normalisation, saturation, coverage
 * scaling, vector share, centrality prior) to the dev split of the real eval, by coordinate ascent on
 * MRR + hit@5 / 2. Only dev questions are read; the unseen split is never looked at. Prints the settings that
 * differ from the defaults, to be copied into src/search/ranking/options.ts by hand (and then checked on unseen
 * with `npm run eval -- --real <home>`).
 *
 *   node --import tsx eval/real/fit.ts --home <home> [--passes 2]
 *   node --import tsx eval/real/fit.ts --home <home> --confidence
 *
 * --confidence fits the confidence thresholds instead, on the dev questions with and without an answer: the most
 * no-answer questions flagged low while at least 85% of correct top hits stay accepted and none of the no-answer
 * questions is ever 'high'.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, prepareProcessEnv } from '../../src/config.js';
import { createLogger } from '../../src/kernel/log.js';
import { HashingEmbedder } from '../../src/search/hashing.js';
import { DEFAULT_RANKING, type RankingOptions } from '../../src/search/ranking/options.js';
import { openIndex } from '../../src/search/store.js';
import { metrics, type Query } from '../lib/metrics.js';
import { runCodedistill } from '../lib/systems.js';
import { loadCorpus, splitQuestions } from './run.js';

/** A setting as a path into RankingOptions, e.g. ['bm25f', 'weight', 'name']. */
type Knob = readonly string[];

function get(o: RankingOptions, k: Knob): number {
  return k.reduce<unknown>((x, key) => (x as Record<string, unknown>)[key], o) as number;
}

function set(o: RankingOptions, k: Knob, v: number): RankingOptions {
  const copy = structuredClone(o) as unknown as Record<string, unknown>;
  let x = copy;
  for (const key of k.slice(0, -1)) x = x[key] as Record<string, unknown>;
  x[k[k.length - 1]!] = v;
  return copy as unknown as RankingOptions;
}

function knobs(o: RankingOptions): Knob[] {
  const out: Knob[] = [];
  for (const f of Object.keys(o.bm25f.weight)) out.push(['bm25f', 'weight', f]);
  for (const f of Object.keys(o.bm25f.b)) out.push(['bm25f', 'b', f]);
  out.push(['bm25f', 'k1'], ['coverageFactor'], ['vector', 'hashing'], ['centrality', 'weight'], ['centrality', 'half'], ['name'], ['nameWords']);
  return out;
}

/** Values tried for a setting: scaled around the current one, and the bounds where the setting has them. */
function candidates(k: Knob, v: number): number[] {
  const last = k[k.length - 1]!;
  const bounded = k[1] === 'b' || last === 'coverageFactor' || last === 'hashing';
  const raw = v === 0 ? [0.2, 0.6] : [0, v * 0.5, v * 2];
  const vals = raw.map((x) => Math.round((bounded ? Math.min(1, x) : x) * 1000) / 1000);
  return [...new Set(vals)].filter((x) => x !== v);
}

async function main(argv: string[]): Promise<void> {
  prepareProcessEnv();
  const config = loadConfig();
  const at = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const home = at('--home');
  if (!home) throw new Error('usage: fit.ts --home <home> [--passes N]');
  const passes = Number(at('--passes') ?? 2);
  const logger = createLogger('error');
  const libs = await loadCorpus(path.resolve(home), config.shippedLibrariesDir);
  const queries = splitQuestions('dev').filter((q) => q.expected.length > 0);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'codedistill-fit-'));
  const embedder = new HashingEmbedder();
  try {
    const dir = path.join(tmp, 'index');
    const first = await openIndex({ dir, embedder, logger });
    await first.sync(libs);
    await first.close();
    const score = async (ranking: RankingOptions): Promise<number> => {
      const index = await openIndex({ dir, embedder, logger, ranking });
      const m = metrics('fit', queries, await runCodedistill(index, queries));
      await index.close();
      return m.mrr + m.hit5 / 2;
    };
    if (argv.includes('--confidence')) {
      await fitConfidence(dir, embedder, logger, splitQuestions('dev'));
      return;
    }
    let best = structuredClone(DEFAULT_RANKING);
    let bestScore = await score(best);
    console.error(`defaults: ${bestScore.toFixed(4)}`);
    for (let pass = 0; pass < passes; pass++) {
      let moved = false;
      for (const k of knobs(best)) {
        for (const v of candidates(k, get(best, k))) {
          const trial = set(best, k, v);
          const s = await score(trial);
          // A gain below one question's worth is noise on this many questions.
          if (s > bestScore + 0.5 / queries.length) {
            console.error(`pass ${pass + 1}: ${k.join('.')} ${get(best, k)} -> ${v}: ${bestScore.toFixed(4)} -> ${s.toFixed(4)}`);
            best = trial;
            bestScore = s;
            moved = true;
          }
        }
      }
      if (!moved) break;
    }
    const changed = knobs(best)
      .filter((k) => get(best, k) !== get(DEFAULT_RANKING, k))
      .map((k) => `${k.join('.')}: ${get(DEFAULT_RANKING, k)} -> ${get(best, k)}`);
    console.log(`dev objective (MRR + hit@5 / 2): ${bestScore.toFixed(4)}\n${changed.join('\n') || '(defaults are a local optimum)'}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function fitConfidence(dir: string, embedder: HashingEmbedder, logger: ReturnType<typeof createLogger>, queries: Query[]): Promise<void> {
  const rows: { high: number; highMargin: number; medium: number; minScore: number; rejected: number; accepted: number; noHigh: number }[] = [];
  for (const medium of [0.35, 0.45]) {
    for (const minScore of [0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35]) {
      for (const [high, highMargin] of [[0.7, 0.1]] as const) {
        const ranking = { ...DEFAULT_RANKING, confidence: { high, highMargin, medium, minScore } };
        const index = await openIndex({ dir, embedder, logger, ranking });
        const m = metrics('fit', queries, await runCodedistill(index, queries));
        await index.close();
        rows.push({ high, highMargin, medium, minScore, rejected: m.noAnswerRejected, accepted: m.answerableAccepted, noHigh: m.noAnswerHigh });
        console.error(`medium ${medium} minScore ${minScore} high ${high} margin ${highMargin}: no-answer rejected ${m.noAnswerRejected.toFixed(3)}, high ${m.noAnswerHigh.toFixed(3)}; correct top-1 accepted ${m.answerableAccepted.toFixed(3)}`);
      }
    }
  }
  const ok = rows.filter((r) => r.noHigh === 0 && r.accepted >= 0.85);
  ok.sort((a, b) => b.rejected - a.rejected || b.accepted - a.accepted);
  console.log(ok[0] ? `best: ${JSON.stringify(ok[0])}` : 'no setting keeps 85% of correct top hits accepted with no no-answer question high');
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e instanceof Error ? e.stack : String(e));
  process.exitCode = 1;
});
