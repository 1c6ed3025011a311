/**
 * Bad input for every tool, over stdio against the built server with the SDK's Client: wrong types, empty and
 * huge strings, NUL bytes, unknown ids, path traversal in names and ids, system folders as sources, an
 * interpreter inside the repository, and a request over the size limit. Each must come back as an error that
 * says what to do, quote at most a short prefix of the input, and leave the server answering tools/list. The same
 * table runs again over `serve --http`.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { copyFixture, repoRoot, tempDir, testEnv } from '../helpers/tmp.js';

const serverJs = path.join(repoRoot, 'dist', 'cli', 'main.js');
const HUGE = 'x'.repeat(1024 * 1024);
const marker = path.join(tempDir(), 'interpreter-ran');

type Case = { tool: string; label: string; args: Record<string, unknown> };

function cases(repo: string): Case[] {
  const py = path.join(repo, 'bin', 'python');
  mkdirSync(path.dirname(py), { recursive: true });
  writeFileSync(py, `#!/bin/sh\necho ran > ${marker}\nexec python3 "$@"\n`, { mode: 0o755 });
  const c = (tool: string, label: string, args: Record<string, unknown>): Case => ({ tool, label, args });
  return [
    c('distill_repo', 'no source', {}),
    c('distill_repo', 'source of the wrong type', { source: 42 }),
    c('distill_repo', 'empty source', { source: '' }),
    c('distill_repo', 'blank source', { source: '   ' }),
    c('distill_repo', 'huge source', { source: HUGE }),
    c('distill_repo', 'NUL in source', { source: '/tmp/a\0b' }),
    c('distill_repo', '/proc as source', { source: '/proc' }),
    c('distill_repo', '/ as source', { source: '/' }),
    c('distill_repo', '/sys as source', { source: '/sys' }),
    c('distill_repo', '/dev as source', { source: '/dev' }),
    c('distill_repo', 'a special file as source', { source: '/dev/null' }),
    c('distill_repo', 'traversal to /etc', { source: `${repo}/../../../../../../etc` }),
    c('distill_repo', 'missing folder', { source: '/nonexistent/folder/here' }),
    c('distill_repo', 'invalid owner/name', { source: 'bad owner!/x' }),
    c('distill_repo', 'traversal in name', { source: repo, name: '../../evil' }),
    c('distill_repo', 'huge name', { source: repo, name: HUGE }),
    c('distill_repo', 'option injection in ref', { source: 'acme/widgets', ref: '--upload-pack=touch /tmp/pwned' }),
    c('distill_repo', 'unknown environment mode', { source: repo, environment: 'explode' }),
    c('distill_repo', 'validate of the wrong type', { source: repo, validate: 'yes' }),
    c('distill_repo', "the repository's own python", { source: repo, python: py }),
    c('distill_repo', 'relative python', { source: repo, python: 'bin/python' }),
    c('distill_repo', 'NUL in python', { source: repo, python: '/usr/bin/python3\0x' }),
    c('search_library', 'no query', {}),
    c('search_library', 'empty query', { query: '' }),
    c('search_library', 'query of the wrong type', { query: ['a'] }),
    c('search_library', 'huge query', { query: HUGE }),
    c('search_library', 'limit 0', { query: 'pressure drop', limit: 0 }),
    c('search_library', 'limit 1000', { query: 'pressure drop', limit: 1000 }),
    c('search_library', 'limit of the wrong type', { query: 'pressure drop', limit: 'ten' }),
    c('search_library', 'unknown library filter', { query: 'pressure drop', library: 'no-such-library' }),
    c('search_library', 'traversal in library filter', { query: 'pressure drop', library: '../../etc' }),
    c('get_pattern', 'no id', {}),
    c('get_pattern', 'empty id', { id: '' }),
    c('get_pattern', 'id of the wrong type', { id: 5 }),
    c('get_pattern', 'huge id', { id: HUGE }),
    c('get_pattern', 'unknown library in id', { id: 'nolib:foo.bar' }),
    c('get_pattern', 'unknown block in id', { id: 'flowcalc:flowcalc.nope' }),
    c('get_pattern', 'traversal id', { id: '../../etc/passwd' }),
    c('get_pattern', 'traversal in block name', { id: 'flowcalc:../../../etc/passwd' }),
    c('get_pattern', 'NUL in id', { id: 'flowcalc:a\0b' }),
    c('validate_snippet', 'no code', {}),
    c('validate_snippet', 'code of the wrong type', { code: 7 }),
    c('validate_snippet', 'code over the limit', { code: 'x'.repeat(300_000) }),
    c('validate_snippet', 'unknown library', { code: 'print(1)', library: 'no-such-library' }),
    c('validate_snippet', 'traversal in library', { code: 'print(1)', library: '../../etc' }),
    c('validate_snippet', 'negative timeout', { code: 'print(1)', timeoutMs: -5 }),
    c('validate_snippet', 'timeout of the wrong type', { code: 'print(1)', timeoutMs: 'fast' }),
    c('revalidate', 'no library', {}),
    c('revalidate', 'empty library', { library: '' }),
    c('revalidate', 'unknown library', { library: 'no-such-library' }),
    c('revalidate', 'traversal in library', { library: '../../etc' }),
    c('revalidate', 'huge library', { library: HUGE }),
    c('revalidate', 'ids of the wrong type', { library: 'flowcalc', ids: 'all' }),
    c('revalidate', 'empty id', { library: 'flowcalc', ids: [''] }),
    c('build_environment', 'no library', {}),
    c('build_environment', 'unknown library', { library: 'no-such-library' }),
    c('build_environment', 'traversal in library', { library: '../x' }),
    c('build_environment', 'unknown mode', { library: 'flowcalc', mode: 'explode' }),
    c('build_environment', 'relative python', { library: 'flowcalc', python: 'rel/python' }),
    c('build_environment', "a repository's python", { library: 'flowcalc', python: py }),
    c('remove_library', 'no library', {}),
    c('remove_library', 'traversal in library', { library: '../../etc', confirm: true }),
    c('remove_library', 'unknown library', { library: 'no-such-library', confirm: true }),
    c('remove_library', 'a shipped demo library', { library: 'flowcalc', confirm: true }),
    c('discover_repos', 'limit of the wrong type', { limit: 'many' }),
    c('discover_repos', 'pushedSince not a date', { pushedSince: 'last year' }),
    c('discover_repos', 'no token', { keywords: ['kalman'] }),
    c('batch_distill', 'no list', {}),
    c('batch_distill', 'a list file that is not there', { list: '/nonexistent/field.txt' }),
    c('batch_distill', 'no workers', { list: '/nonexistent/field.txt', workers: 0 }),
    c('batch_status', 'traversal in id', { id: '../../etc' }),
    c('batch_status', 'unknown batch', { id: 'no-such-batch' }),
    c('remove_library', 'confirm of the wrong type', { library: 'flowcalc', confirm: 'yes' }),
    c('mine_patterns', 'no name', {}),
    c('mine_patterns', 'traversal in name', { name: '../../etc' }),
    c('mine_patterns', 'unknown library', { name: 'field', libraries: ['no-such-library', 'flowcalc'] }),
    c('mine_patterns', 'min repos of 1', { name: 'field', minRepos: 1 }),
    c('mine_patterns', 'too few libraries', { name: 'field', libraries: ['flowcalc'] }),
    c('no_such_tool', 'a tool that does not exist', {}),
  ];
}

/** The error text of a call, whether an isError result or a protocol error. */
async function errorOfCall(client: Client, tool: string, args: Record<string, unknown>): Promise<{ isError: boolean; text: string }> {
  try {
    const r = (await client.callTool({ name: tool, arguments: args }, undefined, { timeout: 120_000 })) as CallToolResult;
    return { isError: r.isError === true, text: r.content.map((x) => (x.type === 'text' ? x.text : '')).join('\n') };
  } catch (e) {
    return { isError: true, text: `protocol error: ${(e as Error).message}` };
  }
}

