import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { memoryRepo } from '../helpers/mine-repo.js';
import type { FileRole } from '../../src/ingest/types.js';
import { createParser } from '../../src/parse/parser.js';
import type { CodeParser } from '../../src/parse/types.js';
import type { MineInput } from '../../src/distill/examples/context.js';
import { docCodeBlocks, readDocPage, type DocSnippet } from '../../src/distill/examples/doc-fences.js';
import { docPageCode, docSourceOf, standaloneDocCode } from '../../src/distill/examples/collectors/docs.js';
import { statedNotebookOutput } from '../../src/distill/examples/collectors/notebooks.js';
import { examplesByBlock, mine } from '../../src/distill/examples/mine.js';
import { readNotebookContent } from '../../src/python/notebook.js';
import { mayClaimChecked } from '../../src/validate/level.js';
import { outputsMatch } from '../../src/validate/compare.js';

let parser: CodeParser;
before(async () => {
  parser = await createParser();
});

const repo = (files: Record<string, [FileRole, string]>): MineInput => memoryRepo(parser, files, ['optics']);

const OPTICS_INIT = '"""Thin lenses."""\nfrom .lens import Lens, focal_length, load_lens\n';
const OPTICS_LENS = `
def focal_length(r1, r2, n=1.5):
    """Lensmaker's focal length."""
    return 1.0 / ((n - 1.0) * (1.0 / r1 - 1.0 / r2))


def load_lens(name):
    """A lens from the catalogue."""
    # What it returns is not written here: only a page's autodoc can say which block a call on it reaches.
    return dict(a=Lens(focal_length(1.0, -1.0)))[name]


class Lens:
    """A thin lens."""

    def __init__(self, f):
        self.f = f

    def image_distance(self, u):
        """Where the image of an object at distance u forms."""
        return 1.0 / (1.0 / self.f - 1.0 / u)
`;

function page(text: string, kind: 'md' | 'rst' = 'rst') {
  return readDocPage(text, kind);
}

