import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { isCodedistillError } from '../../src/kernel/errors.js';
import { createParser } from '../../src/parse/parser.js';
import { parseDocstring } from '../../src/parse/pydoc.js';
import { pythonModuleOf, type ModuleRoot } from '../../src/python/modules.js';
import type { CodeParser, ExtractedSymbol, ParsedFile } from '../../src/parse/types.js';

let parser: CodeParser;

before(async () => {
  parser = await createParser();
});

function parse(source: string, path = 'pkg/mod.py', roots: readonly ModuleRoot[] = ['']): ParsedFile {
  return parser.parse(path, source, roots);
}

function sym(file: ParsedFile, localName: string): ExtractedSymbol {
  const s = file.symbols.find((x) => x.localName === localName);
  assert.ok(s, `no symbol ${localName}; have ${file.symbols.map((x) => x.localName).join(', ')}`);
  return s;
}

/** Joins lines so that line numbers in the tests can be read off the array index (index + 1). */
const src = (...lines: string[]) => lines.join('\n') + '\n';

describe('python: definitions', () => {
  test('decorators, async def and exact line numbers', () => {
    const f = parse(
      src(
        'import functools', // 1
        '', // 2
        '@functools.lru_cache(maxsize=None)', // 3
        '@staticmethod', // 4
        'async def fetch(url: str) -> bytes:', // 5
        '    """Get it."""', // 6
        '    return await get(url)', // 7
        '', // 8
        'def plain():', // 9
        '    pass', // 10
      ),
    );
    const fetch = sym(f, 'fetch');
    assert.equal(fetch.kind, 'function');
    assert.equal(fetch.startLine, 3);
    assert.equal(fetch.endLine, 7);
    assert.deepEqual(fetch.decorators, ['functools.lru_cache(maxsize=None)', 'staticmethod']);
    assert.equal(fetch.signature, 'async def fetch(url: str) -> bytes:');
    assert.equal(fetch.docstring, 'Get it.');
    assert.equal(fetch.returns, 'bytes');
    assert.ok(fetch.code.startsWith('@functools.lru_cache(maxsize=None)\n@staticmethod\nasync def fetch'));
    assert.ok(fetch.code.endsWith('return await get(url)'));
    const plain = sym(f, 'plain');
    assert.equal(plain.startLine, 9);
    assert.equal(plain.endLine, 10);
    assert.deepEqual(plain.decorators, []);
  });

  test('methods, nested classes, and no functions nested in functions', () => {
    const f = parse(
      src(
        'class Outer(Base):', // 1
        '    """Outer doc."""', // 2
        '    def method(self, x):', // 3
        '        def helper():', // 4
        '            return x', // 5
        '        return helper()', // 6
        '', // 7
        '    class Inner:', // 8
        '        @classmethod', // 9
        '        def make(cls, n=1):', // 10
        '            return cls()', // 11
        '', // 12
        'def top():', // 13
        '    def inner():', // 14
        '        pass', // 15
        '    return inner', // 16
      ),
    );
    assert.deepEqual(
      f.symbols.map((s) => [s.kind, s.localName, s.parent]),
      [
        ['class', 'Outer', null],
        ['method', 'Outer.method', 'Outer'],
        ['class', 'Outer.Inner', 'Outer'],
        ['method', 'Outer.Inner.make', 'Outer.Inner'],
        ['function', 'top', null],
      ],
    );
    const make = sym(f, 'Outer.Inner.make');
    assert.equal(make.name, 'make');
    assert.equal(make.startLine, 9);
    assert.equal(make.endLine, 11);
    // Methods are dedented so the block reads like a top-level definition.
    assert.equal(make.code, '@classmethod\ndef make(cls, n=1):\n    return cls()');
    assert.deepEqual(
      make.parameters.map((p) => p.name),
      ['n'],
    );
    assert.equal(sym(f, 'Outer').signature, 'class Outer(Base):');
    assert.equal(sym(f, 'Outer').docstring, 'Outer doc.');
    assert.equal(sym(f, 'Outer.method').calls.includes('helper'), true);
  });

  test('definitions under module-level if/try are module members', () => {
    const f = parse(
      src(
        'try:',
        '    from numba import njit',
        'except ImportError:',
        '    def njit(f):',
        '        return f',
        'if True:',
        '    def when_true():',
        '        pass',
        'else:',
        '    def when_true():',
        '        return 2',
      ),
    );
    assert.deepEqual(
      f.symbols.map((s) => s.localName),
      ['njit', 'when_true'],
    );
    // The first definition is kept; the else-branch variant has the same name.
    assert.equal(sym(f, 'when_true').startLine, 7);
    assert.deepEqual(
      f.imports.map((i) => i.text),
      ['from numba import njit'],
    );
  });

  test('property setters and overload stubs do not replace the real definition', () => {
    const f = parse(
      src(
        'from typing import overload',
        'class P:',
        '    @property',
        '    def value(self):',
        '        """The value."""',
        '        return self._v',
        '    @value.setter',
        '    def value(self, v):',
        '        self._v = v',
        '@overload',
        'def conv(x: int) -> int: ...',
        '@overload',
        'def conv(x: str) -> str: ...',
        'def conv(x):',
        '    """Real."""',
        '    return x',
      ),
    );
    assert.equal(sym(f, 'P.value').docstring, 'The value.');
    assert.deepEqual(sym(f, 'P.value').decorators, ['property']);
    assert.equal(f.symbols.filter((s) => s.localName === 'conv').length, 1);
    assert.equal(sym(f, 'conv').docstring, 'Real.');
    assert.equal(sym(f, 'conv').startLine, 14);
  });

  test('class bases as written, keywords left out; module-level calls assigned to a name', () => {
    const f = parse(
      src(
        'from . import _setup',
        'class A(_Mixin, _setup.Base, Generic[T], metaclass=ABCMeta, *extra):',
        '    """A."""',
        'class B:',
        '    """B."""',
        '_wrapper = _class_wrapper(_Impl)',
        'TABLE = [1, 2]',
        'obj.attr = make()',
      ),
    );
    assert.deepEqual(sym(f, 'A').bases, ['_Mixin', '_setup.Base', 'Generic[T]']);
    assert.deepEqual(sym(f, 'B').bases, []);
    assert.deepEqual(f.assignedCalls, [{ name: '_wrapper', call: '_class_wrapper(_Impl)' }]);
  });
});

