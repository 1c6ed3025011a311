/**
 * Search at scale: synthetic blocks (names and docstrings built from scientific word lists) indexed with the
 * hashing embedder, then timed queries. Prints build time, search p50/p95 with and without a filter, RSS, and
 * for sizes with an approximate vector index the recall of its top 10 against an exact scan.
 *
 *   node --import tsx bench/search-scale.ts [sizes...] [--queries=N] [--ann=hnsw_sq|ivf_pq] [--ann-threshold=N] [--verbose] [--keep]
 *   e.g. node --import tsx bench/search-scale.ts 1000 10000 100000
 *   node --import tsx bench/search-scale.ts --real /tmp/evalhome [--blocks=10000]   real blocks over MCP instead
 *   (bench/search-real.ts: copies of a distilled home's libraries, searched through the built server)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as lancedb from '@lancedb/lancedb';
import type { Block } from '../src/domain/block.js';
import { LibraryManifest } from '../src/domain/library.js';
import { packagesOf } from '../src/library/files.js';
import { SearchQuery } from '../src/domain/search.js';
import { createLogger, silentLogger } from '../src/kernel/log.js';
import { HashingEmbedder } from '../src/search/hashing.js';
import { openIndex } from '../src/search/store.js';
import { META_FILE, TABLE_NAME, tuneVectorQuery, type AnnType, type IndexMeta } from '../src/search/table.js';
import type { LoadedLibrary } from '../src/domain/library.js';

const VERBS = [
  'compute', 'estimate', 'solve', 'integrate', 'interpolate', 'filter', 'fit', 'sample', 'simulate', 'evaluate',
  'normalize', 'smooth', 'detect', 'transform', 'project', 'resample', 'decompose', 'optimize', 'predict', 'load',
  'parse', 'convert', 'correct', 'calibrate', 'align', 'cluster', 'classify', 'segment', 'reconstruct', 'update',
];
const NOUNS = [
  'pressure', 'temperature', 'velocity', 'density', 'viscosity', 'spectrum', 'signal', 'image', 'mesh', 'grid',
  'particle', 'molecule', 'protein', 'sequence', 'genome', 'orbit', 'galaxy', 'star', 'wave', 'field', 'tensor',
  'matrix', 'vector', 'gradient', 'flux', 'concentration', 'reaction', 'rate', 'energy', 'charge', 'potential',
  'entropy', 'enthalpy', 'humidity', 'precipitation', 'radiation', 'albedo', 'salinity', 'current', 'voltage',
  'frequency', 'phase', 'amplitude', 'noise', 'baseline', 'peak', 'histogram', 'distribution', 'likelihood',
  'posterior', 'covariance', 'correlation', 'trajectory', 'lattice', 'crystal', 'bond', 'angle', 'torsion',
  'dipole', 'orbital', 'isotope', 'decay', 'diffusion', 'conductivity', 'permeability', 'porosity', 'stress',
  'strain', 'modulus', 'displacement', 'boundary', 'interface', 'droplet', 'bubble', 'plume', 'catalyst',
];
const CONTEXTS = [
  'in a packed bed', 'on a structured grid', 'for a time series', 'across a membrane', 'in the atmosphere',
  'of a protein chain', 'for spectroscopy data', 'in a porous medium', 'over a sphere', 'in a stirred tank',
  'from satellite imagery', 'for a gene expression matrix', 'at the boundary layer', 'in a plasma', 'for a star cluster',
];
const METHODS = [
  'by least squares', 'with a Kalman filter', 'using finite differences', 'by Monte Carlo sampling',
  'with a fast Fourier transform', 'by Newton iteration', 'using a Runge-Kutta scheme', 'with cubic splines',
  'by maximum likelihood', 'using a Gaussian process', 'with the Welch method', 'by gradient descent',
];

/** mulberry32: a small seeded PRNG, so every run indexes the same corpus. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Synth {
  block: Block;
  verb: string;
  nouns: string[];
  context: string;
}

function synthBlock(r: () => number, lib: string, i: number): Synth {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const verb = pick(VERBS);
  const nouns = [pick(NOUNS), pick(NOUNS)];
  const context = pick(CONTEXTS);
  const method = pick(METHODS);
  const name = `${verb}_${nouns.join('_')}${r() < 0.3 ? `_${i % 97}` : ''}`;
  const module = `${lib}.${pick(NOUNS)}s`;
  const kind: Block['kind'] = r() < 0.8 ? 'function' : r() < 0.5 ? 'method' : 'class';
  const qn = `${module}.${name}_${i}`;
  const params = [pick(NOUNS), pick(NOUNS), 'dt', 'axis'].slice(0, 1 + Math.floor(r() * 4));
  const summary = `${verb[0]!.toUpperCase()}${verb.slice(1)} the ${nouns[0]} ${nouns[1]} ${context}.`;
  const docstring =
    `${summary} The ${nouns[1]} is obtained ${method}; the ${pick(NOUNS)} is assumed constant.\n\n` +
    `Parameters\n----------\n${params.map((p) => `${p} : float\n    The ${p} ${pick(CONTEXTS)}.`).join('\n')}\n`;
  const passed = r() < 0.3;
  const block = {
    id: `${lib}:${qn}`,
    library: lib,
    language: 'python',
    kind,
    name,
    qualifiedName: qn,
    module,
    signature: `def ${name}(${params.join(', ')}):`,
    docstring,
    summary,
    code: `def ${name}(${params.join(', ')}):\n    ...\n`,
    decorators: [],
    parameters: params.map((p) => ({ name: p, annotation: 'float', default: null, kind: 'positional' as const, description: `The ${p}.` })),
    returns: null,
    imports: [],
    calls: [],
    requirements: [],
    licence: r() < 0.7 ? 'MIT' : 'BSD-3-Clause',
    citation: null,
    provenance: { repo: `bench/${lib}`, url: null, commit: 'bench', path: `${module.replace(/\./g, '/')}.py`, startLine: 1, endLine: 2 },
    examples: [],
    validation: passed
      ? { status: 'passed' as const, exitCode: 0, durationMs: 1, stdout: '', stderr: '', error: null, message: 'ok', sandbox: 'none' as const, ranAt: '2024-01-01T00:00:00Z' }
      : null,
    compute: { gpu: r() < 0.05, network: r() < 0.05, dataFiles: false },
    rank: r(),
    tags: [],
    prose: [],
  } satisfies Block;
  return { block, verb, nouns, context };
}

function corpus(n: number): { libs: LoadedLibrary[]; synth: Synth[] } {
  const r = rng(42);
  const perLib = 2000;
  const libs: LoadedLibrary[] = [];
  const synth: Synth[] = [];
  for (let l = 0; l * perLib < n; l++) {
    const name = `lib${String(l).padStart(3, '0')}`;
    const blocks: Block[] = [];
    for (let i = l * perLib; i < Math.min(n, (l + 1) * perLib); i++) {
      const s = synthBlock(r, name, i);
      synth.push(s);
      blocks.push(s.block);
    }
    const manifest = LibraryManifest.parse({
      schemaVersion: 1,
      name,
      source: { kind: 'local', location: name, repo: name, ref: null, commit: 'bench', url: null },
      licence: 'MIT',
      citation: null,
      description: null,
      languages: ['python'],
      importRoots: [],
      requirements: [],
      counts: { filesSeen: 0, filesParsed: 0, filesSkipped: 0, parseErrors: 0, blocks: blocks.length, examples: 0, validated: 0 },
      skipped: [],
      createdAt: '2024-01-01T00:00:00Z',
      generator: 'bench',
    });
    libs.push({ name, dir: name, readonly: true, manifest, blocks, fingerprint: `bench-${n}-${l}`, packages: packagesOf(blocks) });
  }
  return { libs, synth };
}

/** Task-style and code-style queries about random blocks of the corpus. */
function queries(synth: Synth[], count: number): { text: string; target: string }[] {
  const r = rng(7);
  const out: { text: string; target: string }[] = [];
  for (let i = 0; i < count; i++) {
    const s = synth[Math.floor(r() * synth.length)]!;
    const text =
      i % 3 === 0
        ? `${s.block.name}(`
        : i % 3 === 1
          ? `how to ${s.verb} ${s.nouns[0]} ${s.nouns[1]} ${s.context}`
          : `${s.nouns[1]} ${s.nouns[0]} ${s.verb.replace(/e$/, '')}ing`;
    out.push({ text, target: s.block.id });
  }
  return out;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

async function annRecall(dir: string, qs: { text: string }[], k = 10): Promise<number | null> {
  const db = await lancedb.connect(dir);
  const t = await db.openTable(TABLE_NAME);
  try {
    const meta = JSON.parse(readFileSync(path.join(dir, META_FILE), 'utf8')) as IndexMeta;
    if (!meta.ann) return null;
    const e = new HashingEmbedder();
    let hit = 0;
    let total = 0;
    for (const q of qs.slice(0, 50)) {
      const [v] = await e.embed([q.text]);
      const exact = await t.vectorSearch(v!).distanceType('cosine').bypassVectorIndex().select(['id', '_distance']).limit(k).toArray();
      // The same search-time settings the store uses, over the same 50 candidates it takes.
      const approx = (await tuneVectorQuery(t.vectorSearch(v!).distanceType('cosine'), meta.ann, 50).select(['id', '_distance']).limit(50).toArray()).slice(0, k);
      const a = new Set(approx.map((x) => x.id as string));
      hit += exact.filter((x) => a.has(x.id as string)).length;
      total += exact.length;
    }
    return total ? hit / total : null;
  } finally {
    t.close();
    db.close();
  }
}

async function run(n: number, nQueries: number, annType: AnnType, annThreshold: number, verbose: boolean, keep: boolean) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `codedistill-bench-${n}-`));
  try {
    const tGen = performance.now();
    const { libs, synth } = corpus(n);
    const genMs = performance.now() - tGen;
    const logger = verbose ? createLogger('debug') : silentLogger;
    const index = await openIndex({ dir, embedder: new HashingEmbedder(), logger, annType, annThreshold });
    const t0 = performance.now();
    await index.sync(libs);
    const buildMs = performance.now() - t0;
    const qs = queries(synth, nQueries);
    for (const q of qs.slice(0, 10)) await index.search(SearchQuery.parse({ query: q.text }));

    const time = async (filter: 'none' | 'broad' | 'library') => {
      const ms: number[] = [];
      let top1 = 0;
      let top10 = 0;
      // Per query type (see queries()): an aggregate hid a loss on one type behind gains on another.
      const top1ByType = [0, 0, 0];
      for (const [i, q] of qs.entries()) {
        const f =
          filter === 'broad' ? { licence: 'MIT', kind: 'function' } : filter === 'library' ? { library: q.target.split(':')[0] } : {};
        const sq = SearchQuery.parse({ query: q.text, ...f });
        const s = performance.now();
        const res = await index.search(sq);
        ms.push(performance.now() - s);
        if (res.results[0]?.id === q.target) {
          top1++;
          top1ByType[i % 3]!++;
        }
        if (res.results.some((h) => h.id === q.target)) top10++;
      }
      const perType = (k: number) => top1ByType[k]! / Math.max(1, qs.filter((_, i) => i % 3 === k).length);
      return {
        p50: pct(ms, 50),
        p95: pct(ms, 95),
        max: Math.max(...ms),
        top1: top1 / qs.length,
        top10: top10 / qs.length,
        top1ByType: [perType(0), perType(1), perType(2)],
      };
    };
    const plain = await time('none');
    const filtered = await time('broad');
    const byLibrary = await time('library');
    const rss = process.memoryUsage().rss / 2 ** 20;
    await index.close();
    const recall = await annRecall(dir, qs);
    return { n, genMs, buildMs, plain, filtered, byLibrary, rss, recall };
  } finally {
    if (keep) process.stderr.write(`  kept index in ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const args = process.argv.slice(2);
  const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  if (args.includes('--real')) {
    const { benchReal } = await import('./search-real.js');
    const home = args[args.indexOf('--real') + 1];
    if (!home) throw new Error('--real needs a home folder (one with libraries/)');
    await benchReal(path.resolve(home), Number(flag('blocks') ?? 10_000), Number(flag('queries') ?? 200), args.includes('--keep'));
    return;
  }
  const sizes = args.filter((a) => /^\d+$/.test(a)).map(Number);
  const nQueries = Number(flag('queries') ?? 200);
  const annType = (flag('ann') ?? 'hnsw_sq') as AnnType;
  const annThreshold = Number(flag('ann-threshold') ?? 10_000);
  const rows = [];
  for (const n of sizes.length ? sizes : [1000, 10_000]) {
    process.stderr.write(`indexing ${n} blocks...\n`);
    const r = await run(n, nQueries, annType, annThreshold, args.includes('--verbose'), args.includes('--keep'));
    rows.push(r);
    process.stderr.write(`  done: build ${(r.buildMs / 1000).toFixed(1)} s, p95 ${r.plain.p95.toFixed(1)} ms\n`);
  }
  const f = (x: number) => x.toFixed(1);
  console.log(`\nqueries per size: ${nQueries}, a third each: "name(" (code), "how to <verb> <nouns> <context>" (task), "<noun> <noun> <verb>ing" (words)`);
  console.log(`broad filter = licence 'MIT' AND kind 'function' (~55% of rows); library filter = the target's library (2,000 rows)`);
  console.log(`vector index: flat below ${annThreshold} rows, ${annType} above; embedder hashing-v1-384; ${os.cpus().length} cores\n`);
  console.log('| blocks | build s | p50 ms | p95 ms | max ms | broad filter p50 / p95 ms | library filter p50 / p95 ms | top-1 | top-1 name( / task / words | top-10 | top-10 (library filter) | ANN recall@10 | RSS MB |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.n} | ${(r.buildMs / 1000).toFixed(1)} | ${f(r.plain.p50)} | ${f(r.plain.p95)} | ${f(r.plain.max)} | ${f(r.filtered.p50)} / ${f(r.filtered.p95)} | ` +
        `${f(r.byLibrary.p50)} / ${f(r.byLibrary.p95)} | ` +
        `${(r.plain.top1 * 100).toFixed(0)}% | ${r.plain.top1ByType.map((x) => (x * 100).toFixed(0)).join(' / ')} | ${(r.plain.top10 * 100).toFixed(0)}% | ${(r.byLibrary.top10 * 100).toFixed(0)}% | ${r.recall === null ? 'flat' : `${(r.recall * 100).toFixed(0)}%`} | ${r.rss.toFixed(0)} |`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
