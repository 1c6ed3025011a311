/**
 * Search over MCP at scale on real blocks: a home of `--blocks` (default 10 000) blocks made by copying the
 * libraries of a distilled home (e.g. the 27-library eval corpus) under new names until the count is reached,
 * served by the built server over stdio and queried through the SDK's Client, as an agent would. Prints the
 * index build (first search), search p50/p95 as the client sees it and as the server reports it, and where the
 * server's time goes (full text, vectors, ranking, hits), read from its debug log.
 *
 *   node --import tsx bench/search-real.ts --real /tmp/evalhome [--blocks=10000] [--queries=200] [--reranker=<dir>]
 *     [--model=<id> --model-dir=<dir>] [--keep]
 *
 * --model/--model-dir: an embedding model to serve instead of the hashing fallback (CODEDISTILL_MODEL and
 * CODEDISTILL_MODEL_DIR), e.g. the tiny generated one of the tests to see transformers.js's own overhead.
 * --reranker: a cross-encoder folder (e.g. the tiny one test/fixtures/models/make-tiny-reranker.py writes),
 * served as CODEDISTILL_RERANKER with its default top 20; its share of a search shows in the "reranking" row.
 *
 * Synthetic blocks (search-scale.ts) are uniform; real ones have long docstrings, many parameters and skewed
 * vocabularies, which is what the full-text index and the ranking pay for.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { testEnv } from '../test/helpers/tmp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Task-style questions across the sciences the corpus covers, worded as an agent would ask them. */
const TASK_QUERIES = [
  'sample the posterior with an ensemble MCMC sampler',
  'integrated autocorrelation time of a chain',
  'kalman filter predict and update step',
  'unscented transform sigma points',
  'friction factor of turbulent flow in a rough pipe',
  'pressure drop across a packed bed of spheres',
  'heat transfer coefficient for natural convection on a vertical plate',
  'effectiveness of a counterflow heat exchanger',
  'absolute salinity from practical salinity',
  'nash sutcliffe efficiency of simulated streamflow',
  'fit a model to data with bounds on the parameters',
  'coherence between two time series',
  'multitaper power spectral density estimate',
  'lyapunov exponent of a time series',
  'sample entropy of a signal',
  'numerical derivative with richardson extrapolation',
  'hessian of a function by finite differences',
  'particle mass and lifetime from its pdg id',
  'molar mass of a chemical formula',
  'isotope abundance of an element',
  'fit a piecewise linear function with breakpoints',
  'convert units of a quantity',
  'solar position azimuth and zenith',
  'clear sky irradiance model',
  'remove the baseline of a spectrum',
  'asymmetric least squares baseline',
  'latin hypercube design of experiments',
  'smooth a time series with a kalman smoother',
  'multivariate curve resolution alternating least squares',
  'peptide mass from its sequence',
  'read an mzML file of spectra',
  'sound pressure level in decibels',
  'octave band filter',
  'transfer function of a linear system',
  'step response of a state space model',
  'radioactive decay of a nuclide inventory over time',
  'sobol sensitivity indices',
  'fuzzy membership function triangular',
  'defuzzify with the centroid method',
  'propagate uncertainty through a calculation',
  'skew-t log-p diagram of a sounding',
  'bootstrap confidence interval',
];

interface Manifest {
  name: string;
  counts: { blocks: number };
  [k: string]: unknown;
}

