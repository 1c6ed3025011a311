import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { PatternAnswer } from '../../src/domain/pattern.js';
import { SearchAnswer, type SearchHit } from '../../src/domain/search.js';
import { leanOutput } from '../../src/server/schema.js';
import { compactHit, searchAnswer, searchContent } from '../../src/server/search-answer.js';
import { firstParagraph } from '../../src/server/pattern-answer.js';
import { blockUri } from '../../src/server/uris.js';
import { forCli } from '../../src/cli/surface.js';

const hit = (i: number, over: Partial<SearchHit> = {}): SearchHit => ({
  id: `fluids:fluids.friction.f${i}`,
  qualifiedName: `fluids.friction.f${i}`,
  kind: 'function',
  library: 'fluids',
  language: 'python',
  path: 'fluids/friction.py',
  signature: `def f${i}(Re, eD, ${'x'.repeat(200)}):`,
  summary: 'Calculates Darcy friction factor using the method in Round (1980) [2]_ as shown in [1]_.',
  score: 0.123456,
  confidence: 'medium',
  validation: 'passed',
  level: i % 2 ? 'ran' : null,
  matched: ['name', 'docstring'],
  ...over,
});

test('the advertised output schema keeps the top level and accepts the real answer', () => {
  const lean = leanOutput(PatternAnswer);
  const json = JSON.stringify(z.toJSONSchema(lean, { io: 'output' }));
  assert.ok(json.length < JSON.stringify(z.toJSONSchema(PatternAnswer, { io: 'output' })).length / 4, json);
  assert.match(json, /"usage":\{"type":"string"\}/);
  assert.ok(!json.includes('"full"'), 'optional fields are extra keys, not advertised');
  const answer = { id: 'a:b', kind: 'function', signature: 'def b():', doc: 'B.', usage: 'b()', usageFrom: null, requirements: [], licence: 'MIT', citation: null, provenance: {}, library: { name: 'a' }, full: { code: '' } };
  assert.ok(lean.safeParse(answer).success);
  assert.ok(!lean.safeParse({ ...answer, usage: 3 }).success, 'a wrong type at the top level is still caught');
});

test('search hits are compact: capped, markup-free, rounded, levels named; the libraries only when nothing matched', () => {
  const h = compactHit(hit(0));
  assert.ok(h.signature.length <= 90 && h.signature.endsWith('…'));
  assert.equal(h.summary, 'Calculates Darcy friction factor using the method in Round (1980) as shown in.');
  assert.equal(h.score, 0.12);
  assert.equal(h.level, 'not_run');
  assert.equal('demo' in h, false);
  assert.equal(compactHit(hit(1, { demo: true })).demo, true);
  const full = searchAnswer({ results: Array.from({ length: 10 }, (_, i) => hit(i)), mode: 'lexical', embedder: 'x', libraries: ['fluids'], tookMs: 3 });
  SearchAnswer.parse(full);
  assert.equal(full.libraries, undefined);
  assert.ok(JSON.stringify(full).length / 4 < 1000, 'ten hits well under 1k tokens');
  const none = searchAnswer({ results: [], mode: 'lexical', embedder: 'x', libraries: ['fluids', 'ht'], tookMs: 3 });
  assert.deepEqual(none.libraries, ['fluids', 'ht']);
  assert.match((searchContent(none)[0] as { text: string }).text, /fluids, ht/);
});

test('each hit gets a resource link to its block', () => {
  const content = searchContent(searchAnswer({ results: [hit(0), hit(1)], mode: 'hybrid', embedder: 'x', libraries: [], tookMs: 1 }));
  const links = content.filter((c) => c.type === 'resource_link');
  assert.deepEqual(links.map((l) => (l as { uri: string }).uri), ['block://fluids/fluids.friction.f0', 'block://fluids/fluids.friction.f1']);
  assert.equal(blockUri('lib:pkg.mod.Class.method'), 'block://lib/pkg.mod.Class.method');
});

test("get_pattern's doc is the docstring's first paragraph, plain and capped; the summary without a docstring", () => {
  assert.equal(firstParagraph('Darcy friction factor, :func:`~fluids.Colebrook` [1]_.\n\nParameters\n----------\nRe : float', 's'), 'Darcy friction factor, Colebrook.');
  assert.equal(firstParagraph(null, 'The summary.'), 'The summary.');
  assert.ok(firstParagraph('word '.repeat(500), 's').length <= 700);
});

test('the CLI names its own commands where the core names tools', () => {
  assert.equal(forCli('No libraries exist yet: create one with distill_repo.'), 'No libraries exist yet: create one with `codedistill distill`.');
  assert.equal(forCli('Ids come from search_library results'), 'Ids come from `codedistill search` results');
  assert.equal(forCli('distill_repository'), 'distill_repository');
});
