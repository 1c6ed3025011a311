import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunRecord } from '../../src/domain/validation.js';
import { memoryContentCache } from '../../src/kernel/content-cache.js';
import { cachingRunner } from '../../src/validate/run-cache.js';
import { readModule, runDependencies, type ModuleText } from '../../src/validate/run-deps.js';
import type { RunRequest, Runner } from '../../src/validate/types.js';

const FRICTION = `"""Friction."""
from .core import Reynolds
import math

__all__ = ['colebrook', 'blasius', 'friction_factor']
LIMIT = 2300  # laminar

def blasius(Re):
    """Blasius."""
    return 0.3164 * Re ** -0.25

def colebrook(Re, eD=0.0):
    return 0.25 / math.log10(eD / 3.7 + 5.74 / Re ** 0.9) ** 2

_methods = {'Blasius': blasius}

def friction_factor(Re, eD=0.0, Method=None):
    if Method is None:
        return colebrook(Re, eD)
    return globals()[Method.lower()](Re)

class Pipe:
    roughness = 1e-5
    def __init__(self, D):
        self.D = D
    def Re(self, V, nu):
        return Reynolds(V=V, D=self.D, nu=nu)
`;
const CORE = `def Reynolds(V, D, rho=None, mu=None, nu=None):
    return V * D / nu

def Prandtl(Cp, k, mu):
    return Cp * mu / k
`;
const mods = (friction = FRICTION, core = CORE): ModuleText[] => [
  { path: 'fluids/friction.py', text: friction },
  { path: 'fluids/core.py', text: core },
  { path: 'fluids/__init__.py', text: 'from .core import *\nfrom .friction import *\n' },
];

test("a module's surface is what importing it runs: bodies of functions and methods and comments left out", () => {
  const m = readModule({ path: 'f.py', text: FRICTION });
  assert.deepEqual(m.units.map((u) => (u.owner ? `${u.owner}.${u.name}` : u.name)), ['blasius', 'colebrook', 'friction_factor', 'Pipe.__init__', 'Pipe.Re']);
  assert.ok(m.surface.includes('LIMIT = 2300') && !m.surface.includes('laminar'));
  assert.ok(m.surface.includes('def colebrook(Re, eD=0.0):') && !m.surface.includes('math.log10'));
  assert.ok(m.surface.includes('roughness = 1e-5') && m.surface.includes('def Re(self, V, nu):') && !m.surface.includes('self.D = D'));
  assert.ok(!m.surface.includes('Blasius.'), 'a docstring of a function is its body');
});

test('a run reaches the units its code names, through the names they mention, in any module', () => {
  const d = runDependencies(mods());
  assert.deepEqual(d.unitsOf('from fluids import blasius\nprint(blasius(1e5))'), ['fluids/friction.py:blasius']);
  assert.deepEqual(d.unitsOf('import fluids\nprint(fluids.friction_factor(1e5, Method="Blasius"))'), ['fluids/friction.py:colebrook', 'fluids/friction.py:friction_factor']);
  assert.deepEqual(d.unitsOf('from fluids import Pipe\nprint(Pipe(0.1).Re(1, 1e-6))'), ['fluids/core.py:Reynolds', 'fluids/friction.py:Pipe.Re', 'fluids/friction.py:Pipe.__init__'], 'a class named: all its methods');
  assert.deepEqual(d.unitsOf('print(getattr(__import__("fluids"), "Prandtl")(1, 2, 3))'), ['fluids/core.py:Prandtl'], 'a name in a string counts');
});

