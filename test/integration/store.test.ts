import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as lancedb from '@lancedb/lancedb';
import { Block } from '../../src/domain/block.js';
import type { Progress } from '../../src/domain/job.js';
import { LibraryManifest } from '../../src/domain/library.js';
import { SearchQuery, SearchResult, type SearchFilters } from '../../src/domain/search.js';
import { CodedistillError } from '../../src/kernel/errors.js';
import { silentLogger } from '../../src/kernel/log.js';
import { HashingEmbedder } from '../../src/search/hashing.js';
import { TEXT_VERSION } from '../../src/search/fields.js';
import { openIndex } from '../../src/search/store.js';
import { buildWhere, META_FILE, TABLE_NAME } from '../../src/search/table.js';
import { CORPUS_FILE, TERMS_DIR } from '../../src/search/terms.js';
import type { SearchIndex, Embedder } from '../../src/search/types.js';
import type { LoadedLibrary } from '../../src/domain/library.js';
import { tempDir } from '../helpers/tmp.js';

interface Spec {
  name: string;
  kind?: Block['kind'];
  qualifiedName?: string;
  signature?: string;
  docstring: string;
  summary: string;
  params?: [string, string | null][];
  passed?: boolean;
  /** Passed and matched a stated output (stored with level checked); passed without it is a record from before levels. */
  checked?: boolean;
  gpu?: boolean;
  network?: boolean;
  /** Block.rank: how central it is in its repository. */
  rank?: number;
}

function makeBlock(library: string, licence: string, s: Spec): Block {
  const qn = s.qualifiedName ?? `${library}.core.${s.name}`;
  const params = s.params ?? [];
  return Block.parse({
    id: `${library}:${qn}`,
    library,
    language: 'python',
    kind: s.kind ?? 'function',
    name: s.name,
    qualifiedName: qn,
    module: qn.split('.').slice(0, -1).join('.'),
    signature: s.signature ?? `def ${s.name}(${params.map((p) => p[0]).join(', ')}):`,
    docstring: s.docstring,
    summary: s.summary,
    code: `def ${s.name}():\n    pass\n`,
    decorators: [],
    parameters: params.map(([name, description]) => ({ name, annotation: null, default: null, kind: 'positional', description })),
    returns: null,
    imports: [],
    calls: [],
    requirements: [],
    licence,
    citation: null,
    provenance: { repo: `example/${library}`, url: null, commit: 'c0ffee', path: `src/${library}/core.py`, startLine: 1, endLine: 2 },
    examples: [],
    validation: s.passed || s.checked
      ? {
          status: 'passed',
          ...(s.checked ? { level: 'checked' } : {}),
          exitCode: 0,
          durationMs: 12,
          stdout: '',
          stderr: '',
          error: null,
          message: 'ran',
          sandbox: 'none',
          ranAt: '2024-01-01T00:00:00Z',
        }
      : null,
    compute: { gpu: s.gpu ?? false, network: s.network ?? false },
    rank: s.rank ?? 1,
    tags: [],
  });
}

function makeLibrary(name: string, licence: string, specs: Spec[], fingerprint = `fp-${name}-1`): LoadedLibrary {
  const blocks = specs.map((s) => makeBlock(name, licence, s));
  const manifest = LibraryManifest.parse({
    schemaVersion: 1,
    name,
    source: { kind: 'local', location: `/src/${name}`, repo: name, ref: null, commit: 'c0ffee', url: null },
    licence,
    citation: null,
    description: null,
    languages: ['python'],
    importRoots: ['src'],
    requirements: [],
    counts: { filesSeen: 1, filesParsed: 1, filesSkipped: 0, parseErrors: 0, blocks: blocks.length, examples: 0, validated: 0 },
    skipped: [],
    createdAt: '2024-01-01T00:00:00Z',
    generator: 'test',
  });
  return { name, dir: `/libs/${name}`, readonly: false, manifest, blocks, fingerprint, packages: [] };
}

const FLOW: Spec[] = [
  {
    name: 'ergun_pressure_drop',
    summary: 'Pressure drop through a packed bed by the Ergun equation.',
    docstring: 'Pressure gradient across a packed bed of spheres, combining viscous and inertial losses (Ergun 1952).',
    params: [
      ['d_p', 'Particle diameter in metres.'],
      ['eps', 'Void fraction of the bed.'],
      ['mu', 'Dynamic viscosity of the fluid.'],
    ],
    passed: true,
  },
  {
    name: 'reynolds_number',
    summary: 'Reynolds number of pipe flow.',
    docstring: 'Ratio of inertial to viscous forces for flow in a circular pipe.',
    params: [['velocity', 'Mean flow velocity.'], ['diameter', 'Pipe diameter.']],
  },
  {
    name: 'FlowSolver',
    kind: 'class',
    qualifiedName: 'flowkit.solver.FlowSolver',
    signature: 'class FlowSolver:',
    summary: 'Finite-volume Navier-Stokes solver on a structured grid.',
    docstring: 'Solves incompressible Navier-Stokes equations with a projection method; runs on CUDA devices.',
    gpu: true,
  },
  {
    name: 'step',
    kind: 'method',
    qualifiedName: 'flowkit.solver.FlowSolver.step',
    signature: 'def step(self, dt):',
    summary: 'Advance the flow field by one time step.',
    docstring: 'Advance the velocity and pressure fields by dt seconds.',
    params: [['dt', 'Time step in seconds.']],
  },
];

const SIG: Spec[] = [
  {
    // Says "smoother" and "moving average", never "smooth" or "denoise": only the lexicon connects them.
    name: 'moving_average',
    summary: 'Boxcar smoother for a 1-D signal.',
    docstring: 'Centered moving average over an odd window of samples; edges use the samples that exist.',
    params: [['x', 'Samples.'], ['window', 'Window length in samples.']],
  },
  {
    name: 'bandpass_filter',
    summary: 'Butterworth band-pass filter for a 1-D signal.',
    docstring: 'Apply a zero-phase Butterworth band-pass filter between low and high cut-off frequencies.',
    params: [['signal', 'Samples.'], ['low', 'Low cut-off in Hz.'], ['high', 'High cut-off in Hz.']],
  },
  {
    name: 'power_spectrum',
    summary: "Power spectral density by Welch's method.",
    docstring: 'Estimate the power spectral density of a signal by averaging windowed periodograms.',
  },
  {
    name: 'download_dataset',
    summary: 'Download a sample recording from the web.',
    docstring: 'Fetch an example recording over HTTP and cache it locally.',
    network: true,
  },
];

