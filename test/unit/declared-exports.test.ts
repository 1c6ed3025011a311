/**
 * The public API defined in private modules: a public module's `__all__` that names what it imports from a
 * private one declares it (GSW-Python: `gsw/conversions.py` lists `CT_from_t` and imports it from
 * `gsw/_fixed_wrapped_ufuncs.py`, which star-imports the definitions of `gsw/_wrapped_ufuncs.py`).
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { FileRole } from '../../src/ingest/types.js';
import { createParser } from '../../src/parse/parser.js';
import type { CodeParser } from '../../src/parse/types.js';
import { publicPaths, selectSymbols, type SelectedSymbol } from '../../src/distill/select.js';
import { CallResolver, scopeOf } from '../../src/distill/examples/call-resolver.js';
import { memoryRepo } from '../helpers/mine-repo.js';

let parser: CodeParser;
before(async () => {
  parser = await createParser();
});

const fn = (name: string, doc: string) => `def ${name}(SA, CT, p):\n    """${doc}"""\n    out = SA * CT + p\n    return out\n`;

/** The private module that defines everything. */
const UFUNCS = ['from ._utilities import support', '', '', fn('CT_from_t', 'Conservative Temperature.'), '', fn('rho', 'Density.'), '', fn('helper', 'A public name in a private module.'), '', fn('ghost', 'Never imported by a public module.')].join('\n');

function select(files: Record<string, string>): { sel: SelectedSymbol[]; input: ReturnType<typeof memoryRepo> } {
  const entries: Record<string, [FileRole, string]> = Object.fromEntries(Object.entries(files).map(([p, t]) => [p, ['library', t]]));
  const input = memoryRepo(parser, entries, ['gsw']);
  const roles = new Map(input.files.map((f) => [f.path, f.role]));
  return { sel: selectSymbols(input.parsedFiles, roles), input };
}

const byName = (sel: SelectedSymbol[], name: string) => sel.filter((s) => s.name === name);

