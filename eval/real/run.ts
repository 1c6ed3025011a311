/**
 * The real-repository retrieval eval: questions written from 27 real repositories' READMEs and docs (not from our
 * ranking code), asked of one home that holds all of them (laid out by layout.ts), reported per split. Ranking
 * may be tuned on the dev repositories only; the unseen split is the figure that counts.
 *
 *   npm run eval -- --real <home>                 both splits: naive BM25 beside codedistill offline
 *   npm run eval -- --real <home> --split dev     one split (tune with this, so unseen is never read query by query)
 *   npm run eval -- --real <home> --ablate        each signal switched off in turn
 *   npm run eval -- --real <home> --verbose       also list the misses
 *
 * The libraries are read as the server reads them: the shipped demo libraries beside the home's own (the baseline
 * indexes the home's own only, as a naive setup over the user's repositories would).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Block } from '../../src/domain/block.js';
import type { LoadedLibrary } from '../../src/domain/library.js';
import type { Logger } from '../../src/kernel/log.js';
import { discoverLibraries, loadLibrary } from '../../src/library/files.js';
import { HashingEmbedder } from '../../src/search/hashing.js';
import type { RankingOptions } from '../../src/search/ranking/options.js';
import { openIndex } from '../../src/search/store.js';
import type { Embedder } from '../../src/search/types.js';
import { ABLATIONS, evalLexicons, type Ablation } from '../lib/ablations.js';
import { metrics, misses, table, type Metrics, type Query } from '../lib/metrics.js';
import { runBm25Baseline, runCodedistill } from '../lib/systems.js';
import { evalRepos } from './layout.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SPLITS = ['dev', 'unseen'] as const;
export type Split = (typeof SPLITS)[number];

/** The naive baseline of the issue: BM25 over name, signature and docstring. */
const nameSignatureDocstring = (b: Block): string => `${b.name} ${b.signature} ${b.docstring ?? ''}`;

/** The questions of a split: those about its repositories, and the no-answer questions written with it. */
export function splitQuestions(split: Split): Query[] {
  const all = JSON.parse(readFileSync(path.join(here, `questions-${split}.json`), 'utf8')) as Query[];
  const repos = new Set(evalRepos().filter((r) => r.split === split).map((r) => r.repo));
  const stray = all.filter((q) => q.expected.length > 0 && !repos.has(q.repo ?? ''));
  if (stray.length) throw new Error(`questions-${split}.json asks about repositories outside the split: ${[...new Set(stray.map((q) => q.repo))].join(', ')}`);
  return all;
}

/** Expected names that no block in the corpus has: a question the corpus cannot answer as labelled. */
function unknownExpected(queries: readonly Query[], libs: readonly LoadedLibrary[]): string[] {
  const names = new Set(libs.flatMap((l) => l.blocks.map((b) => b.qualifiedName)));
  return [...new Set(queries.flatMap((q) => q.expected.filter((n) => !names.has(n))))];
}

export interface RealEvalOptions {
  home: string;
  shippedDir: string;
  splits: readonly Split[];
  logger: Logger;
  verbose: boolean;
  ablate: boolean;
  json: boolean;
  embedder?: Embedder;
  /** Settings to try instead of the defaults (each top-level key whole, as rankingOptions takes them). */
  ranking?: Partial<RankingOptions>;
}

export async function loadCorpus(home: string, shippedDir: string): Promise<LoadedLibrary[]> {
  const { libraries, problems } = await discoverLibraries([
    { dir: shippedDir, readonly: true, demo: true },
    { dir: path.join(home, 'libraries'), readonly: false },
  ]);
  if (problems.length) console.error(`unreadable libraries:\n  ${problems.join('\n  ')}`);
  return Promise.all(libraries.map((l) => loadLibrary(l.dir, l.readonly, l.demo)));
}

export async function runRealEval(opts: RealEvalOptions): Promise<void> {
  const libs = await loadCorpus(opts.home, opts.shippedDir);
  const blocks = libs.reduce((n, l) => n + l.blocks.length, 0);
  const sets = opts.splits.map((split) => ({ split, queries: splitQuestions(split) }));
  for (const s of sets) {
    const unknown = unknownExpected(s.queries, libs);
    if (unknown.length) console.error(`${s.split}: ${unknown.length} expected names are not in the corpus: ${unknown.slice(0, 8).join(', ')}${unknown.length > 8 ? ', …' : ''}`);
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'codedistill-real-eval-'));
  const embedder = opts.embedder ?? new HashingEmbedder();
  try {
    const dir = path.join(tmp, 'index');
    const first = await openIndex({ dir, embedder, logger: opts.logger });
    await first.sync(libs);
    await first.close();
    const variants: Ablation[] = opts.ablate
      ? ABLATIONS.map((a) => ({ ...a, ranking: { ...opts.ranking, ...a.ranking } }))
      : [{ label: `codedistill offline (${embedder.id})`, ranking: opts.ranking ?? {} }];
    const results: Record<string, Metrics[]> = {};
    const notes: string[] = [];
    for (const s of sets) {
      results[s.split] = [
        metrics('naive BM25 (name + signature + docstring)', s.queries, await runBm25Baseline(path.join(tmp, `bm25-${s.split}`), libs.filter((l) => !l.demo), s.queries, nameSignatureDocstring)),
      ];
    }
    for (const v of variants) {
      // One index serves every variant: what is switched here is read at search time only.
      const index = await openIndex({ dir, embedder, logger: opts.logger, ranking: v.ranking, lexicons: evalLexicons(v.wordnet) });
      for (const s of sets) {
        const ranked = await runCodedistill(index, s.queries);
        results[s.split]!.push(metrics(v.label, s.queries, ranked));
        if (opts.verbose) notes.push(`${s.split}, ${v.label}:`, ...misses(s.split, s.queries, ranked));
      }
      await index.close();
    }
    if (opts.json) {
      console.log(JSON.stringify({ libraries: libs.length, blocks, splits: Object.fromEntries(sets.map((s) => [s.split, { queries: s.queries.length, results: results[s.split] }])) }, null, 2));
      return;
    }
    for (const s of sets) {
      const rows = results[s.split]!;
      const repos = evalRepos().filter((r) => r.split === s.split);
      console.log(
        `\n${s.split}: ${s.queries.length} questions (${rows[0]!.answerable} with an answer, ${rows[0]!.noAnswer} without) about ` +
          `${repos.length} repositories; corpus ${libs.length} libraries, ${blocks} blocks\n`,
      );
      console.log(table(rows));
    }
    if (notes.length) console.log(`\n${notes.join('\n')}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