const KIN: Spec[] = [
  {
    name: 'arrhenius_rate',
    summary: 'Rate constant from the Arrhenius equation.',
    docstring: 'Temperature dependence of a reaction rate constant: k = A exp(-Ea / (R T)).',
  },
  {
    name: 'first_order_decay',
    summary: 'Concentration after first-order decay.',
    docstring: 'Exponential decay of a concentration with rate constant k over time t.',
  },
];

const QUOTED_LICENCE = "O'Reilly-1.0";

function libraries(): LoadedLibrary[] {
  return [makeLibrary('flowkit', 'MIT', FLOW), makeLibrary('sigkit', 'BSD-3-Clause', SIG), makeLibrary('kinet', QUOTED_LICENCE, KIN)];
}

async function tableVersion(dir: string): Promise<number> {
  const db = await lancedb.connect(dir);
  try {
    const t = await db.openTable(TABLE_NAME);
    const v = await t.version();
    t.close();
    return v;
  } finally {
    db.close();
  }
}

async function rowCount(dir: string, filter?: string): Promise<number> {
  const db = await lancedb.connect(dir);
  try {
    const t = await db.openTable(TABLE_NAME);
    const n = await t.countRows(filter);
    t.close();
    return n;
  } finally {
    db.close();
  }
}

const query = (q: string, f: SearchFilters & { limit?: number } = {}): SearchQuery => SearchQuery.parse({ query: q, ...f });

