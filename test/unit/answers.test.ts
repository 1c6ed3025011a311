import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { PatternAnswer } from '../../src/domain/pattern.js';
import { SearchAnswer, type SearchHit } from '../../src/domain/search.js';
import { leanOutput } from '../../src/server/schema.js';
import { compactHit, searchAnswer, searchContent, trimSummary } from '../../src/server/search-answer.js';
import { cutCode, firstParagraph, patternAnswer, USAGE_CHARS, USAGE_LINES } from '../../src/server/pattern-answer.js';
import type { Example } from '../../src/domain/block.js';
import type { PatternResult } from '../../src/domain/pattern.js';
import type { RunRecord } from '../../src/domain/validation.js';
import { testBlock } from '../helpers/block.js';
import { blockUri, idFromBlockUri } from '../../src/server/uris.js';
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

test('search hits are compact: capped, markup-free, no opening verb, short signatures only, levels named; the libraries only when nothing matched', () => {
  const h = compactHit(hit(0));
  assert.equal(h.signature, undefined, 'a long signature is left to get_pattern');
  assert.equal(compactHit(hit(0, { signature: 'def f0(Re, eD):' })).signature, 'f0(Re, eD)');
  assert.equal(compactHit(hit(0, { kind: 'class', signature: 'class Bed(Base):' })).signature, undefined, 'a class line is no call');
  assert.equal(h.summary, 'Darcy friction factor using the method in Round (1980) as shown…');
  assert.ok(compactHit(hit(0, { summary: 'word '.repeat(50) })).summary.length <= 64);
  assert.equal(h.level, undefined, 'never run: no level');
  assert.equal(compactHit(hit(1)).level, 'ran');
  assert.equal('score' in h || 'kind' in h || 'demo' in h, false);
  const full = searchAnswer({ results: Array.from({ length: 10 }, (_, i) => hit(i, i === 3 ? { confidence: 'low' } : {})), mode: 'lexical', embedder: 'x', libraries: ['fluids'], tookMs: 3 });
  SearchAnswer.parse(full);
  assert.equal(full.libraries, undefined);
  assert.equal(full.confidence, 'medium', 'the confidence most hits share, once');
  assert.deepEqual(full.results.map((r) => r.confidence ?? '-'), ['-', '-', '-', 'low', '-', '-', '-', '-', '-', '-']);
  const whole = JSON.stringify({ content: searchContent(full), structuredContent: full });
  assert.ok(whole.length / 4 < 800, `ten hits, text, links and structured answer together, well under 1k tokens: ${whole.length / 4}`);
  const none = searchAnswer({ results: [], mode: 'lexical', embedder: 'x', libraries: ['fluids', 'ht'], tookMs: 3 });
  assert.deepEqual(none.libraries, ['fluids', 'ht']);
  assert.match((searchContent(none)[0] as { text: string }).text, /fluids, ht/);
});

test('a demo library is named once on the answer, not on each hit', () => {
  const a = searchAnswer({ results: [hit(0, { demo: true, library: 'flowcalc' }), hit(1, { demo: true, library: 'flowcalc' }), hit(2)], mode: 'lexical', embedder: 'x', libraries: [], tookMs: 1 });
  assert.deepEqual(a.demo, ['flowcalc']);
  assert.match((searchContent(a)[0] as { text: string }).text, /DEMO \(made-up code\): flowcalc/);
  assert.equal(trimSummary('Calculate the position of the sun.'), 'Position of the sun.');
  assert.equal(trimSummary('Returns it.'), 'Returns it.', 'too little left: kept whole');
});

test('each hit gets a resource link to its block, and get_pattern takes the link back as an id', () => {
  const content = searchContent(searchAnswer({ results: [hit(0), hit(1)], mode: 'hybrid', embedder: 'x', libraries: [], tookMs: 1 }));
  const links = content.filter((c) => c.type === 'resource_link');
  assert.deepEqual(links.map((l) => (l as { uri: string }).uri), ['block://fluids/fluids.friction.f0', 'block://fluids/fluids.friction.f1']);
  assert.match((content[0] as { text: string }).text, /^1\. f0 /m, 'the text line names the block as its link does');
  assert.equal(blockUri('lib:pkg.mod.Class.method'), 'block://lib/pkg.mod.Class.method');
  assert.equal(idFromBlockUri(blockUri('lib:pkg.mod.Class.method')), 'lib:pkg.mod.Class.method');
  assert.equal(idFromBlockUri('lib:pkg.f'), 'lib:pkg.f');
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
  assert.equal(forCli('make the code faster or allow more time (timeoutMs, at most 120000).'), 'make the code faster or allow more time (--timeout, at most 120000).');
  assert.equal(forCli('run it with validate_snippet with library "lmfit".'), 'run it with `codedistill validate --library lmfit`.');
});