/** Copies of the source home's libraries under new names, whole, until `target` blocks (the last one cut short). */
export function buildHome(realHome: string, target: number): { home: string; libraries: number; blocks: number; names: string[] } {
  const srcDir = path.join(realHome, 'libraries');
  const sources = readdirSync(srcDir)
    .filter((n) => existsSync(path.join(srcDir, n, 'manifest.json')))
    .sort()
    .map((n) => {
      const dir = path.join(srcDir, n);
      const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
      const blocks = readFileSync(path.join(dir, 'blocks.jsonl'), 'utf8').split('\n').filter((l) => l.trim());
      return { dir, manifest, blocks };
    });
  const perRound = sources.reduce((n, s) => n + s.blocks.length, 0);
  if (perRound === 0) throw new Error(`${srcDir} holds no library with blocks`);
  const home = mkdtempSync(path.join(os.tmpdir(), 'codedistill-bench-real-'));
  const libsDir = path.join(home, 'libraries');
  mkdirSync(libsDir, { recursive: true });
  let total = 0;
  let libraries = 0;
  const names: string[] = [];
  for (let round = 0; total < target; round++) {
    for (const s of sources) {
      if (total >= target) break;
      const name = round === 0 ? s.manifest.name : `${s.manifest.name}-copy${round}`;
      const lines = s.blocks.slice(0, target - total);
      const out = path.join(libsDir, name);
      mkdirSync(out);
      const rewritten = lines.map((line) => {
        const b = JSON.parse(line) as { id: string; library: string; qualifiedName: string };
        b.library = name;
        b.id = `${name}:${b.qualifiedName}`;
        return JSON.stringify(b);
      });
      writeFileSync(path.join(out, 'blocks.jsonl'), `${rewritten.join('\n')}\n`);
      writeFileSync(path.join(out, 'manifest.json'), JSON.stringify({ ...s.manifest, name, counts: { ...s.manifest.counts, blocks: lines.length } }, null, 2));
      // The snapshot is only read by get_pattern and validation; the copies share the original's.
      if (existsSync(path.join(s.dir, 'source'))) symlinkSync(path.join(s.dir, 'source'), path.join(out, 'source'));
      total += lines.length;
      libraries++;
      names.push(name);
    }
  }
  return { home, libraries, blocks: total, names };
}

/** Queries of three kinds: task questions, code pasted by name, and a real block's summary reworded by cutting it. */
export function queries(home: string, names: string[], count: number): string[] {
  const blocks: { name: string; summary: string }[] = [];
  for (const n of names.slice(0, 27)) {
    const lines = readFileSync(path.join(home, 'libraries', n, 'blocks.jsonl'), 'utf8').split('\n').filter(Boolean);
    for (let i = 0; i < lines.length; i += 37) {
      const b = JSON.parse(lines[i]!) as { name: string; summary: string };
      blocks.push({ name: b.name, summary: b.summary });
    }
  }
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) {
    const b = blocks[(i * 7919) % blocks.length]!;
    const kind = i % 3;
    if (kind === 0) out.push(TASK_QUERIES[i % TASK_QUERIES.length]!);
    else if (kind === 1) out.push(`${b.name}(`);
    else out.push(b.summary.split(/\s+/).slice(0, 8).join(' ') || b.name);
  }
  return out;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : NaN;
};
const f = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');

/** The per-search timings retrieve.ts logs at debug level. */
const TIMING = /full text ([\d.]+) ms, vectors ([\d.]+) ms, both ([\d.]+) ms, ranking ([\d.]+) ms, reranking ([\d.]+) ms/;

export interface RealOptions {
  reranker?: string | null;
  model?: { id: string; dir: string } | null;
}

