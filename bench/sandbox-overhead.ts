/**
 * What the sandbox costs per run: `print(1)` N times through the runner (bubblewrap, limits, peak-memory
 * measurement, scratch folder, record) against N times through a bare `python -c` of the same real
 * interpreter. Prints the medians and their ratio. Then the same N snippets as one runBatch (one sandbox,
 * one driver forking a child per snippet, one worker): its wall time divided by N is the per-snippet cost.
 *
 *   node --import tsx bench/sandbox-overhead.ts [N]        (default 20)
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/kernel/log.js';
import { createPythonRunner, createRunnerServices } from '../src/validate/runner.js';

const N = Number(process.argv[2] ?? 20);
const cfg = loadConfig();
const runner = createPythonRunner(cfg, silentLogger, createRunnerServices());

const info = await runner.info();
if (!info.available) {
  console.error(`runner unavailable: ${info.reason}`);
  process.exit(1);
}
// The real interpreter, not a pyenv shim: the comparison is about the sandbox, not about the shim.
const { stdout: exe } = await execa(cfg.python, ['-c', 'import sys; print(sys.executable)'], { env: cfg.childEnv, extendEnv: false });

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

// One warm-up each so neither side pays for a cold page cache.
await runner.run({ code: 'print(1)' });
await execa(exe, ['-c', 'print(1)'], { env: cfg.childEnv, extendEnv: false });

const sandboxed: number[] = [];
for (let i = 0; i < N; i++) {
  const t = performance.now();
  const rec = await runner.run({ code: 'print(1)' });
  sandboxed.push(performance.now() - t);
  if (rec.status !== 'passed') throw new Error(`run ${i} ${rec.status}: ${rec.message}`);
}
const bare: number[] = [];
for (let i = 0; i < N; i++) {
  const t = performance.now();
  await execa(exe, ['-c', 'print(1)'], { env: cfg.childEnv, extendEnv: false });
  bare.push(performance.now() - t);
}

// One batch, one worker: every snippet pays the fork, the clean-up between snippets and its share of the
// sandbox start-up.
assert(runner.runBatch, 'the runner has no batch mode');
const reqs = Array.from({ length: N }, () => ({ code: 'print(1)' }));
await runner.runBatch(reqs.slice(0, 2), { importRoots: [], preload: [], workers: 1 });
const tb = performance.now();
const recs = await runner.runBatch(reqs, { importRoots: [], preload: [], workers: 1 });
const batchWall = performance.now() - tb;
const bad = recs.find((r) => r.status !== 'passed');
if (bad) throw new Error(`batch ${bad.status}: ${bad.message}`);
const inChild = recs.map((r) => r.durationMs);

const ms = (x: number) => `${x.toFixed(1)} ms`;
console.log(`interpreter: ${info.interpreter}; sandbox: ${info.sandbox}; N=${N}`);
console.log(`runner (print(1)):      median ${ms(median(sandboxed))}  min ${ms(Math.min(...sandboxed))}  max ${ms(Math.max(...sandboxed))}`);
console.log(`bare python -c:         median ${ms(median(bare))}  min ${ms(Math.min(...bare))}  max ${ms(Math.max(...bare))}`);
console.log(`ratio (median):         ${(median(sandboxed) / median(bare)).toFixed(2)}x  (+${ms(median(sandboxed) - median(bare))} per run)`);
console.log(
  `batch (print(1)) x${N}:   ${ms(batchWall / N)} per snippet (wall ${ms(batchWall)}; fork-to-exit median ${ms(median(inChild))})  ` +
    `= ${(batchWall / N / median(bare)).toFixed(2)}x bare python -c`,
);