test("digests: a comment or an edit to another function keeps a run's, an edit to what it reaches or to any surface changes it", () => {
  const code = 'from fluids import blasius\nprint(blasius(1e5))';
  const base = runDependencies(mods()).digestOf(code);
  assert.equal(runDependencies(mods(FRICTION + '# touch 1\n')).digestOf(code), base, 'a comment appended');
  assert.equal(runDependencies(mods(FRICTION.replace('5.74', '5.75'))).digestOf(code), base, 'another function edited');
  assert.equal(runDependencies(mods(undefined, CORE.replace('Cp * mu', 'mu * Cp'))).digestOf(code), base, 'a function of another module edited');
  assert.notEqual(runDependencies(mods(FRICTION.replace('0.3164', '0.316'))).digestOf(code), base, 'its own function edited');
  assert.notEqual(runDependencies(mods(FRICTION.replace('LIMIT = 2300', 'LIMIT = 2000'))).digestOf(code), base, 'a module-level value: every run');
  assert.notEqual(runDependencies(mods(FRICTION.replace('eD=0.0):\n    return 0.25', 'eD=1/0):\n    return 0.25'))).digestOf(code), base, 'a default is run at import: every run');
  const pipe = 'from fluids import Pipe\nprint(Pipe(0.1).Re(1, 1e-6))';
  assert.notEqual(runDependencies(mods(undefined, CORE.replace('V * D / nu', 'D * V / nu'))).digestOf(pipe), runDependencies(mods()).digestOf(pipe), 'what a method calls in another module');
});

test('an edit to one method keeps the runs that reach another method of the class by name', () => {
  const re = 'import fluids\np = fluids.pipes[0]\nprint(p.Re(1, 1e-6))';
  const base = runDependencies(mods()).digestOf(re);
  assert.equal(runDependencies(mods(FRICTION.replace('self.D = D', 'self.D = float(D)'))).digestOf(re), base, 'Pipe.__init__ edited: a run that calls Re alone keeps its digest');
  assert.notEqual(runDependencies(mods(FRICTION.replace('nu=nu)', 'nu=nu) * 1'))).digestOf(re), base, 'Pipe.Re edited');
  assert.notEqual(runDependencies(mods(FRICTION.replace('roughness = 1e-5', 'roughness = 2e-5'))).digestOf(re), base, 'the class body: every run');
});

const record = (stdout: string): RunRecord => ({ status: 'passed', exitCode: 0, durationMs: 1, stdout, stderr: '', error: null, message: 'passed', sandbox: 'none', ranAt: '2026-01-01T00:00:00Z' });

test('with the dependencies in its keys, a run cache runs again only the runs that reach what changed', async () => {
  const cache = memoryContentCache();
  const seen: string[] = [];
  const expected: Array<number | undefined> = [];
  // Each run takes as long as its code is (ms): what a run again is expected to take comes from its last run.
  const timed = (r: RunRequest): RunRecord => ({ ...record('ok\n'), durationMs: r.code.length });
  const inner: Runner = {
    info: async () => ({ sandbox: 'none', interpreter: 'python3', available: true, reason: null }),
    run: async (r: RunRequest) => (seen.push(r.code), record('ok\n')),
    runBatch: async (reqs, opts) => reqs.map((r, i) => (seen.push(r.code), expected.push(r.expectedMs), opts.onResult?.(i, timed(r)), timed(r))),
  };
  const reqs: RunRequest[] = [{ code: 'from fluids import blasius\nblasius(1e5)' }, { code: 'from fluids import colebrook\ncolebrook(1e5)' }, { code: 'from fluids import Prandtl\nPrandtl(1, 2, 3)' }];
  const distill = async (friction: string) => {
    seen.length = 0;
    const r = cachingRunner(inner, { cache, context: 'c', root: '/snap', dependencies: runDependencies(mods(friction)) });
    await r.runBatch!(reqs, { importRoots: ['/snap'], preload: ['fluids'] });
    return [...seen];
  };
  assert.equal((await distill(FRICTION)).length, 3);
  assert.deepEqual(expected, [undefined, undefined, undefined], 'never run: nothing to expect');
  assert.deepEqual(await distill(FRICTION + '# touch\n'), [], 'a comment: everything reused');
  expected.length = 0;
  assert.deepEqual(await distill(FRICTION.replace('5.74', '5.75')), [reqs[1]!.code], 'colebrook edited: its run alone');
  assert.deepEqual(expected, [reqs[1]!.code.length], 'run again, it is expected to take what it took');
  assert.deepEqual(await distill(FRICTION.replace('5.74', '5.75').replace('LIMIT = 2300', 'LIMIT = 1')), reqs.map((r) => r.code), 'a module-level value edited: all of them');
});