describe('python: parameters and signatures', () => {
  test('every parameter kind, with annotations and defaults', () => {
    const f = parse(src('def f(a, b: int, /, c=1, d: float = 2.5, *args: str, e, g="x  y", **kw) -> None:', '    pass'));
    const ps = sym(f, 'f').parameters;
    assert.deepEqual(
      ps.map((p) => [p.name, p.kind, p.annotation, p.default]),
      [
        ['a', 'positional_only', null, null],
        ['b', 'positional_only', 'int', null],
        ['c', 'positional', null, '1'],
        ['d', 'positional', 'float', '2.5'],
        ['args', 'var_positional', 'str', null],
        ['e', 'keyword_only', null, null],
        ['g', 'keyword_only', null, '"x  y"'],
        ['kw', 'var_keyword', null, null],
      ],
    );
    assert.equal(sym(f, 'f').returns, 'None');
  });

  test('bare * makes the rest keyword-only; self and cls are dropped but staticmethod arguments are kept', () => {
    const f = parse(
      src(
        'class K:',
        '    def m(self, x, *, y=0): pass',
        '    @classmethod',
        '    def c(cls, z): pass',
        '    @staticmethod',
        '    def s(first, second): pass',
      ),
    );
    assert.deepEqual(
      sym(f, 'K.m').parameters.map((p) => [p.name, p.kind]),
      [
        ['x', 'positional'],
        ['y', 'keyword_only'],
      ],
    );
    assert.deepEqual(
      sym(f, 'K.c').parameters.map((p) => p.name),
      ['z'],
    );
    assert.deepEqual(
      sym(f, 'K.s').parameters.map((p) => p.name),
      ['first', 'second'],
    );
  });

  test('a multi-line header becomes one line, without comments or the trailing comma', () => {
    const f = parse(
      src(
        'def solve(',
        '    matrix,  # the system',
        '    rhs: "np.ndarray" = None,',
        '    *,',
        '    tol=(1e-8,),',
        ') -> tuple[int,',
        '           float]:',
        '    return 1',
      ),
    );
    const s = sym(f, 'solve');
    assert.equal(s.signature, 'def solve(matrix, rhs: "np.ndarray" = None, *, tol=(1e-8,)) -> tuple[int, float]:');
    assert.equal(s.returns, 'tuple[int, float]');
    // The tuple default keeps its comma: it is what makes it a tuple.
    assert.equal(s.parameters.find((p) => p.name === 'tol')?.default, '(1e-8,)');
  });

  test('a class takes its constructor parameters, described by the class docstring', () => {
    const f = parse(
      src(
        'class Bed:',
        '    """A packed bed.',
        '',
        '    Parameters',
        '    ----------',
        '    porosity : float',
        '        Void fraction.',
        '    """',
        '    def __init__(self, porosity, length=1.0):',
        '        self.porosity = porosity',
      ),
    );
    const bed = sym(f, 'Bed');
    assert.deepEqual(
      bed.parameters.map((p) => [p.name, p.default, p.description]),
      [
        ['porosity', null, 'Void fraction.'],
        ['length', '1.0', null],
      ],
    );
    assert.equal(bed.returns, null);
  });
});

