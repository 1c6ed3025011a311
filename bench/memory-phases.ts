/**
 * Where a served index's memory goes, phase by phase, on a home already built (e.g. one home-scale.ts --keep left):
 * RSS and the V8 heap after opening, after a full-text-only candidate read, after a vector-only read, and after
 * whole searches. A step in RSS that the heap does not share is LanceDB's (native) memory.
 *
 *   node --import tsx bench/memory-phases.ts --home <home> [--queries=50] [--cache-mb=N] [--phase=raw]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as lancedb from '@lancedb/lancedb';
import { silentLogger } from '../src/kernel/log.js';
import { HashingEmbedder } from '../src/search/hashing.js';
import { openIndex } from '../src/search/store.js';
import { SearchQuery } from '../src/domain/search.js';
import { ensureLanceComputeThreads } from '../src/config.js';
import { TABLE_NAME } from '../src/search/table.js';

const mb = (n: number) => Math.round(n / 2 ** 20);
function mem(label: string, t0?: number) {
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;
  const m = process.memoryUsage();
  console.log(`${label.padEnd(44)} rss ${String(mb(rss)).padStart(5)} MB  heap ${String(mb(m.heapUsed)).padStart(4)} MB  external ${String(mb(m.external)).padStart(4)} MB${t0 === undefined ? '' : `  ${(performance.now() - t0).toFixed(0)} ms`}`);
}

const QUERIES = [
  'friction factor of turbulent flow in a rough pipe',
  'propagate measurement uncertainty through a calculation',
  'sensitivity analysis of a model with Sobol indices',
  'solar position for a time and place',
  'fit a curve to data with bounds on the parameters',
  'transfer function of a control system',
  'kalman filter state estimation',
  'baseline correction of a spectrum',
  'radioactive decay chain inventory',
  'convert between units of pressure',
];

async function main() {
  const args = process.argv.slice(2);
  const home = args[args.indexOf('--home') + 1]!;
  const n = Number(args.find((a) => a.startsWith('--queries='))?.split('=')[1] ?? 50);
  const dir = path.join(home, 'index');
  const embedder = new HashingEmbedder();
  mem('start');
  const phase = args.find((a) => a.startsWith('--phase='))?.split('=')[1] ?? 'all';
  if (phase === 'raw') {
    ensureLanceComputeThreads();
    const cacheMb = Number(args.find((a) => a.startsWith('--cache-mb='))?.split('=')[1] ?? 0);
    const session = cacheMb ? new lancedb.Session(BigInt(cacheMb) << 20n, BigInt(64) << 20n) : undefined;
    const where = args.find((a) => a.startsWith('--where='))?.slice('--where='.length);
    const cols = (args.find((a) => a.startsWith('--cols='))?.slice('--cols='.length) ?? 'id').split(',');
    const db = await lancedb.connect(dir, {}, session);
    const table = await db.openTable(TABLE_NAME);
    mem('table open');
    let t = performance.now();
    const fts = (q: string) => {
      let x = table.query().fullTextSearch(new lancedb.MatchQuery(q, 'text')).select(cols).limit(50);
      if (where) x = x.where(where);
      return x.toArray();
    };
    const vec = async (q: string) => {
      const [v] = await embedder.embed([q]);
      let x = table.vectorSearch(v!).distanceType('cosine').select(cols).limit(50);
      if (where) x = x.where(where);
      return x.toArray();
    };
    await fts('friction factor pipe');
    mem('first full-text read', t);
    t = performance.now();
    await fts('solar position time');
    mem('second full-text read', t);
    t = performance.now();
    await vec('friction factor pipe');
    mem('first vector read', t);
    t = performance.now();
    await vec('solar position time');
    mem('second vector read', t);
    const lat: number[] = [];
    for (let i = 0; i < 30; i++) {
      t = performance.now();
      await Promise.all([fts(`${QUERIES[i % QUERIES.length]}`), vec(`${QUERIES[i % QUERIES.length]} ${i}`)]);
      lat.push(performance.now() - t);
    }
    lat.sort((a, b) => a - b);
    mem(`30 more of both (p50 ${lat[15]!.toFixed(0)} / p95 ${lat[28]!.toFixed(0)} ms)`);
    if (session) console.log(`session cache ${mb(Number(session.sizeBytes()))} MB, ${session.approxNumItems()} items`);
    t = performance.now();
    await table.query().where("library = 'fluids'").select(['id']).limit(50).toArray();
    mem('filtered scan', t);
    return;
  }
  let t = performance.now();
  // --cache-mb: what the server gets from CODEDISTILL_INDEX_CACHE_MB; without it, LanceDB's own default (7 GB).
  const serveCacheMb = Number(args.find((a) => a.startsWith('--cache-mb='))?.split('=')[1] ?? 0);
  const index = await openIndex({ dir, embedder, logger: silentLogger, ...(serveCacheMb ? { cacheBytes: serveCacheMb * 2 ** 20 } : {}) });
  mem('index open', t);
  t = performance.now();
  await index.search(SearchQuery.parse({ query: QUERIES[0], limit: 10 }));
  mem('first search', t);
  const lat: number[] = [];
  for (let i = 0; i < n; i++) {
    t = performance.now();
    await index.search(SearchQuery.parse({ query: `${QUERIES[i % QUERIES.length]} ${i}`, limit: 10 }));
    lat.push(performance.now() - t);
  }
  lat.sort((a, b) => a - b);
  mem(`after ${n} searches (p50 ${lat[Math.floor(n / 2)]!.toFixed(0)} / p95 ${lat[Math.ceil(n * 0.95) - 1]!.toFixed(0)} ms)`);
  await index.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
