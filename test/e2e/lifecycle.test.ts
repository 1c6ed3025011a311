/**
 * A server process ends when it has nothing left to do: the search thread it starts (search/threaded.ts) must never
 * keep it alive, or every client that closed its stdin would leave a server behind.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot, tempDir, testEnv } from '../helpers/tmp.js';

const serverJs = path.join(repoRoot, 'dist', 'cli', 'main.js');
/** Only a guard against a hung test: a process still there after it is what the test reports. */
const GUARD_MS = 60_000;

test('serve --help prints the usage and exits, although the search thread has started', () => {
  const r = spawnSync(process.execPath, [serverJs, 'serve', '--help'], { env: testEnv(tempDir()), encoding: 'utf8', timeout: GUARD_MS });
  assert.equal(r.signal, null, 'it had to be killed');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /codedistill serve/);
});

test('a server whose client closed its stdin after a search exits by itself', async () => {
  const child = spawn(process.execPath, [serverJs, 'serve'], { env: testEnv(tempDir()), stdio: ['pipe', 'pipe', 'ignore'] });
  const send = (m: object) => child.stdin.write(`${JSON.stringify(m)}\n`);
  let out = '';
  const answered = new Promise<void>((resolve) =>
    child.stdout.on('data', (d) => {
      out += String(d);
      if (out.includes('"id":2')) resolve();
    }),
  );
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'lifecycle', version: '0' } } });
  send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'search_library', arguments: { query: 'friction factor of pipe flow' } } });
  await answered;
  child.stdin.end();
  const guard = setTimeout(() => child.kill('SIGKILL'), GUARD_MS);
  const { code, signal } = await exited;
  clearTimeout(guard);
  assert.equal(signal, null, 'it was still running and had to be killed');
  assert.equal(code, 0);
});