export async function benchReal(realHome: string, target: number, nQueries: number, keep: boolean, opts: RealOptions = {}): Promise<void> {
  const reranker = opts.reranker ?? null;
  const model = opts.model ?? null;
  const serverJs = path.join(root, 'dist', 'cli', 'main.js');
  if (!existsSync(serverJs)) throw new Error('dist/ is missing: run npm run build first');
  const tCopy = performance.now();
  const built = buildHome(realHome, target);
  const copyMs = performance.now() - tCopy;
  const stderr: string[] = [];
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [serverJs, 'serve'],
    env: testEnv(built.home, {
      CODEDISTILL_MODEL: model?.id ?? 'none',
      ...(model ? { CODEDISTILL_MODEL_DIR: model.dir } : {}),
      CODEDISTILL_LOG_LEVEL: 'debug',
      ...(reranker ? { CODEDISTILL_RERANKER: reranker } : {}),
    }),
    stderr: 'pipe',
  });
  let partial = '';
  transport.stderr?.on('data', (d: Buffer) => {
    const lines = (partial + d.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (TIMING.test(line)) stderr.push(line);
  });
  const client = new Client({ name: 'bench-real', version: '0' });
  try {
    await client.connect(transport);
    const search = (query: string) =>
      client.callTool({ name: 'search_library', arguments: { query, limit: 10 } }, undefined, { timeout: 30 * 60_000 });
    const t0 = performance.now();
    await search('warm up the index');
    const firstMs = performance.now() - t0;
    const qs = queries(built.home, built.names, nQueries);
    for (const q of qs.slice(0, 10)) await search(q);
    stderr.length = 0;
    const client_: number[] = [];
    const server: number[] = [];
    const byKind: number[][] = [[], [], []];
    for (const [i, q] of qs.entries()) {
      const t = performance.now();
      const res = await search(q);
      const ms = performance.now() - t;
      client_.push(ms);
      byKind[i % 3]!.push(ms);
      const took = (res.structuredContent as { tookMs?: number } | undefined)?.tookMs;
      if (typeof took === 'number') server.push(took);
    }
    const parts = stderr.map((l) => TIMING.exec(l)!.slice(1).map(Number));
    const col = (k: number) => parts.map((p) => p[k]!);
    const pid = transport.pid;
    const rss = pid ? Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024 : NaN;
    console.log(`\nreal blocks: ${built.blocks} in ${built.libraries} libraries (copies of ${realHome}/libraries), home made in ${f(copyMs / 1000)} s`);
    console.log(`queries: ${qs.length}, a third each: task questions, "name(" of a real block, the first 8 words of a real summary; limit 10; embedder ${model?.id ?? 'hashing'}; reranker ${reranker ?? 'none'}; ${os.availableParallelism()} cores\n`);
    console.log('| blocks | first search s (builds index) | MCP p50 ms | MCP p95 ms | max ms | task / name( / summary p95 ms | server tookMs p50 / p95 | server RSS MB |');
    console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
    console.log(
      `| ${built.blocks} | ${f(firstMs / 1000)} | ${f(pct(client_, 50))} | ${f(pct(client_, 95))} | ${f(Math.max(...client_))} | ` +
        `${byKind.map((k) => f(pct(k, 95))).join(' / ')} | ${f(pct(server, 50))} / ${f(pct(server, 95))} | ${f(rss)} |`,
    );
    if (parts.length) {
      console.log('\nwhere the server spends a search (from its debug log; full text and vectors run concurrently, "lists" is both together):\n');
      console.log('| part | p50 ms | p95 ms |');
      console.log('|---|---:|---:|');
      console.log(`| full text (BM25 lists) | ${f(pct(col(0), 50))} | ${f(pct(col(0), 95))} |`);
      console.log(`| vectors | ${f(pct(col(1), 50))} | ${f(pct(col(1), 95))} |`);
      console.log(`| lists (both) | ${f(pct(col(2), 50))} | ${f(pct(col(2), 95))} |`);
      console.log(`| ranking | ${f(pct(col(3), 50))} | ${f(pct(col(3), 95))} |`);
      console.log(`| reranking | ${f(pct(col(4), 50))} | ${f(pct(col(4), 95))} |`);
      // Every search logs one line when it has a hit; with a line per search the rest of its time is known.
      if (parts.length === server.length) {
        const rest = server.map((t, i) => t - parts[i]![2]! - parts[i]![3]! - parts[i]![4]!);
        console.log(`| the rest (query vector, parsing, hits) | ${f(pct(rest, 50))} | ${f(pct(rest, 95))} |`);
      }
    }
  } finally {
    await client.close().catch(() => {});
    if (keep) process.stderr.write(`  kept home in ${built.home}\n`);
    else rmSync(built.home, { recursive: true, force: true });
  }
}

async function main() {
  const args = process.argv.slice(2);
  const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const real = args.includes('--real') ? args[args.indexOf('--real') + 1] : flag('real');
  if (!real) throw new Error('usage: search-real.ts --real <home> [--blocks=10000] [--queries=200] [--keep]');
  const reranker = flag('reranker');
  const model = flag('model');
  const modelDir = flag('model-dir');
  if (model && !modelDir) throw new Error('--model needs --model-dir=<folder holding <org>/<name>/>');
  await benchReal(path.resolve(real), Number(flag('blocks') ?? 10_000), Number(flag('queries') ?? 200), args.includes('--keep'), {
    reranker: reranker ? path.resolve(reranker) : null,
    model: model && modelDir ? { id: model, dir: path.resolve(modelDir) } : null,
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
