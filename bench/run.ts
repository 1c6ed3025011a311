/**
 * `npm run bench`: speed and memory of every stage, printed as tables (never asserted in tests).
 *
 *   npm run bench                        every section, quick: search at 1k and 10k blocks, one environment round
 *   npm run bench -- --full              search at 100k blocks too, three environment rounds (--quick: the default)
 *   npm run bench -- --repo /path/to/repo   also distill a real repository (never committed), and re-distill it after
 *                                           a one-line change to a test file and to a library file (distill cache warm);
 *                                           and the same through the built CLI, 3 runs each (bench/cli-distill.ts)
 *   npm run bench -- --real /tmp/evalhome   also search 10k real blocks over MCP (copies of that home's
 *                                           libraries), without and with the tiny generated cross-encoder
 *
 * Sections: distill throughput (in-process pipeline, real parser and sandbox), server cold start and search
 * latency over MCP (the built server, spawned as a client would), sandbox overhead, environment build time
 * (cold, reused, shared across libraries, rebuilt from the lock), query expansion per query, answer sizes in tokens
 * (tools/list, get_pattern, search hits: bench/tokens.ts, on --real libraries when given), search at scale.
 */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { loadConfig, prepareProcessEnv } from '../src/config.js';
import { distillRepo } from '../src/jobs/distill.js';
import { silentLogger } from '../src/kernel/log.js';
import { createParser } from '../src/parse/parser.js';
import { createPythonRunner, createRunnerServices } from '../src/validate/runner.js';
import { copyFixture, tempDir, testEnv } from '../test/helpers/tmp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
// Quick unless asked: the 100k-block index alone takes minutes on a loaded 2-core machine.
const quick = !args.includes('--full');
const repoArg = args.includes('--repo') ? args[args.indexOf('--repo') + 1] : undefined;
const realArg = args.includes('--real') ? args[args.indexOf('--real') + 1] : undefined;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : NaN;
};
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : NaN;
};
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
const fmt = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

function countLines(files: string[]): number {
  let n = 0;
  for (const f of files) n += readFileSync(f, 'utf8').split('\n').length;
  return n;
}

async function benchDistill(): Promise<void> {
  const parser = await createParser();
  const home = tempDir('codedistill-bench-');
  const config = loadConfig({ ...process.env, CODEDISTILL_HOME: home });
  const runner = createPythonRunner(config, silentLogger, createRunnerServices());
  const sources: { label: string; dir: string }[] = ['flowcalc', 'kinetix', 'sigproc'].map((f) => ({ label: f, dir: copyFixture(f) }));
  if (repoArg) sources.push({ label: path.basename(path.resolve(repoArg)), dir: path.resolve(repoArg) });
  console.log('\n## Distill (in-process pipeline, real parser and sandbox)\n');
  console.log('| repository | validate | files parsed | lines parsed | blocks | examples | passed | seconds | files/s | lines/s | RSS MB |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const src of sources) {
    for (const validate of [false, true]) {
      const t0 = performance.now();
      const report = await distillRepo(
        { source: src.dir, validate, force: true, name: `${src.label.toLowerCase().replace(/[^a-z0-9._-]/g, '-')}-${validate ? 'v' : 'n'}` },
        { config, logger: silentLogger, parser, runner, llm: null, existingLibrary: async () => null, libraries: () => [], libraryParentDir: path.join(home, 'libraries'), cache: null },
      );
      const s = (performance.now() - t0) / 1000;
      const lib = JSON.parse(readFileSync(path.join(report.libraryPath, 'manifest.json'), 'utf8')) as { source: { location: string } };
      void lib;
      const parsedFiles = await listParsed(src.dir, report.counts.filesParsed);
      const lines = countLines(parsedFiles);
      const c = report.counts;
      console.log(
        `| ${src.label} | ${validate ? 'yes' : 'no'} | ${c.filesParsed} | ${lines} | ${c.blocks} | ${c.examples} | ${c.validated} | ${fmt(s, 2)} | ${fmt(c.filesParsed / s, 0)} | ${fmt(lines / s, 0)} | ${mb(process.memoryUsage().rss)} |`,
      );
    }
  }
  if (repoArg) await benchIncremental(path.resolve(repoArg), parser, runner);
}