test('a code object is placed in the function or method around its first line; module-level code and class bodies in none', () => {
  const d = runDependencies(mods());
  const lines = FRICTION.split('\n');
  const at = (text: string) => lines.findIndex((l) => l.includes(text)) + 1;
  assert.equal(d.unitAt('fluids/friction.py', at('def blasius'))?.[0], 'fluids/friction.py:blasius');
  assert.equal(d.unitAt('fluids/friction.py', at('def Re(self'))?.[0], 'fluids/friction.py:Pipe.Re', 'a method is its own unit');
  assert.equal(d.unitAt('fluids/friction.py', at('class Pipe')), null, "a class's body runs at import: the surface");
  assert.equal(d.unitAt('fluids/friction.py', 1), null, 'the module itself is the surface');
  assert.equal(d.unitAt('tests/helper.py', 1), undefined, 'a file that is not a module');
  assert.equal(d.hashOf('fluids/friction.py:blasius'), d.unitAt('fluids/friction.py', at('def blasius'))?.[1]);
});

test('a run whose trace is known is run again only when the code it executed changed, not what it merely names', async () => {
  let cache = memoryContentCache();
  const seen: string[] = [];
  // friction_factor names colebrook and, by string, blasius; the run with Method="Blasius" executes only blasius.
  const traces: Record<string, Record<string, number[]>> = {
    'from fluids import friction_factor\nfriction_factor(1e5, Method="Blasius")': { '/snap/fluids/friction.py': [1, 8, 17], '/snap/tests/helper.py': [1] },
    'from fluids import friction_factor\nfriction_factor(1e5)': { '/snap/fluids/friction.py': [1, 12, 17], '/usr/lib/python3/math.py': [1] },
  };
  const inner: Runner = {
    info: async () => ({ sandbox: 'none', interpreter: 'python3', available: true, reason: null }),
    run: async (r: RunRequest) => (seen.push(r.code), record('ok\n')),
    runBatch: async (reqs, opts) =>
      reqs.map((r, i) => {
        seen.push(r.code);
        if (opts.trace && traces[r.code]) opts.onTrace?.(i, { files: traces[r.code]! });
        opts.onResult?.(i, record('ok\n'));
        return record('ok\n');
      }),
  };
  const reqs: RunRequest[] = Object.keys(traces).map((code) => ({ code }));
  const distill = async (friction: string, trace: 'auto' | 'never' = 'auto') => {
    seen.length = 0;
    const r = cachingRunner(inner, { cache, context: 'c', root: '/snap', dependencies: runDependencies(mods(friction)), trace });
    await r.runBatch!(reqs, { importRoots: ['/snap'], preload: ['fluids'] });
    return { ran: [...seen], traced: r.stats.traced };
  };
  assert.deepEqual((await distill(FRICTION)).traced, 2);
  assert.deepEqual((await distill(FRICTION.replace('5.74', '5.75'))).ran, [reqs[1]!.code], 'colebrook edited: only the run that executed it');
  assert.deepEqual((await distill(FRICTION.replace('5.74', '5.75').replace('0.3164', '0.316'))).ran, [reqs[0]!.code], 'blasius edited: only the run that executed it');
  assert.deepEqual((await distill(FRICTION.replace('5.74', '5.75').replace('0.3164', '0.316').replace('Method.lower()', 'Method.casefold()'))).ran, reqs.map((r) => r.code), 'the dispatcher both executed');
  // Without a trace each run keeps to what its code can reach by name: friction_factor names colebrook. (A fresh
  // cache: the traced records of these states would still answer.)
  cache = memoryContentCache();
  await distill(FRICTION, 'never');
  assert.deepEqual((await distill(FRICTION.replace('5.74', '5.76'), 'never')).ran, reqs.map((r) => r.code));
});