describe('python: docstrings', () => {
  test('numpy style parameters and returns', () => {
    const f = parse(
      src(
        'def ergun(dp, eps, *args, **kwargs):',
        '    """Pressure drop.',
        '',
        '    Parameters',
        '    ----------',
        '    dp : float',
        '        Particle diameter',
        '        in metres.',
        '    eps : float, optional',
        '        Porosity.',
        '    *args',
        '        Passed on.',
        '    **kwargs : dict',
        '        Options.',
        '',
        '    Returns',
        '    -------',
        '    float',
        '        The drop.',
        '    """',
      ),
    );
    const s = sym(f, 'ergun');
    assert.deepEqual(
      s.parameters.map((p) => [p.name, p.description]),
      [
        ['dp', 'Particle diameter in metres.'],
        ['eps', 'Porosity.'],
        ['args', 'Passed on.'],
        ['kwargs', 'Options.'],
      ],
    );
    assert.deepEqual(
      s.parameters.map((p) => p.docType ?? null),
      ['float', 'float, optional', null, 'dict'],
      'the stated types are kept beside the descriptions',
    );
    assert.equal(s.returns, 'float');
    assert.ok(s.docstring?.startsWith('Pressure drop.\n\nParameters\n----------\ndp : float\n    Particle diameter'));
  });

  test('google style parameters and returns', () => {
    const f = parse(
      src(
        'def g(x, y, z=None):',
        "    '''Sum.",
        '',
        '    Args:',
        '        x (float): First',
        '            value.',
        '        y: Second.',
        '        z (int, optional): Third.',
        '',
        '    Returns:',
        '        float: The total.',
        "    '''",
      ),
    );
    const s = sym(f, 'g');
    assert.deepEqual(
      s.parameters.map((p) => p.description),
      ['First value.', 'Second.', 'Third.'],
    );
    assert.deepEqual(
      s.parameters.map((p) => p.docType ?? null),
      ['float', null, 'int, optional'],
    );
    assert.equal(s.returns, 'float: The total.');
  });

  test('reST fields, with :rtype: preferred for the return', () => {
    const f = parse(
      src(
        'def r(a, b):',
        '    r"""Compute.',
        '',
        '    :param a: the a',
        '        continued',
        '    :param int b: the b',
        '    :returns: the result',
        '    :rtype: int',
        '    """',
      ),
    );
    const s = sym(f, 'r');
    assert.deepEqual(
      s.parameters.map((p) => p.description),
      ['the a continued', 'the b'],
    );
    assert.equal(s.returns, 'int');
    assert.equal(parseDocstring(':returns: only text').returns, 'only text');
  });

  test('quote styles, raw strings, escapes and cleandoc-style dedent', () => {
    const f = parse(
      src(
        '"""Module doc."""',
        'def a():',
        "    '''Single quotes.'''",
        'def b():',
        '    r"""Raw \\n stays."""',
        'def c():',
        '    "Tab\\there."',
        'def d():',
        '    """',
        '    Title.',
        '',
        '        Indented example.',
        '    """',
        'def e():',
        '    f"""{not_a_docstring}"""',
        'def g():',
        '    # a comment first',
        '    "Still the docstring."',
      ),
    );
    assert.equal(f.moduleDocstring, 'Module doc.');
    assert.equal(sym(f, 'a').docstring, 'Single quotes.');
    assert.equal(sym(f, 'b').docstring, 'Raw \\n stays.');
    assert.equal(sym(f, 'c').docstring, 'Tab\there.');
    assert.equal(sym(f, 'd').docstring, 'Title.\n\n    Indented example.');
    assert.equal(sym(f, 'e').docstring, null);
    assert.equal(sym(f, 'g').docstring, 'Still the docstring.');
  });
});