describe('block index on LanceDB', () => {
  const dir = tempDir('codedistill-store-');
  const embedder = new HashingEmbedder();
  let index: SearchIndex;

  before(async () => {
    index = await openIndex({ dir, embedder, logger: silentLogger });
  });
  after(async () => {
    await index.close();
  });

  test('first sync indexes every library', async () => {
    const r = await index.sync(libraries());
    assert.deepEqual(r.indexed.sort(), ['flowkit', 'kinet', 'sigkit']);
    assert.deepEqual(r.removed, []);
    assert.deepEqual(r.unchanged, []);
    assert.equal(await rowCount(dir), FLOW.length + SIG.length + KIN.length);
  });

  test('finds a block by words from its docstring', async () => {
    const res = await index.search(query('pressure gradient across a bed of spheres'));
    SearchResult.parse(res);
    assert.equal(res.results[0]?.id, 'flowkit:flowkit.core.ergun_pressure_drop');
    assert.equal(res.results[0]?.confidence, 'high');
    assert.ok(res.results[0]!.matched.includes('docstring'), res.results[0]!.matched.join());
    assert.equal(res.results[0]?.validation, 'passed');
    assert.equal(res.mode, 'lexical');
    assert.equal(res.embedder, 'hashing-v1-384');
    assert.deepEqual(res.libraries, ['flowkit', 'kinet', 'sigkit']);
    for (const h of res.results) assert.ok(h.score >= 0 && h.score <= 1, String(h.score));
    const scores = res.results.map((h) => h.score);
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a), 'sorted by score');
  });

  test('finds a block from a code-style query', async () => {
    for (const q of ['ergun_pressure_drop(', 'dp = ergun_pressure_drop(d_p=1e-3, eps=0.4, mu=1e-3)', 'ergunPressureDrop']) {
      const res = await index.search(query(q));
      assert.equal(res.results[0]?.id, 'flowkit:flowkit.core.ergun_pressure_drop', q);
      assert.ok(res.results[0]!.matched.includes('name'), q);
      assert.notEqual(res.results[0]!.confidence, 'low', q);
    }
  });

  test('task words find blocks named otherwise', async () => {
    const cases: [string, string][] = [
      ['remove frequencies outside a band from a signal', 'sigkit:sigkit.core.bandpass_filter'],
      ['how does a reaction rate depend on temperature', 'kinet:kinet.core.arrhenius_rate'],
      ['ratio of inertial and viscous forces in a pipe', 'flowkit:flowkit.core.reynolds_number'],
    ];
    for (const [q, id] of cases) {
      const res = await index.search(query(q, { limit: 3 }));
      assert.equal(res.results[0]?.id, id, `${q} -> ${res.results.map((h) => h.id).join(', ')}`);
    }
  });

  test('the lexicon bridges a task phrased in other words', async () => {
    const res = await index.search(query('denoise a time series', { limit: 3 }));
    assert.equal(res.results[0]?.id, 'sigkit:sigkit.core.moving_average', res.results.map((h) => h.id).join());
    assert.notEqual(res.results[0]?.confidence, 'low');
    // With expansion off no block shares a word with the query, so the bridge above is the lexicon's.
    const plain = await openIndex({
      dir,
      embedder,
      logger: silentLogger,
      ranking: { expansion: { same: 0, related: 0 }, candidateExpansion: { relations: ['same', 'related'], words: 32, candidates: 0 } },
    });
    try {
      const off = await plain.search(query('denoise a time series', { limit: 3 }));
      // It may still be read (the related-word list fetches it) but scores nothing from the query's words.
      const unbridged = off.results.find((h) => h.id === 'sigkit:sigkit.core.moving_average');
      assert.ok(!unbridged || unbridged.score < res.results[0]!.score / 2, JSON.stringify(off.results));
      assert.ok(off.results.every((h) => h.confidence === 'low'));
    } finally {
      await plain.close();
    }
  });

  test('related words bring in candidates that the query\'s own words and vectors miss', async () => {
    // One candidate from each of the query's own words and the vectors: the smoother shares no word with the
    // query, so only the related-word query can make it a candidate at all.
    const q = query('denoise a time series', { limit: 1 });
    const narrow = await openIndex({ dir, embedder, logger: silentLogger, candidates: 1 });
    const without = await openIndex({
      dir,
      embedder,
      logger: silentLogger,
      candidates: 1,
      ranking: { candidateExpansion: { relations: ['same', 'related'], words: 32, candidates: 0 } },
    });
    try {
      assert.equal((await narrow.search(q)).results[0]?.id, 'sigkit:sigkit.core.moving_average');
      assert.notEqual((await without.search(q)).results[0]?.id, 'sigkit:sigkit.core.moving_average');
    } finally {
      await narrow.close();
      await without.close();
    }
  });

  test('a near-miss is not confident, while the same words asking for what exists are', async () => {
    // Shares "pressure drop" with the Ergun block but asks about valves and orifices, which nothing covers.
    const miss = await index.search(query('pressure drop across a partly open valve or an orifice plate'));
    assert.equal(miss.results[0]?.id, 'flowkit:flowkit.core.ergun_pressure_drop');
    assert.equal(miss.results[0]?.confidence, 'low');
    const kalman = await index.search(query('Kalman filter to track a moving object from noisy positions'));
    assert.ok(kalman.results.every((h) => h.confidence === 'low'), kalman.results.map((h) => `${h.id}:${h.confidence}`).join());
    const hit = await index.search(query('pressure drop through a packed bed'));
    assert.equal(hit.results[0]?.id, 'flowkit:flowkit.core.ergun_pressure_drop');
    assert.equal(hit.results[0]?.confidence, 'high');
    assert.ok(hit.results[0]!.score > 2 * miss.results[0]!.score, `${hit.results[0]!.score} vs ${miss.results[0]!.score}`);
  });

  test('no hit is more confident than the first', async () => {
    const level = { low: 0, medium: 1, high: 2 } as const;
    for (const q of ['pressure drop', 'signal', 'rate constant temperature', 'denoise a time series', 'flow']) {
      const res = await index.search(query(q));
      const first = level[res.results[0]!.confidence];
      for (const h of res.results) assert.ok(level[h.confidence] <= first, `${q}: ${h.id} ${h.confidence}`);
    }
  });

  test('term statistics are kept beside the index, per library and summed, and counted again from it when lost', async () => {
    const file = path.join(dir, CORPUS_FILE);
    const sums = JSON.parse(readFileSync(file, 'utf8')) as { textVersion: number; libraries: Record<string, { docs: number }> };
    assert.equal(sums.textVersion, TEXT_VERSION);
    assert.deepEqual(Object.keys(sums.libraries).sort(), ['flowkit', 'kinet', 'sigkit']);
    assert.equal(sums.libraries.sigkit!.docs, SIG.length);
    const sig = JSON.parse(readFileSync(path.join(dir, TERMS_DIR, 'sigkit.json'), 'utf8')) as { docs: number };
    assert.equal(sig.docs, SIG.length);
    const q = query('pressure loss through a bed of spheres');
    const before = (await index.search(q)).results.map((h) => [h.id, h.score, h.confidence]);
    await index.close();
    // The sum lost: summed again from the per-library files.
    rmSync(file);
    index = await openIndex({ dir, embedder, logger: silentLogger });
    assert.deepEqual((await index.search(q)).results.map((h) => [h.id, h.score, h.confidence]), before);
    await index.close();
    // Both lost: counted again from the table.
    rmSync(file, { force: true });
    rmSync(path.join(dir, TERMS_DIR), { recursive: true });
    index = await openIndex({ dir, embedder, logger: silentLogger });
    assert.deepEqual((await index.search(q)).results.map((h) => [h.id, h.score, h.confidence]), before);
  });

  test('a sync updates the sum by what it changed: the same statistics as summing every library again', async () => {
    const sumsNow = () => JSON.parse(readFileSync(path.join(dir, CORPUS_FILE), 'utf8')) as { df: Record<string, number>; length: Record<string, number>; libraries: Record<string, unknown> };
    await index.sync(libraries());
    const full = sumsNow();
    await index.sync(libraries().filter((l) => l.name !== 'sigkit'));
    const without = sumsNow();
    assert.deepEqual(Object.keys(without.libraries).sort(), ['flowkit', 'kinet']);
    await index.sync(libraries());
    const again = sumsNow();
    assert.deepEqual(again.df, full.df);
    assert.deepEqual(again.length, full.length);
  });

  test('filters restrict both the full-text and the vector side', async () => {
    // Words both libraries use: without the filter flowkit's step answers too.
    assert.ok((await index.search(query('time step of samples'))).results.some((h) => h.library === 'flowkit'));
    const bySig = await index.search(query('time step of samples', { library: 'sigkit' }));
    assert.ok(bySig.results.length > 0);
    assert.ok(bySig.results.every((h) => h.library === 'sigkit'));
    assert.deepEqual(bySig.libraries, ['sigkit']);

    const validated = await index.search(query('flow', { validatedOnly: true }));
    assert.deepEqual(validated.results.map((h) => h.id), ['flowkit:flowkit.core.ergun_pressure_drop']);
    // Its record is from before levels and matched nothing: it ran, it is not checked.
    assert.equal(validated.results[0]?.level, 'ran');
    assert.deepEqual((await index.search(query('flow', { checkedOnly: true }))).results, []);

    const methods = await index.search(query('flow solver', { kind: 'method' }));
    assert.deepEqual(methods.results.map((h) => h.id), ['flowkit:flowkit.solver.FlowSolver.step']);

    const gpu = await index.search(query('solver', { gpu: true }));
    assert.deepEqual(gpu.results.map((h) => h.id), ['flowkit:flowkit.solver.FlowSolver']);
    const noNet = await index.search(query('download recording', { network: false, limit: 50 }));
    assert.ok(noNet.results.every((h) => h.id !== 'sigkit:sigkit.core.download_dataset'));
    const net = await index.search(query('download recording', { network: true }));
    assert.deepEqual(net.results.map((h) => h.id), ['sigkit:sigkit.core.download_dataset']);

    const py = await index.search(query('decay', { language: 'python' }));
    assert.ok(py.results.length > 0);
    const r = await index.search(query('decay', { language: 'r' }));
    assert.equal(r.results.length, 0);
  });

  test('quotes in filter values do not break the SQL', async () => {
    assert.equal(buildWhere({ licence: "a'b" }), "licence = 'a''b'");
    const quoted = await index.search(query('rate constant', { licence: QUOTED_LICENCE }));
    assert.ok(quoted.results.length > 0);
    assert.ok(quoted.results.every((h) => h.library === 'kinet'));
    const injection = await index.search(query('rate constant', { licence: "x' OR '1'='1" }));
    assert.equal(injection.results.length, 0);
    const injection2 = await index.search(query('rate', { licence: "'); DELETE FROM blocks; --" }));
    assert.equal(injection2.results.length, 0);
    assert.equal(await rowCount(dir), FLOW.length + SIG.length + KIN.length);
  });

  test('a query of punctuation and query-syntax words is safe', async () => {
    const res = await index.search(query('AND OR NOT ( ) " * ~ ^ : [ ] { } \\ / - +'));
    SearchResult.parse(res);
    assert.ok(res.results.every((h) => h.confidence === 'low'));
  });

  test('a nonsense query comes back with low confidence', async () => {
    const res = await index.search(query('zorblax quintessential marmalade hovercraft'));
    assert.ok(res.results.every((h) => h.confidence === 'low'), res.results.map((h) => `${h.id}:${h.confidence}`).join());
    assert.ok(res.results.every((h) => h.score < 0.5), res.results.map((h) => h.score).join());
  });

  test('an empty query is rejected', async () => {
    assert.equal(SearchQuery.safeParse({ query: '   ' }).success, false);
    assert.equal(SearchQuery.safeParse({ query: '' }).success, false);
    await assert.rejects(
      index.search({ query: '  ', limit: 10 } as SearchQuery),
      (e: unknown) => e instanceof CodedistillError && e.code === 'invalid_input',
    );
  });

  test('an unknown library filter says which libraries exist', async () => {
    await assert.rejects(
      index.search(query('flow', { library: 'nope' })),
      (e: unknown) => e instanceof CodedistillError && e.code === 'unknown_library' && e.hint.includes('flowkit'),
    );
  });

  test('resync with unchanged fingerprints writes nothing', async () => {
    const v0 = await tableVersion(dir);
    const r = await index.sync(libraries());
    assert.deepEqual(r.indexed, []);
    assert.deepEqual(r.unchanged.sort(), ['flowkit', 'kinet', 'sigkit']);
    assert.equal(await tableVersion(dir), v0);
  });

  test('a changed fingerprint re-indexes that library only', async () => {
    const libs = libraries();
    const changedFlow = FLOW.map((s) =>
      s.name === 'reynolds_number' ? { ...s, docstring: 'Ratio of inertial to viscous forces in a zeolite column.' } : s,
    );
    libs[0] = makeLibrary('flowkit', 'MIT', changedFlow, 'fp-flowkit-2');
    const r = await index.sync(libs);
    assert.deepEqual(r.indexed, ['flowkit']);
    assert.deepEqual(r.unchanged.sort(), ['kinet', 'sigkit']);
    const res = await index.search(query('zeolite'));
    assert.equal(res.results[0]?.id, 'flowkit:flowkit.core.reynolds_number');
    assert.ok(res.results[0]!.matched.includes('docstring'));
    // Old rows were replaced, not duplicated.
    assert.equal(await rowCount(dir, "library = 'flowkit'"), FLOW.length);
    assert.equal(await rowCount(dir), FLOW.length + SIG.length + KIN.length);
  });

  test('a library no longer given disappears', async () => {
    const libs = libraries().filter((l) => l.name !== 'sigkit');
    libs[0] = makeLibrary('flowkit', 'MIT', FLOW, 'fp-flowkit-2');
    const r = await index.sync(libs);
    assert.deepEqual(r.removed, ['sigkit']);
    assert.deepEqual(r.indexed, []);
    assert.equal(await rowCount(dir, "library = 'sigkit'"), 0);
    const res = await index.search(query('band-pass filter for a signal'));
    assert.ok(res.results.every((h) => h.library !== 'sigkit'));
    assert.deepEqual(res.libraries, ['flowkit', 'kinet']);
    await assert.rejects(index.search(query('filter', { library: 'sigkit' })), (e: unknown) => e instanceof CodedistillError);
  });

  test('the index survives a reopen and still searches', async () => {
    await index.close();
    index = await openIndex({ dir, embedder, logger: silentLogger });
    const res = await index.search(query('Ergun'));
    assert.equal(res.results[0]?.id, 'flowkit:flowkit.core.ergun_pressure_drop');
  });

  test('a different embedder triggers a full re-embed', async () => {
    await index.close();
    const other = new HashingEmbedder(256);
    const idx2 = await openIndex({ dir, embedder: other, logger: silentLogger });
    try {
      // Before sync the old vectors (other dimension) must not be searched with the new embedder.
      const stale = await idx2.search(query('Ergun'));
      assert.equal(stale.results.length, 0);
      const libs = libraries().filter((l) => l.name !== 'sigkit');
      libs[0] = makeLibrary('flowkit', 'MIT', FLOW, 'fp-flowkit-2');
      const r = await idx2.sync(libs);
      assert.deepEqual(r.indexed.sort(), ['flowkit', 'kinet']);
      const res = await idx2.search(query('Ergun'));
      assert.equal(res.embedder, 'hashing-v1-256');
      assert.equal(res.results[0]?.id, 'flowkit:flowkit.core.ergun_pressure_drop');
      assert.equal(await rowCount(dir), FLOW.length + KIN.length);
    } finally {
      await idx2.close();
    }
    index = await openIndex({ dir, embedder, logger: silentLogger });
  });
});

