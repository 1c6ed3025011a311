import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { memoryRepo } from '../helpers/mine-repo.js';
import type { FileRole } from '../../src/ingest/types.js';
import { createParser } from '../../src/parse/parser.js';
import type { CodeParser } from '../../src/parse/types.js';
import type { MineInput } from '../../src/distill/examples/context.js';
import { docCodeBlocks } from '../../src/distill/examples/doc-fences.js';
import { mergeImports } from '../../src/distill/examples/import-rewrite.js';
import { examplesByBlock, mine } from '../../src/distill/examples/mine.js';
import { inlineParametrize, rewriteUnittestAsserts } from '../../src/distill/examples/test-rewrite.js';
import { workflowCandidates } from '../../src/distill/examples/workflows.js';
import { NotebookError } from '../../src/python/notebook.js';

let parser: CodeParser;
before(async () => {
  parser = await createParser();
});

/** An in-memory repository of package geom. */
const repo = (files: Record<string, [FileRole, string]>, importRoots = ['']): MineInput => memoryRepo(parser, files, ['geom'], importRoots);

/** One mining pass, as the pipeline runs it, read for its examples per block. */
async function mineExamples(input: MineInput) {
  return examplesByBlock(await mine(input));
}

/** One mining pass read for its workflows. */
async function mineWorkflows(input: MineInput) {
  return workflowCandidates(await mine(input));
}

const GEOM_INIT = '"""Plane geometry."""\nfrom .shapes import area, Circle\n';
const GEOM_SHAPES = `
import math


def area(radius):
    """Area of a circle.

    >>> area(1.0)
    3.141592653589793
    >>> round(area(2.0) / math.pi, 6)
    4.0
    """
    if radius < 0:
        raise ValueError("negative radius")
    return math.pi * radius ** 2


def perimeter(radius):
    """Perimeter of a circle."""
    if radius < 0:
        raise ValueError("negative radius")
    return 2 * math.pi * radius


class Circle:
    """A circle."""

    def __init__(self, radius):
        self.radius = radius

    def scaled(self, factor):
        """A circle scaled by factor."""
        return Circle(self.radius * factor)
`;

