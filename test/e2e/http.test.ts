/**
 * `serve --http` over loopback against the built server: the guard (no token, a wrong token, a foreign Origin or
 * Host, an oversized body) answers with the right status and a JSON-RPC error; the SDK's client gets the same
 * tools as over stdio; one client may run one long job at a time; 8 clients search while another distills, with
 * no error; SIGTERM ends the server cleanly.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { copyFixture, repoRoot, tempDir, testEnv } from '../helpers/tmp.js';

const serverJs = path.join(repoRoot, 'dist', 'cli', 'main.js');
const TOKEN = 'test-token-0123456789abcdef';
const SEARCH_CLIENTS = 8;

interface Reply {
  status: number;
  body: string;
}

/** One raw POST to the server (node:http, so every header, the Host among them, is ours to set). */
function post(port: number, headers: Record<string, string>, body: string | Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/mcp', method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += String(d)));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const INIT = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
});

const textOf = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

describe('serve --http', { timeout: 900_000 }, () => {
  const home = tempDir();
  let child: ChildProcess;
  let port = 0;
  let stderr = '';
  const clients: Client[] = [];

  async function connect(name: string): Promise<Client> {
    const transport = new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
    });
    const client = new Client({ name, version: '0.0.0' });
    await client.connect(transport);
    clients.push(client);
    return client;
  }

  before(async () => {
    assert.ok(existsSync(serverJs), 'dist/ is missing: npm test builds it first (pretest)');
    child = spawn(process.execPath, [serverJs, 'serve', '--http', '--port', '0'], {
      env: testEnv(home, { CODEDISTILL_HTTP_TOKEN: TOKEN }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    port = await new Promise<number>((resolve, reject) => {
      child.stderr!.on('data', (d) => {
        stderr += String(d);
        const m = /MCP over HTTP at http:\/\/127\.0\.0\.1:(\d+)\/mcp/.exec(stderr);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
    });
  });
  after(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('refuses a request without a token, with a wrong one, from a foreign Origin or Host, and one over the size limit', async () => {
    const cases: Array<{ label: string; headers: Record<string, string>; body: string | Buffer; status: number; says: RegExp }> = [
      { label: 'no token', headers: {}, body: INIT, status: 401, says: /Missing bearer token/ },
      { label: 'wrong token', headers: { authorization: 'Bearer not-the-token-at-all-000' }, body: INIT, status: 401, says: /Wrong bearer token/ },
      { label: 'not a bearer token', headers: { authorization: `Basic ${TOKEN}` }, body: INIT, status: 401, says: /Missing bearer token/ },
      { label: 'a prefix of the token', headers: { authorization: `Bearer ${TOKEN.slice(0, -1)}` }, body: INIT, status: 401, says: /Wrong bearer token/ },
      { label: 'foreign Origin', headers: { authorization: `Bearer ${TOKEN}`, origin: 'https://evil.example' }, body: INIT, status: 403, says: /Origin "https:\/\/evil\.example" is not allowed/ },
      { label: 'rebound Host', headers: { authorization: `Bearer ${TOKEN}`, host: 'evil.example:80' }, body: INIT, status: 403, says: /Host "evil\.example:80" is not this server's/ },
      { label: 'over the size limit', headers: { authorization: `Bearer ${TOKEN}` }, body: Buffer.alloc(5 * 1024 * 1024, 0x78), status: 413, says: /Request too large: \d+ bytes, over the limit/ },
      { label: 'not JSON', headers: { authorization: `Bearer ${TOKEN}` }, body: '{nope', status: 400, says: /not valid JSON/ },
      { label: 'no session', headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), status: 400, says: /send initialize first/ },
      { label: 'unknown session', headers: { authorization: `Bearer ${TOKEN}`, 'mcp-session-id': 'no-such-session' }, body: INIT, status: 404, says: /Session not found/ },
    ];
    const wrong: string[] = [];
    for (const k of cases) {
      const r = await post(port, k.headers, k.body);
      let error: { code?: number; message?: string } | undefined;
      try {
        error = (JSON.parse(r.body) as { error?: { code: number; message: string } }).error;
      } catch {
        error = undefined;
      }
      if (r.status !== k.status || !error || !k.says.test(error.message ?? '')) wrong.push(`${k.label}: ${r.status} ${r.body.slice(0, 200)}`);
    }
    console.log(`# http bad requests tried: ${cases.length}; right status and a JSON-RPC error: ${cases.length - wrong.length}`);
    assert.deepEqual(wrong, []);
    assert.ok(!stderr.includes(TOKEN), 'the token was logged');
    // An allowed origin (the server's own) with the token is served.
    const own = await post(port, { authorization: `Bearer ${TOKEN}`, origin: `http://127.0.0.1:${port}` }, INIT);
    assert.equal(own.status, 200, own.body);
  });

  it('serves the same tools as stdio through the SDK client', async () => {
    const client = await connect('tools');
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    assert.deepEqual(names, ['build_environment', 'distill_repo', 'get_pattern', 'list_libraries', 'remove_library', 'revalidate', 'search_library', 'validate_snippet']);
    assert.ok((await client.listPrompts()).prompts.length >= 1);
    const r = (await client.callTool({ name: 'search_library', arguments: { query: 'pressure drop in a pipe' } })) as CallToolResult;
    assert.ok(!r.isError, textOf(r));
  });

  it('8 clients search while a distill runs, with no error; a second distill from the same client is refused as busy', async () => {
    const distiller = await connect('distiller');
    const searchers = await Promise.all(Array.from({ length: SEARCH_CLIENTS }, (_, i) => connect(`searcher-${i}`)));
    const repo = copyFixture('kinetix');
    const distill = distiller.callTool({ name: 'distill_repo', arguments: { source: repo, name: 'kinetix-http' } }, undefined, { timeout: 600_000 }) as Promise<CallToolResult>;
    // Let the first call reach the server before the second.
    await new Promise((r) => setTimeout(r, 500));
    const second = (await distiller.callTool({ name: 'distill_repo', arguments: { source: repo, name: 'kinetix-http-2' } })) as CallToolResult;
    assert.ok(second.isError, textOf(second));
    assert.match(textOf(second), /already runs 1 long job .*Wait for the running job to finish/s);

    let running = true;
    const errors: string[] = [];
    const searches = new Array<number>(SEARCH_CLIENTS).fill(0);
    const queries = ['reaction rate constant', 'pressure drop', 'filter a signal', 'half life decay', 'Reynolds number'];
    const loops = searchers.map(async (c, i) => {
      while (running || searches[i]! < 3) {
        try {
          const r = (await c.callTool({ name: 'search_library', arguments: { query: queries[(i + searches[i]!) % queries.length] } })) as CallToolResult;
          if (r.isError) errors.push(`client ${i}: ${textOf(r).slice(0, 200)}`);
        } catch (e) {
          errors.push(`client ${i}: ${(e as Error).message}`);
        }
        searches[i]!++;
      }
    });
    const report = await distill.finally(() => (running = false));
    await Promise.all(loops);
    assert.ok(!report.isError, textOf(report));
    const total = searches.reduce((a, b) => a + b, 0);
    console.log(`# http clients: ${SEARCH_CLIENTS} searching + 1 distilling; searches: ${total}; errors: ${errors.length}`);
    assert.deepEqual(errors, []);
    // The new library is searchable from another session.
    const hit = (await searchers[0]!.callTool({ name: 'search_library', arguments: { query: 'rate constant', library: 'kinetix-http' } })) as CallToolResult;
    assert.ok(!hit.isError, textOf(hit));
    const ids = ((hit.structuredContent as { results?: { id: string }[] } | undefined)?.results ?? []).map((r) => r.id);
    assert.ok(ids.length > 0 && ids.every((id) => id.startsWith('kinetix-http:')), ids.join(', '));
  });

  it('ends cleanly on SIGTERM', async () => {
    for (const c of clients.splice(0)) await c.close().catch(() => undefined);
    const code = await new Promise<number | null>((resolve) => {
      child.once('exit', (c) => resolve(c));
      child.kill('SIGTERM');
    });
    assert.equal(code, 0, stderr.slice(-2000));
    assert.ok(!stderr.includes(TOKEN), 'the token was logged');
  });
});
