/** The query path's pure parts: the input check against the indexed libraries, and candidates merged by id. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SearchQuery } from '../../src/domain/search.js';
import { CodedistillError } from '../../src/kernel/errors.js';
import { gatherCandidates } from '../../src/search/candidates.js';
import { checkSearch, hiding } from '../../src/search/retrieve.js';

/** Raw input as a caller passes it: checkSearch is what fills in the defaults. */
const input = (q: Partial<SearchQuery>) => q as SearchQuery;
const isError = (code: string, re: RegExp) => (e: unknown) =>
  e instanceof CodedistillError && e.code === code && re.test(`${e.message} ${e.hint}`);

test('checkSearch fills defaults and refuses a library the index does not hold, naming the ones it does', () => {
  assert.equal(checkSearch(input({ query: 'reynolds number' }), ['flowcalc']).limit, 10);
  assert.throws(() => checkSearch(input({ query: 'x', library: 'nope' }), ['flowcalc', 'sigproc']), isError('unknown_library', /"nope".*flowcalc, sigproc/));
  assert.throws(() => checkSearch(input({ query: 'x', library: 'nope' }), []), isError('unknown_library', /No library is indexed yet/));
  assert.throws(() => checkSearch(input({ query: '  ' }), ['flowcalc']), isError('invalid_input', /Invalid search/));
});

test('gatherCandidates keeps full-text order, records vector ranks and takes similarity from the vectors', () => {
  const q = Float32Array.from([1, 0]);
  const row = (id: string, vector?: number[], extra: Record<string, unknown> = {}) => ({ id, library: 'lib', name: id, kind: 'function', validation: 'passed', fields: '{}', vector, ...extra });
  const byId = gatherCandidates(
    [row('a', [0, 1]), row('b', [1, 0]), row('a', [0, 1])],
    [row('b', [1, 0]), row('c', undefined, { _distance: 0.25 })],
    q,
  );
  assert.deepEqual([...byId.keys()], ['a', 'b', 'c']);
  assert.equal(byId.get('a')!.cosine, 0);
  assert.equal(byId.get('a')!.vecRank, undefined);
  assert.equal(byId.get('b')!.vecRank, 1);
  assert.ok(Math.abs(byId.get('b')!.cosine! - 1) < 1e-9);
  // A row read back without its vector falls back to LanceDB's distance.
  assert.equal(byId.get('c')!.vecRank, 2);
  assert.equal(byId.get('c')!.cosine, 0.75);
  assert.equal(byId.get('b')!.validated, true);
});

test('hidden demo libraries are dropped from the lists, keeping the rows a filter would keep', () => {
  const sums = { libraries: { demo: { docs: 3 }, mine: { docs: 40 } } };
  const h = hiding({}, ['demo'], sums);
  // No filter is sent to LanceDB (a filtered query costs twice as much); the lists ask for the demo's rows more.
  assert.equal(h.where, null);
  assert.equal(h.slack, 3);
  const rows = [{ library: 'demo', id: 'd1' }, { library: 'mine', id: 'm1' }, { library: 'demo', id: 'd2' }, { library: 'mine', id: 'm2' }, { library: 'mine', id: 'm3' }];
  assert.deepEqual(h.keep(rows, 2).map((r) => r.id), ['m1', 'm2']);
  // Other filters still go to LanceDB.
  assert.equal(hiding({ kind: 'function' }, ['demo'], sums).where, "kind = 'function'");
});

test('hidden libraries too large to drop row by row are filtered by LanceDB', () => {
  const h = hiding({}, ['big'], { libraries: { big: { docs: 10_000 } } });
  assert.equal(h.where, "library NOT IN ('big')");
  assert.equal(h.slack, 0);
  assert.equal(hiding({}, [], { libraries: {} }).where, null);
});