/**
 * A re-distill after a one-line change, with the distill cache warm: a comment appended to one test file, then
 * to one library file (in a copy of the repository; the cache in a home of its own).
 */
async function benchIncremental(repo: string, parser: Awaited<ReturnType<typeof createParser>>, runner: ReturnType<typeof createPythonRunner>): Promise<void> {
  const { walkRepo } = await import('../src/ingest/walk.js');
  const { languageOfPath } = await import('../src/parse/languages.js');
  const { fileContentCache } = await import('../src/kernel/content-cache.js');
  const home = tempDir('codedistill-bench-');
  const config = loadConfig({ ...process.env, CODEDISTILL_HOME: home });
  const copy = path.join(tempDir('codedistill-bench-repo-'), path.basename(repo));
  cpSync(repo, copy, { recursive: true });
  const cache = fileContentCache(path.join(home, 'cache', 'distill'));
  const walk = await walkRepo(copy, { maxFileBytes: config.maxFileBytes, languageOf: languageOfPath });
  const pick = (role: string) => walk.files.filter((f) => f.role === role && f.language === 'python').sort((a, b) => b.size - a.size)[0];
  const distill = async (validate: boolean) => {
    const t0 = performance.now();
    const report = await distillRepo(
      { source: copy, validate, force: true, name: `incremental-${validate ? 'v' : 'n'}` },
      { config, logger: silentLogger, parser, runner, llm: null, existingLibrary: async () => null, libraries: () => [], libraryParentDir: path.join(home, 'libraries'), cache },
    );
    return { s: (performance.now() - t0) / 1000, report };
  };
  console.log(`\n### ${path.basename(repo)} re-distilled after a one-line change (distill cache warm, no environment)\n`);
  console.log('| change | validate | first distill s | re-distill s |');
  console.log('|---|---|---:|---:|');
  for (const validate of [false, true]) {
    const first = await distill(validate);
    for (const role of ['test', 'library']) {
      const f = pick(role);
      if (!f) continue;
      appendFileSync(f.absPath, '\n# bench: a one-line change\n');
      const again = await distill(validate);
      console.log(`| a comment at the end of ${f.path} (${role}) | ${validate ? 'yes' : 'no'} | ${fmt(first.s, 2)} | ${fmt(again.s, 2)} |`);
    }
  }
}

/** The parsed files are the .py/.R files of the walk's library, test and example roles; count their lines. */
async function listParsed(dir: string, expected: number): Promise<string[]> {
  const { walkRepo } = await import('../src/ingest/walk.js');
  const { languageOfPath } = await import('../src/parse/languages.js');
  const walk = await walkRepo(dir, { maxFileBytes: 1024 * 1024, languageOf: languageOfPath });
  const files = walk.files.filter((f) => f.language && ['library', 'test', 'example'].includes(f.role)).map((f) => f.absPath);
  return files.length === expected ? files : files.slice(0, expected);
}

