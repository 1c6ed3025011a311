/**
 * Candidate calls built offline for blocks without an example: the values the repository passes, types from
 * annotations and docstrings, names, methods through their class. Nothing is run here.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Block, Parameter } from '../../src/domain/block.js';
import {
  argumentValues,
  candidateCalls,
  classesOf,
  docstringTypes,
  isReusableLiteral,
  signaturesOf,
  wantsSynthesizedCall,
} from '../../src/distill/examples/synthesize.js';

const param = (name: string, over: Partial<Parameter> = {}): Parameter => ({ name, annotation: null, default: null, kind: 'positional', description: null, ...over });

function block(over: Partial<Block>): Block {
  const name = over.name ?? 'f';
  return {
    id: `lib:${over.qualifiedName ?? `pkg.mod.${name}`}`,
    library: 'lib',
    language: 'python',
    kind: 'function',
    name,
    qualifiedName: `pkg.mod.${name}`,
    module: 'pkg.mod',
    signature: `def ${name}():`,
    docstring: null,
    summary: '',
    code: '',
    decorators: [],
    parameters: [],
    returns: null,
    imports: [],
    calls: [],
    requirements: [],
    licence: 'MIT',
    citation: null,
    provenance: { repo: 'r', url: null, commit: 'c', path: 'pkg/mod.py', startLine: 1, endLine: 2 },
    examples: [],
    validation: null,
    compute: { gpu: false, network: false, dataFiles: false },
    rank: 0,
    tags: [],
    ...over,
  };
}

const codes = (b: Block, values = new Map<string, string[]>(), blocks: Block[] = [b]) => candidateCalls(b, values, classesOf(blocks)).map((c) => c.code);

describe('candidate calls', () => {
  test('a function with typed parameters gets values of those types, defaults left alone, result printed', () => {
    const f = block({
      parameters: [param('rate', { annotation: 'float' }), param('n', { annotation: 'int' }), param('flag', { annotation: 'bool' }), param('tol', { default: '1e-6' })],
    });
    const [first, ...rest] = codes(f);
    assert.equal(first, 'from pkg.mod import f\n\nresult = f(rate=1.0, n=2, flag=True)\nprint(repr(result))\n');
    assert.ok(rest.length >= 1 && rest.length <= 2, 'at most three candidates, distinct');
    assert.match(rest[0]!, /f\(rate=0\.5, n=1, flag=False\)/);
  });

  test('numpydoc and Google docstring types are read when there is no annotation', () => {
    const doc = 'Do it.\n\nParameters\n----------\nx : array_like\n    Input.\nmethod : str, optional\n    One of {"linear", "cubic"}.\n\nArgs:\n    count (int): how many.\n';
    assert.deepEqual([...docstringTypes(doc)], [['x', 'array_like'], ['method', 'str, optional'], ['count', 'int']]);
    const method = param('method', { description: 'One of {"linear", "cubic"}.' });
    const f = block({ docstring: doc, requirements: ['numpy'], parameters: [param('x'), method, param('count')] });
    assert.equal(codes(f)[0], 'import numpy as np\nfrom pkg.mod import f\n\nresult = f(x=np.array([1.0, 2.0, 3.0]), method=\'linear\', count=2)\nprint(repr(result))\n');
    const noNumpy = block({ docstring: doc, parameters: [param('x'), method, param('count')] });
    assert.match(codes(noNumpy)[0]!, /^from pkg\.mod import f\n\nresult = f\(x=\[1\.0, 2\.0, 3\.0\]/, 'no numpy import for a block that does not use numpy');
  });

  test('values the repository passes come first; untyped names fall back on what the name suggests', () => {
    const f = block({ parameters: [param('Re'), param('n_points'), param('verbose'), param('func')] });
    const values = new Map([['Re', ['1e5']]]);
    assert.equal(codes(f, values)[0], 'from pkg.mod import f\n\nresult = f(Re=1e5, n_points=2, verbose=True, func=lambda x: x)\nprint(repr(result))\n');
  });

  test('positional-only parameters are passed by position, *args and **kwargs not at all', () => {
    const f = block({
      parameters: [param('a', { kind: 'positional_only', annotation: 'int' }), param('args', { kind: 'var_positional' }), param('k', { kind: 'keyword_only', annotation: 'float' }), param('kw', { kind: 'var_keyword' })],
    });
    assert.match(codes(f)[0]!, /result = f\(2, k=1\.0\)/);
  });

  test('a method is called on an instance built from its class constructor; static methods and properties as such', () => {
    const cls = block({ kind: 'class', name: 'Tank', qualifiedName: 'pkg.mod.Tank', parameters: [param('volume', { annotation: 'float' })] });
    const meth = block({ kind: 'method', name: 'fill', qualifiedName: 'pkg.mod.Tank.fill', parameters: [param('level', { annotation: 'float' })] });
    const stat = block({ kind: 'method', name: 'unit', qualifiedName: 'pkg.mod.Tank.unit', decorators: ['staticmethod'], parameters: [] });
    const prop = block({ kind: 'method', name: 'area', qualifiedName: 'pkg.mod.Tank.area', decorators: ['property'] });
    const all = [cls, meth, stat, prop];
    assert.equal(codes(meth, new Map(), all)[0], 'from pkg.mod import Tank\n\nobj = Tank(volume=1.0)\nresult = obj.fill(level=1.0)\nprint(repr(result))\n');
    assert.deepEqual(codes(stat, new Map(), all), ['from pkg.mod import Tank\n\nresult = Tank.unit()\nprint(repr(result))\n']);
    assert.match(codes(prop, new Map(), all)[0]!, /obj = Tank\(volume=1\.0\)\nresult = obj\.area\n/);
    assert.equal(codes(cls, new Map(), all)[0], 'from pkg.mod import Tank\n\nobj = Tank(volume=1.0)\nprint(repr(obj))\n');
  });

  test('only public blocks without any example, that need no network, GPU or data file, are wanted', () => {
    const none = new Map<string, Block>();
    assert.ok(wantsSynthesizedCall(block({}), none));
    assert.ok(!wantsSynthesizedCall(block({ name: '_private' }), none));
    assert.ok(!wantsSynthesizedCall(block({ compute: { gpu: false, network: true, dataFiles: false } }), none));
    assert.ok(!wantsSynthesizedCall(block({ kind: 'workflow' }), none));
    assert.ok(!wantsSynthesizedCall(block({ signature: 'async def f():' }), none));
    assert.ok(!wantsSynthesizedCall(block({ kind: 'method', name: 'go', qualifiedName: 'pkg.mod._Impl.go' }), none));
    const mined = { code: 'f()', source: 'test' as const, path: 't.py', startLine: 1, expectedOutput: null, run: null };
    assert.ok(!wantsSynthesizedCall(block({ examples: [mined] }), none), 'a block with a mined example, even one that failed, is left to it');
  });
});

describe('argument values from the repository', () => {
  test('literal keyword arguments and positional ones to a known signature count; expressions do not', () => {
    const sigs = signaturesOf([block({ name: 'drag', parameters: [param('Re'), param('eps')] })]);
    const values = argumentValues(
      ['from pkg import drag\ndrag(1e5, eps=0.01)\ndrag(2e5, eps=0.01)\ndrag(Re=x * 2, eps="rough")\n', '>>> other(Re=1e5, name=\'air\')\n', 'plot(data, color=[1, 2, 3])'],
      sigs,
    );
    assert.deepEqual(values.get('eps'), ['0.01', '"rough"']);
    assert.deepEqual(values.get('Re'), ['1e5', '2e5']);
    assert.deepEqual(values.get('color'), ['[1, 2, 3]']);
    assert.equal(values.get('data'), undefined, 'a name, not a literal');
  });

  test('literal defaults of same-named parameters count too; a name met twice maps no positional arguments', () => {
    const sigs = signaturesOf([block({ name: 'g', parameters: [param('T', { default: '298.15' })] }), block({ name: 'h', parameters: [param('a')] }), block({ name: 'h', parameters: [param('b')] })]);
    const values = argumentValues(['h(3)'], sigs);
    assert.deepEqual(values.get('T'), ['298.15']);
    assert.equal(values.get('a'), undefined);
    assert.equal(values.get('b'), undefined);
  });

  test('reusable literals are short numbers, flags, strings and flat numeric lists', () => {
    for (const t of ['1', '-2.5e-3', '1j', 'True', "'air'", '[1, 2.0]', '(0.5, 1)']) assert.ok(isReusableLiteral(t), t);
    for (const t of ['None', 'x', 'f(1)', '[a, b]', '[1, 2)', `'${'a'.repeat(50)}'`, '{}']) assert.ok(!isReusableLiteral(t), t);
  });
});
