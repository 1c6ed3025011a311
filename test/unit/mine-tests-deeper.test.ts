import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { memoryRepo } from '../helpers/mine-repo.js';
import type { FileRole } from '../../src/ingest/types.js';
import { createParser } from '../../src/parse/parser.js';
import type { CodeParser } from '../../src/parse/types.js';
import type { MineInput } from '../../src/distill/examples/context.js';
import { examplesByBlock, mine } from '../../src/distill/examples/mine.js';
import { chainsIn } from '../../src/distill/examples/object-types.js';
import { dropExpectedFailures } from '../../src/distill/examples/test-rewrite.js';
import { testSlices } from '../../src/distill/examples/test-slice.js';

let parser: CodeParser;
before(async () => {
  parser = await createParser();
});

const repo = (files: Record<string, [FileRole, string]>): MineInput => memoryRepo(parser, files, ['spec']);

const lines = (...l: string[]) => l.join('\n') + '\n';

// A small package of my own: a base class with a method, a subclass, a factory whose docstring names the class.
const SPEC = lines(
  'class Signal:',
  '    """Any signal."""',
  '',
  '    def __init__(self, values):',
  '        self.values = list(values)',
  '',
  '    def total(self):',
  '        """Sum of the values."""',
  '        return sum(self.values)',
  '',
  '    @property',
  '    def size(self):',
  '        """How many values."""',
  '        return len(self.values)',
  '',
  '',
  'class Spectrum(Signal):',
  '    """A spectrum."""',
  '',
  '    def normalize(self):',
  '        """Scaled to a total of one."""',
  '        t = self.total()',
  '        return Spectrum([v / t for v in self.values])',
  '',
  '    def peak(self):',
  '        """The largest value."""',
  '        return max(self.values)',
  '',
  '',
  'def spectrum(values):',
  '    """Make a spectrum.',
  '',
  '    Returns',
  '    -------',
  '    s : Spectrum',
  '        The spectrum.',
  '    """',
  '    return _make(values)',
  '',
  '',
  'def _make(values):',
  '    return Spectrum(values)',
  '',
  '',
  'def build(values):',
  '    """What spectrum gives, under another name."""',
  '    return spectrum(values)',
);

const base = { 'spec/__init__.py': ['library', 'from .core import Signal, Spectrum, spectrum\n'], 'spec/core.py': ['library', SPEC] } as Record<string, [FileRole, string]>;

async function examples(files: Record<string, [FileRole, string]>) {
  return examplesByBlock(await mine(repo({ ...base, ...files })));
}

