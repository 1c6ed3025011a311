import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { FileRole } from '../../src/ingest/types.js';
import { createParser } from '../../src/parse/parser.js';
import type { CodeParser, ParsedFile } from '../../src/parse/types.js';
import { centralityScore, rankSymbols } from '../../src/distill/centrality.js';
import { publicPaths, selectSymbols, trivialReason, type SelectedSymbol } from '../../src/distill/select.js';

let parser: CodeParser;
before(async () => {
  parser = await createParser();
});

function repo(files: Record<string, [FileRole, string]>): { parsed: ParsedFile[]; roles: Map<string, FileRole> } {
  const parsed = Object.entries(files).map(([p, [, src]]) => parser.parse(p, src, ['']));
  const roles = new Map(Object.entries(files).map(([p, [role]]) => [p, role]));
  return { parsed, roles };
}

const CORE = `
import numpy as np


def solve(a, b):
    """Solve a linear system a x = b."""
    x = np.linalg.solve(a, b)
    return x


def _helper(x):
    """Private: never a block."""
    return x * 2


def tiny():
    return 1


def documented_tiny():
    """One line, but the authors explain it."""
    return 1


def stub(x):
    """Subclasses implement this."""
    raise NotImplementedError


def nothing():
    pass


class Model:
    """A model with state."""

    def __init__(self, k):
        self._k = k
        self.fitted = False

    @property
    def k(self):
        """The rate."""
        return self._k

    @k.setter
    def k(self, value):
        self._k = value

    def fit(self, a, b):
        """Fit by solving the system."""
        self.x = solve(a, b)
        self.fitted = True
        return self

    def _internal(self):
        return self.x + 1


class _Hidden:
    def run(self, x):
        """Would be public, but its class is private."""
        y = x + 1
        return y
`;

function names(sel: SelectedSymbol[]): string[] {
  return sel.map((s) => s.qualifiedName).sort();
}