describe('python: module level', () => {
  test('imports of every form, with the names they bind', () => {
    const f = parse(
      src(
        'from __future__ import annotations', // 1
        'import numpy as np, os.path', // 2
        'import scipy.linalg', // 3
        'from . import utils', // 4
        'from ..core.base import (', // 5
        '    Solver as S,', // 6
        '    solve,', // 7
        ')', // 8
        'from .m import *', // 9
        'def f():', // 10
        '    import json', // 11
      ),
    );
    assert.deepEqual(
      f.imports.map((i) => [i.module, i.names, i.line]),
      [
        ['__future__', ['annotations'], 1],
        ['numpy', ['np'], 2],
        ['os.path', ['os'], 2],
        ['scipy.linalg', ['scipy'], 3],
        ['.', ['utils'], 4],
        ['..core.base', ['S', 'solve'], 5],
        ['.m', ['*'], 9],
      ],
    );
    assert.equal(f.imports[1]!.text, 'import numpy as np');
    assert.equal(f.imports[5]!.text, 'from ..core.base import (\n    Solver as S,\n    solve,\n)');
  });

  test('__all__ as a list, a tuple, extended with +=, or unknown when computed', () => {
    assert.deepEqual(parse(src('__all__ = ["a", \'b\']')).allExports, ['a', 'b']);
    assert.deepEqual(parse(src('__all__ = ("a",)', '__all__ += ["c"]')).allExports, ['a', 'c']);
    assert.equal(parse(src('__all__ = base.__all__ + ["x"]')).allExports, null);
    assert.equal(parse(src('x = 1')).allExports, null);
  });

  test('module paths for flat and src layouts', () => {
    assert.equal(pythonModuleOf('pkg/sub/mod.py', ['']), 'pkg.sub.mod');
    assert.equal(pythonModuleOf('pkg/__init__.py', ['']), 'pkg');
    assert.equal(pythonModuleOf('src/pkg/core.py', ['src']), 'pkg.core');
    assert.equal(pythonModuleOf('src/pkg/core.py', ['', 'src']), 'pkg.core');
    assert.equal(pythonModuleOf('tests/test_x.py', ['src', '']), 'tests.test_x');
    assert.equal(pythonModuleOf('setup.py', ['']), 'setup');
    assert.equal(parse('', 'src/pkg/sub/__init__.py', ['src']).module, 'pkg.sub');
  });

  test('module paths for folders imported under another name (package_dir mappings, a root that is the package)', () => {
    const rootIsPackage = [{ dir: '', prefix: 'rootpkg' }];
    assert.equal(pythonModuleOf('core.py', rootIsPackage), 'rootpkg.core');
    assert.equal(pythonModuleOf('__init__.py', rootIsPackage), 'rootpkg');
    assert.equal(pythonModuleOf('sub/__init__.py', rootIsPackage), 'rootpkg.sub');
    const mapped = [{ dir: './code/kinet_impl/', prefix: 'kinet' }, 'lib', ''];
    assert.equal(pythonModuleOf('code/kinet_impl/rates.py', mapped), 'kinet.rates');
    assert.equal(pythonModuleOf('lib/other/x.py', mapped), 'other.x');
    assert.equal(pythonModuleOf('tests/test_x.py', mapped), 'tests.test_x');
    assert.equal(pythonModuleOf('code/y.py', [{ dir: 'code', prefix: 'a.b' }]), 'a.b.y');
    assert.equal(parse('', 'core.py', rootIsPackage).module, 'rootpkg.core');
  });

  test('an empty file', () => {
    const f = parse('', 'pkg/empty.py');
    assert.deepEqual(
      { symbols: f.symbols, imports: f.imports, errors: f.errors, doc: f.moduleDocstring, all: f.allExports },
      { symbols: [], imports: [], errors: [], doc: null, all: null },
    );
    assert.equal(f.language, 'python');
    assert.equal(f.module, 'pkg.empty');
  });
});

