/**
 * A home at a lab's scale, as its users meet it: `--blocks` real blocks (copies of a distilled home's libraries,
 * as search-real.ts makes them), served by the built server over stdio. Prints, per size:
 * - the first index build (a server's first search over libraries never indexed);
 * - a restart: cold start to tools/list, the first search (sent at once, and in another restart 3 s after tools/list,
 *   as an agent's first call comes after its model's turn), RSS of the server after searching, search p50/p95;
 * - a 29-block library (test/fixtures/flowcalc, no validation) distilled into that home by the CLI while the server
 *   runs: the CLI's wall time, and how long until the running server serves it (live catalogue);
 * - disk per 1k blocks (index, library files).
 *
 *   node --import tsx bench/home-scale.ts --real /tmp/evalhome [--blocks=100000] [--queries=100] [--keep]
 *   node --import tsx bench/home-scale.ts --home <a home kept by --keep> [--queries=100] [--cli=<another build's dist/cli/main.js>]
 *
 * --home measures a restart over a home built and indexed before (the first build of a million blocks takes half an
 * hour here), so the code that serves it can change between runs; its first-build column is left empty, and the
 * 29-block library gets a name of its own each run and is removed afterwards.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { testEnv } from '../test/helpers/tmp.js';
import { buildHome, queries } from './search-real.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The built CLI to measure: --cli=<dist/cli/main.js of another checkout> compares builds on one home. */
const cliArg = process.argv.slice(2).find((a) => a.startsWith('--cli='))?.slice('--cli='.length);
const cli = cliArg ? path.resolve(cliArg) : path.join(root, 'dist', 'cli', 'main.js');

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : NaN;
};
const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
/** How long the second restart's client waits after tools/list before its first search. */
const PAUSE_MS = 3_000;

interface Served {
  client: Client;
  pid: number;
  close(): Promise<void>;
}

/** The end of the last server's log: a server that dies mid-run (a connection closed) says why here. */
let serverLogTail = '';
const LOG_TAIL_CHARS = 16_000;

async function serve(home: string): Promise<Served & { toolsListMs: number }> {
  const t0 = performance.now();
  const transport = new StdioClientTransport({ command: process.execPath, args: [cli, 'serve'], env: testEnv(home, { CODEDISTILL_MODEL: 'none', CODEDISTILL_LOG_LEVEL: 'info' }), stderr: 'pipe' });
  serverLogTail = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    serverLogTail = (serverLogTail + chunk.toString('utf8')).slice(-LOG_TAIL_CHARS);
  });
  const client = new Client({ name: 'bench-home', version: '0' });
  await client.connect(transport);
  await client.listTools();
  return { client, pid: transport.pid!, toolsListMs: performance.now() - t0, close: () => client.close() };
}

const search = (c: Client, query: string, library?: string) =>
  c.callTool({ name: 'search_library', arguments: { query, limit: 10, ...(library ? { library } : {}) } }, undefined, { timeout: 60 * 60_000 });

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
const duMbNoLinks = (p: string) => Number(spawnSync('du', ['-sm', p], { encoding: 'utf8' }).stdout.split('\t')[0]);

interface Home {
  home: string;
  libraries: number;
  blocks: number;
  names: string[];
}

/** A home kept by an earlier run: the originals first (queries() reads its blocks from the first 27). */
function keptHome(home: string): Home {
  const names = readdirSync(path.join(home, 'libraries'))
    .filter((n) => existsSync(path.join(home, 'libraries', n, 'manifest.json')) && !n.startsWith('late-arrival'))
    .sort((a, b) => Number(/-copy\d+$/.test(a)) - Number(/-copy\d+$/.test(b)) || a.localeCompare(b));
  let blocks = 0;
  for (const n of names) {
    const m = JSON.parse(readFileSync(path.join(home, 'libraries', n, 'manifest.json'), 'utf8')) as { counts?: { blocks?: number } };
    blocks += m.counts?.blocks ?? 0;
  }
  return { home, libraries: names.length, blocks, names };
}

