import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { BoundedStdioTransport } from '../../src/server/stdio-transport.js';

async function harness(max = 1024) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const t = new BoundedStdioTransport(stdin, stdout, max);
  const got: JSONRPCMessage[] = [];
  const errors: string[] = [];
  let closed = false;
  t.onmessage = (m) => got.push(m);
  t.onerror = (e) => errors.push(e.message);
  t.onclose = () => (closed = true);
  let out = '';
  stdout.on('data', (d) => (out += String(d)));
  await t.start();
  const replies = () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: unknown; error?: { code: number; message: string } });
  const tick = () => new Promise((r) => setImmediate(r));
  return { stdin, got, errors, replies, tick, isClosed: () => closed, t };
}

test('a line over the cap is answered under its id (first or last key), in pieces; the next request still arrives', async () => {
  const h = await harness(1024);
  const big = 'x'.repeat(5000);
  // The SDK's client writes id last; a nested "id" in the arguments must not be taken for it.
  const line = JSON.stringify({ method: 'tools/call', params: { name: 'get_pattern', arguments: { id: 'lib:a', code: big } }, jsonrpc: '2.0', id: 7 });
  for (let i = 0; i < line.length; i += 700) h.stdin.write(line.slice(i, i + 700));
  h.stdin.write('\n');
  h.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 'first', method: 'x', params: { big } })}\n`);
  h.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'tools/list' })}\n`);
  await h.tick();
  const r = h.replies();
  assert.deepEqual(r.map((x) => x.id), [7, 'first']);
  assert.match(r[0]!.error!.message, /Request too large: \d+ bytes, over the limit of 1024 bytes\. Send smaller inputs/);
  assert.equal(r[0]!.error!.code, -32600);
  assert.deepEqual(h.got.map((m) => (m as { id: unknown }).id), [8]);
  assert.equal(h.isClosed(), false);
});

test('a line that is not JSON or not JSON-RPC is answered when it names an id, logged when not; serving goes on', async () => {
  const h = await harness();
  h.stdin.write('{"jsonrpc":"2.0","id":3,"method":\n');
  h.stdin.write('{"id":4,"hello":1}\n');
  h.stdin.write('not json at all\n\n');
  h.stdin.write('{"jsonrpc":"2.0","id":5,"method":"ping"}\r\n');
  await h.tick();
  const r = h.replies();
  assert.deepEqual(r.map((x) => [x.id, x.error?.code]), [[3, -32700], [4, -32600]]);
  assert.equal(h.errors.length, 1);
  assert.deepEqual(h.got.map((m) => (m as { id: unknown }).id), [5]);
  await h.t.close();
  assert.equal(h.isClosed(), true);
});