describe('readDocPage', () => {
  test('testcode states its testoutput; testsetup is context; testcleanup and +SKIP are left out', () => {
    const p = page(
      [
        '.. testsetup::',
        '',
        '   import optics',
        '',
        '.. testcode::',
        '',
        '   print(optics.focal_length(1.0, -1.0))',
        '',
        '.. testoutput::',
        '   :options: +NORMALIZE_WHITESPACE',
        '',
        '   1.0',
        '',
        '.. testcode::',
        '',
        '   x = 2',
        '',
        '.. testcleanup::',
        '',
        '   del x',
        '',
        '.. doctest::',
        '   :options: +SKIP',
        '',
        '   >>> optics.focal_length(1, 1)',
      ].join('\n'),
    );
    assert.deepEqual(
      p.snippets.map((s) => [s.code, s.expectedOutput, s.statesOutput, s.setup]),
      [
        ['import optics', null, false, true],
        ['print(optics.focal_length(1.0, -1.0))', '1.0\n', true, false],
        ['x = 2', null, false, false],
      ],
    );
  });

  test('ipython directive: prompts and pseudo-decorators; output is expected only under @doctest', () => {
    const text = [
      '.. ipython:: python',
      '',
      '   In [1]: import optics',
      '',
      '   @suppress',
      '   In [2]: f = optics.focal_length(1.0, -1.0)',
      '',
      '   @doctest',
      '   In [3]: f',
      '   Out[3]: 1.0',
      '',
      '   @verbatim',
      '   In [4]: optics.plot()',
      '',
      '   In [5]: for i in range(2):',
      '      ...:     print(i)',
      '      ...:',
      '   0',
      '   1',
      '',
    ].join('\n');
    const [s] = page(text).snippets;
    assert.equal(s!.code, 'import optics\nf = optics.focal_length(1.0, -1.0)\nf\nfor i in range(2):\n    print(i)');
    assert.equal(s!.expectedOutput, null, 'not every input is checked: the build makes the rest');
    assert.equal(s!.statesOutput, false);
    const checked = page(text.replace('.. ipython:: python\n', '.. ipython:: python\n   :doctest:\n')).snippets[0]!;
    assert.equal(checked.code, 'import optics\nf = optics.focal_length(1.0, -1.0)\nprint(repr(f))\nfor i in range(2):\n    print(i)');
    assert.equal(checked.expectedOutput, '1.0\n0\n1\n');
    const ragged = page('.. testcode::\n\n   x = dict(\n  a=1)\n   print(x)\n').snippets[0]!;
    assert.equal(ragged.code, 'x = dict(\na=1)\nprint(x)', 'continuation lines written further left do not indent the code');
    assert.deepEqual(page('.. code-block:: python\n\n   import optics\n   x = ...  # your data\n   optics.fit(x)\n').snippets, [], 'placeholders are not code to run');
    const plain = page('.. ipython:: python\n\n   import optics\n   @savefig lens.png width=4in\n   optics.focal_length(1, 2)\n').snippets[0]!;
    assert.equal(plain.code, 'import optics\noptics.focal_length(1, 2)');
  });

  test('plot with content, jupyter-execute (magics out, :raises: left out) and MyST code-cell / eval-rst / directive fences', () => {
    const rst = [
      '.. plot::',
      '   :context: reset',
      '',
      '   import optics',
      '   print(optics.focal_length(1, 2))',
      '',
      '.. plot:: pyplots/lens.py',
      '',
      '.. jupyter-execute::',
      '   :hide-code:',
      '',
      '   %matplotlib inline',
      '   import optics',
      '',
      '.. jupyter-execute::',
      '   :raises: ValueError',
      '',
      '   optics.focal_length(1, 1)',
    ].join('\n');
    assert.deepEqual(
      page(rst).snippets.map((s) => s.code),
      ['import optics\nprint(optics.focal_length(1, 2))', 'import optics'],
    );
    const md = [
      '# Lenses',
      '',
      '```{code-cell} ipython3',
      ':tags: [hide-output]',
      '%matplotlib inline',
      'import optics',
      '```',
      '',
      '```{code-cell} ipython3',
      ':tags: [raises-exception]',
      'optics.focal_length(1, 1)',
      '```',
      '',
      '```{eval-rst}',
      '.. autofunction:: optics.focal_length',
      '',
      '.. doctest::',
      '',
      '   >>> optics.focal_length(1.0, -1.0)',
      '   1.0',
      '```',
      '',
      '```{testcode}',
      'print(optics.focal_length(2.0, -2.0))',
      '```',
      '',
      '```{testoutput}',
      '2.0',
      '```',
      '',
      '````{note}',
      '```python',
      'import optics',
      '```',
      '````',
      '',
      '## API',
      '',
      '::: optics.lens.Lens',
    ].join('\n');
    const p = page(md, 'md');
    assert.deepEqual(
      p.snippets.map((s) => [s.code, s.expectedOutput, s.section]),
      [
        ['import optics', null, 1],
        ['print(repr(optics.focal_length(1.0, -1.0)))', '1.0\n', 1],
        ['print(optics.focal_length(2.0, -2.0))', '2.0\n', 1],
        ['import optics', null, 1],
      ],
    );
    assert.deepEqual(
      p.documented.map((d) => [d.name, d.section]),
      [
        ['optics.focal_length', 1],
        ['optics.lens.Lens', 2],
      ],
    );
  });

  test('autodoc names carry the current module, a nested automethod its class, and :members: its methods', () => {
    const p = page(
      [
        '.. module:: optics.lens',
        '',
        'Lenses',
        '======',
        '',
        '.. autoclass:: Lens',
        '   :members: image_distance',
        '',
        '   .. automethod:: magnify',
        '',
        'Functions',
        '---------',
        '',
        '.. autofunction:: focal_length',
        '',
        '.. autosummary::',
        '   :toctree: generated/',
        '',
        '   ~Lens.image_distance',
        '   load_lens',
        '',
        'After the list.',
      ].join('\n'),
    );
    assert.deepEqual(
      p.documented.map((d) => [d.name, d.module, d.inClass, d.section]),
      [
        ['Lens', 'optics.lens', null, 1],
        ['image_distance', 'optics.lens', 'Lens', 1],
        ['magnify', 'optics.lens', 'Lens', 1],
        ['focal_length', 'optics.lens', null, 2],
        ['Lens.image_distance', 'optics.lens', null, 2],
        ['load_lens', 'optics.lens', null, 2],
      ],
    );
  });
});

