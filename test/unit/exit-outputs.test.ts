import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { defaultOutputDir, outputsText, safeTarget, writeOutputs } from '../../src/cli/outputs.js';
import { describeExit, signalOfExitCode } from '../../src/kernel/exit-status.js';
import { classifyOutcome } from '../../src/validate/classify.js';
import type { ClassifyContext, Outcome } from '../../src/validate/types.js';
import { tempDir } from '../helpers/tmp.js';

test('an exit code above 128 is named as the signal that killed the process', () => {
  assert.equal(signalOfExitCode(137), 'SIGKILL');
  assert.equal(signalOfExitCode(139), 'SIGSEGV');
  assert.equal(signalOfExitCode(1), null);
  assert.equal(signalOfExitCode(128), null);
  assert.equal(signalOfExitCode(255), null, 'no signal 127');
  assert.equal(describeExit(137), 'killed by SIGKILL (exit 137)');
  assert.equal(describeExit(null, 'SIGKILL'), 'killed by SIGKILL (exit 137)', 'a signal is shown with the exit a shell gives for it');
  assert.equal(describeExit(2), 'exit 2');
  assert.equal(describeExit(null), 'no exit status');
});

test("a run's message names the signal, from the signal or from an exit code above 128", () => {
  const ctx = { interp: { executable: '/usr/bin/python3', version: '3.11', implementation: 'cpython', mounts: [], stdlib: new Set(['os']), installed: new Set(), environmentHash: 'h', distributions: [], display: 'python3' }, sandbox: 'bwrap', timeoutMs: 1000, importRoots: [], files: [], ranAt: 't' } as unknown as ClassifyContext;
  const base: Outcome = { spawnError: null, sandboxFailure: null, timedOut: false, outputLimitHit: false, exitCode: 0, signal: null, stdout: '', stderr: '', stderrTail: '', stdoutTruncated: false, stderrTruncated: false, durationMs: 5, peakKb: null, snippetPath: '/sandbox/snippet.py' };
  const limits = { outputCapBytes: 65536, maxTimeoutMs: 600000, killAfterBytes: 1 << 20 };
  const bySignal = classifyOutcome({ ...base, exitCode: null, signal: 'SIGKILL' }, ctx, limits);
  assert.equal(bySignal.status, 'failed');
  assert.match(bySignal.message ?? '', /^The process was killed by SIGKILL \(exit 137\): usually a resource limit/);
  const byCode = classifyOutcome({ ...base, exitCode: 137 }, ctx, limits);
  assert.match(byCode.message ?? '', /^The process was killed by SIGKILL \(exit 137\)/);
  assert.match(classifyOutcome({ ...base, exitCode: 3, stderr: 'boom\n' }, ctx, limits).message ?? '', /^Exited with code 3: boom/);
});

test('validate --out writes the files a snippet returned inside the folder only', async () => {
  const dir = path.join(tempDir(), 'out');
  const outputs = {
    files: [
      { name: 'plot.png', mimeType: 'image/png', bytes: 4, base64: Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString('base64') },
      { name: 'data/table.csv', mimeType: 'text/csv', bytes: 4, text: 'a,b\n' },
      { name: '../escape.txt', mimeType: 'text/plain', bytes: 1, text: 'x' },
      { name: '/etc/evil', mimeType: 'text/plain', bytes: 1, text: 'x' },
    ],
    left: [{ name: 'big.bin', bytes: 1e9, reason: 'size' }],
    leftCount: 1,
  };
  const w = await writeOutputs(outputs, dir);
  assert.deepEqual(w.written.map((f) => f.name), ['plot.png', 'data/table.csv']);
  assert.deepEqual([...readFileSync(path.join(dir, 'plot.png'))], [0x89, 0x50, 0x4e, 0x47]);
  assert.equal(readFileSync(path.join(dir, 'data', 'table.csv'), 'utf8'), 'a,b\n');
  assert.deepEqual(w.refused.map((r) => r.name), ['../escape.txt', '/etc/evil']);
  assert.ok(!existsSync(path.join(dir, '..', 'escape.txt')));
  const text = outputsText(w, outputs);
  assert.match(text, /wrote 2 files to .*: plot\.png \(4 bytes\), data\/table\.csv \(4 bytes\)/);
  assert.match(text, /not written: \.\.\/escape\.txt/);
  assert.match(text, /not brought back from the sandbox: big\.bin \(size\)/);
  assert.equal(safeTarget(dir, 'a/./b'), path.join(dir, 'a', 'b'));
  assert.equal(safeTarget(dir, 'a//b'), null);
  assert.equal(defaultOutputDir('/x/y/fit_model.py', '/home/u'), '/home/u/fit_model-outputs');
  assert.equal(defaultOutputDir('-', '/home/u'), '/home/u/snippet-outputs');
});
