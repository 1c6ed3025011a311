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

test('hidden demo libraries are dropped from the lists, keeping exactly the rows a filter would keep', async () => {
  const all = [
    { library: 'demo', id: 'd1' }, { library: 'mine', id: 'm1' }, { library: 'demo', id: 'd2' },
    ...Array.from({ length: 20 }, (_, i) => ({ library: 'mine', id: `m${i + 2}` })),
  ];
  const calls: (string | null)[] = [];
  // What LanceDB gives: the rows in rank order, filtered by `where` when there is one.
  const fetch = async (where: string | null, n: number) => (calls.push(where), all.filter((r) => !where?.includes('NOT IN') || r.library !== 'demo').slice(0, n));
  const h = hiding({}, ['demo']);
  assert.deepEqual((await h.list(fetch, 3)).map((r) => r.id), ['m1', 'm2', 'm3']);
  assert.deepEqual([...calls], [null], 'no filter sent to LanceDB (a filtered query costs twice as much)');
  // Other filters still go to LanceDB.
  assert.equal(hiding({ kind: 'function' }, ['demo']).where, "library NOT IN ('demo') AND kind = 'function'");
  // Demos crowding a full list: asked again with the filter, the same rows as the filter's.
  const crowded = [...Array.from({ length: 12 }, (_, i) => ({ library: 'demo', id: `d${i}` })), ...all.slice(3)];
  calls.length = 0;
  const fetch2 = async (where: string | null, n: number) => (calls.push(where), crowded.filter((r) => !where || r.library !== 'demo').slice(0, n));
  assert.deepEqual((await h.list(fetch2, 5)).map((r) => r.id), ['m2', 'm3', 'm4', 'm5', 'm6']);
  assert.deepEqual([...calls], [null, "library NOT IN ('demo')"]);
  // A short list (fewer matches than asked for) is whole: nothing to ask again.
  calls.length = 0;
  const few = async (where: string | null, n: number) => (calls.push(where), [{ library: 'demo', id: 'd' }, { library: 'mine', id: 'm' }].slice(0, n));
  assert.deepEqual((await h.list(few, 5)).map((r) => r.id), ['m']);
  assert.deepEqual([...calls], [null]);
  assert.equal(hiding({}, []).where, null);
});