describe('standaloneDocCode', () => {
  const snippet = (code: string, statesOutput: boolean, expectedOutput: string | null = null) => ({ code, expectedOutput, line: 1, doctest: false, statesOutput, setup: false, section: 0 });
  test('the doctest setup provides its names; stated output after unstated context is matched with a wildcard', () => {
    const setup = { lines: ['import numpy as np', 'import optics as op'], names: new Set(['np', 'op']), always: [] };
    const snippets = [snippet('lens = op.load_lens("a")\nop.report(lens)', false), snippet('print(lens.f)', true, '1.0\n')];
    const got = standaloneDocCode(snippets, 1, setup)!;
    // Only the setup lines the snippet needs: numpy is not used.
    assert.equal(got.code, 'import optics as op\nlens = op.load_lens("a")\nop.report(lens)\nprint(lens.f)');
    assert.equal(got.expectedOutput, '...\n1.0\n');
    assert.ok(outputsMatch(got.expectedOutput!, 'report of a\n1.0\n'));
    assert.ok(!outputsMatch(got.expectedOutput!, 'report of a\n2.0\n'));
    assert.equal(standaloneDocCode(snippets, 1, null), null, 'without the setup `op` is unbound');
    // A testsetup of the snippet's group runs first though it binds nothing the snippet reads; another group's does not.
    const seeded = [
      { ...snippet('np.random.seed(117)', false), setup: true },
      { ...snippet('servo = 1', false), setup: true, groups: ['servo'] },
      snippet('import optics', false),
      { ...snippet('print(optics.rss())', true, '0.5\n'), groups: ['default'] },
    ];
    assert.deepEqual(standaloneDocCode(seeded, 3), { code: 'import numpy as np\nnp.random.seed(117)\nimport optics\nprint(optics.rss())', expectedOutput: '...\n0.5\n', includesFile: false });
    // After other snippets of the group drew from the seeded generator, the page's numbers are not this run's.
    const later = [...seeded, snippet('plt.savefig("figures/a.png")', false), snippet('print(optics.rss())', true, '0.7\n')];
    assert.deepEqual(standaloneDocCode(later, 5), { code: 'import numpy as np\nnp.random.seed(117)\nimport optics\nprint(optics.rss())\nprint(optics.rss())', expectedOutput: null, includesFile: false });
    // The snippet itself stating nothing: no expected output, whatever its context states.
    assert.equal(standaloneDocCode([snippet('import optics', true, 'x\n'), snippet('print(optics.f)', false)], 1)!.expectedOutput, null);
  });
});

