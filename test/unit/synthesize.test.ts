/**
 * Candidate calls built offline for blocks without an example: the values the repository passes, types from
 * annotations and docstrings, names, methods through their class; then keeping the first that runs, with a
 * stand-in runner.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Block, Parameter } from '../../src/domain/block.js';
import type { RunRecord, RunStatus } from '../../src/domain/validation.js';
import type { ParsedFile } from '../../src/parse/types.js';
import {
  argumentSources,
  argumentValues,
  candidateCalls,
  classesOf,
  instanceSetups,
  isGenerator,
  isReusableLiteral,
  signaturesOf,
  valuesForType,
  wantsInstances,
  valuesForName,
  wantsSynthesizedCall,
} from '../../src/distill/examples/synthesize.js';
import type { ArgValue } from '../../src/distill/examples/synth-values.js';
import { parseDocstring } from '../../src/parse/pydoc.js';
import { isEmptyResult, synthesizeExamples } from '../../src/validate/synthesized.js';
import type { RunRequest, Runner } from '../../src/validate/types.js';

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
    prose: [],
    ...over,
  };
}

const lit = (...exprs: string[]): ArgValue[] => exprs.map((expr) => ({ expr, setup: [] }));
const exprs = (vs: readonly ArgValue[] | undefined) => vs?.map((v) => v.expr);
const codes = (b: Block, values = new Map<string, ArgValue[]>(), blocks: Block[] = [b]) => candidateCalls(b, values, classesOf(blocks)).map((c) => c.code);

describe('candidate calls', () => {
  test('a function with typed parameters gets values of those types, defaults left alone, result printed', () => {
    const f = block({
      parameters: [param('rate', { annotation: 'float' }), param('n', { annotation: 'int' }), param('flag', { annotation: 'bool' }), param('tol', { default: '1e-6' })],
    });
    const [first, ...rest] = codes(f);
    assert.equal(first, 'from pkg.mod import f\n\nresult = f(rate=1.0, n=10, flag=True)\nprint(repr(result))\n');
    assert.ok(rest.length >= 1 && rest.length <= 2, 'at most three candidates, distinct');
    assert.match(rest[0]!, /f\(rate=0\.5, n=2, flag=False\)/);
  });

  test('numpydoc and Google docstring types are read when there is no annotation', () => {
    const doc = 'Do it.\n\nParameters\n----------\nx : array_like\n    Input.\nmethod : str, optional\n    One of {"linear", "cubic"}.\n\nArgs:\n    count (int): how many.\n';
    assert.deepEqual([...parseDocstring(doc).types], [['x', 'array_like'], ['method', 'str, optional'], ['count', 'int']]);
    const method = param('method', { description: 'One of {"linear", "cubic"}.' });
    const f = block({ docstring: doc, requirements: ['numpy'], parameters: [param('x'), method, param('count')] });
    assert.equal(codes(f)[0], "import numpy as np\nfrom pkg.mod import f\n\nresult = f(x=np.linspace(1.0, 10.0, 50), method='linear', count=2)\nprint(repr(result))\n");
    const noNumpy = block({ docstring: doc, parameters: [param('x'), method, param('count')] });
    assert.match(codes(noNumpy)[0]!, /^from pkg\.mod import f\n\nx = \[1\.0, 2\.0, 3\.0, 4\.0, 5\.0, 6\.0, 7\.0, 8\.0, 9\.0, 10\.0\]\nresult = f\(x=x/, 'no numpy import for a block that does not use numpy; ten points');
  });

  test('values the repository passes come first; untyped names fall back on what the name suggests', () => {
    const f = block({ parameters: [param('Re'), param('n_points'), param('verbose'), param('func')] });
    const values = new Map([['Re', lit('1e5')]]);
    assert.equal(codes(f, values)[0], 'from pkg.mod import f\n\nresult = f(Re=1e5, n_points=10, verbose=True, func=lambda x: x)\nprint(repr(result))\n');
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

  test("a method starts from an instance built as one of its class's examples that ran builds it", () => {
    const ran = { status: 'passed' as const, exitCode: 0, durationMs: 1, stdout: '', stderr: '', sandbox: 'bwrap' as const, ranAt: '', error: null, message: '' };
    const mined = (code: string, run: typeof ran | null = ran) => ({ code, source: 'test' as const, path: 't.py', startLine: 1, expectedOutput: null, run });
    const cls = block({
      kind: 'class', name: 'Tank', qualifiedName: 'pkg.mod.Tank', parameters: [param('args', { kind: 'var_positional' })],
      examples: [mined('import pkg as p\nt = p.Tank(3, 4)\nassert t.full()\n'), mined('from pkg import Tank\nbig = Tank(1)\n', null)],
    });
    const fill = block({ kind: 'method', name: 'fill', qualifiedName: 'pkg.mod.Tank.fill', parameters: [param('level', { annotation: 'float' })] });
    const setups = instanceSetups([cls, fill]);
    assert.deepEqual([...setups], [['pkg.mod.Tank', { code: 'import pkg as p\nt = p.Tank(3, 4)', name: 't' }]], 'only an example that ran, cut after the construction');
    const fromFile = { ...cls, examples: [mined("from pkg import Tank\nt = Tank.load('tests/data/t.csv')\nu = Tank(open('x.txt'))\n")] };
    assert.equal(instanceSetups([fromFile]).size, 0, "a construction that reads the tests' files does not run beside a synthesized call");
    assert.deepEqual(
      candidateCalls(fill, new Map(), classesOf([cls, fill]), 3, setups).map((c) => c.code),
      ['import pkg as p\nt = p.Tank(3, 4)\nresult = t.fill(level=1.0)\nprint(repr(result))\n', 'import pkg as p\nt = p.Tank(3, 4)\nresult = t.fill(level=0.5)\nprint(repr(result))\n', 'import pkg as p\nt = p.Tank(3, 4)\nresult = t.fill(level=2.0)\nprint(repr(result))\n'],
    );
  });

  test('only public blocks without any example, that need no network, GPU or data file, are wanted', () => {
    const none = new Map<string, Block>();
    assert.ok(wantsSynthesizedCall(block({}), none));
    assert.ok(!wantsSynthesizedCall(block({ name: '_private' }), none));
    assert.ok(!wantsSynthesizedCall(block({ compute: { gpu: false, network: true, dataFiles: false } }), none));
    assert.ok(!wantsSynthesizedCall(block({ kind: 'workflow' }), none));
    assert.ok(!wantsSynthesizedCall(block({ signature: 'async def f():' }), none));
    assert.ok(!wantsSynthesizedCall(block({ name: 'cli_parse' }), none), 'command-line glue');
    assert.ok(!wantsSynthesizedCall(block({ parameters: [param('self')] }), none), 'a function attached as a method elsewhere');
    assert.ok(!wantsSynthesizedCall(block({ kind: 'method', name: 'go', qualifiedName: 'pkg.mod._Impl.go' }), none));
    const mined = { code: 'f()', source: 'test' as const, path: 't.py', startLine: 1, expectedOutput: null, run: null };
    assert.ok(!wantsSynthesizedCall(block({ examples: [mined] }), none), 'a block with a mined example not run is left to it');
    const run = (status: RunStatus) => ({ ...mined, run: rec(status, '') });
    assert.ok(!wantsSynthesizedCall(block({ examples: [run('failed')] }), none), 'a mined example that failed is the evidence');
    // Every mined example skipped (the environment lacks a module they import): a call of its own may run.
    assert.ok(wantsSynthesizedCall(block({ examples: [run('skipped'), run('skipped')] }), none));
    assert.ok(!wantsSynthesizedCall(block({ examples: [run('skipped'), run('passed')] }), none));
  });
});

describe('argument values from the repository', () => {
  test('literal keyword arguments and positional ones to a known signature count; expressions do not', () => {
    const sigs = signaturesOf([block({ name: 'drag', parameters: [param('Re'), param('eps')] })]);
    const values = argumentValues(
      ['from pkg import drag\ndrag(1e5, eps=0.01)\ndrag(2e5, eps=0.01)\ndrag(Re=x * 2, eps="rough")\n', '>>> other(Re=1e5, name=\'air\')\n', 'plot(data, color=[1, 2, 3])'],
      sigs,
    );
    assert.deepEqual(exprs(values.get('eps')), ['0.01', '"rough"']);
    assert.deepEqual(exprs(values.get('Re')), ['1e5', '2e5']);
    assert.deepEqual(exprs(values.get('color')), ['[1, 2, 3]']);
    assert.equal(values.get('data'), undefined, 'a name, not a literal');
  });

  test('literal defaults of same-named parameters count too; a name met twice maps no positional arguments', () => {
    const sigs = signaturesOf([block({ name: 'g', parameters: [param('T', { default: '298.15' })] }), block({ name: 'h', parameters: [param('a')] }), block({ name: 'h', parameters: [param('b')] })]);
    const values = argumentValues(['h(3)'], sigs);
    assert.deepEqual(exprs(values.get('T')), ['298.15']);
    assert.equal(values.get('a'), undefined);
    assert.equal(values.get('b'), undefined);
  });

  test('sources: test and example files whole, doctests of library docstrings, code blocks of docs pages, notebook code', async () => {
    const file = (p: string, docstring: string | null = null) => ({ path: p, module: 'm', moduleDocstring: null, symbols: docstring ? [{ docstring }] : [] }) as unknown as ParsedFile;
    const roles = new Map([['pkg/a.py', 'library'], ['tests/test_a.py', 'test'], ['setup.py', 'build']] as const);
    const texts: Record<string, string> = { 'tests/test_a.py': 'f(rho=1.2)\n', 'setup.py': 'setup(name="x")\n' };
    const sources = await argumentSources(
      [file('pkg/a.py', 'Doc.\n\n>>> f(mu=1e-3)\n0.5\n'), file('tests/test_a.py'), file('setup.py')],
      roles,
      async (p) => texts[p] ?? '',
      [{ path: 'docs/use.md', code: "Don't call it like f(x=prose).\n\n```python\nf(L=2.0)\n```\n" }, { path: 'nb.ipynb', code: 'f(D=0.1)' }],
    );
    assert.deepEqual(sources, ['f(mu=1e-3)', 'f(rho=1.2)\n', 'f(L=2.0)', 'f(D=0.1)']);
  });

  test('reusable literals are short numbers, flags, strings and flat numeric lists', () => {
    for (const t of ['1', '-2.5e-3', '1j', 'True', "'air'", '[1, 2.0]', '(0.5, 1)']) assert.ok(isReusableLiteral(t), t);
    for (const t of ['None', 'x', 'f(1)', '[a, b]', '[1, 2)', `'${'a'.repeat(50)}'`, '{}']) assert.ok(!isReusableLiteral(t), t);
  });
});

describe('names', () => {
  test('a capital letter or two is an array, except the usual counts; plural-ish containers are lists', () => {
    const ten = '[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]';
    assert.deepEqual(exprs(valuesForName('X', true)), ['np.linspace(1.0, 10.0, 50)', '1.0']);
    assert.deepEqual(exprs(valuesForName('AB')), [ten, '1.0']);
    assert.deepEqual(exprs(valuesForName('N')), ['10', '2', '3'], 'a count of points: enough of them to mean something');
    assert.deepEqual(exprs(valuesForName('order')), ['2', '3']);
    assert.deepEqual(exprs(valuesForName('iterable')), [ten]);
    assert.deepEqual(exprs(valuesForName('T')), ['298.15', '1.0', ten, '2'], 'T is a temperature: a realistic one first');
    assert.deepEqual(exprs(valuesForName('base', true)), ['1.0', 'np.linspace(1.0, 10.0, 50)', '2']);
  });
});

const rec = (status: RunStatus, stdout = ''): RunRecord => ({
  status, exitCode: status === 'passed' ? 0 : 1, durationMs: 1, stdout, stderr: '', sandbox: 'bwrap', ranAt: '', error: null, message: status,
});

/** A runner whose outcome for each snippet `judge` decides; remembers every request. */
function standIn(judge: (code: string) => RunRecord): Runner & { seen: RunRequest[] } {
  const seen: RunRequest[] = [];
  return {
    seen,
    info: async () => ({ sandbox: 'bwrap', interpreter: 'python3', available: true, reason: null }),
    run: async (req) => {
      seen.push(req);
      return judge(req.code);
    },
  };
}

