/**
 * The batch on BullMQ over a real redis-server on loopback: `codedistill batch --queue` enqueues and follows,
 * two `codedistill worker` processes share the queue, and the job of a worker killed with SIGKILL mid-distill is
 * taken up by the other once its lock runs out. Distills are a fake (CODEDISTILL_BATCH_COMMAND): the test is
 * about the queue. Skipped, saying why, only where redis-server is not installed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { redisMissing, startRedis, type RedisServer } from '../helpers/redis.js';
import { fixture, repoRoot, tempDir } from '../helpers/tmp.js';

const CLI = path.join(repoRoot, 'src', 'cli', 'main.ts');
const missing = redisMissing();
if (missing) console.log(`# redis queue tests skipped: ${missing}`);

let redis: RedisServer | null = null;
before(async () => {
  if (!missing) redis = await startRedis();
});
after(async () => {
  await redis?.stop();
});

function cli(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const done = new Promise<{ code: number | null; signal: string | null; out: string; err: string }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, out, err })));
  return { child, done, err: () => err };
}

const starts = (log: string) =>
  readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => ({ pid: Number(l.split(' ')[0]), source: l.split(' ')[1]! }));

test('two workers share a Redis queue; a killed worker’s job is retried by the other; the summary is the local one', { skip: missing ?? false, timeout: 120_000 }, async () => {
  const dir = tempDir();
  const home = path.join(dir, 'shared-home');
  const log = path.join(dir, 'starts.log');
  writeFileSync(log, '');
  const list = path.join(dir, 'field.txt');
  const repos = ['o/q1', 'o/q2', 'o/q3', 'o/q4', 'o/q5', 'o/bad9'];
  writeFileSync(list, repos.join('\n') + '\n');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CODEDISTILL_HOME: home,
    CODEDISTILL_MODEL: 'none',
    CODEDISTILL_LOG_LEVEL: 'info',
    CODEDISTILL_BATCH_COMMAND: JSON.stringify([process.execPath, fixture('batch/fake-distill.mjs')]),
    CODEDISTILL_QUEUE_LOCK_MS: '2000',
    FAKE_DISTILL_LOG: log,
    FAKE_DISTILL_MS: '1500',
  };
  const queue = ['--queue', redis!.url];
  const w1 = cli(['worker', ...queue], env);
  const w2 = cli(['worker', ...queue], env);
  const batch = cli(['batch', list, ...queue, '--json'], env);
  try {
    // Kill the first worker once it is distilling something.
    for (let i = 0; i < 300 && !starts(log).some((s) => s.pid === w1.child.pid); i++) await new Promise((r) => setTimeout(r, 100));
    const victim = starts(log).find((s) => s.pid === w1.child.pid);
    assert.ok(victim, `worker 1 took a job; stderr: ${w1.err().slice(-500)}`);
    w1.child.kill('SIGKILL');
    const res = await batch.done;
    assert.equal(res.code, 1, `exit 1 for the failed repository; stderr: ${res.err.slice(-500)}`);
    const s = JSON.parse(res.out) as { byState: Record<string, number>; failuresByCause: Record<string, number>; blocks: number; repos: Array<{ source: string; state: string; library: string | null }> };
    assert.deepEqual(s.byState, { queued: 0, running: 0, done: 5, failed: 1 });
    assert.deepEqual(s.failuresByCause, { source_not_found: 1 });
    assert.equal(s.blocks, 25);
    const all = starts(log);
    const ofVictim = all.filter((x) => x.source === victim.source);
    assert.ok(ofVictim.length >= 2, `the killed worker's job ran again: ${JSON.stringify(all)}`);
    assert.equal(ofVictim.at(-1)!.pid, w2.child.pid, 'retried by the worker still alive');
    assert.ok(all.some((x) => x.pid === w2.child.pid) && all.some((x) => x.pid === w1.child.pid), 'both workers took jobs');

    // A rerun of the same list adds nothing: every job is already on the queue, done or failed.
    const before = all.length;
    const again = await cli(['batch', list, ...queue, '--json'], env).done;
    assert.equal(JSON.parse(again.out).byState.done, 5);
    assert.equal(starts(log).length, before, 'nothing distilled again');
    // And the enqueuing side wrote the same state file the local queue keeps.
    const status = await cli(['batch-status', '--json'], env).done;
    assert.equal((JSON.parse(status.out) as { total: number }).total, 6);
  } finally {
    w1.child.kill('SIGKILL');
    w2.child.kill('SIGTERM');
    batch.child.kill('SIGKILL');
    await w2.done;
  }
});

test('an unreachable Redis is a network error that says to start one', { skip: missing ?? false, timeout: 60_000 }, async () => {
  const dir = tempDir();
  const list = path.join(dir, 'l.txt');
  writeFileSync(list, 'o/x\n');
  const r = await cli(['batch', list, '--queue', 'redis://127.0.0.1:1'], { ...process.env, CODEDISTILL_HOME: path.join(dir, 'h'), CODEDISTILL_MODEL: 'none' }).done;
  assert.equal(r.code, 1);
  assert.match(r.err, /Cannot reach Redis at redis:\/\/127\.0\.0\.1:1.*redis-server/s);
});