describe('docs pages as an example source', () => {
  test('README keeps readme; pages under docs/ are docs; build output and other prose are not docs pages', () => {
    assert.equal(docSourceOf({ path: 'README.md', role: 'docs' }), 'readme');
    assert.equal(docSourceOf({ path: 'docs/README.md', role: 'docs' }), 'readme');
    assert.equal(docSourceOf({ path: 'doc/tutorial.rst', role: 'docs' }), 'docs');
    assert.equal(docSourceOf({ path: 'docs/source/api.md', role: 'docs' }), 'docs');
    assert.equal(docSourceOf({ path: 'docs/_build/html/tutorial.rst', role: 'docs' }), 'readme');
    assert.equal(docSourceOf({ path: 'docs/index.html', role: 'docs' }), null);
    assert.equal(docSourceOf({ path: 'docs/conf.py', role: 'docs' }), null);
    assert.equal(mayClaimChecked('docs'), true);
  });

  test('docs pages get the doctest setup, stated testoutput, and autodoc links for calls the resolver cannot follow', async () => {
    const conf = 'project = "optics"\ndoctest_global_setup = """\nimport optics as op\n"""\n';
    const guide = [
      'Focal lengths',
      '=============',
      '',
      '.. testcode::',
      '',
      '   print(op.focal_length(1.0, -1.0))',
      '',
      '.. testoutput::',
      '',
      '   1.0',
      '',
      'Images',
      '======',
      '',
      '.. automethod:: optics.Lens.image_distance',
      '',
      '.. code-block:: python',
      '',
      '   lens = op.load_lens("a")',
      '   print(lens.image_distance(3.0))',
    ].join('\n');
    const other = [
      'Elsewhere',
      '=========',
      '',
      '.. code-block:: python',
      '',
      '   other = op.load_lens("b")',
      '   other.image_distance(4.0)',
      '',
      'Mentioned',
      '=========',
      '',
      'See :meth:`~optics.Lens.image_distance`.',
      '',
      '.. code-block:: python',
      '',
      '   third = op.load_lens("c")',
      '   third.image_distance(5.0)',
    ].join('\n');
    const input = repo({
      'optics/__init__.py': ['library', OPTICS_INIT],
      'optics/lens.py': ['library', OPTICS_LENS],
      'docs/conf.py': ['docs', conf],
      'docs/guide.rst': ['docs', guide],
      'docs/other.rst': ['docs', other],
    });
    const all = examplesByBlock(await mine(input));
    const fl = all.get('optics.lens.focal_length')!.find((e) => e.source === 'docs')!;
    assert.equal(fl.code, 'import optics as op\nprint(op.focal_length(1.0, -1.0))\n');
    assert.equal(fl.expectedOutput, '1.0\n');
    assert.equal(fl.path, 'docs/guide.rst');
    const img = all.get('optics.lens.Lens.image_distance')!;
    // The page whose autodoc documents the method, and the section that cross-references it; not a page that only calls it.
    assert.deepEqual(img.map((e) => [e.source, e.path, e.code]).sort(), [
      ['docs', 'docs/guide.rst', 'import optics as op\nlens = op.load_lens("a")\nprint(lens.image_distance(3.0))\n'],
      ['docs', 'docs/other.rst', 'import optics as op\nthird = op.load_lens("c")\nthird.image_distance(5.0)\n'],
    ]);
  });
});

describe('autodoc links', () => {
  test('a name the page documents on two classes links neither', async () => {
    const mirror = 'class Mirror:\n    """A mirror."""\n\n    def image_distance(self, u):\n        """Where the image forms."""\n        return u\n';
    const guide = ['.. autosummary::', '', '   optics.Lens.image_distance', '   optics.mirror.Mirror.image_distance', '', '.. code-block:: python', '', '   import optics', '   thing = optics.load_lens("a")', '   thing.image_distance(3.0)'].join('\n');
    const input = repo({ 'optics/__init__.py': ['library', OPTICS_INIT], 'optics/lens.py': ['library', OPTICS_LENS], 'optics/mirror.py': ['library', mirror], 'docs/guide.rst': ['docs', guide] });
    const all = examplesByBlock(await mine(input));
    assert.equal(all.get('optics.lens.Lens.image_distance'), undefined);
    assert.equal(all.get('optics.mirror.Mirror.image_distance'), undefined);
    assert.equal(all.get('optics.lens.load_lens')![0]!.source, 'docs');
  });
});