describe('a public module\'s __all__ declares what it imports from a private one', () => {
  test('__all__ with a star import: kept, named at the public module, with the defining code', () => {
    const { sel, input } = select({
      'gsw/__init__.py': 'from . import conversions\n',
      'gsw/_utilities.py': fn('support', 'Masked array support.'),
      'gsw/_wrapped.py': UFUNCS,
      'gsw/conversions.py': "__all__ = ['CT_from_t']\n\nfrom ._wrapped import *\n",
    });
    const [ct] = byName(sel, 'CT_from_t');
    assert.ok(ct, 'CT_from_t is a block');
    assert.equal(ct.publicPath, 'gsw.conversions.CT_from_t');
    assert.equal(ct.publicImport, 'gsw.conversions');
    assert.equal(ct.exported, true);
    assert.equal(ct.qualifiedName, 'gsw._wrapped.CT_from_t', 'the qualified name stays the definition\'s, as for __init__ re-exports');
    assert.equal(ct.file.path, 'gsw/_wrapped.py');
    assert.equal(ct.symbol.docstring, 'Conservative Temperature.');
    assert.deepEqual(byName(sel, 'helper'), [], 'the star import binds helper too, but __all__ does not name it');
    assert.deepEqual(byName(sel, 'support'), []);
    assert.ok(input.blocks.some((b) => b.qualifiedName === 'gsw._wrapped.CT_from_t' && b.publicImport === 'gsw.conversions'));
  });

  test('__all__ with an explicit import: kept; what is imported but not listed is not', () => {
    const { sel } = select({
      'gsw/__init__.py': '',
      'gsw/_utilities.py': fn('support', 'Masked array support.'),
      'gsw/_wrapped.py': UFUNCS,
      'gsw/density.py': "from ._wrapped import (\n    rho,\n    helper,\n)\n\n__all__ = ['rho']\n",
    });
    assert.deepEqual(sel.map((s) => s.publicPath), ['gsw.density.rho']);
  });

  test('an import without an __all__ declares nothing', () => {
    const { sel } = select({
      'gsw/__init__.py': '',
      'gsw/_utilities.py': fn('support', 'Masked array support.'),
      'gsw/_wrapped.py': UFUNCS,
      'gsw/api.py': 'from ._wrapped import rho\nfrom ._wrapped import *\n',
    });
    assert.deepEqual(sel, []);
  });

  test('a name in __all__ the module does not bind is not kept', () => {
    const { sel } = select({
      'gsw/__init__.py': '',
      'gsw/_utilities.py': fn('support', 'Masked array support.'),
      'gsw/_wrapped.py': UFUNCS,
      // ghost is defined in _wrapped but never imported here; helper hides behind _shown's own __all__;
      // renamed is bound under another name than its definition's.
      'gsw/_shown.py': "__all__ = ['rho']\n\nfrom ._wrapped import *\n",
      'gsw/api.py': "__all__ = ['ghost', 'helper', 'renamed', 'missing']\n\nfrom ._shown import *\nfrom ._wrapped import CT_from_t as renamed\n",
    });
    assert.deepEqual(sel, []);
  });

  test('two public modules re-exporting one symbol make one block with both paths', () => {
    const { sel } = select({
      'gsw/__init__.py': '',
      'gsw/_utilities.py': fn('support', 'Masked array support.'),
      'gsw/_wrapped.py': UFUNCS,
      'gsw/density.py': "__all__ = ['rho']\n\nfrom ._wrapped import rho\n",
      'gsw/conversions.py': "__all__ = ['rho', 'CT_from_t']\n\nfrom ._wrapped import *\n",
    });
    const rho = byName(sel, 'rho');
    assert.equal(rho.length, 1);
    assert.deepEqual(rho[0]!.aliases, ['gsw.conversions.rho', 'gsw.density.rho', 'gsw._wrapped.rho']);
    assert.equal(rho[0]!.publicPath, 'gsw.conversions.rho');
    const ids = sel.map((s) => s.qualifiedName);
    assert.deepEqual(ids.sort(), ['gsw._wrapped.CT_from_t', 'gsw._wrapped.rho']);
  });

  test('an __init__ that binds a declared name, through private modules, gives it the package path', () => {
    // GSW's layout: the package star-imports a private module that star-imports the definitions.
    const { sel, input } = select({
      'gsw/__init__.py': 'from . import conversions\nfrom ._fixed import *\nfrom .conversions import *\n',
      'gsw/_utilities.py': fn('support', 'Masked array support.'),
      'gsw/_wrapped.py': UFUNCS,
      'gsw/_fixed.py': `import numpy\n\nfrom ._wrapped import *\n\n_z = rho\n\n\n${fn('z_from_p', 'Height, checked.')}`,
      'gsw/conversions.py': "__all__ = ['CT_from_t', 'z_from_p']\n\nfrom ._fixed import (\n    CT_from_t,\n    z_from_p,\n)\n",
    });
    const ct = byName(sel, 'CT_from_t');
    assert.equal(ct.length, 1);
    assert.deepEqual(ct[0]!.aliases, ['gsw.CT_from_t', 'gsw.conversions.CT_from_t', 'gsw._wrapped.CT_from_t']);
    assert.equal(ct[0]!.publicImport, 'gsw');
    // z_from_p is _fixed's own definition: the __init__'s star import of _fixed already made it public.
    assert.deepEqual(byName(sel, 'z_from_p').map((s) => s.aliases), [['gsw.z_from_p', 'gsw.conversions.z_from_p', 'gsw._fixed.z_from_p']]);
    // rho reaches gsw through star imports only, a chain of wholesale re-exports: the package's own namespace.
    assert.deepEqual(byName(sel, 'rho').map((s) => s.aliases), [['gsw.rho', 'gsw._wrapped.rho']]);
    // support is bound in _wrapped by a named import, for _wrapped's own use: the star import carries it, but
    // nothing declares it.
    assert.deepEqual(byName(sel, 'support'), []);
    assert.deepEqual(publicPaths(input.parsedFiles).get('gsw._utilities.support'), ['gsw._utilities.support']);

    const resolver = new CallResolver(input.blocks, input.parsedFiles, ['gsw']);
    const code = 'import gsw\nfrom gsw.conversions import z_from_p\n\nct = gsw.CT_from_t(35.0, 10.0, 100.0)\nz = z_from_p(100.0, 30.0)\n';
    const called = resolver.calledBy(code, scopeOf(code, '', false)).map((b) => b.qualifiedName).sort();
    assert.deepEqual(called, ['gsw._fixed.z_from_p', 'gsw._wrapped.CT_from_t']);
  });

  test('an __init__ star import of a private module takes what its __all__ lists, also what it imports by name', () => {
    const { sel } = select({
      'gsw/__init__.py': 'from ._api import *\n',
      'gsw/_utilities.py': fn('support', 'Masked array support.'),
      'gsw/_wrapped.py': UFUNCS,
      'gsw/_api.py': "__all__ = ['rho']\n\nfrom ._wrapped import rho, helper\n",
    });
    assert.deepEqual(sel.map((s) => [s.qualifiedName, s.publicPath]), [['gsw._wrapped.rho', 'gsw.rho']]);
  });
});
