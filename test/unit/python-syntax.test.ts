import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  bodyOf,
  callsIn,
  freeNames,
  dedent,
  importedTopModules,
  isExpressionStatement,
  logicalLines,
  mask,
  splitDocstring,
  statementGroups,
  stripComment,
} from '../../src/python/syntax.js';
import { parseImport, resolveRelative } from '../../src/python/imports.js';

describe('pytext', () => {
  test('mask blanks string contents and comments, keeps f-string expressions and lengths', () => {
    const code = 'x = "a(b" + \'#\'  # c(\ny = f"{n:.2f} {{lit}}"\n';
    const m = mask(code);
    assert.equal(m.length, code.length);
    assert.equal(m.split('\n')[0], 'x = "   " + \' \'  #   ');
    assert.match(m.split('\n')[1]!, /\{?n\b/);
    assert.doesNotMatch(m, /lit/);
  });

  test('logical lines join brackets, backslashes and triple-quoted strings', () => {
    const code = 'a = f(1,\n      2)\nb = """x\ny"""\nc = 1 + \\\n    2\n\n# only a comment\nd = 4';
    assert.deepEqual(
      logicalLines(code).map((l) => [l.start, l.end]),
      [
        [0, 1],
        [2, 3],
        [4, 5],
        [8, 8],
      ],
    );
  });

  test('statement groups keep compound statements, else clauses and decorators together', () => {
    const code = '@dec\ndef f():\n    return 1\nif x:\n    y = 1\nelse:\n    y = 2\nz = 3';
    assert.deepEqual(
      statementGroups(code).map((g) => g.text.split('\n')[0]),
      ['@dec', 'if x:', 'z = 3'],
    );
  });

  test('free names: reads that nothing in the snippet binds; kwargs, attributes and builtins are not reads', () => {
    const code = 'import numpy as np\nfrom m import g\nx = np.arange(n)\nfor i, v in enumerate(x):\n    total = g(v, scale=k)\nys = [w * 2 for w in x]\nf = lambda q: q + offset\nprint(obj.attr)';
    assert.deepEqual([...freeNames(code)].sort(), ['k', 'n', 'obj', 'offset']);
  });

  test('expression statements vs assignments and compound headers', () => {
    assert.equal(isExpressionStatement('f(x) == 2'), true);
    assert.equal(isExpressionStatement('a, b'), true);
    assert.equal(isExpressionStatement('f(x=1)'), true);
    assert.equal(isExpressionStatement('x = f(1)'), false);
    assert.equal(isExpressionStatement('x += 1'), false);
    assert.equal(isExpressionStatement('x: int = 1'), false);
    assert.equal(isExpressionStatement('for i in y:\n    print(i)'), false);
    assert.equal(isExpressionStatement('import math'), false);
    assert.equal(isExpressionStatement('"a=b"'), true);
  });

  test('imports parse into bindings; relative modules resolve against the importing module', () => {
    assert.deepEqual(parseImport('from .core import (a,\n    b as c)  # note'), [
      { local: 'a', module: '.core', name: 'a', dotted: null },
      { local: 'c', module: '.core', name: 'b', dotted: null },
    ]);
    assert.deepEqual(parseImport('import os.path, numpy as np'), [
      { local: 'os', module: 'os.path', name: null, dotted: 'os.path' },
      { local: 'np', module: 'numpy', name: null, dotted: null },
    ]);
    assert.equal(resolveRelative('.core', 'pkg.tests.test_x', false), 'pkg.tests.core');
    assert.equal(resolveRelative('..core', 'pkg.tests.test_x', false), 'pkg.core');
    assert.equal(resolveRelative('.', 'pkg.sub', true), 'pkg.sub');
    assert.equal(resolveRelative('.m', 'pkg', true), 'pkg.m');
  });

  test('bodies come without header and decorators; docstrings split off', () => {
    const { body } = bodyOf('@pytest.fixture\ndef f(a,\n      b):\n    """Doc."""\n    return a + b\n');
    assert.equal(body.trim(), '"""Doc."""\nreturn a + b');
    assert.equal(splitDocstring(body.trim()).rest.trim(), 'return a + b');
    assert.equal(bodyOf('def f(): return 1').body, 'return 1');
  });

  test('a docstring is the first statement group, read no further than it goes', () => {
    // Deeper lines join it; a decorator waits for its def and deeper lines after it still join; else clauses
    // join unless a decorator waits: what statementGroups makes the first group.
    const cases: [string, string | null, string][] = [
      ['"""Doc."""\nx = 1\ny = 2', '"""Doc."""', 'x = 1\ny = 2'],
      ["# c\n\nr'''Doc\nmore'''\nx = 1", "r'''Doc\nmore'''", 'x = 1'],
      ['"""Doc."""\n    deeper\n@dec\n  also\ndef f(): pass', '"""Doc."""\n    deeper\n@dec\n  also', 'def f(): pass'],
      ['"""Doc."""\nelse:\n    y\nz', '"""Doc."""\nelse:\n    y', 'z'],
      ['"""Doc."""\n@dec\nelse:\n    y', '"""Doc."""', '@dec\nelse:\n    y'],
      ['  """Doc."""\nx = 1', '  """Doc."""', 'x = 1'],
      ['"a" + b\nx = 1', null, '"a" + b\nx = 1'],
      ['x = 1\n"""not a docstring"""', null, 'x = 1\n"""not a docstring"""'],
      ['', null, ''],
    ];
    for (const [body, docstring, rest] of cases) {
      assert.deepEqual(splitDocstring(body), { docstring, rest }, body);
      if (docstring !== null) assert.equal(statementGroups(body)[0]!.text, docstring, body);
    }
  });

  test('bodies after a multi-line header, a header in a string, a one-line body', () => {
    assert.deepEqual(bodyOf('x = """\ndef no():\n"""\ndef f(a,\n      b):  # c\n    return a\n'), { body: 'return a\n', headerEndLine: 4 });
    assert.deepEqual(bodyOf('class C: pass'), { body: 'pass', headerEndLine: 0 });
    assert.deepEqual(bodyOf('x = 1'), { body: 'x = 1', headerEndLine: -1 });
  });

  test('logical lines: texts and masks are the lines as written; comment lines and odd whitespace left out', () => {
    const code = 'a = (1,\n  2)  # c\n\f\n   # only\n\u00a0\nb = "x"\n';
    assert.deepEqual(logicalLines(code), [
      { start: 0, end: 1, text: 'a = (1,\n  2)  # c', masked: 'a = (1,\n  2)  #  ', indent: 0 },
      { start: 5, end: 5, text: 'b = "x"', masked: 'b = " "', indent: 0 },
    ]);
  });

  test('calls are dotted names before a paren; comments and strings do not count', () => {
    assert.deepEqual(callsIn('np.sum(x)  # g(1)\ns = "h(2)"\nobj.m(1).n()'), ['np.sum', 'obj.m', '.n']);
    assert.equal(stripComment('x = "#no"  # yes'), 'x = "#no"');
  });
});

describe('importedTopModules', () => {
  test('absolute imports at any depth, top-level names; strings and relative imports do not count', () => {
    const code = 'import numpy as np, os.path\nfrom scipy.signal import (\n  butter,\n  lfilter)\nfrom . import core\ndef f():\n    import pkg.sub\ns = """\nimport notme\n"""\n';
    assert.deepEqual(importedTopModules(code), ['numpy', 'os', 'scipy', 'scipy', 'scipy', 'pkg']);
  });
});

test('dedent leaves the lines of a triple-quoted string as they are, and does not measure them', () => {
  const body = "        x = 1\n        s = '''<a>\n<b/>\n    </a>\n'''\n        print(s)\n";
  assert.equal(dedent(body), "x = 1\ns = '''<a>\n<b/>\n    </a>\n'''\nprint(s)\n");
  assert.equal(dedent('    a\n\n      b\n'), 'a\n\n  b\n');
});
