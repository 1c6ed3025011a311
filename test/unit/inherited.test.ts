/**
 * The public API a class reaches through its bases: bases resolved through imports, the resolution order, the
 * nearest definition, and the blocks that makes (named as users call them, found by examples, called by the
 * synthesized stage through the public class).
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { ResolvedSource, FileRole } from '../../src/ingest/types.js';
import { createParser } from '../../src/parse/parser.js';
import type { CodeParser, ParsedFile } from '../../src/parse/types.js';
import { ClassIndex } from '../../src/distill/inherited.js';
import { selectSymbols } from '../../src/distill/select.js';
import { symbolBlocks, type BlockContext } from '../../src/distill/blocks.js';
import { CallResolver, scopeOf } from '../../src/distill/examples/call-resolver.js';
import { candidateCalls, classesOf } from '../../src/distill/examples/synthesize.js';

let parser: CodeParser;
before(async () => {
  parser = await createParser();
});

function repo(files: Record<string, [FileRole, string]>): { parsed: ParsedFile[]; roles: Map<string, FileRole> } {
  const parsed = Object.entries(files).map(([p, [, src]]) => parser.parse(p, src, ['']));
  const roles = new Map(Object.entries(files).map(([p, [role]]) => [p, role]));
  return { parsed, roles };
}

const method = (name: string, doc: string) => `    def ${name}(self, data, lam=1e6):\n        """${doc}"""\n        out = self._setup(data) * lam\n        return out\n`;

/** A spectroscopy-like package: the public class gathers private mixins from three modules. */
const BASELINES: Record<string, [FileRole, string]> = {
  'spec/__init__.py': ['library', 'from .api import Fitter\n'],
  'spec/_setup.py': ['library', `class _Algorithm:\n    """Shared setup."""\n\n    def _setup(self, data):\n        return data\n\n${method('describe', 'Describe the fit.')}`],
  'spec/whittaker.py': [
    'library',
    [
      'from ._setup import _Algorithm, _class_wrapper',
      '',
      '',
      `class _Whittaker(_Algorithm):\n    """Whittaker smoothing."""\n\n${method('asls', 'Asymmetric least squares.')}\n${method('arpls', 'Asymmetrically reweighted.')}`,
      '',
      '_whittaker_wrapper = _class_wrapper(_Whittaker)',
      '',
      '',
      '@_whittaker_wrapper',
      'def asls(data, lam=1e6, x_data=None):',
      '    """Asymmetric least squares, as a function."""',
      '',
      '',
      'def plain_stub(data):',
      '    """Documented, but nothing makes it do anything."""',
      '',
    ].join('\n'),
  ],
  'spec/polynomial.py': ['library', `from . import _setup\n\n\nclass _Polynomial(_setup._Algorithm):\n    """Polynomials."""\n\n${method('poly', 'Polynomial baseline.')}\n${method('arpls', 'Shadowed by the Whittaker one.')}`],
  'spec/api.py': [
    'library',
    [
      'from .whittaker import _Whittaker',
      'from .polynomial import _Polynomial',
      '',
      '',
      'class Fitter(_Whittaker, _Polynomial):',
      '    """All the baseline algorithms."""',
      '',
      '    def __init__(self, x_data=None):',
      '        self.x = x_data',
      '',
      method('poly', 'The public class overrides this one.'),
      '',
      'class Fitter2(Fitter):',
      '    """A public subclass of a public class."""',
      '',
      method('extra', 'Only here.'),
    ].join('\n'),
  ],
};

describe('ClassIndex', () => {
  test('bases resolve through relative imports, module attributes and package re-exports', () => {
    const { parsed } = repo(BASELINES);
    const index = new ClassIndex(parsed);
    const api = parsed.find((f) => f.module === 'spec.api')!;
    const fitter = { file: api, symbol: api.symbols.find((s) => s.localName === 'Fitter')! };
    assert.deepEqual(fitter.symbol.bases, ['_Whittaker', '_Polynomial']);
    assert.deepEqual(index.bases(fitter).map((b) => `${b.file.module}.${b.symbol.localName}`), ['spec.whittaker._Whittaker', 'spec.polynomial._Polynomial']);
    // `from . import _setup` then `_setup._Algorithm`; `import spec.api` then `spec.Fitter` through the re-export.
    assert.equal(index.resolve('spec.polynomial', '_setup._Algorithm')?.file.module, 'spec._setup');
    assert.equal(index.resolve('spec', 'Fitter')?.file.module, 'spec.api');
    assert.equal(index.resolve('spec.api', 'np.ndarray'), null, 'a base outside the repository ends the walk');
  });

  test('star imports are followed, and modules that star-import each other end', () => {
    const { parsed } = repo({
      'p/__init__.py': ['library', 'from .a import *\nfrom .b import *\n'],
      'p/a.py': ['library', 'from .b import *\n\n\nclass _Base:\n    """Base."""\n'],
      'p/b.py': ['library', 'from .a import *\nfrom . import *\n'],
    });
    const index = new ClassIndex(parsed);
    assert.equal(index.resolve('p', '_Base')?.file.module, 'p.a');
    assert.equal(index.resolve('p.b', '_Base')?.file.module, 'p.a');
    assert.equal(index.resolve('p', 'Missing'), null);
  });

  test('the order is C3: the diamond base comes after both mixins; the nearest definition wins, an override is own', () => {
    const { parsed } = repo(BASELINES);
    const index = new ClassIndex(parsed);
    const api = parsed.find((f) => f.module === 'spec.api')!;
    const fitter = { file: api, symbol: api.symbols.find((s) => s.localName === 'Fitter')! };
    assert.deepEqual(index.mro(fitter).map((c) => c.symbol.localName), ['Fitter', '_Whittaker', '_Polynomial', '_Algorithm']);
    const inherited = index.inheritedMethods(fitter).map((m) => `${m.owner.symbol.localName}.${m.method.name}`);
    assert.deepEqual(inherited.sort(), ['_Algorithm._setup', '_Algorithm.describe', '_Whittaker.arpls', '_Whittaker.asls']);
  });
});