describe('tests mined deeper', () => {
  test('unittest setUp and class attributes become assignments; only the setup lines the test needs are kept', async () => {
    const all = await examples({
      'tests/test_spec.py': [
        'test',
        lines(
          'import unittest',
          'import numpy as np',
          'from spec import Spectrum',
          '',
          'VALUES = [1.0, 3.0]',
          '',
          '',
          'class SpectrumTest(unittest.TestCase):',
          '    scale = 2.0',
          '',
          '    def setUp(self):',
          '        np.random.seed(0)',
          '        self.s = Spectrum([v * self.scale for v in VALUES])',
          '        self.unused = Spectrum([])',
          '        self.addCleanup(print)',
          '',
          '    def _check_peak(self, s, expected):',
          '        self.assertEqual(s.peak(), expected)',
          '',
          '    def test_peak(self):',
          '        self._check_peak(self.s, 6.0)',
          '',
          '    def test_normalize(self):',
          '        n = self.s.normalize()',
          '        self.assertAlmostEqual(n.total(), 1.0)',
        ),
      ],
    });
    const peak = all.get('spec.core.Spectrum.peak')!.map((e) => e.code);
    assert.deepEqual(peak, [
      lines(
        'import numpy as np',
        'from spec import Spectrum',
        '',
        'VALUES = [1.0, 3.0]',
        'scale = 2.0',
        'np.random.seed(0)',
        's = Spectrum([v * scale for v in VALUES])',
        '',
        'def _check_peak(s, expected):',
        '    assert s.peak() == expected',
        '',
        '_check_peak(s, 6.0)',
      ),
    ]);
    // `n` comes from a method that returns a Spectrum; total is defined on the base class.
    const total = all.get('spec.core.Signal.total')!.map((e) => e.code);
    assert.equal(total.length, 1);
    assert.match(total[0]!, /^n = s\.normalize\(\)\nassert round\(abs\(n\.total\(\) - 1\.0\), 7\) == 0$/m);
    assert.ok(!total[0]!.includes('unused') && !total[0]!.includes('addCleanup'));
  });

  test('a read of self.x after the test binds x, or a setup that needs self, drops the test', async () => {
    const all = await examples({
      'tests/test_bad.py': [
        'test',
        lines(
          'import unittest',
          'from spec import Spectrum',
          '',
          '',
          'class BadTest(unittest.TestCase):',
          '    def setUp(self):',
          '        self.s = Spectrum([1.0])',
          '        self.t = self.make()',
          '',
          '    def test_rebinds(self):',
          '        s = Spectrum([2.0])',
          '        assert self.s.peak() == 1.0',
          '',
          '    def test_needs_self(self):',
          '        assert self.t.peak() == 1.0',
        ),
      ],
    });
    assert.equal(all.get('spec.core.Spectrum.peak'), undefined);
  });

  test('pytest fixtures on the test class, with params, yield and other fixtures from conftest, are inlined', async () => {
    const all = await examples({
      'tests/conftest.py': ['test', lines('import pytest', 'from spec import spectrum', '', '', '@pytest.fixture', 'def raw():', '    return [1.0, 2.0, 5.0]')],
      'tests/test_fix.py': [
        'test',
        lines(
          'import pytest',
          'from spec import spectrum',
          '',
          '',
          'class TestFixtures:',
          '    @pytest.fixture(params=[2.0, 3.0])',
          '    def factor(self, request):',
          '        return request.param',
          '',
          '    @pytest.fixture',
          '    def sig(self, raw, factor):',
          '        s = spectrum([x * factor for x in raw])',
          '        yield s',
          '        print("teardown")',
          '',
          '    def test_peak(self, sig):',
          '        assert sig.peak() == 10.0',
        ),
      ],
    });
    const peak = all.get('spec.core.Spectrum.peak')!.map((e) => e.code);
    assert.deepEqual(peak, [
      lines(
        'from spec import spectrum',
        '',
        'raw = [1.0, 2.0, 5.0]',
        'factor = (2.0)',
        's = spectrum([x * factor for x in raw])',
        'sig = s',
        '',
        'assert sig.peak() == 10.0',
      ),
    ]);
  });

  test('calls a test expects to fail are dropped, warned calls kept, so the rest of the test is an example', () => {
    const body = lines(
      's = make()',
      'with pytest.raises(ValueError):',
      '    s.peak(-1)',
      'if s:',
      '    self.assertRaises(TypeError, s.peak, None)',
      'with pytest.warns(UserWarning):',
      '    t = s.normalize()',
      'assert t.total() == 1',
    );
    assert.equal(dropExpectedFailures(body), lines('s = make()', 'if s:', '    pass', 't = s.normalize()', 'assert t.total() == 1'));
    // A loop that only held the failing call goes with it.
    assert.equal(dropExpectedFailures(lines('for m in [1, 2]:', '    with pytest.raises(ValueError):', '        f(m)', 'x = 1')), lines('x = 1'));
    assert.equal(dropExpectedFailures('with pytest.raises(ValueError) as e:\n    f()\nassert "x" in str(e.value)\n'), null);
  });

  test('following the object: a factory named by its docstring, a property and a chained call count for their methods', async () => {
    const all = await examples({
      'examples/demo.py': [
        'example',
        lines('import spec', '', 'x = spec.spectrum([1.0, 2.0])', 'y = x.normalize()', 'print(y.size, spec.spectrum([3.0]).peak())'),
      ],
    });
    for (const qn of ['spec.core.Spectrum.normalize', 'spec.core.Signal.size', 'spec.core.Spectrum.peak', 'spec.core.spectrum']) {
      assert.ok(all.get(qn)?.some((e) => e.source === 'script'), qn);
    }
    // A function that returns what another returns: its class is followed through the call.
    const forwarded = await examples({ 'examples/fwd.py': ['example', lines('from spec.core import build', '', 'print(build([1.0]).peak())')] });
    assert.ok(forwarded.get('spec.core.Spectrum.peak')?.some((e) => e.path === 'examples/fwd.py'));
    // A rebinding by a loop forgets the type: `for x in ...` then `x.peak()` is not a Spectrum's.
    const none = await examples({
      'examples/loop.py': ['example', lines('import spec', '', 'x = spec.spectrum([1.0])', 'for x in [[1]]:', '    x.peak()')],
    });
    assert.ok(!none.get('spec.core.Spectrum.peak')?.some((e) => e.path === 'examples/loop.py'));
  });

  test("another package's function named like a method is not that method: json.dumps is no Signal.total", async () => {
    const all = await examples({
      'examples/dump.py': ['example', lines('import json', 'from spec import Spectrum', '', 's = Spectrum([1.0])', 'print(json.total(s.values), s.peak())')],
    });
    assert.ok(all.get('spec.core.Spectrum.peak')?.some((e) => e.path === 'examples/dump.py'));
    assert.ok(!all.get('spec.core.Signal.total')?.some((e) => e.path === 'examples/dump.py'));
  });

  test("a method called on a value of a known class is that class's, not a same-named method of another class the snippet names", async () => {
    const shp = lines(
      'class Circle:',
      '    """A circle."""',
      '    def __init__(self, r):',
      '        self.r = r',
      '    def area(self):',
      '        """Its area."""',
      '        return 3.14159 * self.r ** 2',
      '',
      '',
      'class Grid:',
      '    """A grid of cells."""',
      '    def area(self):',
      '        """Cells in it."""',
      '        return 4',
      '',
      '',
      'def make_grid() -> Grid:',
      '    """A new grid."""',
      '    return Grid()',
    );
    const input = memoryRepo(
      parser,
      {
        'shp/__init__.py': ['library', 'from .core import Circle, Grid, make_grid\n'],
        'shp/core.py': ['library', shp],
        'examples/both.py': ['example', lines('from shp import Circle, make_grid', '', 'g = make_grid()', 'shapes = [Circle(1.0)]', 'print(g.area(), len(shapes))')],
      },
      ['shp'],
    );
    const all = examplesByBlock(await mine(input));
    assert.ok(all.get('shp.core.Grid.area')?.some((e) => e.path === 'examples/both.py'));
    assert.ok(!all.get('shp.core.Circle.area')?.some((e) => e.path === 'examples/both.py'));
  });

  test('a module list filled by a loop keeps the loop when a test uses it', async () => {
    const all = await examples({
      'tests/test_cases.py': [
        'test',
        lines(
          'import pytest',
          'from spec import spectrum',
          '',
          'cases = []',
          'for n in range(1, 4):',
          '    cases.append([float(n)] * n)',
          '',
          '',
          '@pytest.mark.parametrize("values", cases)',
          'def test_peak(values):',
          '    assert spectrum(values).peak() == values[0]',
        ),
      ],
    });
    const code = all.get('spec.core.Spectrum.peak')![0]!.code;
    assert.equal(
      code,
      lines(
        'from spec import spectrum',
        '',
        'cases = []',
        'for n in range(1, 4):',
        '    cases.append([float(n)] * n)',
        '',
        'values = cases[0]',
        '',
        'assert spectrum(values).peak() == values[0]',
      ),
    );
  });

  test('a helper whose locals shadow the attributes it compares with is not inlined', async () => {
    const all = await examples({
      'tests/test_shadow.py': [
        'test',
        lines(
          'import unittest',
          'from spec import spectrum',
          '',
          '',
          'class ShadowTest(unittest.TestCase):',
          '    peak = 2.0',
          '',
          '    def _check(self, s):',
          '        peak = s.peak()',
          '        self.assertEqual(peak, self.peak)',
          '',
          '    def test_it(self):',
          '        self._check(spectrum([1.0, 2.0]))',
        ),
      ],
    });
    assert.equal(all.get('spec.core.Spectrum.peak'), undefined);
  });

  test('a long test gives one example per paragraph, each with the earlier statements it needs', () => {
    const body = lines(
      'a = make(1)',
      'b = make(2)',
      '',
      '# the peak of a',
      'assert a.peak() == 1',
      '',
      'c = combine(a, b)',
      'assert c.peak() == 2',
    );
    // Setting an attribute of another object from a needed name does not pull that object in.
    assert.deepEqual(testSlices(lines('h = 1', 'y = make(0)', 'y.label = h', '', 'assert make(h).peak() == 1')), [
      lines('h = 1', 'y = make(0)', 'y.label = h').trimEnd(),
      lines('h = 1', 'assert make(h).peak() == 1').trimEnd(),
    ]);
    // A later assignment of the same name replaces an earlier one: only the last definition is kept.
    assert.deepEqual(testSlices(lines('x = make(1)', 'x = make(2)', 'assert x.peak() == 2', '', 'assert x.total() == 2')), [
      lines('x = make(1)', 'x = make(2)', 'assert x.peak() == 2').trimEnd(),
      lines('x = make(2)', 'assert x.total() == 2').trimEnd(),
    ]);
    assert.deepEqual(testSlices(body), [
      lines('a = make(1)', 'b = make(2)').trimEnd(),
      lines('a = make(1)', '# the peak of a', 'assert a.peak() == 1').trimEnd(),
      lines('a = make(1)', 'b = make(2)', 'c = combine(a, b)', 'assert c.peak() == 2').trimEnd(),
    ]);
  });

  test('attribute chains are read with their calls', () => {
    const c = chainsIn('y = a.b(1, (2)).c + f(x.d)');
    assert.deepEqual(
      c.map((x) => x.links.map((l) => l.name + (l.called ? '()' : '')).join('.')),
      ['y', 'a.b().c', 'f()', 'x.d'],
    );
  });
});
