import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { FileRole } from '../../src/ingest/types.js';
import { memoryContentCache, type ContentCache } from '../../src/kernel/content-cache.js';
import { createParser } from '../../src/parse/parser.js';
import type { CodeParser } from '../../src/parse/types.js';
import { examplesByBlock, mine } from '../../src/distill/examples/mine.js';
import { memoryRepo } from '../helpers/mine-repo.js';

let parser: CodeParser;
before(async () => {
  parser = await createParser();
});

const LIB = 'def perimeter(r):\n    """Perimeter of a circle."""\n    return 2 * 3.14159 * r\n';
const files = (conftest: string, helper: string): Record<string, [FileRole, string]> => ({
  'geom/__init__.py': ['library', 'from .shapes import perimeter\n'],
  'geom/shapes.py': ['library', LIB],
  'tests/conftest.py': ['test', conftest],
  'tests/helpers.py': ['test', helper],
  'tests/test_a.py': ['test', 'from geom import perimeter\n\n\ndef test_with_fixture(radius):\n    assert perimeter(radius) > 0\n'],
  'tests/test_b.py': ['test', 'from geom import perimeter\nfrom helpers import RADIUS\n\n\ndef test_with_helper():\n    assert perimeter(RADIUS) > 0\n'],
  'tests/test_c.py': ['test', 'from geom import perimeter\n\n\ndef test_alone():\n    assert perimeter(1.0) > 0\n'],
});
const FIXTURE = (v: string) => `import pytest\n\n\n@pytest.fixture\ndef radius():\n    return ${v}\n`;

/** One mining pass through the cache: the test examples of each file, and how many files were mined (their entries written). */
async function mineWith(cache: ContentCache, f: Record<string, [FileRole, string]>) {
  let mined = 0;
  const counting: ContentCache = { get: (ns, k) => cache.get(ns, k), put: (ns, k, v) => (ns === 'mined-tests' && mined++, cache.put(ns, k, v)) };
  const input = { ...memoryRepo(parser, f, ['geom']), cache: { store: counting, context: 'ctx' } };
  const examples = examplesByBlock(await mine(input)).get('geom.shapes.perimeter') ?? [];
  const scratch = examplesByBlock(await mine(memoryRepo(parser, f, ['geom']))).get('geom.shapes.perimeter') ?? [];
  assert.deepEqual(examples, scratch, 'what the cache gives equals mining from scratch');
  return { codes: examples.filter((e) => e.source === 'test').map((e) => e.code), mined };
}

test('a test file is mined again when it, a conftest it consults or a helper it imports changes; not otherwise', async () => {
  const cache = memoryContentCache();
  const first = await mineWith(cache, files(FIXTURE('1.0'), 'RADIUS = 2.0\n'));
  assert.equal(first.mined, 5, 'every test-role file: the three tests, the conftest and the helper');
  assert.ok(first.codes.some((c) => c.includes('radius = 1.0')), first.codes.join('\n---\n'));
  assert.ok(first.codes.some((c) => c.includes('RADIUS = 2.0')), first.codes.join('\n---\n'));

  assert.equal((await mineWith(cache, files(FIXTURE('1.0'), 'RADIUS = 2.0\n'))).mined, 0, 'nothing changed');

  // The fixture's value changed: the conftest itself and test_a, which consulted it for its fixture.
  const fixture = await mineWith(cache, files(FIXTURE('5.0'), 'RADIUS = 2.0\n'));
  assert.ok(fixture.codes.some((c) => c.includes('radius = 5.0')), fixture.codes.join('\n---\n'));
  assert.equal(fixture.mined, 2);

  // The helper changed: the helper itself and test_b, which imports it.
  const helper = await mineWith(cache, files(FIXTURE('5.0'), 'RADIUS = 7.0\n'));
  assert.equal(helper.mined, 2);
  assert.ok(helper.codes.some((c) => c.includes('RADIUS = 7.0')), helper.codes.join('\n---\n'));
});

test("a library file's doctests are mined again when that file changes, from the cache otherwise", async () => {
  const lib = (doc: string): Record<string, [FileRole, string]> => ({
    'geom/__init__.py': ['library', 'from .shapes import perimeter\nfrom .areas import disc\n'],
    'geom/shapes.py': ['library', `def perimeter(r):\n    \"\"\"Perimeter of a circle.\n\n    >>> perimeter(${doc})\n    6.28318\n    \"\"\"\n    return 2 * 3.14159 * r\n`],
    'geom/areas.py': ['library', 'def disc(r):\n    """Area of a disc.\n\n    >>> disc(1.0)\n    3.14159\n    """\n    return 3.14159 * r * r\n'],
  });
  const cache = memoryContentCache();
  const pass = async (f: Record<string, [FileRole, string]>) => {
    const puts: string[] = [];
    const counting: ContentCache = { get: (ns, k) => cache.get(ns, k), put: (ns, k, v) => (ns === 'mined-doctests' && puts.push(k), cache.put(ns, k, v)) };
    const cached = examplesByBlock(await mine({ ...memoryRepo(parser, f, ['geom']), cache: { store: counting, context: 'ctx' } }));
    const scratch = examplesByBlock(await mine(memoryRepo(parser, f, ['geom'])));
    assert.deepEqual([...cached], [...scratch], 'what the cache gives equals mining from scratch');
    return { puts: puts.length, code: (cached.get('geom.shapes.perimeter') ?? []).find((e) => e.source === 'doctest')?.code ?? '' };
  };
  const first = await pass(lib('1.0'));
  assert.equal(first.puts, 2);
  assert.match(first.code, /perimeter\(1\.0\)/);
  assert.equal((await pass(lib('1.0'))).puts, 0, 'nothing changed');
  const edited = await pass(lib('2.0'));
  assert.equal(edited.puts, 1, 'only the edited file');
  assert.match(edited.code, /perimeter\(2\.0\)/);
});