describe('python: bodies', () => {
  test('a class and its methods: each symbol has the calls and identifiers of its own code, nested classes too', () => {
    const f = parse(
      src(
        'class A(Base):',
        '    x = make(1)',
        '    def m(self, k=dflt):',
        '        return helper(k) + other.attr',
        '    class Inner:',
        '        def n(self):',
        '            return inner_call(q)',
        '    def p(self):',
        '        helper(z)',
        'def g():',
        '    return last(w)',
      ),
    );
    assert.deepEqual(sym(f, 'A').calls, ['make', 'helper', 'inner_call']);
    assert.deepEqual(sym(f, 'A').identifiers, ['Base', 'make', 'dflt', 'helper', 'k', 'other', 'inner_call', 'q', 'z']);
    assert.deepEqual(sym(f, 'A.m').calls, ['helper']);
    assert.deepEqual(sym(f, 'A.m').identifiers, ['dflt', 'helper', 'k', 'other']);
    assert.deepEqual(sym(f, 'A.Inner').identifiers, ['inner_call', 'q']);
    assert.deepEqual(sym(f, 'A.Inner.n').calls, ['inner_call']);
    assert.deepEqual(sym(f, 'A.p').identifiers, ['helper', 'z']);
    assert.deepEqual(sym(f, 'g').identifiers, ['last', 'w']);
  });

  test('calls, identifiers and body line counts', () => {
    const f = parse(
      src(
        'import numpy as np',
        'def run(x, scale: Factor = DEFAULT):',
        '    """Doc',
        '    lines."""',
        '',
        '    # a comment',
        '    y = np.linalg.norm(x, axis=0)',
        '    z = helper(y).total()',
        '    super().__init__()',
        '    return [v * scale for v in z]',
      ),
    );
    const s = sym(f, 'run');
    assert.deepEqual(s.calls, ['np.linalg.norm', 'helper().total', 'helper', 'super().__init__', 'super']);
    // Names used by the header count too: an annotation or default needs its import as much as the body does.
    for (const name of ['np', 'x', 'helper', 'y', 'scale', 'z', 'v', 'Factor', 'DEFAULT']) {
      assert.ok(s.identifiers.includes(name), `missing ${name} in ${s.identifiers.join(',')}`);
    }
    for (const name of ['linalg', 'norm', 'axis', 'total', 'run']) {
      assert.ok(!s.identifiers.includes(name), `unexpected ${name}`);
    }
    assert.equal(s.bodyLines, 4);
  });
});

