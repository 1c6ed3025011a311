import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { contentHash } from '../../src/ingest/content-hash.js';
import { refuseNonRepository, resolveLocalSource } from '../../src/ingest/local.js';
import { parseSourceSpec } from '../../src/ingest/source.js';
import { walkRepo } from '../../src/ingest/walk.js';
import { isCodedistillError } from '../../src/kernel/errors.js';
import { tempDir } from '../helpers/tmp.js';

const opts = { gitBin: 'git', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } };
const resolve = async (p: string) => resolveLocalSource(parseSourceSpec(p) as { path: string; location: string }, opts);
const notARepo = (e: unknown) => isCodedistillError(e) && e.code === 'invalid_input' && /Refusing to distill/.test(e.message) && /repository's own folder/.test(e.hint);

test('system folders, kernel trees and the home folder are refused as sources, saying what to pass', async () => {
  for (const p of ['/', '/proc', '/sys', '/dev', '/proc/self', '/sys/kernel', '/etc', '/usr']) {
    await assert.rejects(resolve(p), notARepo, p);
  }
  // /proc/self/root is the root folder behind a link.
  await assert.rejects(resolve('/proc/self/root'), notARepo);
  assert.throws(() => refuseNonRepository('/home/alice', '/home/alice'), /your home folder/);
  assert.throws(() => refuseNonRepository('/home', '/home/alice'), /system folder|holding your home/);
  assert.throws(() => refuseNonRepository('/data', '/data/alice'), /holding your home folder/);
  refuseNonRepository('/home/alice/src/fluids', '/home/alice');
});

test('a special file as a source is refused as not a folder', async () => {
  const dir = tempDir();
  const fifo = path.join(dir, 'pipe');
  execFileSync('mkfifo', [fifo]);
  await assert.rejects(resolve(fifo), (e: unknown) => isCodedistillError(e) && /special file, not a folder/.test(e.message));
  assert.throws(() => parseSourceSpec('/dev/null'), (e: unknown) => isCodedistillError(e) && /special file, not a folder/.test(e.message));
});

test('a huge source string is quoted short in the message', () => {
  const huge = `/nope/${'x'.repeat(100_000)}`;
  assert.throws(() => parseSourceSpec(huge), (e: unknown) => isCodedistillError(e) && e.message.length < 300 && /characters\)/.test(e.message));
});

test('the content hash stops at a cancel between files', async () => {
  const dir = tempDir();
  for (let i = 0; i < 50; i++) writeFileSync(path.join(dir, `f${i}.txt`), 'x'.repeat(1000));
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(contentHash(dir, { signal: ac.signal }), (e: unknown) => isCodedistillError(e) && e.code === 'cancelled');
  assert.match(await contentHash(dir), /^sha256:[0-9a-f]{64}$/);
});

test('a path too long for the system skips that folder with the reason; the rest is walked', async () => {
  const repo = tempDir();
  mkdirSync(path.join(repo, 'pkg'));
  writeFileSync(path.join(repo, 'pkg', '__init__.py'), 'def f():\n    return 1\n');
  // Build a chain deeper than PATH_MAX with relative mkdirs (each component stays under NAME_MAX).
  const part = 'd'.repeat(200);
  let rel = '';
  const cwd = process.cwd();
  try {
    process.chdir(repo);
    for (let i = 0; i < 25; i++) {
      mkdirSync(part);
      process.chdir(part);
      rel = rel ? `${rel}/${part}` : part;
    }
    writeFileSync('deep.py', 'x = 1\n');
  } finally {
    process.chdir(cwd);
  }
  const walk = await walkRepo(repo, { maxFileBytes: 1 << 20, languageOf: (p) => (p.endsWith('.py') ? 'python' : null) });
  assert.ok(walk.files.some((f) => f.path === 'pkg/__init__.py'));
  assert.ok(walk.skipped.some((s) => /too long for this system/.test(s.reason)), JSON.stringify(walk.skipped).slice(0, 300));
  // rm walks the chain with relative calls; Node's rmSync would fail on it with ENAMETOOLONG.
  execFileSync('rm', ['-rf', repo]);
});