async function benchServer(): Promise<void> {
  const serverJs = path.join(root, 'dist', 'cli', 'main.js');
  if (!existsSync(serverJs)) throw new Error('dist/ is missing: run npm run build first');
  const home = tempDir('codedistill-bench-');
  const t0 = performance.now();
  const transport = new StdioClientTransport({ command: process.execPath, args: [serverJs, 'serve'], env: testEnv(home), stderr: 'ignore' });
  const client = new Client({ name: 'bench', version: '0' });
  await client.connect(transport);
  await client.listTools();
  const coldStart = performance.now() - t0;
  const t1 = performance.now();
  await client.callTool({ name: 'search_library', arguments: { query: 'pressure drop in a packed bed' } });
  const firstSearch = performance.now() - t1;
  const queries = ['reynolds number of a pipe flow', 'radioactive decay activity', 'smooth a noisy signal', 'heat exchanger effectiveness', 'rk4 integrator', 'bootstrap confidence interval', 'friction factor colebrook', 'arrhenius rate constant'];
  const lat: number[] = [];
  for (let i = 0; i < 80; i++) {
    const q = queries[i % queries.length]!;
    const t = performance.now();
    await client.callTool({ name: 'search_library', arguments: { query: q, limit: 10 } });
    lat.push(performance.now() - t);
  }
  const v: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    await client.callTool({ name: 'validate_snippet', arguments: { code: 'from flowcalc import reynolds_number\nprint(reynolds_number(1000, 1, 0.05, 1e-3))', library: 'flowcalc' } });
    v.push(performance.now() - t);
  }
  const pid = transport.pid;
  const rss = pid ? Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024 : NaN;
  await client.close();
  console.log('\n## Server over stdio (built server, shipped libraries, offline embedder)\n');
  console.log('| cold start to listTools ms | first search ms (loads index) | search p50 ms | search p95 ms | validate_snippet p50 ms | server RSS MB |');
  console.log('|---:|---:|---:|---:|---:|---:|');
  console.log(`| ${fmt(coldStart, 0)} | ${fmt(firstSearch, 0)} | ${fmt(median(lat))} | ${fmt(pct(lat, 95))} | ${fmt(median(v), 0)} | ${mb(rss)} |`);
}

function runScript(script: string, scriptArgs: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bench', script), ...scriptArgs], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${script} exited ${code}`))));
  });
}

async function main() {
  prepareProcessEnv();
  console.log(`# codedistill bench (${new Date().toISOString()}, node ${process.version}, ${(await import('node:os')).availableParallelism()} cores)`);
  await benchDistill();
  if (repoArg) {
    console.log('\n## A real repository through the built CLI (from scratch into a fresh home; one library file changed)');
    await runScript('cli-distill.ts', ['--repo', path.resolve(repoArg), '--runs', '3']);
  }
  await benchServer();
  console.log('\n## Sandbox overhead\n');
  await runScript('sandbox-overhead.ts', ['20']);
  console.log('\n## Library environments (fixture packages, requirements from a wheel folder)\n');
  await runScript('env.ts', [quick ? '1' : '3']);
  console.log('\n## Query expansion per query (hand-written list, WordNet)\n');
  await runScript('query-expansion.ts', []);
  console.log('\n## Answer sizes in tokens (what tools/list, get_pattern and search_library cost a model\'s context)\n');
  await runScript('tokens.ts', realArg ? ['--real', path.resolve(realArg)] : []);
  console.log('\n## Search at scale (synthetic blocks, offline embedder)\n');
  await runScript('search-scale.ts', quick ? ['1000', '10000'] : ['1000', '10000', '100000']);
  if (realArg) {
    console.log('\n## Search over MCP at 10k real blocks (copies of a distilled home, offline embedder)\n');
    await runScript('search-real.ts', ['--real', path.resolve(realArg)]);
    const tiny = tinyReranker();
    if (tiny) {
      console.log('\n### The same with the tiny generated cross-encoder reranking the top 20 (its overhead, not a real model\'s compute)\n');
      await runScript('search-real.ts', ['--real', path.resolve(realArg), `--reranker=${tiny}`]);
    } else console.log('\n(no reranker case: /usr/bin/python3 with onnx and numpy is needed to generate the tiny cross-encoder)');
  }
}

/** The tiny cross-encoder of the tests, generated into a temporary folder; null when onnx is not installed. */
function tinyReranker(): string | null {
  const dir = tempDir('codedistill-bench-reranker-');
  const r = spawnSync('/usr/bin/python3', [path.join(root, 'test', 'fixtures', 'models', 'make-tiny-reranker.py'), dir], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : String(e));
  process.exitCode = 1;
});