describe('inherited methods as blocks', () => {
  test('a public class gets its private bases\' public methods, named as users call them; subclasses do not repeat them', () => {
    const { parsed, roles } = repo(BASELINES);
    const sel = selectSymbols(parsed, roles);
    const inherited = sel.filter((s) => s.inheritedFrom);
    assert.deepEqual(inherited.map((s) => s.qualifiedName).sort(), ['spec.api.Fitter.arpls', 'spec.api.Fitter.asls', 'spec.api.Fitter.describe']);
    const asls = inherited.find((s) => s.name === 'asls')!;
    assert.equal(asls.publicImport, 'spec');
    assert.equal(asls.parent, 'Fitter');
    assert.equal(asls.inheritedFrom, 'spec.whittaker._Whittaker');
    assert.equal(asls.file.path, 'spec/whittaker.py', 'the code and lines are the defining method\'s');
    assert.equal(asls.symbol.docstring, 'Asymmetric least squares.');
    assert.deepEqual(asls.tags, ['inherited', '_Whittaker']);
    const arpls = inherited.find((s) => s.name === 'arpls')!;
    assert.equal(arpls.symbol.docstring, 'Asymmetrically reweighted.', 'the first base in the order wins');
    // Fitter.poly is Fitter's own; Fitter2 reaches asls through Fitter, which has the block.
    assert.ok(sel.some((s) => s.qualifiedName === 'spec.api.Fitter.poly' && !s.inheritedFrom));
    assert.ok(!sel.some((s) => s.qualifiedName.startsWith('spec.api.Fitter2.') && s.name !== 'extra'));
    assert.ok(!sel.some((s) => s.qualifiedName.includes('_Whittaker')), 'no block under the private class');
    const ids = sel.map((s) => s.qualifiedName);
    assert.equal(new Set(ids).size, ids.length, 'one selection per name');
  });

  test('blocks carry the defining code and provenance; the call resolver finds Fitter(...).asls(...); synthesis builds the class first', () => {
    const { parsed, roles } = repo(BASELINES);
    const sel = selectSymbols(parsed, roles);
    const source: ResolvedSource = {
      kind: 'local', location: '/r', root: '/r', repo: 'r', ref: null, commit: 'c', url: null, description: null, licenceHint: null, topics: [],
    };
    const ctx: BlockContext = { library: 'spec', source, licence: 'MIT', citation: null, declared: [], packages: ['spec'], roles };
    const blocks = symbolBlocks(sel, new Map(), new Map(), ctx);
    const asls = blocks.find((b) => b.qualifiedName === 'spec.api.Fitter.asls')!;
    assert.equal(asls.provenance.path, 'spec/whittaker.py');
    assert.match(asls.code, /def asls\(self, data, lam=1e6\):/);
    assert.equal(asls.module, 'spec');
    assert.deepEqual(asls.tags, ['library', 'Fitter', 'inherited', '_Whittaker']);

    const refs = sel.map((s) => ({ qualifiedName: s.qualifiedName, name: s.name, module: s.module, publicImport: s.publicImport, kind: s.kind, parent: s.parent }));
    const resolver = new CallResolver(refs, parsed, ['spec']);
    const code = 'import numpy as np\nfrom spec import Fitter\n\nfitter = Fitter(x_data=np.arange(5))\nbaseline = fitter.asls(np.ones(5), lam=1e5)\n';
    const called = resolver.calledBy(code, scopeOf(code, '', false)).map((b) => b.qualifiedName).sort();
    assert.deepEqual(called, ['spec.api.Fitter', 'spec.api.Fitter.asls']);

    const [first] = candidateCalls(asls, new Map(), classesOf(blocks));
    assert.match(first!.code, /^from spec import Fitter$/m);
    assert.match(first!.code, /^obj = Fitter\(\)\nresult = obj\.asls\(data=/m);
  });

  test('a decorated docstring-only function is kept and says which method it wraps; an undecorated one is not', () => {
    const { parsed, roles } = repo(BASELINES);
    const sel = selectSymbols(parsed, roles);
    const fn = sel.find((s) => s.qualifiedName === 'spec.whittaker.asls')!;
    assert.ok(fn, 'the decorated stub is the public function users call');
    assert.deepEqual(fn.tags, ['wraps _Whittaker.asls']);
    assert.match(fn.symbol.code, /^@_whittaker_wrapper\ndef asls/);
    assert.ok(!sel.some((s) => s.name === 'plain_stub'));
  });
});
