/**
 * Re-validation against a library's own source snapshot: a library written by writeLibrary, run, then its
 * snapshot changed under it (as an upgrade of the package would) so that one example breaks.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { blockId, type Block } from '../../src/domain/block.js';
import { LIBRARY_SCHEMA_VERSION, type LibraryManifest } from '../../src/domain/library.js';
import { RevalidateReport, RevalidateRequest } from '../../src/domain/revalidate.js';
import { isCodedistillError } from '../../src/kernel/errors.js';
import { SOURCE_DIR, loadLibrary, writeLibrary } from '../../src/library/files.js';
import { silentLogger } from '../../src/kernel/log.js';
import { revalidateLibrary } from '../../src/jobs/revalidate.js';
import { createPythonRunner } from '../../src/validate/runner.js';
import { detectBubblewrap } from '../../src/validate/sandbox/detect.js';
import type { Runner } from '../../src/validate/types.js';
import { runnerServices, testRunnerConfig } from '../helpers/runner.js';

const tmp = await mkdtemp(path.join(os.tmpdir(), 'cd-revalidate-test-'));
after(() => rm(tmp, { recursive: true, force: true }));

const bwrap = await detectBubblewrap();
const runner = createPythonRunner(
  testRunnerConfig(bwrap.available, tmp),
  silentLogger,
  runnerServices,
);

const LIB = 'tinyflow';

function block(qn: string, code: string, expectedOutput: string | null = null): Block {
  const name = qn.split('.').pop() as string;
  return {
    id: blockId(LIB, qn),
    library: LIB,
    language: 'python',
    kind: 'function',
    name,
    qualifiedName: qn,
    module: 'tinyflow.core',
    signature: `def ${name}(...):`,
    docstring: null,
    summary: name,
    code: `def ${name}(): ...`,
    decorators: [],
    parameters: [],
    returns: null,
    imports: [],
    calls: [],
    requirements: [],
    licence: 'MIT',
    citation: null,
    provenance: { repo: 'local/tinyflow', url: null, commit: 'sha256:0', path: 'src/tinyflow/core.py', startLine: 1, endLine: 2 },
    examples: [
      { code: 'import tinyflow\n', source: 'import', path: null, startLine: null, expectedOutput: null, run: null },
      { code, source: 'doctest', path: 'src/tinyflow/core.py', startLine: 1, expectedOutput, run: null },
    ],
    validation: null,
    compute: { gpu: false, network: false, dataFiles: false },
    rank: 1,
    tags: [],
    prose: [],
  };
}

async function writeSource(dir: string, area: string): Promise<void> {
  await mkdir(path.join(dir, 'src', 'tinyflow'), { recursive: true });
  await writeFile(path.join(dir, 'src', 'tinyflow', '__init__.py'), 'from .core import reynolds, area\n');
  await writeFile(
    path.join(dir, 'src', 'tinyflow', 'core.py'),
    `def reynolds(rho, v, d, mu):\n    return rho * v * d / mu\n\ndef area(d):\n    ${area}\n`,
  );
}

const repo = path.join(tmp, 'repo');
await writeSource(repo, 'return 3.14159 * d * d / 4');
const blocks = [
  block('tinyflow.core.reynolds', 'from tinyflow import reynolds\nprint(reynolds(1000, 2, 0.05, 0.001))\n', '100000.0'),
  block('tinyflow.core.area', 'from tinyflow import area\nprint(round(area(2), 3))\n', '3.142'),
];
const manifest: LibraryManifest = {
  schemaVersion: LIBRARY_SCHEMA_VERSION,
  name: LIB,
  source: { kind: 'local', location: repo, repo: 'local/tinyflow', ref: null, commit: 'sha256:0', url: null },
  licence: 'MIT',
  citation: null,
  description: null,
  languages: ['python'],
  importRoots: ['src'],
  requirements: [],
  counts: { filesSeen: 2, filesParsed: 2, filesSkipped: 0, parseErrors: 0, blocks: 2, examples: 2, validated: 0 },
  skipped: [],
  createdAt: new Date().toISOString(),
  generator: 'codedistill test',
};
const parent = path.join(tmp, 'libraries');
const libDir = await writeLibrary(parent, manifest, blocks, [
  { path: 'src/tinyflow/__init__.py', absPath: path.join(repo, 'src', 'tinyflow', '__init__.py') },
  { path: 'src/tinyflow/core.py', absPath: path.join(repo, 'src', 'tinyflow', 'core.py') },
]);

const opts = { timeoutMs: 20_000, workers: 2 };

test('the request and report schemas accept what they describe', () => {
  assert.deepEqual(RevalidateRequest.parse({ library: LIB }), { library: LIB, environment: 'auto' });
  assert.equal(RevalidateRequest.safeParse({ library: LIB, ids: [] }).success, false);
  assert.equal(RevalidateRequest.safeParse({ library: 'Bad Name' }).success, false);
});

test('first re-validation: every block passes, each change is from nothing to passed', async () => {
  const lib = await loadLibrary(libDir, false);
  const { blocks: out, report } = await revalidateLibrary(lib, runner, opts);
  RevalidateReport.parse(report);
  assert.equal(report.library, LIB);
  // The two blocks share their import check: three distinct snippets.
  assert.deepEqual(report.counts, { runs: 3, passed: 3, failed: 0, skipped: 0, timeout: 0, error: 0 });
  assert.match(report.environmentHash ?? '', /^[0-9a-f]{64}$/);
  assert.deepEqual(report.previousEnvironmentHashes, []);
  assert.deepEqual(
    report.changed.map((c) => [c.id, c.before, c.after]),
    // In the library's order: blocks.jsonl is sorted by id.
    [
      [`${LIB}:tinyflow.core.area`, null, 'passed'],
      [`${LIB}:tinyflow.core.reynolds`, null, 'passed'],
    ],
  );
  assert.ok(out.every((b) => b.validation?.status === 'passed'));
  // The generated import check runs but is not the evidence.
  assert.ok(out.every((b) => b.validation?.stdout !== ''));
  // The loaded library is left as it was read.
  assert.ok(lib.blocks.every((b) => b.validation === null));
  await writeLibrary(parent, lib.manifest, out, [
    { path: 'src/tinyflow/__init__.py', absPath: path.join(libDir, SOURCE_DIR, 'src', 'tinyflow', '__init__.py') },
    { path: 'src/tinyflow/core.py', absPath: path.join(libDir, SOURCE_DIR, 'src', 'tinyflow', 'core.py') },
  ]);
});

test('a changed snapshot breaks one example: reported as passed before, failed after', async () => {
  // What an upgrade of the package would do: area() now raises.
  await writeSource(path.join(libDir, SOURCE_DIR), 'raise ValueError("diameter units changed")');
  const lib = await loadLibrary(libDir, false);
  assert.ok(lib.blocks.every((b) => b.validation?.status === 'passed'), 'the stored library records passes');
  const { report } = await revalidateLibrary(lib, runner, opts);
  assert.equal(report.previousEnvironmentHashes.length, 1);
  assert.equal(report.environmentHash, report.previousEnvironmentHashes[0]);
  assert.deepEqual(report.changed, [
    {
      id: `${LIB}:tinyflow.core.area`,
      before: 'passed',
      after: 'failed',
      levelBefore: 'checked',
      levelAfter: 'failed',
      message: 'ValueError at line 2: diameter units changed',
    },
  ]);
  assert.equal(report.counts.failed, 1);
  assert.ok(report.warnings.some((w) => /1 blocks have examples that did not pass/.test(w)));
});

test('ids limit the run to those blocks; unknown ids are refused', async () => {
  const lib = await loadLibrary(libDir, false);
  const { blocks: out, report } = await revalidateLibrary(lib, runner, { ...opts, ids: [`${LIB}:tinyflow.core.reynolds`] });
  assert.equal(report.blocks, 1);
  assert.equal(report.counts.runs, 2);
  assert.deepEqual(report.changed, []);
  assert.equal(out.length, 2, 'every block is returned, the others unchanged');
  await assert.rejects(
    revalidateLibrary(lib, runner, { ...opts, ids: [`${LIB}:nope`] }),
    (e: unknown) => isCodedistillError(e) && e.code === 'unknown_block',
  );
});

test('an unavailable runner runs nothing and says why', async () => {
  const lib = await loadLibrary(libDir, false);
  const refusing: Runner = {
    run: () => Promise.reject(new Error('must not run')),
    info: async () => ({ sandbox: 'none', interpreter: null, available: false, reason: 'no sandbox here' }),
  };
  const { report } = await revalidateLibrary(lib, refusing, opts);
  assert.equal(report.counts.runs, 0);
  assert.equal(report.environmentHash, null);
  assert.deepEqual(report.changed, []);
  assert.deepEqual(report.warnings, ['examples were not run: no sandbox here']);
});
