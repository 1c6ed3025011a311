/**
 * What the server's answers cost a model's context, in tokens (≈ characters / 4, the usual rule of thumb for
 * English and code): tools/list, get_pattern over every block of some real libraries (median, p90, max, for each
 * detail level the tool offers; p95 too), and search_library's 10 hits for task-style queries. Measured over stdio on the
 * built server as an agent's client sees it: the whole result, its content (text and resource links: what most
 * clients put before the model) and its structuredContent alone.
 *
 *   node --import tsx bench/tokens.ts [--real <home>] [--libraries=fluids,pvlib-python,uncertainties]
 *
 * --real: a distilled home (read only: its libraries are copied by manifest and blocks, their source/ linked);
 * without it, the shipped demo libraries are measured.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { testEnv } from '../test/helpers/tmp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const eq = args.find((a) => a.startsWith(`--${name}=`));
  if (eq) return eq.slice(name.length + 3);
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const realHome = flag('real');
const wanted = (flag('libraries') ?? 'fluids,pvlib-python,uncertainties').split(',').filter(Boolean);

const QUERIES = [
  'friction factor of turbulent flow in a rough pipe',
  'solar position azimuth and zenith',
  'clear sky irradiance model',
  'propagate uncertainty through a function',
  'pressure drop across a packed bed of spheres',
  'reynolds number of a pipe flow',
  'heat exchanger effectiveness',
  'convert units of a quantity',
  'radioactive decay activity',
  'smooth a noisy signal',
];

/** Tokens of a text by the characters / 4 rule. */
export const tokens = (s: string): number => Math.ceil(s.length / 4);
const textOf = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
const contentTokens = (r: CallToolResult) => tokens(JSON.stringify(r.content));
const structuredTokens = (r: CallToolResult) => tokens(JSON.stringify(r.structuredContent ?? {}));
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? NaN;
  return { n: s.length, median: at(0.5), p90: at(0.9), p95: at(0.95), max: s[s.length - 1] ?? NaN };
};

function stageHome(): { home: string; ids: string[] } {
  const home = mkdtempSync(path.join(os.tmpdir(), 'codedistill-bench-tokens-'));
  process.once('exit', () => rmSync(home, { recursive: true, force: true }));
  const ids: string[] = [];
  const from = realHome ? path.join(path.resolve(realHome), 'libraries') : path.join(root, 'libraries');
  const names = realHome ? wanted : ['flowcalc', 'kinetix', 'sigproc'];
  for (const name of names) {
    const src = path.join(from, name);
    if (!existsSync(path.join(src, 'manifest.json'))) throw new Error(`no library ${name} under ${from}`);
    for (const line of readFileSync(path.join(src, 'blocks.jsonl'), 'utf8').split('\n')) {
      if (line.trim()) ids.push((JSON.parse(line) as { id: string }).id);
    }
    if (!realHome) continue;
    const out = path.join(home, 'libraries', name);
    mkdirSync(out, { recursive: true });
    for (const f of ['manifest.json', 'blocks.jsonl', 'environment.lock']) if (existsSync(path.join(src, f))) copyFileSync(path.join(src, f), path.join(out, f));
    if (existsSync(path.join(src, 'source'))) symlinkSync(path.join(src, 'source'), path.join(out, 'source'));
  }
  return { home, ids };
}

async function main(): Promise<void> {
  const serverJs = path.join(root, 'dist', 'cli', 'main.js');
  if (!existsSync(serverJs)) throw new Error('dist/ is missing: run npm run build first');
  const { home, ids } = stageHome();
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [serverJs, 'serve'],
    env: testEnv(home, { CODEDISTILL_MODEL: 'none', CODEDISTILL_LOG_LEVEL: 'error', CODEDISTILL_ENVIRONMENTS: '0' }),
    stderr: 'ignore',
  });
  const client = new Client({ name: 'bench-tokens', version: '0' });
  await client.connect(transport);
  const call = async (name: string, a: Record<string, unknown>) => (await client.callTool({ name, arguments: a }, undefined, { timeout: 600_000 })) as CallToolResult;

  const { tools } = await client.listTools();
  const libs = realHome ? wanted.join(', ') : 'the shipped demo libraries';
  console.log(`Tokens ≈ characters / 4. Libraries: ${libs} (${ids.length} blocks).\n`);
  console.log('| tools/list | tokens |');
  console.log('|---|---:|');
  console.log(`| whole answer (${tools.length} tools) | ${tokens(JSON.stringify({ tools }))} |`);
  for (const t of tools) {
    const { outputSchema, inputSchema, ...rest } = t;
    console.log(`| ${t.name}: description and rest / inputSchema / outputSchema | ${tokens(JSON.stringify(rest))} / ${tokens(JSON.stringify(inputSchema))} / ${tokens(JSON.stringify(outputSchema ?? {}))} |`);
  }

  const getPattern = tools.find((t) => t.name === 'get_pattern');
  const detailEnum = ((getPattern?.inputSchema.properties as Record<string, { enum?: string[] }> | undefined)?.detail?.enum ?? [undefined]) as (string | undefined)[];
  console.log('\n| get_pattern answer | blocks | median | p90 | p95 | max | content median | structuredContent median |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const detail of detailEnum) {
    const whole: number[] = [];
    const content: number[] = [];
    const structured: number[] = [];
    for (const id of ids) {
      const r = await call('get_pattern', detail ? { id, detail } : { id });
      if (r.isError) continue;
      whole.push(tokens(JSON.stringify(r)));
      content.push(contentTokens(r));
      structured.push(structuredTokens(r));
    }
    const w = stats(whole);
    console.log(`| detail ${detail ?? '(none)'} | ${w.n} | ${w.median} | ${w.p90} | ${w.p95} | ${w.max} | ${stats(content).median} | ${stats(structured).median} |`);
  }

  const whole: number[] = [];
  const content: number[] = [];
  const structured: number[] = [];
  for (const query of QUERIES) {
    const r = await call('search_library', { query, limit: 10 });
    if (r.isError) throw new Error(textOf(r));
    if (!Array.isArray((r.structuredContent as { results?: unknown[] } | undefined)?.results)) throw new Error('search_library gave no results list');
    whole.push(tokens(JSON.stringify(r)));
    content.push(contentTokens(r));
    structured.push(structuredTokens(r));
  }
  const w = stats(whole);
  console.log('\n| search_library, 10 hits | queries | median | max | content median | structuredContent median |');
  console.log('|---|---:|---:|---:|---:|---:|');
  console.log(`| whole answer | ${w.n} | ${w.median} | ${w.max} | ${stats(content).median} | ${stats(structured).median} |`);
  await client.close();
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : String(e));
  process.exitCode = 1;
});