test('an edit undone finds the records of the state it returns to: nothing runs again', async () => {
  const cache = memoryContentCache();
  const seen: string[] = [];
  const inner: Runner = {
    info: async () => ({ sandbox: 'none', interpreter: 'python3', available: true, reason: null }),
    run: async (r: RunRequest) => (seen.push(r.code), record('ok\n')),
    runBatch: async (reqs, opts) => reqs.map((r, i) => (seen.push(r.code), opts.onResult?.(i, record('ok\n')), record('ok\n'))),
  };
  const reqs: RunRequest[] = [{ code: 'from fluids import colebrook\ncolebrook(1e5)' }];
  const distill = async (friction: string) => {
    seen.length = 0;
    await cachingRunner(inner, { cache, context: 'c', root: '/snap', dependencies: runDependencies(mods(friction)) }).runBatch!(reqs, { importRoots: ['/snap'], preload: [] });
    return seen.length;
  };
  const states = ['5.74', '5.75', '5.76', '5.77', '5.78'].map((v) => FRICTION.replace('5.74', v));
  for (const st of states) assert.equal(await distill(st), 1, 'a new state runs');
  assert.equal(await distill(states[4]!), 0);
  assert.equal(await distill(states[2]!), 0, 'two edits back: kept');
  assert.equal(await distill(states[1]!), 0, 'three back: kept');
  assert.equal(await distill(states[0]!), 1, 'more states than are kept: the oldest ran again');
});

test('a unit that reads a module-level dispatch table reaches the functions the table names', () => {
  const text = 'def _a(x):\n    return x\n\ndef _b(x):\n    return -x\n\nMETHODS = {"a": _a, "b": _b}\n\ndef solve(x, m="a"):\n    return METHODS[m](x)\n';
  const d = runDependencies([{ path: 'p/core.py', text }]);
  assert.deepEqual(d.unitsOf('from p.core import solve\nsolve(1)'), ['p/core.py:_a', 'p/core.py:_b', 'p/core.py:solve']);
});

test("a run that executed the repository's own wheel in the environment is run again when the module it was built from changes", async () => {
  const cache = memoryContentCache();
  const seen: string[] = [];
  const env = '/envs/e1';
  // A package that had to be built: runs import its installed copy, whose files are the snapshot's line for line.
  const trace = { files: { [`${env}/venv/lib/python3.11/site-packages/fluids/friction.py`]: [1, 12], [`${env}/venv/lib/python3.11/site-packages/numpy/core.py`]: [3] } };
  const inner: Runner = {
    info: async () => ({ sandbox: 'none', interpreter: 'python3', available: true, reason: null }),
    run: async (r: RunRequest) => (seen.push(r.code), record('ok\n')),
    runBatch: async (reqs, opts) =>
      reqs.map((r, i) => {
        seen.push(r.code);
        opts.onTrace?.(i, trace);
        opts.onResult?.(i, record('ok\n'));
        return record('ok\n');
      }),
  };
  const reqs: RunRequest[] = [{ code: 'from fluids import colebrook\ncolebrook(1e5)' }];
  const distill = async (friction: string) => {
    seen.length = 0;
    const src = mods(friction).map((m) => ({ ...m, path: `src/${m.path}` }));
    const r = cachingRunner(inner, { cache, context: 'c', root: '/snap', environmentDir: env, dependencies: runDependencies(src), trace: 'always' });
    await r.runBatch!(reqs, { importRoots: ['/snap'], preload: ['fluids'] });
    return [...seen];
  };
  assert.equal((await distill(FRICTION)).length, 1);
  assert.deepEqual(await distill(FRICTION.replace('0.3164', '0.316')), [], 'blasius, which it did not execute: reused');
  assert.deepEqual(await distill(FRICTION.replace('5.74', '5.75')), reqs.map((r) => r.code), 'colebrook, which it executed from site-packages: run again');
});

test('an installed file maps to the one module it was built from, and to none when two could be it', () => {
  const d = runDependencies([
    { path: 'src/pint/util.py', text: 'def f():\n    return 1\n' },
    { path: 'a/pkg/x.py', text: 'X = 1\n' },
    { path: 'b/pkg/x.py', text: 'X = 2\n' },
  ]);
  assert.equal(d.installedFrom('pint/util.py'), 'src/pint/util.py');
  assert.equal(d.installedFrom('src/pint/util.py'), 'src/pint/util.py');
  assert.equal(d.installedFrom('pkg/x.py'), undefined, 'ambiguous');
  assert.equal(d.installedFrom('numpy/core.py'), undefined);
});