describe('bad input for every tool', { timeout: 600_000 }, () => {
  let client: Client;
  let stderr = '';
  const home = tempDir();
  const repo = copyFixture('flowcalc');

  before(async () => {
    assert.ok(existsSync(serverJs), 'dist/ is missing: npm test builds it first (pretest)');
    const transport = new StdioClientTransport({ command: process.execPath, args: [serverJs, 'serve'], env: testEnv(home, { CODEDISTILL_TOOLSETS: 'all' }), stderr: 'pipe' });
    transport.stderr?.on('data', (d) => (stderr += String(d)));
    client = new Client({ name: 'codedistill-bad-inputs', version: '0.0.0' });
    await client.connect(transport);
  });
  after(async () => {
    await client?.close();
  });

  const errorOf = (tool: string, args: Record<string, unknown>) => errorOfCall(client, tool, args);

  it('each bad input is an error that says what to do, quotes little of the input, and the server keeps answering', async () => {
    const table: Array<{ tool: string; label: string; clear: boolean; text: string }> = [];
    for (const k of cases(repo)) {
      const r = await errorOf(k.tool, k.args);
      const short = r.text.length <= 1500 && !r.text.includes('x'.repeat(200));
      const sayWhat = /What to do|expected|must|pass |give |send |use |describe|run a smaller|at most|not found/i.test(r.text);
      table.push({ tool: k.tool, label: k.label, clear: r.isError && short && sayWhat, text: r.text });
      // Still serving after each one.
      assert.ok((await client.listTools()).tools.length >= 6, `tools/list failed after ${k.tool}: ${k.label}`);
    }
    for (const row of table) console.log(`# ${row.clear ? 'clear' : 'UNCLEAR'} | ${row.tool} | ${row.label} | ${row.text.replace(/\s+/g, ' ').slice(0, 220)}`);
    console.log(`# bad inputs tried: ${table.length}; clear errors: ${table.filter((r) => r.clear).length}`);
    assert.deepEqual(table.filter((r) => !r.clear).map((r) => `${r.tool}: ${r.label}: ${r.text.slice(0, 300)}`), []);
    assert.equal(existsSync(marker), false, "the repository's python ran on the host");
  });

  it('a 10 MB request gets a clear error and the server keeps serving', async () => {
    const r = await errorOf('validate_snippet', { code: 'x'.repeat(10 * 1024 * 1024) });
    assert.ok(r.isError);
    assert.match(r.text, /Request too large: \d+ bytes, over the limit/);
    assert.ok(r.text.length < 1000);
    const tools = await client.listTools();
    assert.ok(tools.tools.some((t) => t.name === 'search_library'), 'still serving its tools');
    const ok = (await client.callTool({ name: 'validate_snippet', arguments: { code: 'print(6*7)' } })) as CallToolResult;
    assert.ok(!ok.isError, JSON.stringify(ok.content));
    assert.doesNotMatch(stderr, /exceeded maximum size/);
  });

  it('the command line refuses a snippet file that is not a regular file instead of reading it without end', () => {
    const r = spawnSync(process.execPath, [serverJs, 'validate', '/dev/zero'], { env: testEnv(home), encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /"\/dev\/zero" is not a regular file\. Pass a Python file, or - to read standard input\./);
  });
});

describe('bad input for every tool, over HTTP', { timeout: 600_000 }, () => {
  const TOKEN = 'bad-inputs-token-0123456789';
  const home = tempDir();
  const repo = copyFixture('flowcalc');
  let child: ChildProcess;
  let client: Client;

  before(async () => {
    assert.ok(existsSync(serverJs), 'dist/ is missing: npm test builds it first (pretest)');
    child = spawn(process.execPath, [serverJs, 'serve', '--http', '--port', '0'], { env: testEnv(home, { CODEDISTILL_HTTP_TOKEN: TOKEN, CODEDISTILL_TOOLSETS: 'all' }), stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const port = await new Promise<number>((resolve, reject) => {
      child.stderr!.on('data', (d) => {
        err += String(d);
        const m = /MCP over HTTP at http:\/\/127\.0\.0\.1:(\d+)\/mcp/.exec(err);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`server exited ${code}: ${err}`)));
    });
    client = new Client({ name: 'codedistill-bad-inputs-http', version: '0.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), { requestInit: { headers: { authorization: `Bearer ${TOKEN}` } } }));
  });
  after(async () => {
    await client?.close().catch(() => undefined);
    child?.kill('SIGTERM');
  });

  const errorOf = (tool: string, args: Record<string, unknown>) => errorOfCall(client, tool, args);

  it('the same bad inputs over HTTP are the same clear errors, and a 10 MB request is refused with 413 while serving goes on', async () => {
    const unclear: string[] = [];
    const all = [...cases(repo), { tool: 'validate_snippet', label: '10 MB request', args: { code: 'x'.repeat(10 * 1024 * 1024) } }];
    for (const k of all) {
      const r = await errorOf(k.tool, k.args);
      const short = r.text.length <= 1500 && !r.text.includes('x'.repeat(200));
      const sayWhat = /What to do|expected|must|pass |give |send |use |describe|run a smaller|at most|not found/i.test(r.text);
      if (!(r.isError && short && sayWhat)) unclear.push(`${k.tool}: ${k.label}: ${r.text.slice(0, 300)}`);
      assert.ok((await client.listTools()).tools.length >= 6, `tools/list failed after ${k.tool}: ${k.label}`);
    }
    console.log(`# bad inputs tried over HTTP: ${all.length}; clear errors: ${all.length - unclear.length}`);
    assert.deepEqual(unclear, []);
    assert.equal(existsSync(marker), false, "the repository's python ran on the host");
  });
});