describe('docs pages running files', () => {
  test('a jupyter-execute of a file is the context of the snippets after it', async () => {
    const guide = ['.. jupyter-execute:: ../examples/make_lens.py', '   :hide-output:', '', '.. jupyter-execute::', '', '   print(lens.image_distance(3.0))'].join('\n');
    const input = repo({
      'optics/__init__.py': ['library', OPTICS_INIT],
      'optics/lens.py': ['library', OPTICS_LENS],
      'examples/make_lens.py': ['example', 'from optics import Lens\nlens = Lens(2.0)\n'],
      'docs/guide.rst': ['docs', guide],
    });
    const img = examplesByBlock(await mine(input)).get('optics.lens.Lens.image_distance')!;
    assert.deepEqual(
      img.map((e) => [e.source, e.code, e.startLine]),
      [['docs', 'from optics import Lens\nlens = Lens(2.0)\nprint(lens.image_distance(3.0))\n', 4]],
    );
  });
});

describe('notebook saved outputs', () => {
  const nb = (cells: unknown[]) => readNotebookContent(JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { language: 'python' } }, cells }));
  const code = (source: string, count: number | null, outputs: unknown[] = []) => ({ cell_type: 'code', source, metadata: {}, execution_count: count, outputs });
  const stdout = (text: string) => ({ output_type: 'stream', name: 'stdout', text });
  const result = (text: string, extra: Record<string, string> = {}) => ({ output_type: 'execute_result', execution_count: 1, metadata: {}, data: { 'text/plain': text, ...extra } });

  test('a notebook run top to bottom states its stdout and shown values; the last expression prints its repr', () => {
    const n = nb([
      code('%matplotlib inline', 1),
      code('import optics\nprint("f:", optics.focal_length(1, -1))', 2, [stdout('f: 1.0\n')]),
      code('lens = optics.load_lens("a")\nlens.f  # the focal length', 3, [result('1.0')]),
      code('lens.f;', 4),
    ]);
    const got = statedNotebookOutput(n, n.codeCells)!;
    assert.equal(got.code, 'import optics\nprint("f:", optics.focal_length(1, -1))\n\nlens = optics.load_lens("a")\nprint(repr(lens.f))\n\nlens.f;\n');
    assert.equal(got.expected, 'f: 1.0\n1.0\n');
  });

  test('a short notebook offers its stated outputs first and its bare run as the fallback', async () => {
    const notebook = JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { language: 'python' } },
      cells: [code('from optics import focal_length\nfocal_length(1.0, -1.0)', 1, [result('1.0')])],
    });
    const input = repo({ 'optics/__init__.py': ['library', OPTICS_INIT], 'optics/lens.py': ['library', OPTICS_LENS], 'docs/tour.ipynb': ['notebook', notebook] });
    const ex = examplesByBlock(await mine(input)).get('optics.lens.focal_length')!;
    assert.deepEqual(
      ex.map((e) => [e.source, e.code, e.expectedOutput]),
      [
        ['notebook', 'from optics import focal_length\nprint(repr(focal_length(1.0, -1.0)))\n', '1.0\n'],
        ['notebook', 'from optics import focal_length\nfocal_length(1.0, -1.0)\n', null],
      ],
    );
  });

  test('no expected output when a rerun would not reproduce it', () => {
    const cases: [string, unknown[]][] = [
      ['run out of order', [code('import optics', 2), code('print(1)', 1, [stdout('1\n')])]],
      ['never run', [code('import optics', null), code('print(1)', null)]],
      ['raised', [code('import optics', 1, [{ output_type: 'error', ename: 'E', evalue: '', traceback: [] }])]],
      ['a figure', [code('import optics\noptics.plot()', 1, [result('<Figure size 640x480 with 1 Axes>', { 'image/png': 'iVBOR' })])]],
      ['an address', [code('import optics\nprint(optics)', 1, [stdout('<module optics at 0x7f3a2b1c>\n')])]],
      ['a timing', [code('%%time\nimport optics\nprint(2)', 1, [stdout('2\nWall time: 3 ms\n')])]],
      ['unseeded random numbers', [code('import numpy as np\nprint(np.random.rand())', 1, [stdout('0.417\n')])]],
      ['a set, which IPython shows sorted', [code('{3, 1}', 1, [result('{1, 3}')])]],
      ['a shell line with output', [code('!ls', 1, [stdout('a.txt\n')]), code('print(1)', 2, [stdout('1\n')])]],
      ['nothing shown', [code('import optics', 1)]],
    ];
    for (const [why, cells] of cases) {
      const n = nb(cells);
      assert.equal(statedNotebookOutput(n, n.codeCells), null, why);
    }
    const seeded = nb([code('import numpy as np\nnp.random.seed(0)\nprint(round(np.random.rand(), 3))', 1, [stdout('0.549\n')])]);
    assert.equal(statedNotebookOutput(seeded, seeded.codeCells)!.expected, '0.549\n', 'seeded randomness repeats');
  });
});