export async function benchHome(realHome: string, target: number, nQueries: number, keep: boolean, reuse?: string): Promise<void> {
  if (!existsSync(cli)) throw new Error('dist/ is missing: run npm run build first');
  const built = reuse ? keptHome(reuse) : buildHome(realHome, target);
  const qs = queries(built.home, built.names, nQueries);
  const late = reuse ? `late-arrival-${Date.now()}` : 'late-arrival';
  try {
    // 1. The first index build.
    let buildS = NaN;
    if (!reuse) {
      const first = await serve(built.home);
      const tBuild = performance.now();
      await search(first.client, 'warm up the index');
      buildS = (performance.now() - tBuild) / 1000;
      await first.close();
    }

    // 2. A restart whose client pauses before its first search, as an agent's does while its model takes a turn:
    //    what the server reads ahead after the handshake (App.start) is what that search finds ready.
    const paused = await serve(built.home);
    await new Promise((r) => setTimeout(r, PAUSE_MS));
    const tp = performance.now();
    await search(paused.client, qs[0]!);
    const pausedFirstMs = performance.now() - tp;
    await paused.close();

    // 3. A restart over the built index, searched at once.
    const srv = await serve(built.home);
    const t1 = performance.now();
    await search(srv.client, qs[0]!);
    const firstSearchMs = performance.now() - t1;
    const lat: number[] = [];
    for (const q of qs) {
      const t = performance.now();
      await search(srv.client, q);
      lat.push(performance.now() - t);
    }
    const rss = rssMb(srv.pid);

    // 4. A small library distilled by another process while the server runs.
    const t2 = performance.now();
    execFileSync(process.execPath, [cli, 'distill', path.join(root, 'test', 'fixtures', 'flowcalc'), '--no-validate', '--name', late], {
      env: testEnv(built.home, { CODEDISTILL_MODEL: 'none' }),
      stdio: 'ignore',
    });
    const distillS = (performance.now() - t2) / 1000;
    const t3 = performance.now();
    const seen = await search(srv.client, 'friction factor', late);
    const liveMs = performance.now() - t3;
    const served = ((seen.structuredContent as { results?: unknown[] } | undefined)?.results ?? []).length > 0 && !seen.isError;
    await srv.close();

    const indexMb = duMbNoLinks(path.join(built.home, 'index'));
    const libsMb = duMbNoLinks(path.join(built.home, 'libraries'));
    console.log(`\nhome of ${built.blocks} real blocks in ${built.libraries} libraries (copies of ${realHome}/libraries); hashing embedder; ${nQueries} queries\n`);
    console.log(`| blocks | first index build s | cold start to tools/list ms | first search ms, at once / ${PAUSE_MS / 1000} s after tools/list | search p50 / p95 ms | server RSS MB | 29-block distill by the CLI s | served live after ms | index MB per 1k | library files MB per 1k |`);
    console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    console.log(
      `| ${built.blocks} | ${f(buildS)} | ${f(srv.toolsListMs, 0)} | ${f(firstSearchMs, 0)} / ${f(pausedFirstMs, 0)} | ${f(pct(lat, 50))} / ${f(pct(lat, 95))} | ${f(rss, 0)} | ${f(distillS, 2)} | ` +
        `${served ? f(liveMs, 0) : 'not served'} | ${f((indexMb / built.blocks) * 1000, 2)} | ${f((libsMb / built.blocks) * 1000, 2)} |`,
    );
  } finally {
    if (reuse) execFileSync(process.execPath, [cli, 'remove', late], { env: testEnv(built.home, { CODEDISTILL_MODEL: 'none' }), stdio: 'ignore' });
    else if (keep) process.stderr.write(`  kept home in ${built.home}\n`);
    else rmSync(built.home, { recursive: true, force: true });
  }
}

async function main() {
  const args = process.argv.slice(2);
  const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const real = args.includes('--real') ? args[args.indexOf('--real') + 1] : flag('real');
  const reuse = args.includes('--home') ? args[args.indexOf('--home') + 1] : flag('home');
  if (reuse) return benchHome('', 0, Number(flag('queries') ?? 100), false, path.resolve(reuse));
  if (!real) throw new Error('usage: home-scale.ts --real <home> [--blocks=100000] [--queries=100] [--keep] | --home <kept home>');
  for (const n of (flag('blocks') ?? '100000').split(',')) await benchHome(path.resolve(real), Number(n), Number(flag('queries') ?? 100), args.includes('--keep'));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e);
    if (serverLogTail) console.error(`--- the end of the server's log ---\n${serverLogTail}`);
    process.exit(1);
  });
}