describe('python: robustness', () => {
  test('a syntax error is reported and the intact definitions around it are kept', () => {
    const f = parse(
      src(
        'def good(a):', // 1
        '    return a', // 2
        '', // 3
        'def bad(x:', // 4
        '    return x +', // 5
        '', // 6
        'class K:', // 7
        '    def ok(self):', // 8
        '        return 1', // 9
        '', // 10
        'def also_good(b):', // 11
        '    """Doc."""', // 12
        '    return b', // 13
      ),
    );
    assert.ok(f.errors.length >= 1);
    assert.equal(f.errors[0]!.line, 4);
    assert.match(f.errors[0]!.message, /def bad/);
    assert.deepEqual(
      f.symbols.map((s) => [s.localName, s.startLine, s.endLine]),
      [
        ['good', 1, 2],
        ['K', 7, 9],
        ['K.ok', 8, 9],
        ['also_good', 11, 13],
      ],
    );
    assert.equal(sym(f, 'also_good').code, 'def also_good(b):\n    """Doc."""\n    return b');
  });

  test('the error line points past intact statements that recovery folded into the error', () => {
    const f = parse(
      src(
        '"""Module doc."""', // 1
        '', // 2
        'def f(a, b=1.5)', // 3 (no colon)
        '    """Doc."""', // 4
        '    return a', // 5
        '', // 6
        'def g():', // 7
        '    return 1', // 8
      ),
    );
    assert.equal(f.errors[0]?.line, 3);
    assert.match(f.errors[0]!.message, /^syntax error near "def f\(a, b=1\.5\)"$/);
    assert.equal(f.moduleDocstring, 'Module doc.');
    assert.deepEqual(
      f.symbols.map((s) => [s.name, s.startLine]),
      [['g', 7]],
    );
  });

  test('an unclosed bracket is reported on its line and the next definition survives', () => {
    const f = parse(src('def f(a):', '    return g(a', '', 'def h():', '    pass'));
    assert.equal(f.errors[0]?.line, 2);
    assert.deepEqual(
      f.symbols.map((s) => [s.name, s.startLine]),
      [['h', 4]],
    );
  });

  test('unicode identifiers and strings keep exact text and lines', () => {
    const f = parse(
      src(
        's = "héllo 😀 wörld"', // 1
        'def größe(λ: float = 1.0):', // 2
        '    """Größe 😀 — Maß."""', // 3
        '    return λ * 2', // 4
        'def après():', // 5
        '    return "naïve"', // 6
      ),
    );
    const g = sym(f, 'größe');
    assert.equal(g.docstring, 'Größe 😀 — Maß.');
    assert.deepEqual(
      g.parameters.map((p) => p.name),
      ['λ'],
    );
    assert.equal(g.code, 'def größe(λ: float = 1.0):\n    """Größe 😀 — Maß."""\n    return λ * 2');
    assert.deepEqual(g.identifiers, ['float', 'λ']);
    const a = sym(f, 'après');
    assert.equal(a.startLine, 5);
    assert.equal(a.code, 'def après():\n    return "naïve"');
  });

  test('CRLF line endings and a byte order mark do not shift anything', () => {
    const f = parse('\uFEFFimport os\r\n\r\ndef f():\r\n    """Doc.\r\n\r\n    More."""\r\n    return 1\r\n');
    const s = sym(f, 'f');
    assert.equal(s.startLine, 3);
    assert.equal(s.endLine, 7);
    assert.equal(s.docstring, 'Doc.\n\nMore.');
    assert.equal(f.imports[0]!.line, 1);
  });

  test('the parser refuses files it has no grammar for, and languages it does not know', async () => {
    assert.equal(parser.languageOf('a/b.py'), 'python');
    assert.equal(parser.languageOf('R/x.R'), 'r');
    assert.equal(parser.languageOf('x.c'), null);
    assert.deepEqual(parser.languages(), ['python', 'r']);
    assert.throws(
      () => parser.parse('x.c', 'int x;', ['']),
      (e: unknown) => isCodedistillError(e) && e.code === 'invalid_input',
    );
    await assert.rejects(createParser({ languages: ['julia'] }), (e: unknown) => isCodedistillError(e) && e.code === 'invalid_input');
    const onlyPython = await createParser({ languages: ['python'] });
    assert.equal(onlyPython.languageOf('x.R'), null);
  });
});