describe('selectSymbols', () => {
  test('keeps public, non-trivial library symbols and leaves out private, trivial and test code', () => {
    const { parsed, roles } = repo({
      'pkg/__init__.py': ['library', 'from .core import solve, Model\n'],
      'pkg/core.py': ['library', CORE],
      'tests/test_core.py': ['test', 'from pkg import solve\n\ndef test_solve():\n    """Checks."""\n    assert solve([[1]], [1])[0] == 1\n'],
    });
    const sel = selectSymbols(parsed, roles);
    assert.deepEqual(names(sel), ['pkg.core.Model', 'pkg.core.Model.fit', 'pkg.core.documented_tiny', 'pkg.core.solve']);
    // tiny: one line without docstring; stub: NotImplementedError; nothing: pass; k: property getter/setter;
    // __init__/_internal/_helper: private or dunder; _Hidden.run: method of a private class.
  });

  test('a package __init__ re-export makes the package the public import, the qualified name stays', () => {
    const { parsed, roles } = repo({
      'pkg/__init__.py': ['library', 'from .core import solve\n__all__ = ["solve"]\n'],
      'pkg/core.py': ['library', CORE],
    });
    const sel = selectSymbols(parsed, roles);
    const solve = sel.find((s) => s.name === 'solve')!;
    assert.equal(solve.qualifiedName, 'pkg.core.solve');
    assert.equal(solve.publicImport, 'pkg');
    assert.equal(solve.exported, true);
    const model = sel.find((s) => s.name === 'Model')!;
    assert.equal(model.publicImport, 'pkg.core', 'Model is not re-exported, so users import it from its module');
    assert.equal(model.exported, false);
    const fit = sel.find((s) => s.name === 'fit')!;
    assert.equal(fit.parent, 'Model');
    assert.equal(fit.publicImport, 'pkg.core', "a method is imported through its class's module");
  });

  test('re-exports chain through sub-packages, star imports honour __all__, and private modules need one', () => {
    const { parsed, roles } = repo({
      'pkg/__init__.py': ['library', 'from .sub import deep_fn\nfrom ._impl import *\n'],
      'pkg/sub/__init__.py': ['library', 'from .deep import deep_fn\n'],
      'pkg/sub/deep.py': ['library', 'def deep_fn(x):\n    """Deep."""\n    return x + 1\n'],
      'pkg/_impl.py': ['library', '__all__ = ["shown"]\n\ndef shown(x):\n    """Shown."""\n    return x\n\ndef hidden(x):\n    """Public name in a private module, not exported."""\n    return x\n'],
    });
    const sel = selectSymbols(parsed, roles);
    assert.deepEqual(names(sel), ['pkg._impl.shown', 'pkg.sub.deep.deep_fn']);
    assert.equal(sel.find((s) => s.name === 'deep_fn')!.publicImport, 'pkg');
    assert.equal(sel.find((s) => s.name === 'shown')!.publicImport, 'pkg');
    const paths = publicPaths(parsed);
    assert.deepEqual(paths.get('pkg.sub.deep.deep_fn'), ['pkg.deep_fn', 'pkg.sub.deep_fn', 'pkg.sub.deep.deep_fn']);
  });

  test('only library files count', () => {
    const { parsed, roles } = repo({
      'examples/demo.py': ['example', 'def helper(x):\n    """Documented."""\n    return x + 1\n'],
      'pkg/util.py': ['library', 'def helper(x):\n    """Documented."""\n    return x + 1\n'],
    });
    assert.deepEqual(names(selectSymbols(parsed, roles)), ['pkg.util.helper']);
  });

  test('R: a leading dot is private, dots inside names are not nesting, @export marks the public API', () => {
    const src = [
      "#' Mean of positive values",
      "#' @export",
      'pos.mean <- function(x) {',
      '  x <- x[x > 0]',
      '  mean(x)',
      '}',
      '',
      '.check <- function(x) {',
      '  stopifnot(all(x > 0))',
      '  invisible(x)',
      '}',
    ].join('\n');
    const { parsed, roles } = repo({ 'R/stats.R': ['library', src] });
    const sel = selectSymbols(parsed, roles);
    assert.deepEqual(
      sel.map((s) => [s.name, s.publicImport, s.exported]),
      [['pos.mean', parsed[0]!.module, true]],
    );
  });

  test('trivialReason names the reason', () => {
    const { parsed } = repo({ 'pkg/core.py': ['library', CORE] });
    const sym = (n: string) => parsed[0]!.symbols.find((s) => s.localName === n)!;
    assert.equal(trivialReason(sym('stub')), 'abstract stub');
    assert.equal(trivialReason(sym('nothing')), 'pass-only body');
    assert.equal(trivialReason(sym('tiny')), 'one-line body without docstring');
    assert.equal(trivialReason(sym('solve')), null);
  });

  test('a docstring-only body is a stub unless a decorator makes the function', () => {
    const stub = (deco: string) =>
      repo({ 'pkg/m.py': ['library', `${deco}\ndef f(x):\n    """Documented."""\n`] }).parsed[0]!.symbols[0]!;
    assert.equal(trivialReason(stub('@_whittaker_wrapper')), null);
    assert.equal(trivialReason(stub('@_class_wrapper(_Impl)')), null);
    assert.equal(trivialReason(stub('@abc.abstractmethod')), 'docstring-only body');
    assert.equal(trivialReason(stub('@staticmethod')), 'docstring-only body');
    assert.equal(trivialReason(stub('')), 'docstring-only body');
  });
});