describe('keeping the first candidate that runs', () => {
  const opts = { values: new Map<string, ArgValue[]>(), importRoots: ['/r'], packages: ['pkg'], workers: 1 };
  const typed = () => block({ name: 'g', parameters: [param('x', { annotation: 'float' })] });

  test('later candidates run only after earlier ones failed; the one kept has no expected output', async () => {
    const g = typed();
    const runner = standIn((code) => (code.includes('x=1.0') ? rec('failed') : rec('passed', '0.25\n')));
    const r = await synthesizeExamples([g], runner, opts);
    assert.deepEqual(runner.seen.map((q) => /g\((.*)\)/.exec(q.code)?.[1]), ['x=1.0', 'x=0.5']);
    assert.ok(runner.seen.every((q) => q.expectedOutput === null && (q.timeoutMs ?? 0) <= 5_000));
    assert.equal(g.examples.length, 1);
    const ex = g.examples[0]!;
    assert.equal(ex.source, 'synthesized');
    assert.equal(ex.expectedOutput, null);
    assert.equal(ex.run?.stdout, '0.25\n');
    assert.equal(g.validation?.status, 'passed');
    assert.equal(r.added, 1);
    assert.match(r.warnings[0]!, /^1 of 1 blocks without a mined example got a synthesized example that ran \(2 candidate runs, not passed: failed 1;/);
  });

  test('every candidate failing leaves no example; a timeout or a skip stops that block\'s candidates', async () => {
    const failing = typed();
    const slow = block({ name: 'slow', parameters: [param('x', { annotation: 'float' })] });
    const runner = standIn((code) => (code.includes('slow') ? rec('timeout') : rec('failed')));
    const r = await synthesizeExamples([failing, slow], runner, opts);
    assert.deepEqual(failing.examples, []);
    assert.equal(failing.validation, null);
    assert.deepEqual(slow.examples, []);
    assert.equal(runner.seen.filter((q) => q.code.includes('slow')).length, 1);
    assert.equal(runner.seen.filter((q) => q.code.includes('import g')).length, 3);
    assert.deepEqual(r.notPassed, { failed: 3, timeout: 1 });
  });

  test('nothing starts once the budget is spent, and the report says how many were left', async () => {
    let t = 0;
    const runner = standIn(() => {
      t += 1_000;
      return rec('failed');
    });
    const r = await synthesizeExamples([typed()], runner, { ...opts, budgetMs: 500, now: () => t });
    assert.equal(r.runs, 1);
    assert.equal(r.outOfBudget, 1);
    assert.match(r.warnings[1]!, /^1 synthesized calls were not tried: the 1 s budget for them ran out$/);
  });
});

describe('values with their setup, shapes and instances', () => {
  test('a name passed is followed to its assignment and imports; loop variables and test scaffolding are not', () => {
    const sigs = signaturesOf([block({ name: 'f', parameters: [param('x')] })]);
    const src = [
      'import numpy as np',
      'import pytest',
      'from pkg import f, sample',
      'x = np.linspace(0, 1, 20)',
      'f(x)',
      "problem = {'num_vars': 2,",
      "           'names': ['a', 'b']}",
      'sample(problem=problem, N=8)',
      'for i in range(3):',
      '    f(i)',
      'sample(problem=pytest.approx(1), N=unknown)',
    ].join('\n');
    const values = argumentValues([src], sigs);
    assert.deepEqual(values.get('x'), [{ expr: 'x', setup: ['import numpy as np', 'x = np.linspace(0, 1, 20)'] }]);
    assert.deepEqual(values.get('problem'), [{ expr: 'problem', setup: ["problem = {'num_vars': 2,\n           'names': ['a', 'b']}"] }]);
    assert.deepEqual(exprs(values.get('N')), ['8']);
  });

  test('shapes pick the array: (n,) a line of points, (n, n) a square matrix, (N, M) a tall one', () => {
    assert.equal(valuesForType('array_like, shape (n,)', null, true).values[0]!.expr, 'np.linspace(1.0, 10.0, 50)');
    assert.match(valuesForType('ndarray, shape (n, n)', null, true).values[0]!.expr, /^np\.array\(\[\[2\.0, 1\.0, 0\.0\]/);
    assert.match(valuesForType('array_like', '2-D array of shape (N, M)', true).values[0]!.expr, /uniform\(1\.0, 2\.0, \(20, 3\)\)/);
    assert.deepEqual(exprs(valuesForType("{'fast', 'slow'}", null, true).values), ["'fast'", "'slow'"]);
    assert.deepEqual(exprs(valuesForType('float', 'Temperature in K.', false, 'temp').values), ['298.15', '1.0', '0.5', '2.0']);
  });

  test('a method under an attribute-on-read decorator is read, not called', () => {
    const cls = block({ kind: 'class', name: 'Tank', qualifiedName: 'pkg.mod.Tank' });
    const m = block({ kind: 'method', name: 'level', qualifiedName: 'pkg.mod.Tank.level', decorators: ['desc.setattr_on_read'] });
    assert.match(codes(m, new Map(), [cls, m])[0]!, /result = obj\.level\nprint/);
  });

  test('a parameter that takes a repository class gets an instance as an example that ran builds it; seeded', () => {
    const ran = { status: 'passed' as const, exitCode: 0, durationMs: 1, stdout: '', stderr: '', sandbox: 'bwrap' as const, ranAt: '', error: null, message: '' };
    const cls = block({ kind: 'class', name: 'TimeSeries', qualifiedName: 'pkg.ts.TimeSeries' });
    const other = block({
      name: 'other',
      examples: [{ code: 'import numpy as np\nimport pkg\nt = pkg.TimeSeries(np.random.randn(8))\nother(t)\n', source: 'test', path: 't.py', startLine: 1, expectedOutput: null, run: ran }],
    });
    const doc = 'Analyze.\n\nParameters\n----------\nseries : TimeSeries\n    The input.\n';
    const f = block({ name: 'analyze', docstring: doc, requirements: ['numpy'], parameters: [param('series')] });
    const all = [cls, other, f];
    const setups = instanceSetups(all);
    assert.ok(wantsInstances(f, classesOf(all), new Map()), 'without a setup it waits for the class');
    assert.ok(!wantsInstances(f, classesOf(all), setups));
    assert.equal(
      candidateCalls(f, new Map(), classesOf(all), 3, setups)[0]!.code,
      'import numpy as np\nimport pkg\nfrom pkg.mod import analyze\n\nnp.random.seed(0)\nt = pkg.TimeSeries(np.random.randn(8))\nresult = analyze(series=t)\nprint(repr(result))\n',
    );
  });
});

describe('parameter types in docstrings', () => {
  test('numpydoc, Google and reST state types; pydoc keeps them beside the descriptions', () => {
    const d = parseDocstring('X.\n\nParameters\n----------\nx, y : array_like, shape (n,)\n    Points.\nk : int\n\n:param float rate: per second\n:type mode: str\n');
    assert.deepEqual([...d.types], [['x', 'array_like, shape (n,)'], ['y', 'array_like, shape (n,)'], ['k', 'int'], ['rate', 'float'], ['mode', 'str']]);
    assert.equal(d.params.get('rate'), 'per second');
  });
});

describe('the two steps, what a call printed, and the order', () => {
  const opts = { values: new Map<string, ArgValue[]>(), importRoots: ['/r'], packages: ['pkg'], workers: 1 };
  const tank = () => block({ kind: 'class', name: 'Tank', qualifiedName: 'pkg.mod.Tank', parameters: [param('volume', { annotation: 'float' })] });
  const fill = () => block({ kind: 'method', name: 'fill', qualifiedName: 'pkg.mod.Tank.fill', parameters: [] });

  test('methods wait for their class: the construction that ran is theirs, else their own guesses after the class', async () => {
    const cls = tank();
    const m = fill();
    const runner = standIn((code) => (code.includes('volume=1.0') ? rec('failed') : rec('passed', '3\n')));
    await synthesizeExamples([m, cls], runner, opts);
    assert.equal(cls.examples[0]!.code, 'from pkg.mod import Tank\n\nobj = Tank(volume=0.5)\nprint(repr(obj))\n');
    assert.equal(m.examples[0]!.code, 'from pkg.mod import Tank\n\nobj = Tank(volume=0.5)\nresult = obj.fill()\nprint(repr(result))\n');
    const [cls2, m2] = [tank(), fill()];
    const failing = standIn(() => rec('failed'));
    await synthesizeExamples([m2, cls2], failing, opts);
    const order = failing.seen.map((q) => (q.code.includes('.fill(') ? 'fill' : 'Tank'));
    assert.deepEqual(order, ['Tank', 'Tank', 'Tank', 'fill', 'fill', 'fill'], "the class's calls first (its repr may be what failed)");
  });

  test('nan or an empty result gives way to a later candidate that prints more, else it is kept; output is capped', async () => {
    const g = block({ name: 'g', parameters: [param('x', { annotation: 'float' })] });
    await synthesizeExamples([g], standIn((code) => (code.includes('x=1.0') ? rec('passed', 'nan\n') : rec('passed', 'x'.repeat(5000)))), opts);
    assert.match(g.examples[0]!.code, /x=0\.5/);
    assert.ok(g.examples[0]!.run!.stdout.length <= 1_001 && g.examples[0]!.run!.truncated);
    const h = block({ name: 'h', parameters: [param('x', { annotation: 'float' })] });
    await synthesizeExamples([h], standIn(() => rec('passed', '[]\n')), opts);
    assert.match(h.examples[0]!.code, /x=1\.0/);
    assert.ok(isEmptyResult('array([nan, nan])') && isEmptyResult('array([nan+nanj])') && !isEmptyResult('array([1., nan])') && !isEmptyResult('None'));
  });

  test('the most central blocks run first', async () => {
    const a = block({ name: 'a', rank: 1 });
    const b = block({ name: 'b', rank: 5 });
    const runner = standIn(() => rec('passed', '1\n'));
    await synthesizeExamples([a, b], runner, opts);
    assert.deepEqual(runner.seen.map((q) => /import (\w+)/.exec(q.code)![1]), ['b', 'a']);
  });
});

describe('optional instances', () => {
  test("an optional parameter that takes a repository class gets the repository's instance; a guessed one is not used", () => {
    const ran = { status: 'passed' as const, exitCode: 0, durationMs: 1, stdout: '', stderr: '', sandbox: 'bwrap' as const, ranAt: '', error: null, message: '' };
    const ts = block({ kind: 'class', name: 'TimeSeries', qualifiedName: 'pkg.ts.TimeSeries' });
    const doc = 'An analyzer.\n\nParameters\n----------\ninput : TimeSeries, optional\n';
    const an = block({ kind: 'class', name: 'Analyzer', qualifiedName: 'pkg.an.Analyzer', module: 'pkg.an', docstring: doc, parameters: [param('input', { default: 'None' })] });
    const user = (source: 'test' | 'synthesized') =>
      block({ name: 'user', examples: [{ code: 'from pkg import TimeSeries\nT = TimeSeries([1.0, 2.0])\n', source, path: null, startLine: null, expectedOutput: null, run: ran }] });
    const withMined = [ts, an, user('test')];
    assert.equal(
      candidateCalls(an, new Map(), classesOf(withMined), 3, instanceSetups(withMined))[0]!.code,
      'from pkg import TimeSeries\nfrom pkg.an import Analyzer\n\nT = TimeSeries([1.0, 2.0])\nobj = Analyzer(input=T)\nprint(repr(obj))\n',
    );
    const guessed = [{ ...ts, examples: [{ code: 'from pkg.ts import TimeSeries\n\nobj = TimeSeries()\nprint(repr(obj))\n', source: 'synthesized' as const, path: null, startLine: null, expectedOutput: null, run: ran }] }, an];
    assert.match(candidateCalls(an, new Map(), classesOf(guessed), 3, instanceSetups(guessed))[0]!.code, /obj = Analyzer\(\)/);
  });
});

describe('values that read files', () => {
  test("a value whose setup reads a file is not reused: the path is the test's own", () => {
    const src = "import numpy as np\nfrom pkg import f\ninputs = np.loadtxt('tests/data/x.csv')\nf(x=inputs[:, 0])\npath = 'data/p.txt'\nf(x=path)\nf(x=np.ones(3))\n";
    assert.deepEqual(exprs(argumentValues([src], new Map()).get('x')), ['np.ones(3)']);
  });
});

describe('failures no value mends', () => {
  test('a candidate that fails on its import line stops that block: other values do not make the package load', async () => {
    const g = block({ name: 'g', parameters: [param('x', { annotation: 'float' })] });
    const broken = (): RunRecord => ({ ...rec('failed'), error: { type: 'SyntaxError', message: 'invalid syntax', line: 1 } });
    const runner = standIn(broken);
    const r = await synthesizeExamples([g], runner, { values: new Map(), importRoots: ['/r'], packages: ['pkg'], workers: 1 });
    assert.equal(runner.seen.length, 1);
    assert.match(r.warnings[1]!, /^most common failures of synthesized calls: SyntaxError: invalid syntax \(1\)$/);
  });
});

test("a generator's call shows the first things it yields, not its repr; a default object repr says nothing", () => {
  const gen = block({ name: 'peaks', code: 'def peaks(seq):\n    """Yield peaks."""\n    for x in seq:\n        yield x\n', parameters: [param('seq', { annotation: 'list' })] });
  const [c] = candidateCalls(gen, new Map(), new Map());
  assert.match(c!.code, /^import itertools$/m);
  assert.match(c!.code, /result = list\(itertools\.islice\(peaks\(seq=.*\), 5\)\)/);
  assert.equal(isGenerator('def f(x):\n    def inner():\n        yield 1\n    return list(inner())\n'), false);
  assert.ok(isEmptyResult('<pkg.core.Spectrum object at 0x7f3a2c1d9e50>\n'));
  assert.ok(!isEmptyResult('Spectrum(n=3)'));
});
