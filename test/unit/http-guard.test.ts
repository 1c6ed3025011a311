import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { judge, loopbackHosts, tokenMatches } from '../../src/server/http-guard.js';
import { loadToken } from '../../src/server/http-token.js';
import { JobSlots, inJobSlot } from '../../src/server/job-slots.js';
import { isLoopback } from '../../src/server/http.js';
import { tempDir } from '../helpers/tmp.js';

const TOKEN = 'a-token-of-enough-length';
const guard = { token: TOKEN, allowedHosts: loopbackHosts(8765), allowedOrigins: ['http://127.0.0.1:8765'] };

describe('http guard', () => {
  it('passes the right token from a loopback host, with no Origin or an allowed one', () => {
    assert.deepEqual(judge({ host: '127.0.0.1:8765', authorization: `Bearer ${TOKEN}` }, guard), { ok: true });
    assert.deepEqual(judge({ host: 'localhost:8765', authorization: `bearer ${TOKEN}`, origin: 'http://127.0.0.1:8765' }, guard), { ok: true });
  });
  it('refuses a missing or wrong token with 401, a foreign Origin or Host with 403', () => {
    const status = (h: Record<string, string>) => {
      const v = judge(h, guard);
      return v.ok ? 200 : v.status;
    };
    assert.equal(status({ host: '127.0.0.1:8765' }), 401);
    assert.equal(status({ host: '127.0.0.1:8765', authorization: `Bearer ${TOKEN}x` }), 401);
    assert.equal(status({ host: '127.0.0.1:8765', authorization: TOKEN }), 401);
    assert.equal(status({ host: '127.0.0.1:8765', authorization: `Bearer ${TOKEN}`, origin: 'null' }), 403);
    assert.equal(status({ host: 'attacker.example:8765', authorization: `Bearer ${TOKEN}` }), 403);
    assert.equal(status({ authorization: `Bearer ${TOKEN}` }), 403);
  });
  it('compares tokens of any length without throwing', () => {
    assert.equal(tokenMatches('', TOKEN), false);
    assert.equal(tokenMatches(TOKEN + TOKEN, TOKEN), false);
    assert.equal(tokenMatches(TOKEN, TOKEN), true);
  });
  it('tells loopback hosts from others', () => {
    assert.ok(isLoopback('127.0.0.1') && isLoopback('localhost') && isLoopback('::1') && isLoopback('127.1.2.3'));
    assert.ok(!isLoopback('0.0.0.0') && !isLoopback('192.168.1.2') && !isLoopback('::'));
  });
});

describe('http token', () => {
  it('makes an owner-only token file in the home once, and reads it back the next time', () => {
    const home = tempDir();
    const http = loadConfig({ CODEDISTILL_HOME: home }).http;
    const first = loadToken(http, home);
    assert.equal(first.generated, true);
    assert.equal(first.from, path.join(home, 'http.token'));
    assert.equal(statSync(first.from).mode & 0o777, 0o600);
    const again = loadToken(http, home);
    assert.equal(again.generated, false);
    assert.equal(again.token, first.token);
  });
  it('prefers CODEDISTILL_HTTP_TOKEN, then the file named, and refuses a short token', () => {
    const home = tempDir();
    const file = path.join(home, 'tok');
    writeFileSync(file, 'from-the-file-0123456789\n', { mode: 0o644 });
    assert.equal(loadToken(loadConfig({ CODEDISTILL_HOME: home, CODEDISTILL_HTTP_TOKEN: TOKEN, CODEDISTILL_HTTP_TOKEN_FILE: file }).http, home).token, TOKEN);
    const fromFile = loadToken(loadConfig({ CODEDISTILL_HOME: home, CODEDISTILL_HTTP_TOKEN_FILE: file }).http, home);
    assert.equal(fromFile.token, 'from-the-file-0123456789');
    assert.equal(fromFile.openToOthers, true);
    assert.throws(() => loadToken(loadConfig({ CODEDISTILL_HOME: home, CODEDISTILL_HTTP_TOKEN: 'short' }).http, home), /shorter than 16 characters/);
  });
});

describe('job slots', () => {
  const never = new AbortController().signal;
  it('refuses a job over the limit as busy and frees the slot when a job ends, failed or not', async () => {
    const slots = new JobSlots(1);
    let release!: () => void;
    const first = inJobSlot(slots, 'distill_repo', never, () => new Promise<void>((r) => (release = r)));
    await assert.rejects(inJobSlot(slots, 'revalidate', never, async () => 1), (e: Error & { code?: string }) => e.code === 'busy' && /already runs 1 long job/.test(e.message));
    release();
    await first;
    await assert.rejects(inJobSlot(slots, 'distill_repo', never, async () => Promise.reject(new Error('boom'))), /boom/);
    assert.equal(await inJobSlot(slots, 'distill_repo', never, async () => 7), 7);
  });
  it('cancels the running jobs of a client when asked (the server shutting down)', async () => {
    const slots = new JobSlots(2);
    const job = inJobSlot(slots, 'distill_repo', never, (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('cancelled')))));
    assert.equal(slots.busy, 1);
    slots.cancelAll();
    await assert.rejects(job, /cancelled/);
    assert.equal(slots.busy, 0);
  });
});
