import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterHandshake } from '../../src/server/after-handshake.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function fakeTransport(): Transport & { received: JSONRPCMessage[] } {
  const received: JSONRPCMessage[] = [];
  return {
    received,
    onmessage: (m: JSONRPCMessage) => void received.push(m),
    start: async () => {},
    send: async () => {},
    close: async () => {},
  } as Transport & { received: JSONRPCMessage[] };
}
const msg = (id: number): JSONRPCMessage => ({ jsonrpc: '2.0', id, method: 'tools/list' });

test('warm-up waits for the handshake to go quiet, and every message still reaches the server', async () => {
  const t = fakeTransport();
  let calls = 0;
  afterHandshake(t, () => calls++, { quietMs: 60, maxMs: 5_000 });
  for (let i = 0; i < 4; i++) {
    t.onmessage!(msg(i));
    await sleep(20);
  }
  // 80 ms after connecting, each message 20 ms after the last: still within the quiet window.
  assert.equal(calls, 0);
  await sleep(120);
  assert.equal(calls, 1);
  t.onmessage!(msg(9));
  await sleep(100);
  assert.equal(calls, 1, 'once only');
  assert.deepEqual(t.received.map((m) => (m as { id: number }).id), [0, 1, 2, 3, 9]);
});

test('a client that never goes quiet still gets the warm-up by the bound', async () => {
  const t = fakeTransport();
  let calls = 0;
  afterHandshake(t, () => calls++, { quietMs: 50, maxMs: 150 });
  for (let i = 0; i < 12; i++) {
    t.onmessage!(msg(i));
    await sleep(20);
  }
  assert.equal(calls, 1);
});

test('a server closed before the handshake ends never warms up', async () => {
  const t = fakeTransport();
  let calls = 0;
  const cancel = afterHandshake(t, () => calls++, { quietMs: 30, maxMs: 60 });
  cancel();
  await sleep(100);
  assert.equal(calls, 0);
});