test('a doctest right under a line of prose (an rst definition list) is read, as Python\'s doctest reads it', () => {
  const page = ['Gradient at the minimizer', '    >>> g = nd.Gradient(f)([1, 1])', '', 'It is zero', '', '    >>> float(g[0])', '    0.0', ''].join('\n');
  const got = docCodeBlocks(page, 'rst').map((b) => [b.line, b.code, b.expectedOutput]);
  assert.deepEqual(got, [
    [2, 'g = nd.Gradient(f)([1, 1])', null],
    [6, 'print(repr(float(g[0])))', '0.0\n'],
  ]);
});

test('a name a page uses before a later snippet imports it is free: the run gets its import up front', () => {
  const snippet = (code: string) => ({ code, expectedOutput: null, line: 1, doctest: false, statesOutput: false, setup: false, section: 0 });
  const snippets = [snippet('import optics as op\nprint(np.pi)'), snippet('import numpy as np\ndef f(x): return x'), snippet('op.focal_length(f(1.0), 2.0)')];
  const got = standaloneDocCode(snippets, 2)!;
  assert.equal(got.code, 'import numpy as np\nimport optics as op\nprint(np.pi)\nimport numpy as np\ndef f(x): return x\nop.focal_length(f(1.0), 2.0)');
});

test('a page\'s snippets each needing the one before: every snippet gets the whole chain, figure-only context left out', () => {
  const snippet = (code: string, more: Partial<DocSnippet> = {}): DocSnippet => ({ code, expectedOutput: null, line: 1, doctest: false, statesOutput: false, setup: false, section: 0, ...more });
  const page: DocSnippet[] = [snippet('import optics\nx0 = optics.lens()')];
  for (let i = 1; i < 300; i++) page.push(i % 7 === 0 ? snippet('plt.savefig("figures/a.png")') : snippet(`x${i} = optics.grow(x${i - (i % 7 === 1 && i > 1 ? 2 : 1)})`));
  page.push(snippet('print(optics.f)', { setup: true, groups: ['other'] }), snippet('print(x299)'));
  const codeFor = docPageCode(page, null);
  // A testsetup inside the run stays where the page has it, whatever its group.
  const expected = page.slice(0, 301).filter((s) => !s.code.startsWith('plt.')).map((s) => s.code).concat('print(x299)').join('\n');
  assert.equal(codeFor(301)!.code, expected);
  assert.deepEqual(codeFor(301), standaloneDocCode(page, 301));
  assert.equal(codeFor(5)!.code, page.slice(0, 6).map((s) => s.code).join('\n'));
  // The first snippet binds x0 itself; a snippet reading a name nothing binds has no standalone code.
  assert.equal(codeFor(0)!.code, 'import optics\nx0 = optics.lens()');
  assert.equal(docPageCode([...page, snippet('print(y)')], null)(302), null);
});