describe('mineExamples', () => {
  test('a doctest becomes a script importing from the public module, with names the module provides', async () => {
    const input = repo({ 'geom/__init__.py': ['library', GEOM_INIT], 'geom/shapes.py': ['library', GEOM_SHAPES] });
    const ex = (await mineExamples(input)).get('geom.shapes.area')!;
    assert.equal(ex.length, 1);
    assert.equal(ex[0]!.source, 'doctest');
    // math comes from the module's own imports: doctest runs in the module's globals, a script does not.
    assert.equal(ex[0]!.code, 'import math\nfrom geom import area\nprint(repr(area(1.0)))\nprint(repr(round(area(2.0) / math.pi, 6)))\n');
    assert.equal(ex[0]!.expectedOutput, '3.141592653589793\n4.0\n');
    assert.equal(ex[0]!.path, 'geom/shapes.py');
    assert.equal(ex[0]!.startLine, 8);
  });

  test('a doctest of a function that prints and returns nothing keeps the bare call', async () => {
    const src = 'def report(x):\n    """Print a report.\n\n    >>> report(2)\n    x = 2\n    """\n    print(f"x = {x}")\n';
    const input = repo({ 'geom/__init__.py': ['library', ''], 'geom/report.py': ['library', src] });
    const ex = (await mineExamples(input)).get('geom.report.report')!;
    assert.equal(ex[0]!.code, 'from geom.report import report\nreport(2)\n');
    assert.equal(ex[0]!.expectedOutput, 'x = 2\n');
  });

  test("a doctest written against the repository's alias for its package gets that import", async () => {
    const src = '"""Reports.\n\nThe examples assume ``import geom as gm``.\n"""\n\ndef half(x):\n    """Half of x.\n\n    >>> gm.half(3.0)\n    1.5\n    """\n    return x / 2\n';
    const input = repo({ 'geom/__init__.py': ['library', 'from .report import half\n'], 'geom/report.py': ['library', src] });
    const ex = (await mineExamples(input)).get('geom.report.half')!;
    assert.equal(ex[0]!.code, 'from geom import half\nimport geom as gm\nprint(repr(gm.half(3.0)))\n');
  });

  test('a doctest gets only the lines of the project doctest setup it needs', async () => {
    const src = 'def tau():\n    """Twice pi.\n\n    >>> round(tau() / m.pi)\n    2\n    """\n    return 6.283185307179586\n';
    const conf = 'doctest_global_setup = """\nimport os\nimport math as m\nimport statistics as st\n"""\n';
    const input = repo({ 'geom/__init__.py': ['library', ''], 'geom/consts.py': ['library', src], 'docs/conf.py': ['docs', conf] });
    const ex = (await mineExamples(input)).get('geom.consts.tau')!;
    assert.equal(ex[0]!.code, 'import math as m\nfrom geom.consts import tau\nprint(repr(round(tau() / m.pi)))\n');
  });

  test('a test with a conftest fixture, a module constant and a relative import becomes a standalone script', async () => {
    const input = repo({
      'geom/__init__.py': ['library', GEOM_INIT],
      'geom/shapes.py': ['library', GEOM_SHAPES],
      'geom/tests/__init__.py': ['test', ''],
      'geom/tests/conftest.py': ['test', 'import pytest\n\n\n@pytest.fixture\ndef unit_radius():\n    return 1.0\n'],
      'geom/tests/test_shapes.py': [
        'test',
        [
          'import math',
          'import sys',
          'import pytest',
          'from ..shapes import perimeter',
          '',
          'SCALE = 3.0',
          'UNUSED = 99',
          '',
          '',
          'def test_perimeter_scales(unit_radius):',
          '    """Perimeter grows linearly."""',
          '    p = perimeter(unit_radius * SCALE)',
          '    assert math.isclose(p, 6 * math.pi)',
          '',
          '',
          'def test_perimeter_writes(tmp_path):',
          '    (tmp_path / "p.txt").write_text(str(perimeter(1.0)))',
          '',
          '',
          'def test_negative_radius():',
          '    with pytest.raises(ValueError):',
          '        perimeter(-1.0)',
          '',
          '',
          'def test_perimeter_approx():',
          '    assert perimeter(0.5) == pytest.approx(math.pi)',
        ].join('\n'),
      ],
    });
    const ex = (await mineExamples(input)).get('geom.shapes.perimeter')!;
    assert.deepEqual(
      ex.map((e) => e.source),
      ['test', 'test'],
      'tmp_path and pytest.raises tests are left out',
    );
    assert.equal(
      ex[0]!.code,
      ['import math', 'from geom.shapes import perimeter', '', 'SCALE = 3.0', 'unit_radius = 1.0', '', 'p = perimeter(unit_radius * SCALE)', 'assert math.isclose(p, 6 * math.pi)', ''].join(
        '\n',
      ),
    );
    assert.equal(ex[0]!.path, 'geom/tests/test_shapes.py');
    assert.equal(ex[0]!.startLine, 10);
    // pytest.approx needs pytest: allowed, marked, and ranked after the plain test.
    assert.match(ex[1]!.code, /^# needs pytest/);
    assert.match(ex[1]!.code, /^import pytest$/m);
    for (const e of ex) assert.doesNotMatch(e.code, /from \.|sys\.path|UNUSED/);
  });

  test('doctest with output ranks before a test, README, script and notebook; at most three per block', async () => {
    const nb = JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { language: 'python' } },
      cells: [{ cell_type: 'code', source: ['%matplotlib inline\n', 'from geom import area\n', 'print(area(3.0))\n'], metadata: {}, outputs: [] }],
    });
    const input = repo({
      'geom/__init__.py': ['library', GEOM_INIT],
      'geom/shapes.py': ['library', GEOM_SHAPES],
      'tests/test_area.py': ['test', 'from geom import area\n\n\ndef test_unit():\n    assert area(0.0) == 0.0\n'],
      'README.md': ['docs', '# geom\n\n```python\nfrom geom import area\nprint(area(2.0))\n```\n'],
      'examples/demo.py': ['example', 'import sys\nsys.path.insert(0, "..")\nfrom geom import area\nprint(area(5.0))\n'],
      'notebooks/tour.ipynb': ['notebook', nb],
    });
    const ex = (await mineExamples(input)).get('geom.shapes.area')!;
    assert.deepEqual(
      ex.map((e) => e.source),
      ['doctest', 'test', 'readme'],
    );
    const wf = await mineWorkflows({ ...input });
    const script = wf.find((w) => w.path === 'examples/demo.py')!;
    assert.equal(script.code, 'from geom import area\nprint(area(5.0))\n', 'the sys.path hack is dropped');
    assert.deepEqual(script.callsBlocks, ['geom.shapes.area']);
    const notebook = wf.find((w) => w.path === 'notebooks/tour.ipynb')!;
    assert.equal(notebook.code, 'from geom import area\nprint(area(3.0))\n', 'magics are dropped');
    assert.equal(notebook.source, 'notebook');
  });

  test('README fences: only fences that import the package and call the block; pycon fences keep output', async () => {
    const readme = [
      '# geom',
      '',
      '[![ci](https://img.shields.io/badge/ci-passing-green.svg)](https://ci)',
      '',
      '```bash',
      'pip install geom',
      '```',
      '',
      '```python',
      'from geom import Circle',
      'c = Circle(2.0)',
      '```',
      '',
      'Then scale it:',
      '',
      '```python',
      'big = c.scaled(3.0)',
      'print(big.radius)',
      '```',
      '',
      '```pycon',
      '>>> from geom import area',
      '>>> area(0.0)',
      '0.0',
      '```',
      '',
      '```python',
      'import math',
      'print(math.pi)',
      '```',
    ].join('\n');
    const input = repo({ 'geom/__init__.py': ['library', GEOM_INIT], 'geom/shapes.py': ['library', GEOM_SHAPES], 'README.md': ['docs', readme] });
    const all = await mineExamples(input);
    const scaled = all.get('geom.shapes.Circle.scaled')!;
    assert.equal(scaled.length, 1);
    assert.equal(scaled[0]!.source, 'readme');
    // the second fence alone would not run: the fence that binds `c` is prepended
    assert.equal(scaled[0]!.code, 'from geom import Circle\nc = Circle(2.0)\nbig = c.scaled(3.0)\nprint(big.radius)\n');
    const area = all.get('geom.shapes.area')!.find((e) => e.source === 'readme')!;
    assert.equal(area.code, 'from geom import area\nprint(repr(area(0.0)))\n');
    assert.equal(area.expectedOutput, '0.0\n');
    assert.equal(area.startLine, 22);
  });

  test('parametrized, unittest-style, optional-import and yield-fixture tests are inlined; data files are not', async () => {
    const input = repo({
      'geom/__init__.py': ['library', GEOM_INIT],
      'geom/shapes.py': ['library', GEOM_SHAPES],
      'tests/test_more.py': [
        'test',
        [
          'import unittest',
          'import pytest',
          'try:',
          '    import numpy as np',
          'except ImportError:',
          '    np = None',
          'scipy = pytest.importorskip("scipy")',
          'from geom.shapes import perimeter, Circle',
          '',
          '',
          '@pytest.fixture',
          'def circle():',
          '    c = Circle(1.0)',
          '    yield c',
          '',
          '',
          '@pytest.mark.slow',
          '@pytest.mark.parametrize("r, expected", [(1.0, 6.283185307179586), (2.0, 12.566370614359172)])',
          'def test_table(r, expected):',
          '    assert perimeter(r) == expected',
          '',
          '',
          'def test_uses_yield_fixture(circle):',
          '    assert circle.scaled(2.0).radius == 2.0',
          '',
          '',
          'def test_reads_data():',
          '    import os',
          '    path = os.path.join(os.path.dirname(__file__), "data.txt")',
          '    assert perimeter(float(open(path).read())) > 0',
          '',
          '',
          'def test_vector():',
          '    assert np.allclose(scipy.constants.pi * 2, perimeter(1.0))',
          '',
          '',
          'class TestCircle(unittest.TestCase):',
          '    def test_scaled(self):',
          '        c = Circle(2.0).scaled(0.5)',
          '        self.assertAlmostEqual(c.radius, 1.0)',
          '',
          '    def test_uses_state(self):',
          '        self.assertEqual(self.c.radius, 1.0)',
        ].join('\n'),
      ],
    });
    const all = await mineExamples(input);
    const per = all.get('geom.shapes.perimeter')!.map((e) => e.code);
    assert.equal(
      per.find((c) => c.includes('expected'))!,
      ['from geom.shapes import perimeter', '', 'r, expected = (1.0, 6.283185307179586)', '', 'assert perimeter(r) == expected', ''].join('\n'),
    );
    assert.ok(
      per.some((c) => c === 'import numpy as np\nimport scipy\nfrom geom.shapes import perimeter\n\nassert np.allclose(scipy.constants.pi * 2, perimeter(1.0))\n'),
      per.join('\n---\n'),
    );
    assert.ok(!per.some((c) => c.includes('__file__')));
    const scaled = all.get('geom.shapes.Circle.scaled')!.map((e) => e.code);
    // The test imports Circle from its module; the package re-exports it, so the example imports it from there.
    // A yield fixture gives its value; its teardown is not for a snippet. `self.c` no setup assigns drops the test.
    assert.deepEqual(scaled, [
      'from geom import Circle\n\nc = Circle(2.0).scaled(0.5)\nassert round(abs(c.radius - 1.0), 7) == 0\n',
      'from geom import Circle\n\nc = Circle(1.0)\ncircle = c\n\nassert circle.scaled(2.0).radius == 2.0\n',
    ]);
  });

  test('star imports get explicit imports; helpers imported from conftest are inlined, unknown ones drop the test', async () => {
    const input = repo({
      'geom/__init__.py': ['library', GEOM_INIT],
      'geom/shapes.py': ['library', GEOM_SHAPES],
      'tests/conftest.py': ['test', 'from geom import Circle\n\nRADIUS = 2.0\n\n\ndef make_circle():\n    return Circle(RADIUS)\n'],
      'tests/test_star.py': [
        'test',
        [
          'from geom import *',
          'from conftest import make_circle',
          'from conftest import not_defined_anywhere',
          '',
          '',
          'def test_area_star():',
          '    assert area(0.0) == 0.0',
          '',
          '',
          'def test_helper():',
          '    c = make_circle()',
          '    assert c.scaled(2.0).radius == 4.0',
          '',
          '',
          'def test_unknown_helper():',
          '    assert not_defined_anywhere(area(1.0))',
        ].join('\n'),
      ],
    });
    const all = await mineExamples(input);
    const area = all.get('geom.shapes.area')!.filter((e) => e.source === 'test').map((e) => e.code);
    assert.deepEqual(area, ['from geom import area\n\nassert area(0.0) == 0.0\n'], 'the test calling an unknown helper is dropped');
    const scaled = all.get('geom.shapes.Circle.scaled')!.map((e) => e.code);
    assert.deepEqual(scaled, [
      'from geom import Circle\n\nRADIUS = 2.0\n\ndef make_circle():\n    return Circle(RADIUS)\n\nc = make_circle()\nassert c.scaled(2.0).radius == 4.0\n',
    ]);
  });

  test('a broken notebook is reported with a typed error and the rest is still mined', async () => {
    const input = repo({
      'geom/__init__.py': ['library', GEOM_INIT],
      'geom/shapes.py': ['library', GEOM_SHAPES],
      'notebooks/broken.ipynb': ['notebook', '{"cells": [ {"cell_type": "code", '],
    });
    const errors: [string, unknown][] = [];
    const ex = await mineExamples({ ...input, onFileError: (p, e) => errors.push([p, e]) });
    assert.equal(errors.length, 1);
    assert.equal(errors[0]![0], 'notebooks/broken.ipynb');
    assert.ok(errors[0]![1] instanceof NotebookError);
    assert.ok(ex.get('geom.shapes.area')!.length > 0);
  });
});

