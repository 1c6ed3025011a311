/**
 * Many processes on one home, as a lab has them: long-running MCP servers searching while CLI distills rewrite
 * libraries (the same one from two processes, and each its own). Used by the concurrency test (a few rounds) and
 * by `npm run bench` (minutes). It reports every error seen and what the index holds after: rows, distinct ids
 * and the blocks the library files hold, which must all agree.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import * as lancedb from '@lancedb/lancedb';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { testEnv } from './tmp.js';

const run = promisify(execFile);

export interface StressOptions {
  home: string;
  /** The built CLI (dist/cli/main.js). */
  cli: string;
  /** Folders the distillers take in turn, all under the one shared library name. */
  sources: string[];
  sharedName: string;
  searchers: number;
  distillers: number;
  /** Distills each distiller runs, one after the other; or until `untilMs` passes, whichever is later. */
  rounds: number;
  untilMs?: number;
  queries: string[];
}

export interface StressReport {
  searches: number;
  searchErrors: string[];
  distills: number;
  distillErrors: string[];
  rows: number;
  distinctIds: number;
  /** Blocks in the library folders (the user's and the shipped ones): what the index must hold. */
  fileBlocks: number;
  /** Whether every searcher, after the distills, found the shared library as the last distill left it. */
  searchersSeeLastWrite: boolean;
}

export async function runStress(opts: StressOptions): Promise<StressReport> {
  const env = testEnv(opts.home);
  const clients: Client[] = [];
  for (let i = 0; i < opts.searchers; i++) {
    const client = new Client({ name: `stress-searcher-${i}`, version: '0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [opts.cli, 'serve'], env, stderr: 'ignore' }));
    clients.push(client);
  }
  const report: StressReport = { searches: 0, searchErrors: [], distills: 0, distillErrors: [], rows: 0, distinctIds: 0, fileBlocks: 0, searchersSeeLastWrite: false };
  let stop = false;
  const search = async (client: Client, query: string, library?: string) => {
    try {
      const r = await client.callTool({ name: 'search_library', arguments: { query, limit: 5, ...(library ? { library } : {}) } });
      report.searches++;
      if (r.isError) report.searchErrors.push(JSON.stringify(r.content).slice(0, 300));
      return r;
    } catch (e) {
      report.searchErrors.push((e as Error).message.slice(0, 300));
      return null;
    }
  };
  const searching = clients.map(async (client, i) => {
    for (let n = i; !stop; n++) await search(client, opts.queries[n % opts.queries.length]!);
  });
  const distill = async (source: string, name: string) => {
    try {
      await run(process.execPath, [opts.cli, 'distill', source, '--no-validate', '--force', '--name', name], { env, maxBuffer: 64 << 20 });
      report.distills++;
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      report.distillErrors.push(`${name} from ${source}: ${(err.stderr || err.message).trim().split('\n').slice(-3).join(' | ').slice(0, 400)}`);
    }
  };
  const started = Date.now();
  const distilling = Array.from({ length: opts.distillers }, async (_, d) => {
    await distill(opts.sources[d % opts.sources.length]!, `own-${d}`);
    for (let r = 0; r < opts.rounds || Date.now() - started < (opts.untilMs ?? 0); r++) {
      const source = opts.sources[(r + d) % opts.sources.length]!;
      await distill(source, opts.sharedName);
    }
  });
  await Promise.all(distilling);
  // The shared library as the last finished distill left it (its package is its source folder's name): every
  // long-running server must now serve that version.
  const pkg = path.basename(readManifest(path.join(opts.home, 'libraries', opts.sharedName)).source.location);
  stop = true;
  await Promise.all(searching);
  const probes = await Promise.all(clients.map((c) => search(c, pkg, opts.sharedName)));
  report.searchersSeeLastWrite = probes.every((r) => {
    const hits = (r?.structuredContent as { results?: { id: string }[] } | undefined)?.results ?? [];
    return hits.length > 0 && hits.every((h) => h.id.startsWith(`${opts.sharedName}:${pkg}.`));
  });
  for (const c of clients) await c.close();

  const db = await lancedb.connect(path.join(opts.home, 'index'));
  const table = await db.openTable('blocks');
  const ids = ((await table.query().select(['id']).toArray()) as { id: string }[]).map((r) => r.id);
  report.rows = ids.length;
  report.distinctIds = new Set(ids).size;
  table.close();
  db.close();
  const shipped = path.resolve(path.dirname(opts.cli), '..', '..', 'libraries');
  for (const parent of [shipped, path.join(opts.home, 'libraries')]) {
    for (const name of readdirSync(parent)) {
      if (name.startsWith('.')) continue;
      const text = readFileSync(path.join(parent, name, 'blocks.jsonl'), 'utf8');
      report.fileBlocks += text.split('\n').filter((l) => l.trim()).length;
    }
  }
  return report;
}

function readManifest(dir: string): { source: { location: string } } {
  return JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { source: { location: string } };
}
