import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Block } from '../../src/domain/block.js';
import {
  blockEmbedText,
  blockSearchText,
  ftsQueryTokens,
  matchedFields,
  queryTerms,
  splitWords,
  stem,
  termCoverage,
  tokenize,
} from '../../src/index/text.js';

test('splitWords splits snake_case, camelCase, dotted paths and digits', () => {
  assert.deepEqual(splitWords('dP_packedBed2'), ['dp', 'packed', 'bed', '2']);
  assert.deepEqual(splitWords('ergun_pressure_drop('), ['ergun', 'pressure', 'drop']);
  assert.deepEqual(splitWords('HTTPServer.getURL'), ['http', 'server', 'get', 'url']);
  assert.deepEqual(splitWords('np.linalg.norm'), ['np', 'linalg', 'norm']);
  assert.deepEqual(splitWords('xValue'), ['x', 'value']);
  assert.deepEqual(splitWords('  '), []);
});

test('stem maps inflections of one word to one key', () => {
  const forms = ['compute', 'computes', 'computed', 'computing', 'computation'];
  assert.equal(new Set(forms.map(stem)).size, 1, forms.map(stem).join(','));
  assert.equal(stem('densities'), stem('density'));
  assert.equal(stem('dropping'), stem('drop'));
  assert.equal(stem('normalization'), stem('normalize'));
  assert.equal(stem('integrator'), stem('integrate'));
  assert.equal(stem('integrated'), stem('integration'));
  assert.equal(stem('updated'), stem('update'));
  assert.notEqual(stem('format'), stem('form'));
  // Short words and numbers are left alone: stemming "gas" or "2d" would only merge unrelated terms.
  assert.equal(stem('gas'), 'gas');
  assert.equal(stem('2d'), '2d');
  assert.equal(stem('class'), 'class');
});

test('tokenize drops stop words and code noise, keeps order', () => {
  assert.deepEqual(tokenize('the pressure drops through a packed bed'), ['pressur', 'drop', 'through', 'pack', 'bed']);
  assert.deepEqual(tokenize('def f(self, x): return None'), ['f', 'x']);
});

test('compounds let an exact identifier match its snake or camel spelling', () => {
  const snake = tokenize('ergun_pressure_drop(dp, eps)', { compounds: true });
  const camel = tokenize('ergunPressureDrop', { compounds: true });
  assert.ok(snake.includes('ergunpressuredrop'));
  assert.ok(camel.includes('ergunpressuredrop'));
  // Coverage is over words only: a compound must not count as an extra query word.
  assert.deepEqual(queryTerms('ergun_pressure_drop('), ['ergun', 'pressur', 'drop']);
});

test('ftsQueryTokens of pasted code are plain words, safe for the FTS parser', () => {
  const toks = ftsQueryTokens('x = ergun_pressure_drop(d_p=1e-3, eps=0.4) AND "quoted" OR (NOT) [1]:{}*');
  for (const t of toks) assert.match(t, /^[a-z0-9]+$/, t);
  assert.ok(toks.includes('ergunpressuredrop'));
  assert.equal(new Set(toks).size, toks.length, 'deduplicated');
  assert.ok(ftsQueryTokens('word '.repeat(10) + Array.from({ length: 500 }, (_, i) => `w${i}x`).join(' ')).length <= 64);
});

function block(over: Partial<Block> = {}): Block {
  return Block.parse({
    id: 'flowkit:flowkit.beds.ergun_pressure_drop',
    library: 'flowkit',
    language: 'python',
    kind: 'function',
    name: 'ergun_pressure_drop',
    qualifiedName: 'flowkit.beds.ergun_pressure_drop',
    module: 'flowkit.beds',
    signature: 'def ergun_pressure_drop(d_p, eps, mu, rho, u, length):',
    docstring: 'Pressure gradient across a packed bed of spheres by the Ergun equation.',
    summary: 'Pressure drop through a packed bed (Ergun).',
    code: 'def ergun_pressure_drop(d_p, eps, mu, rho, u, length):\n    return 0\n',
    decorators: [],
    parameters: [
      { name: 'd_p', annotation: 'float', default: null, kind: 'positional', description: 'Particle diameter in metres.' },
      { name: 'eps', annotation: 'float', default: null, kind: 'positional', description: 'Void fraction of the bed.' },
    ],
    returns: 'float',
    imports: [],
    calls: [],
    requirements: [],
    licence: 'MIT',
    citation: null,
    provenance: { repo: 'x/flowkit', url: null, commit: 'abc', path: 'src/flowkit/beds.py', startLine: 1, endLine: 3 },
    examples: [
      {
        code: 'from flowkit.beds import ergun_pressure_drop\nprint(ergun_pressure_drop(1e-3, 0.4, 1e-3, 1000, 0.01, 1.0))  # "viscous" regime',
        source: 'doctest',
        path: null,
        startLine: null,
        expectedOutput: null,
        run: null,
      },
    ],
    validation: null,
    compute: { gpu: false, network: false },
    rank: 1,
    tags: ['reactor'],
    ...over,
  });
}

test('blockSearchText weights the name and keeps per-field pieces', () => {
  const st = blockSearchText(block());
  const count = (t: string) => st.text.split(' ').filter((x) => x === t).length;
  // The name appears in name (x3), qualified name and signature; a docstring-only word appears once.
  assert.ok(count('ergun') > count(stem('spheres')), st.text);
  assert.equal(count(stem('spheres')), 1);
  assert.ok(st.fields.name.includes('ergunpressuredrop'));
  assert.ok(st.fields.parameters.includes(stem('diameter')));
  assert.ok(st.fields.docstring.includes(stem('spheres')));
  assert.ok(st.fields.qualifiedName.includes('flowkit'));
  assert.ok(st.fields.tags.includes('reactor'));
  assert.ok(st.fields.examples.includes('print'));
  // Strings and comments of examples are data, not API names.
  assert.ok(!st.fields.examples.includes('viscou'), st.fields.examples.join(' '));
  assert.equal(new Set(st.fields.name).size, st.fields.name.length, 'fields are distinct tokens');
});

test('matchedFields and termCoverage report which parts of a block a query hits', () => {
  const st = blockSearchText(block());
  const q = ftsQueryTokens('pressure loss in a bed of spheres');
  const m = matchedFields(st.fields, q);
  assert.ok(m.includes('name'));
  assert.ok(m.includes('docstring'));
  assert.ok(!m.includes('tags'));
  assert.equal(termCoverage(queryTerms('pressure loss in a bed of spheres'), st.fields), 3 / 4);
  assert.equal(termCoverage(queryTerms('zorblax quintessence'), st.fields), 0);
  assert.equal(termCoverage([], st.fields), 0);
});

test('blockEmbedText is readable words, not stems', () => {
  const t = blockEmbedText(block());
  assert.match(t, /^ergun pressure drop \(flowkit\.beds\.ergun_pressure_drop\): Pressure drop/);
  assert.match(t, /Particle diameter in metres/);
  assert.match(t, /Tags: reactor/);
  assert.ok(blockEmbedText(block({ docstring: 'x'.repeat(10_000) })).length < 2500);
});