describe('rewriting helpers', () => {
  test('parametrize: the first case becomes an assignment', () => {
    assert.equal(inlineParametrize('@pytest.mark.parametrize("r, expected", [(1.0, 3.14), (2.0, 12.56)])'), 'r, expected = (1.0, 3.14)');
    assert.equal(inlineParametrize("@pytest.mark.parametrize('n', [3, 4, 5])"), 'n = 3');
    assert.equal(inlineParametrize('@pytest.mark.parametrize(("a", "b"), CASES)'), 'a, b = CASES[0]');
    assert.equal(inlineParametrize('@pytest.mark.parametrize("x", [pytest.param(1, id="one")])'), 'x = 1');
    assert.equal(inlineParametrize('@pytest.mark.parametrize("x", [1], indirect=True)'), null);
  });

  test('unittest asserts become plain asserts; unknown ones refuse', () => {
    assert.equal(
      rewriteUnittestAsserts('x = f(1)\nself.assertEqual(x, 2)  # exact\nself.assertAlmostEqual(x, 2.0, places=3)\nself.assertTrue(x > 1)'),
      'x = f(1)\nassert x == 2\nassert round(abs(x - 2.0), 3) == 0\nassert x > 1',
    );
    assert.equal(rewriteUnittestAsserts('self.assertRaisesRegex(ValueError, "x", f)'), null);
  });

  test('imports from one module merge; the package goes last', () => {
    assert.deepEqual(mergeImports(['from geom import b', 'import math', 'from geom import a', 'from numpy import array as arr'], ['geom']), [
      'from numpy import array as arr',
      'import math',
      'from geom import a, b',
    ]);
  });

  test('docCodeBlocks reads Markdown fences and reStructuredText code blocks and doctest paragraphs', () => {
    const md = docCodeBlocks('text\n\n```py\nimport geom\n```\n\n```js\nconsole.log(1)\n```\n', 'md');
    assert.deepEqual(md.map((b) => b.code), ['import geom']);
    const rst = docCodeBlocks('Usage\n=====\n\n.. code-block:: python\n\n   import geom\n   geom.area(1)\n\n>>> geom.area(0)\n0.0\n', 'rst');
    assert.deepEqual(rst.map((b) => [b.code, b.expectedOutput]), [
      ['import geom\ngeom.area(1)', null],
      ['print(repr(geom.area(0)))', '0.0\n'],
    ]);
  });
});
