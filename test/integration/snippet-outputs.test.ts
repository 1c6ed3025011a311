import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { scrubEnv } from '../../src/config.js';
import { silentLogger } from '../../src/kernel/log.js';
import { createPythonRunner, type PythonRunnerConfig } from '../../src/validate/runner.js';
import { detectBubblewrap } from '../../src/validate/sandbox/detect.js';
import { runnerServices } from '../helpers/runner.js';

const tmp = await mkdtemp(path.join(os.tmpdir(), 'cd-outputs-test-'));
after(() => rm(tmp, { recursive: true, force: true }));

const bwrap = await detectBubblewrap();
if (!bwrap.available) console.log(`# bubblewrap unusable (${bwrap.reason}); output tests run unsandboxed`);

function config(over: Partial<PythonRunnerConfig> = {}): PythonRunnerConfig {
  return {
    python: process.env.CODEDISTILL_PYTHON || 'python3',
    sandbox: bwrap.available ? 'auto' : 'none',
    allowUnsandboxed: !bwrap.available,
    timeoutMs: 20_000,
    maxTimeoutMs: 60_000,
    memoryLimitMb: 1024,
    outputCapBytes: 64 * 1024,
    childEnv: scrubEnv(process.env),
    cacheDir: path.join(tmp, 'cache'),
    ...over,
  };
}

const runner = createPythonRunner(config(), silentLogger, runnerServices);

// A 2x2 PNG written by hand (zlib + struct), as a plot saved with matplotlib's Agg backend would be.
const PNG = `
import struct, zlib
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
raw = b"".join(b"\\x00" + b"\\xff\\x00\\x00" * 2 for _ in range(2))
png = b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
open("plot.png", "wb").write(png)
`;

test('files the snippet writes come back: an image as bytes, a CSV as text, the rest named as left out', async () => {
  const code =
    PNG +
    [
      'import os',
      'open("table.csv", "w").write("x,y\\n1,2\\n")',
      'os.makedirs("out", exist_ok=True)',
      'open("out/notes.txt", "w").write("héllo")',
      'open("big.csv", "w").write("0," * 600000)',
      'open("model.bin", "wb").write(b"\\x00" * 10)',
      'os.symlink("/etc/passwd", "link.txt")',
      'print("done")',
    ].join('\n');
  const rec = await runner.run({ code, collectOutputs: true, files: { 'input.csv': 'a\n1\n' } });
  assert.equal(rec.status, 'passed', rec.message);
  assert.equal(rec.stdout, 'done\n');
  const out = rec.outputs;
  assert.ok(out, 'outputs read back');
  const byName = new Map(out.files.map((f) => [f.name, f]));
  assert.deepEqual([...byName.keys()].sort(), ['out/notes.txt', 'plot.png', 'table.csv']);
  const png = Buffer.from(byName.get('plot.png')?.base64 ?? '', 'base64');
  assert.equal(byName.get('plot.png')?.mimeType, 'image/png');
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(byName.get('table.csv')?.text, 'x,y\n1,2\n');
  assert.equal(byName.get('table.csv')?.mimeType, 'text/csv');
  assert.equal(byName.get('out/notes.txt')?.text, 'héllo');
  const left = new Map(out.left.map((l) => [l.name, l.reason]));
  assert.equal(left.get('big.csv'), 'size');
  assert.equal(left.get('model.bin'), 'type');
  assert.ok(!byName.has('input.csv') && !left.has('input.csv'), 'the files handed in are not handed back');
  assert.ok(!byName.has('snippet.py') && !left.has('snippet.py'));
  assert.ok(!byName.has('link.txt'), 'a link is not followed');
});

test('the count cap leaves the later files out, named', async () => {
  const code = 'for i in range(12):\n    open(f"f{i:02d}.txt", "w").write(str(i))\n';
  const rec = await runner.run({ code, collectOutputs: true });
  assert.equal(rec.status, 'passed', rec.message);
  assert.equal(rec.outputs?.files.length, 8);
  assert.equal(rec.outputs?.leftCount, 4);
  assert.deepEqual(
    rec.outputs?.left.map((l) => [l.name, l.reason]),
    ['f08.txt', 'f09.txt', 'f10.txt', 'f11.txt'].map((n) => [n, 'count']),
  );
});

test('collecting keeps the exit status and the signal of the code, and its stderr clean', async () => {
  const failed = await runner.run({ code: 'open("a.csv", "w").write("1")\nraise SystemExit(3)\n', collectOutputs: true });
  assert.equal(failed.exitCode, 3);
  assert.equal(failed.outputs?.files[0]?.name, 'a.csv');
  const killed = await runner.run({ code: 'import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n', collectOutputs: true });
  assert.equal(killed.signal, 'SIGKILL', killed.message);
  assert.equal(killed.exitCode, null);
  const err = await runner.run({ code: 'import sys\nsys.stderr.write("warn\\n")\n', collectOutputs: true });
  assert.equal(err.stderr, 'warn\n');
  assert.deepEqual(err.outputs?.files, []);
});

test('the code cannot see the descriptor the files go out through', async () => {
  const code = 'import os\nprint(sorted(int(n) for n in os.listdir("/proc/self/fd")))\n';
  const rec = await runner.run({ code, collectOutputs: true });
  assert.equal(rec.status, 'passed', rec.message);
  // listdir's own descriptor is the only one above stderr.
  const fds = JSON.parse(rec.stdout) as number[];
  assert.deepEqual(fds.slice(0, 3), [0, 1, 2]);
  assert.equal(fds.length, 4, rec.stdout);
});

test('without collectOutputs a run brings nothing back', async () => {
  const rec = await runner.run({ code: 'open("a.csv", "w").write("1")\n' });
  assert.equal(rec.status, 'passed');
  assert.equal(rec.outputs, undefined);
});