describe('rankSymbols', () => {
  test('files that use a symbol weigh more than anything else; export and docstring add', () => {
    const lib = `
def used(x):
    """Used by tests."""
    y = x + 1
    return y


def unused(x):
    """Nobody calls this."""
    y = x + 1
    return y


def caller(x):
    """Calls used."""
    z = used(x)
    return z
`;
    const { parsed, roles } = repo({
      'pkg/__init__.py': ['library', 'from .m import used, unused, caller\n'],
      'pkg/m.py': ['library', lib],
      'tests/test_a.py': ['test', 'from pkg import used\n\ndef test_a():\n    assert used(1) == 2\n'],
      'tests/test_b.py': ['test', 'from pkg.m import used\n\ndef test_b():\n    assert used(2) == 3\n'],
    });
    const sel = selectSymbols(parsed, roles);
    const ranks = rankSymbols(sel, parsed, roles, [{ path: 'notebooks/demo.ipynb', code: 'import pkg\npkg.used(3)\n' }]);
    const used = ranks.get('pkg.m.used')!;
    const unused = ranks.get('pkg.m.unused')!;
    const caller = ranks.get('pkg.m.caller')!;
    assert.ok(used > caller && caller >= unused, `used ${used} > caller ${caller} >= unused ${unused}`);
    // two test files, a notebook and one caller
    assert.equal(
      used,
      centralityScore({ exported: true, hasDocstring: true, docstringHasExample: false, referencingFiles: 3, callers: 1, kind: 'function' }),
    );
    assert.equal(
      unused,
      centralityScore({ exported: true, hasDocstring: true, docstringHasExample: false, referencingFiles: 0, callers: 0, kind: 'function' }),
    );
  });

  test('centralityScore orders by signal strength', () => {
    const base = { exported: false, hasDocstring: false, docstringHasExample: false, referencingFiles: 0, callers: 0, kind: 'function' as const };
    assert.ok(centralityScore({ ...base, referencingFiles: 1 }) > centralityScore({ ...base, exported: true }));
    assert.ok(centralityScore({ ...base, exported: true }) > centralityScore({ ...base, hasDocstring: true }));
    assert.ok(centralityScore({ ...base, kind: 'class' }) > centralityScore({ ...base, kind: 'method' }));
    assert.ok(centralityScore({ ...base, callers: 3 }) > centralityScore(base));
  });
});

test('command-line glue is kept, tagged cli and ranked below the library API it drives', () => {
  const lib = [
    'import argparse',
    '',
    '',
    'def analyze(problem, Y):',
    '    """The analysis users call."""',
    '    s = sum(Y)',
    '    return s',
    '',
    '',
    'def cli_parse(parser):',
    '    """Adds the options."""',
    "    parser.add_argument('-X', '--model-input-file', type=str)",
    '    return parser',
    '',
    '',
    'def cli_action(args):',
    '    """Runs the analysis from the command line."""',
    '    out = analyze(args.paramfile, args.model_output_file)',
    '    print(out)',
    '',
    '',
    'def run(args):',
    '    """Reads an argparse namespace."""',
    '    value = args.seed + 1',
    '    return value',
    '',
    '',
    'def setup(argv=None):',
    '    """Builds the parser."""',
    '    p = argparse.ArgumentParser()',
    '    return p.parse_args(argv)',
  ].join('\n');
  const { parsed, roles } = repo({
    'pkg/__init__.py': ['library', 'from .m import analyze, cli_parse, cli_action, run, setup\n'],
    'pkg/m.py': ['library', lib],
    'tests/test_cli.py': ['test', 'from pkg import cli_action, cli_parse, run, setup\n\ndef test_cli():\n    cli_parse(None)\n    cli_action(None)\n    run(None)\n    setup([])\n'],
  });
  const sel = selectSymbols(parsed, roles);
  const tags = Object.fromEntries(sel.map((s) => [s.name, s.tags ?? []]));
  assert.deepEqual(tags, { analyze: [], cli_parse: ['cli'], cli_action: ['cli'], run: ['cli'], setup: ['cli'] });
  const ranks = rankSymbols(sel, parsed, roles);
  const analyze = ranks.get('pkg.m.analyze')!;
  for (const n of ['cli_parse', 'cli_action', 'run', 'setup']) {
    const r = ranks.get(`pkg.m.${n}`)!;
    assert.ok(r < analyze, `${n} ${r} < analyze ${analyze}, though a test calls it and analyze has none`);
  }
});

test('a package of the library named like a test module is library code; test packages and test modules are not', () => {
  const fn = (name: string) => `def ${name}(x, a=7.0):\n    """A benchmark function users call."""\n    y = a * x\n    return y\n`;
  const { parsed, roles } = repo({
    'salib/__init__.py': ['library', ''],
    'salib/test_functions/__init__.py': ['library', fn('linear')],
    'salib/test_functions/ishigami.py': ['library', fn('evaluate')],
    'salib/tests/helpers.py': ['library', fn('fixture_data')],
    'salib/test_core.py': ['library', fn('check_core')],
    'salib/conftest.py': ['library', fn('setup_np')],
  });
  const names = selectSymbols(parsed, roles).map((s) => s.qualifiedName).sort();
  assert.deepEqual(names, ['salib.test_functions.ishigami.evaluate', 'salib.test_functions.linear']);
});