describe('edge cases', () => {
  test("the folders' stamp a sync read them at is kept in the index, for a restart to compare", async () => {
    const dir = tempDir('codedistill-store-stamp-');
    const embedder = new HashingEmbedder();
    let index = await openIndex({ dir, embedder, logger: silentLogger });
    try {
      assert.equal(await index.synced(), null, 'an empty index has nothing to answer from');
      await index.sync([makeLibrary('tiny', 'MIT', KIN)], { catalogueStamp: '1:100' });
      assert.equal((await index.synced())?.catalogueStamp, '1:100');
      // Nothing to index, but the folders were read at a new stamp: that alone is written.
      await index.sync([makeLibrary('tiny', 'MIT', KIN)], { catalogueStamp: '1:200' });
      await index.close();
      index = await openIndex({ dir, embedder, logger: silentLogger });
      const synced = await index.synced();
      assert.equal(synced?.catalogueStamp, '1:200');
      assert.deepEqual([...(synced?.libraries ?? [])], ['tiny']);
    } finally {
      await index.close();
    }
  });

  test('warming an index reads ahead without changing what a search finds, empty or not', async () => {
    const dir = tempDir('codedistill-store-warm-');
    const index = await openIndex({ dir, embedder: new HashingEmbedder(), logger: silentLogger });
    try {
      await index.warm!();
      await index.sync([makeLibrary('tiny', 'MIT', KIN)]);
      const q = query('rate constant of a reaction');
      const before = await index.search(q);
      await index.warm!();
      assert.deepEqual((await index.search(q)).results, before.results);
      assert.ok(before.results.length > 0);
    } finally {
      await index.close();
    }
  });

  test('an empty index and libraries with no blocks', async () => {
    const dir = tempDir('codedistill-store-empty-');
    const index = await openIndex({ dir, embedder: new HashingEmbedder(), logger: silentLogger });
    try {
      const before = await index.search(query('anything'));
      assert.deepEqual(before.results, []);
      assert.deepEqual(before.libraries, []);
      const r = await index.sync([makeLibrary('hollow', 'MIT', [])]);
      assert.deepEqual(r.indexed, ['hollow']);
      const res = await index.search(query('anything', { library: 'hollow' }));
      assert.deepEqual(res.results, []);
      assert.deepEqual(res.libraries, ['hollow']);
      // Going from some rows back to none must also work (FTS index over an empty table).
      await index.sync([makeLibrary('tiny', 'MIT', KIN)]);
      assert.equal((await index.search(query('decay'))).results[0]?.id, 'tiny:tiny.core.first_order_decay');
      const gone = await index.sync([]);
      assert.deepEqual(gone.removed, ['tiny']);
      assert.deepEqual((await index.search(query('decay'))).results, []);
    } finally {
      await index.close();
    }
  });

  test('hits carry the validation level; validatedOnly keeps checked and ran, checkedOnly only checked', async () => {
    const dir = tempDir('codedistill-store-levels-');
    const index = await openIndex({ dir, embedder: new HashingEmbedder(), logger: silentLogger });
    try {
      const specs: Spec[] = [
        { name: 'orifice_flow_checked', docstring: 'Flow through an orifice plate.', summary: 'Orifice flow.', checked: true },
        { name: 'orifice_flow_ran', docstring: 'Flow through an orifice nozzle.', summary: 'Nozzle flow.', passed: true },
        { name: 'orifice_flow_unrun', docstring: 'Flow through an orifice venturi.', summary: 'Venturi flow.' },
      ];
      await index.sync([makeLibrary('levels', 'MIT', specs)]);
      const levels = (res: { results: Array<{ name?: string; qualifiedName: string; level: string | null }> }) =>
        Object.fromEntries(res.results.map((h) => [h.qualifiedName.split('.').pop(), h.level]));
      assert.deepEqual(levels(await index.search(query('orifice flow'))), {
        orifice_flow_checked: 'checked',
        orifice_flow_ran: 'ran',
        orifice_flow_unrun: null,
      });
      assert.deepEqual(levels(await index.search(query('orifice flow', { validatedOnly: true }))), {
        orifice_flow_checked: 'checked',
        orifice_flow_ran: 'ran',
      });
      assert.deepEqual(levels(await index.search(query('orifice flow', { checkedOnly: true }))), { orifice_flow_checked: 'checked' });
      assert.equal(buildWhere({ checkedOnly: true, validatedOnly: true }), "validated = true AND level = 'checked'");
    } finally {
      await index.close();
    }
  });

  test('duplicate library names are refused', async () => {
    const dir = tempDir('codedistill-store-dup-');
    const index = await openIndex({ dir, embedder: new HashingEmbedder(), logger: silentLogger });
    try {
      await assert.rejects(index.sync([makeLibrary('a', 'MIT', KIN), makeLibrary('a', 'MIT', KIN)]), /given twice/);
    } finally {
      await index.close();
    }
  });

  test('a sync reports its progress, stops when cancelled, and the next sync repairs what it left', async () => {
    const dir = tempDir('codedistill-store-cancel-');
    const base = new HashingEmbedder();
    const controller = new AbortController();
    // Cancelled as soon as the first chunk of blocks is embedded.
    const embedder: Embedder = {
      id: base.id,
      dim: base.dim,
      neural: false,
      embed: async (texts) => {
        const v = await base.embed(texts);
        controller.abort();
        return v;
      },
    };
    const many: Spec[] = Array.from({ length: 300 }, (_, i) => ({
      name: `gauge_${i}`,
      summary: `Reading number ${i} of a pressure gauge.`,
      docstring: 'Converts a raw gauge reading to pascals.',
    }));
    const libs = () => [makeLibrary('gauges', 'MIT', many), makeLibrary('flowkit', 'MIT', FLOW)];
    const total = many.length + FLOW.length;
    const index = await openIndex({ dir, embedder, logger: silentLogger });
    try {
      const seen: Progress[] = [];
      await assert.rejects(
        index.sync(libs(), { signal: controller.signal, onProgress: (p) => seen.push(p) }),
        (e: unknown) => e instanceof CodedistillError && e.code === 'cancelled',
      );
      assert.deepEqual(seen[0], { stage: 'index', done: 0, total });
      assert.deepEqual(seen.at(-1), { stage: 'index', done: 256, total, message: 'gauges' });
      assert.equal(existsSync(path.join(dir, META_FILE)), false, 'nothing recorded as indexed');

      const again: Progress[] = [];
      const r = await index.sync(libs(), { onProgress: (p) => again.push(p) });
      assert.deepEqual(r.indexed, ['gauges', 'flowkit']);
      assert.equal(await rowCount(dir), total);
      assert.deepEqual(again.at(-1), { stage: 'index', done: total, total, message: 'flowkit' });
      assert.equal((await index.search(query('ergun packed bed'))).results[0]?.id, 'flowkit:flowkit.core.ergun_pressure_drop');
      // A sync with nothing to index reports nothing.
      const idle: Progress[] = [];
      await index.sync(libs(), { onProgress: (p) => idle.push(p) });
      assert.deepEqual(idle, []);
    } finally {
      await index.close();
    }
  });

  test('above the threshold an approximate vector index is built, and dropped again below it', async () => {
    const dir = tempDir('codedistill-store-ann-');
    // A synthetic library big enough for HNSW training, with the real blocks mixed in.
    const filler: Spec[] = Array.from({ length: 600 }, (_, i) => ({
      name: `helper_${i}`,
      summary: `Helper number ${i} for ${['grids', 'meshes', 'spectra', 'tensors'][i % 4]}.`,
      docstring: `Internal helper ${i}; handles ${['boundary', 'padding', 'units', 'caching'][i % 4]} details.`,
    }));
    const big = makeLibrary('big', 'MIT', [...FLOW, ...filler]);
    // The hashing vectors carry no weight by default and are then not read; given one, the ANN side is searched.
    const weighted = { vector: { neural: 0.5, hashing: 0.2 } };
    const index = await openIndex({ dir, embedder: new HashingEmbedder(), logger: silentLogger, annThreshold: 500, ranking: weighted });
    const vectorIndexes = async () => {
      const db = await lancedb.connect(dir);
      const t = await db.openTable(TABLE_NAME);
      const n = (await t.listIndices()).filter((i) => i.columns.includes('vector')).length;
      t.close();
      db.close();
      return n;
    };
    try {
      await index.sync([big]);
      assert.equal(await vectorIndexes(), 1);
      const res = await index.search(query('pressure drop across a packed bed of spheres'));
      assert.equal(res.results[0]?.id, 'big:big.core.ergun_pressure_drop');
      assert.ok(res.results[0]!.matched.includes('vector'), 'the ANN side returned it too');
      // The approximate index must rank and score like an exact scan: LanceDB's HNSW distance is not 1 - cosine,
      // and reading it as such once made every vector match of a large index look unrelated.
      const flatDir = tempDir('codedistill-store-flat-');
      const flat = await openIndex({ dir: flatDir, embedder: new HashingEmbedder(), logger: silentLogger, ranking: weighted });
      try {
        await flat.sync([big]);
        const exact = await flat.search(query('pressure drop across a packed bed of spheres', { limit: 3 }));
        assert.deepEqual(res.results.slice(0, 3).map((h) => h.id), exact.results.map((h) => h.id));
        res.results.slice(0, 3).forEach((h, i) => assert.ok(Math.abs(h.score - exact.results[i]!.score) < 0.01, `${h.score} vs ${exact.results[i]!.score}`));
      } finally {
        await flat.close();
      }
      const filtered = await index.search(query('helper for meshes', { kind: 'class' }));
      assert.deepEqual(filtered.results.map((h) => h.id), ['big:flowkit.solver.FlowSolver']);

      await index.sync([makeLibrary('big', 'MIT', FLOW, 'fp-small')]);
      assert.equal(await vectorIndexes(), 0);
      assert.equal((await index.search(query('Ergun'))).results[0]?.id, 'big:big.core.ergun_pressure_drop');
    } finally {
      await index.close();
    }
  });

  test('between otherwise equal blocks the validated one comes first', async () => {
    const dir = tempDir('codedistill-store-validated-');
    const twin = (module: string, passed: boolean): Spec => ({
      name: 'solve_heat_equation',
      qualifiedName: `twins.${module}.solve_heat_equation`,
      summary: 'Solve the heat equation on a rod.',
      docstring: 'Explicit finite differences in time and space.',
      passed,
    });
    // The id is the last tie-break and puts "left" first; only the validated preference can put "right" first.
    const lib = makeLibrary('twins', 'MIT', [twin('left', false), twin('right', true)]);
    const q = query('solve the heat equation on a rod');
    const index = await openIndex({ dir, embedder: new HashingEmbedder(), logger: silentLogger });
    try {
      await index.sync([lib]);
      const res = await index.search(q);
      assert.deepEqual(res.results.map((h) => h.id), ['twins:twins.right.solve_heat_equation', 'twins:twins.left.solve_heat_equation']);
      assert.equal(res.results[0]!.validation, 'passed');
    } finally {
      await index.close();
    }
    const indifferent = await openIndex({ dir, embedder: new HashingEmbedder(), logger: silentLogger, ranking: { validated: 0 } });
    try {
      assert.equal((await indifferent.search(q)).results[0]?.id, 'twins:twins.left.solve_heat_equation');
    } finally {
      await indifferent.close();
    }
  });

  test('between blocks that match alike, the one its repository exports, documents and uses comes first', async () => {
    const dir = tempDir('codedistill-store-central-');
    const twin = (module: string, rank: number): Spec => ({
      name: 'integrate_orbit',
      qualifiedName: `orbits.${module}.integrate_orbit`,
      summary: 'Integrate an orbit over time.',
      docstring: 'Leapfrog steps of a test particle in a potential.',
      rank,
    });
    // The id puts "_internal" first; only the centrality prior can put "api" first.
    const lib = makeLibrary('orbits', 'MIT', [twin('_internal', 2), twin('api', 20)]);
    const q = query('integrate an orbit over time');
    const index = await openIndex({ dir, embedder: new HashingEmbedder(), logger: silentLogger });
    try {
      await index.sync([lib]);
      assert.deepEqual((await index.search(q)).results.map((h) => h.id), ['orbits:orbits.api.integrate_orbit', 'orbits:orbits._internal.integrate_orbit']);
    } finally {
      await index.close();
    }
    const flat = await openIndex({ dir, embedder: new HashingEmbedder(), logger: silentLogger, ranking: { centrality: { weight: 0, half: 10 } } });
    try {
      assert.equal((await flat.search(q)).results[0]?.id, 'orbits:orbits._internal.integrate_orbit');
    } finally {
      await flat.close();
    }
  });

  test('demo libraries answer only when they are all there is, or when asked, and say they are demos', async () => {
    const dir = tempDir('codedistill-store-demo-');
    const friction: Spec = { name: 'friction_factor', summary: 'Darcy friction factor of a pipe.', docstring: 'Colebrook equation for turbulent flow.' };
    const demo = { ...makeLibrary('demo', 'MIT', [friction]), demo: true };
    const own = makeLibrary('mine', 'MIT', [{ ...friction, summary: 'Friction factor for flow in a pipe.' }]);
    const q = query('darcy friction factor of a pipe');
    const index = await openIndex({ dir, embedder: new HashingEmbedder(), logger: silentLogger });
    try {
      await index.sync([demo]);
      const alone = await index.search(q);
      assert.equal(alone.results[0]?.id, 'demo:demo.core.friction_factor');
      assert.equal(alone.results[0]?.demo, true);
      await index.sync([demo, own]);
      const res = await index.search(q);
      assert.deepEqual(res.results.map((h) => h.library), ['mine']);
      assert.deepEqual(res.libraries, ['mine']);
      assert.equal(res.results[0]?.demo, undefined);
      // Named, a demo library is searched: the caller asked for it.
      assert.equal((await index.search({ ...q, library: 'demo' })).results[0]?.demo, true);
    } finally {
      await index.close();
    }
    // The demos are told apart in the meta file, so a server started later still hides them.
    const reopened = await openIndex({ dir, embedder: new HashingEmbedder(), logger: silentLogger });
    try {
      assert.deepEqual((await reopened.search(q)).results.map((h) => h.library), ['mine']);
    } finally {
      await reopened.close();
    }
    const shown = await openIndex({ dir, embedder: new HashingEmbedder(), logger: silentLogger, showDemos: true });
    try {
      assert.deepEqual(new Set((await shown.search(q)).results.map((h) => h.library)), new Set(['mine', 'demo']));
    } finally {
      await shown.close();
    }
  });

  test('an index written with another text version is rebuilt, not searched', async () => {
    const dir = tempDir('codedistill-store-textversion-');
    let index = await openIndex({ dir, embedder: new HashingEmbedder(), logger: silentLogger });
    await index.sync([makeLibrary('flowkit', 'MIT', FLOW)]);
    await index.close();
    const metaFile = path.join(dir, META_FILE);
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as { textVersion: number };
    writeFileSync(metaFile, JSON.stringify({ ...meta, textVersion: TEXT_VERSION - 1 }));
    index = await openIndex({ dir, embedder: new HashingEmbedder(), logger: silentLogger });
    try {
      assert.deepEqual((await index.search(query('Ergun'))).results, []);
      const r = await index.sync([makeLibrary('flowkit', 'MIT', FLOW)]);
      assert.deepEqual(r.indexed, ['flowkit']);
      assert.equal((await index.search(query('Ergun'))).results[0]?.id, 'flowkit:flowkit.core.ergun_pressure_drop');
      assert.ok(existsSync(path.join(dir, CORPUS_FILE)));
    } finally {
      await index.close();
    }
  });

  test('a small library synced into a larger index is searchable at once, without a compaction of the table', async () => {
    const dir = tempDir('codedistill-store-incremental-');
    const filler: Spec[] = Array.from({ length: 1500 }, (_, i) => ({ name: `helper_${i}`, summary: `Helper number ${i} for grids.`, docstring: `Helper ${i}.` }));
    const index = await openIndex({ dir, embedder: new HashingEmbedder(), logger: silentLogger });
    const ftsStats = async () => {
      const db = await lancedb.connect(dir);
      const t = await db.openTable(TABLE_NAME);
      const fts = (await t.listIndices()).find((i) => i.indexType === 'FTS')!;
      const stats = { unindexed: (await t.indexStats(fts.name))!.numUnindexedRows, fragments: (await t.stats()).fragmentStats.numFragments };
      t.close();
      db.close();
      return stats;
    };
    try {
      await index.sync([makeLibrary('base', 'MIT', filler)]);
      assert.equal((await ftsStats()).unindexed, 0, 'the first sync builds the indexes');
      await index.sync([makeLibrary('base', 'MIT', filler), makeLibrary('flowkit', 'MIT', FLOW)]);
      const after = await ftsStats();
      assert.equal(after.unindexed, FLOW.length, 'the new rows wait for the next compaction');
      assert.ok(after.fragments > 1, 'the table was not rewritten');
      assert.equal((await index.search(query('Ergun packed bed pressure drop'))).results[0]?.id, 'flowkit:flowkit.core.ergun_pressure_drop');
      // Enough new rows make the compaction due: then everything is indexed again.
      const more: Spec[] = Array.from({ length: 1100 }, (_, i) => ({ name: `extra_${i}`, summary: `Extra ${i} for meshes.`, docstring: `Extra ${i}.` }));
      await index.sync([makeLibrary('base', 'MIT', filler), makeLibrary('flowkit', 'MIT', FLOW), makeLibrary('extra', 'MIT', more)]);
      assert.equal((await ftsStats()).unindexed, 0);
    } finally {
      await index.close();
    }
  });

  test('a library synced after the full-text index was built is found by words the index already knows', async () => {
    // LanceDB 0.31 leaves rows written after its full-text index out of that index's answers when they hold a word
    // the index knows; the index lists such libraries and search reads their rows itself until maintenance.
    const dir = tempDir('codedistill-store-tail-');
    const friction: Spec = { name: 'friction_factor', summary: 'Darcy friction factor of a pipe.', docstring: 'Colebrook equation for turbulent flow.' };
    const later = { name: 'wall_friction', summary: 'Friction at a pipe wall, friction per unit length.', docstring: 'Wall friction from the friction velocity.' };
    const index = await openIndex({ dir, embedder: new HashingEmbedder(), logger: silentLogger });
    try {
      await index.sync([makeLibrary('first', 'MIT', [friction])]);
      await index.sync([makeLibrary('first', 'MIT', [friction]), makeLibrary('second', 'MIT', [later])]);
      const meta = JSON.parse(readFileSync(path.join(dir, META_FILE), 'utf8')) as { unindexed?: string[] };
      assert.deepEqual(meta.unindexed, ['second']);
      const res = await index.search(query('wall friction', { limit: 5 }));
      assert.equal(res.results[0]?.id, 'second:second.core.wall_friction', JSON.stringify(res.results.map((h) => h.id)));
      assert.deepEqual((await index.search(query('friction', { library: 'second' }))).results.map((h) => h.id), ['second:second.core.wall_friction']);
    } finally {
      await index.close();
    }
    // An index from before the list was kept does not say which libraries are left out: the next sync folds all in.
    const { unindexed: _, ...legacy } = JSON.parse(readFileSync(path.join(dir, META_FILE), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(dir, META_FILE), JSON.stringify(legacy));
    const reopened = await openIndex({ dir, embedder: new HashingEmbedder(), logger: silentLogger });
    try {
      await reopened.sync([makeLibrary('first', 'MIT', [friction]), makeLibrary('second', 'MIT', [later])]);
      const db = await lancedb.connect(dir);
      const t = await db.openTable(TABLE_NAME);
      const fts = (await t.listIndices()).find((i) => i.indexType === 'FTS')!;
      assert.equal((await t.indexStats(fts.name))!.numUnindexedRows, 0);
      t.close();
      db.close();
      assert.deepEqual((JSON.parse(readFileSync(path.join(dir, META_FILE), 'utf8')) as { unindexed?: string[] }).unindexed, []);
    } finally {
      await reopened.close();
    }
  });

  test('vectors that carry no weight are not read: the query is not embedded and no hit matched by vector', async () => {
    const dir = tempDir('codedistill-store-novec-');
    const base = new HashingEmbedder();
    let queries = 0;
    const counting: Embedder = {
      id: base.id,
      dim: base.dim,
      neural: false,
      embed: (t, purpose) => {
        if (purpose === 'query') queries++;
        return base.embed(t);
      },
    };
    const unweighted = await openIndex({ dir, embedder: counting, logger: silentLogger });
    try {
      await unweighted.sync([makeLibrary('flowkit', 'MIT', FLOW)]);
      const res = await unweighted.search(query('packed bed pressure drop'));
      assert.equal(res.results[0]?.id, 'flowkit:flowkit.core.ergun_pressure_drop');
      assert.equal(queries, 0);
      assert.ok(res.results.every((h) => !h.matched.includes('vector')));
    } finally {
      await unweighted.close();
    }
    const weighted = await openIndex({ dir, embedder: counting, logger: silentLogger, ranking: { vector: { neural: 0.5, hashing: 0.2 } } });
    try {
      const res = await weighted.search(query('packed bed pressure drop'));
      assert.equal(queries, 1);
      assert.ok(res.results[0]!.matched.includes('vector'));
    } finally {
      await weighted.close();
    }
  });

  test('a neural embedder makes the mode hybrid', async () => {
    const dir = tempDir('codedistill-store-neural-');
    const base = new HashingEmbedder();
    const neural: Embedder = { id: 'fake/neural', dim: base.dim, neural: true, embed: (t) => base.embed(t) };
    const index = await openIndex({ dir, embedder: neural, logger: silentLogger });
    try {
      await index.sync([makeLibrary('flowkit', 'MIT', FLOW)]);
      const res = await index.search(query('packed bed pressure drop'));
      assert.equal(res.mode, 'hybrid');
      assert.equal(res.embedder, 'fake/neural');
      assert.equal(res.results[0]?.id, 'flowkit:flowkit.core.ergun_pressure_drop');
      assert.ok(res.results[0]!.matched.includes('vector'));
    } finally {
      await index.close();
    }
  });
});

describe('re-indexing a changed library', () => {
  /** Counts what it embeds: a re-index should embed only the blocks that changed. */
  class CountingEmbedder extends HashingEmbedder {
    embedded: string[] = [];
    override async embed(texts: string[], role?: 'query' | 'document'): Promise<Float32Array[]> {
      if (role !== 'query') this.embedded.push(...texts);
      return super.embed(texts);
    }
  }
  const termsOf = (dir: string, name: string) => {
    const t = JSON.parse(readFileSync(path.join(dir, TERMS_DIR, `${name}.json`), 'utf8')) as { docs: number; length: unknown; df: Record<string, number> };
    return { docs: t.docs, length: t.length, df: Object.fromEntries(Object.entries(t.df).sort(([a], [b]) => a.localeCompare(b))) };
  };

  test('embeds only the blocks that changed or came, drops those that went, and counts the same statistics as a fresh index', async () => {
    const dir = tempDir('codedistill-store-diff-');
    const embedder = new CountingEmbedder();
    const index = await openIndex({ dir, embedder, logger: silentLogger });
    const changed = FLOW.filter((s) => s.name !== 'ergun_pressure_drop').map((s) =>
      s.name === 'reynolds_number' ? { ...s, docstring: 'Ratio of inertial to viscous forces in a zeolite column.' } : s,
    );
    changed.push({ name: 'weir_discharge', docstring: 'Discharge over a sharp-crested weir.', summary: 'Weir discharge.' });
    try {
      await index.sync(libraries());
      embedder.embedded = [];
      const libs = libraries();
      libs[0] = makeLibrary('flowkit', 'MIT', changed, 'fp-flowkit-2');
      const r = await index.sync(libs);
      assert.deepEqual(r.indexed, ['flowkit']);
      assert.equal(embedder.embedded.length, 2, `embedded: ${embedder.embedded.map((t) => t.slice(0, 40)).join(' | ')}`);
      assert.equal(await rowCount(dir, "library = 'flowkit'"), changed.length);
      assert.equal((await index.search(query('zeolite'))).results[0]?.id, 'flowkit:flowkit.core.reynolds_number');
      assert.equal((await index.search(query('sharp-crested weir'))).results[0]?.id, 'flowkit:flowkit.core.weir_discharge');
      assert.ok((await index.search(query('Ergun packed bed', { library: 'flowkit' }))).results.every((h) => h.id !== 'flowkit:flowkit.core.ergun_pressure_drop'));

      const fresh = tempDir('codedistill-store-fresh-');
      const other = await openIndex({ dir: fresh, embedder: new HashingEmbedder(), logger: silentLogger });
      try {
        await other.sync(libs);
        assert.deepEqual(termsOf(dir, 'flowkit'), termsOf(fresh, 'flowkit'));
        const sums = (d: string) => JSON.parse(readFileSync(path.join(d, CORPUS_FILE), 'utf8')) as { df: unknown; length: unknown };
        assert.deepEqual(sums(dir).length, sums(fresh).length);
      } finally {
        await other.close();
      }
    } finally {
      await index.close();
    }
  });

  test('statistics of another fingerprint than the rows were indexed at: the library is indexed whole', async () => {
    const dir = tempDir('codedistill-store-whole-');
    const embedder = new CountingEmbedder();
    const index = await openIndex({ dir, embedder, logger: silentLogger });
    try {
      await index.sync(libraries());
      rmSync(path.join(dir, TERMS_DIR, 'flowkit.json'));
      embedder.embedded = [];
      const libs = libraries();
      libs[0] = makeLibrary('flowkit', 'MIT', FLOW, 'fp-flowkit-2');
      await index.sync(libs);
      assert.equal(embedder.embedded.length, FLOW.length);
      assert.equal(await rowCount(dir, "library = 'flowkit'"), FLOW.length);
    } finally {
      await index.close();
    }
  });
});
