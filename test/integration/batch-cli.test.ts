/**
 * `codedistill batch` as a user runs it, with real processes: the CLI's local queue over child distills (a fake
 * distill through CODEDISTILL_BATCH_COMMAND, so the test is about the queue), killed with SIGKILL mid-batch and
 * run again: the repositories that were done are not distilled again, the rest are, and the summary is whole.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fixture, repoRoot, tempDir } from '../helpers/tmp.js';

const CLI = path.join(repoRoot, 'src', 'cli', 'main.ts');

function env(home: string, log: string, ms: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CODEDISTILL_HOME: home,
    CODEDISTILL_MODEL: 'none',
    CODEDISTILL_BATCH_COMMAND: JSON.stringify([process.execPath, fixture('batch/fake-distill.mjs')]),
    FAKE_DISTILL_LOG: log,
    FAKE_DISTILL_MS: String(ms),
  };
}

function cli(args: string[], e: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { env: e, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const done = new Promise<{ code: number | null; signal: string | null; out: string; err: string }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, out, err })));
  return { child, done };
}

const started = (log: string) => readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => l.split(' ')[1]);

test('a batch killed with SIGKILL resumes: nothing done is redone, and the summary is whole', async () => {
  const dir = tempDir();
  const home = path.join(dir, 'home');
  const log = path.join(dir, 'starts.log');
  writeFileSync(log, '');
  const list = path.join(dir, 'field.txt');
  const repos = ['o/r1', 'o/r2', 'o/r3', 'o/r4', 'o/r5', 'o/r6', 'o/bad1'];
  writeFileSync(list, `# a field\n${repos.join('\n')}\n`);
  const e = env(home, log, 700);
  const first = cli(['batch', list, '--workers', '2', '--json'], e);
  // Kill once four have started (so at least two are done), with more to go.
  for (let i = 0; i < 200 && started(log).length < 4; i++) await new Promise((r) => setTimeout(r, 100));
  first.child.kill('SIGKILL');
  const killed = await first.done;
  assert.equal(killed.signal, 'SIGKILL');
  // The fake children of the killed run finish on their own (their own process groups): wait for them.
  await new Promise((r) => setTimeout(r, 1200));
  const [id] = readdirSync(path.join(home, 'batches'));
  const before = JSON.parse(readFileSync(path.join(home, 'batches', id!, 'state.json'), 'utf8')) as { repos: Array<{ source: string; state: string }> };
  const doneBefore = before.repos.filter((r) => r.state === 'done').map((r) => r.source);
  assert.ok(doneBefore.length >= 1 && doneBefore.length < repos.length, `some done, not all: ${JSON.stringify(before.repos.map((r) => r.state))}`);
  const startsBefore = started(log).length;

  const second = await cli(['batch', list, '--workers', '2', '--json'], { ...e, FAKE_DISTILL_MS: '50' }).done;
  assert.equal(second.code, 1, 'a failed repository makes the exit status 1');
  const summary = JSON.parse(second.out) as { byState: Record<string, number>; failuresByCause: Record<string, number>; blocks: number; repos: Array<{ source: string; state: string; attempts: number }> };
  assert.deepEqual(summary.byState, { queued: 0, running: 0, done: 6, failed: 1 });
  assert.deepEqual(summary.failuresByCause, { source_not_found: 1 });
  assert.equal(summary.blocks, 30);
  const rerun = started(log).slice(startsBefore);
  for (const d of doneBefore) assert.ok(!rerun.includes(d), `${d} was done before the kill and was distilled again`);
  assert.deepEqual([...rerun].sort(), repos.filter((r) => !doneBefore.includes(r)).sort());

  const status = await cli(['batch-status', id!], e).done;
  assert.equal(status.code, 0);
  assert.match(status.out, /7 repositories, 6 done/);
});

test('a child that dies without an answer is a failure with its cause; an unreadable list is a usage error', async () => {
  const dir = tempDir();
  const log = path.join(dir, 'starts.log');
  const list = path.join(dir, 'l.txt');
  writeFileSync(list, 'o/crash1\no/ok1\n');
  const r = await cli(['batch', list, '--json'], env(path.join(dir, 'home'), log, 10)).done;
  const s = JSON.parse(r.out) as { failuresByCause: Record<string, number>; repos: Array<{ error: { message: string } | null }> };
  assert.deepEqual(s.failuresByCause, { crashed: 1 });
  assert.match(s.repos[0]!.error!.message, /exited with 3/);
  const missing = await cli(['batch', path.join(dir, 'nope.txt')], env(path.join(dir, 'home'), log, 10)).done;
  assert.equal(missing.code, 1);
  assert.match(missing.err, /Cannot read the repository list/);
});
