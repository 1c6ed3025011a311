/**
 * The systems an eval compares: codedistill's search through its index, and the baseline an off-the-shelf setup
 * gives (LanceDB's default full-text BM25 over a block's plain text).
 */
import * as lancedb from '@lancedb/lancedb';
import type { SearchHit } from '../../src/domain/search.js';
import type { LoadedLibrary } from '../../src/domain/library.js';
import type { Block } from '../../src/domain/block.js';
import type { SearchIndex } from '../../src/search/types.js';
import type { Query, Ranked } from './metrics.js';

export async function runCodedistill(index: SearchIndex, queries: readonly Query[]): Promise<Ranked[]> {
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

/** What the baseline indexes of a block by default: its bare name and docstring. */
export const nameAndDocstring = (b: Block): string => `${b.name} ${b.docstring ?? ''}`;

/** The baseline an off-the-shelf setup gives: BM25 over a block's plain text, default tokenizer. */
export async function runBm25Baseline(
  dir: string,
  libs: readonly LoadedLibrary[],
  queries: readonly Query[],
  text: (b: Block) => string = nameAndDocstring,
): Promise<Ranked[]> {
  const db = await lancedb.connect(dir);
  const rows = libs.flatMap((l) => l.blocks.map((b) => ({ qn: b.qualifiedName, text: text(b) })));
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