test("get_pattern's usage view is capped: a shorter validated example first, else comments out and the code cut, said in cut", () => {
  const run = { status: 'passed', level: 'ran', stdout: '1\n', stderr: '', message: null } as unknown as RunRecord;
  const long = ['# A gallery page of prose', ...Array.from({ length: 300 }, (_, i) => `x${i} = f(${i})  # step`)].join('\n');
  const ex = (code: string, r: RunRecord | null = run) => ({ code, source: 'docs', path: null, startLine: null, expectedOutput: null, run: r }) as Example;
  const block = { ...testBlock({ name: 'f' }), examples: [ex(long), ex('from m import f\nprint(f(1))')] };
  const res: PatternResult = { block, library: {} as PatternResult['library'], usage: long };
  const a = patternAnswer(res, 'usage', false);
  assert.equal(a.usage, 'from m import f\nprint(f(1))', 'the shorter example that passed');
  assert.deepEqual(a.cut, ['usage: a shorter validated example than the best one']);
  assert.equal(patternAnswer(res, 'full', false).usage, long, 'detail full has it whole');
  assert.equal(patternAnswer(res, 'full', false).cut, undefined);

  const alone = { ...testBlock({ name: 'g' }), examples: [ex(long)] };
  const b = patternAnswer({ block: alone, library: {} as PatternResult['library'], usage: long }, 'usage', false);
  assert.ok(b.usage.length < USAGE_CHARS + 100 && b.usage.split('\n').length <= USAGE_LINES + 1, b.usage);
  assert.ok(b.usage.startsWith('x0 = f(0)'), 'comment-only lines go first');
  assert.match(b.usage, /\n# … 260 more lines left out: get_pattern detail "full" has the whole example$/);
  assert.match(b.cut?.[0] ?? '', /comment lines and the last 260 code lines left out \(301 lines whole\)/);

  const short = patternAnswer({ block: alone, library: {} as PatternResult['library'], usage: 'f(1)' }, 'usage', false);
  assert.equal(short.usage, 'f(1)');
  assert.equal(short.cut, undefined, 'nothing cut, nothing said');
  assert.deepEqual(cutCode('a\nb', 10, 40), { code: 'a\nb', cutLines: 0 });
});

test('two hits that end the same are told apart by their class, in the text and the links', () => {
  const a = searchAnswer({ results: [hit(0, { id: 'rd:rd.inventory.Inventory.decay' }), hit(1, { id: 'rd:rd.inventory.InventoryHP.decay' }), hit(2, { id: 'rd:rd.plots.plot' })], mode: 'lexical', embedder: 'x', libraries: [], tookMs: 1 });
  const content = searchContent(a);
  assert.match((content[0] as { text: string }).text, /1\. Inventory\.decay .*\n2\. InventoryHP\.decay .*\n3\. plot /);
  assert.deepEqual(content.slice(1).map((l) => (l as { name: string }).name), ['Inventory.decay', 'InventoryHP.decay', 'plot']);
  assert.equal(trimSummary('Inventory`` instances store nuclides.'), 'Inventory instances store nuclides.');
});

test("a demo library's made-up citation is not given", () => {
  const block = { ...testBlock({ name: 'f' }), citation: 'Doe (2024). doi:10.5281/zenodo.0000000' };
  const res: PatternResult = { block, library: { citation: 'Doe (2024)' } as PatternResult['library'], usage: 'f(1)' };
  assert.equal(patternAnswer(res, 'full', true).citation, null);
  assert.equal(patternAnswer(res, 'full', true).full?.libraryInfo.citation, null);
  assert.equal(patternAnswer(res, 'usage', false).citation, 'Doe (2024). doi:10.5281/zenodo.0000000');
});
