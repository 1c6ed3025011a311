import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aliasesOf, codeChains } from '../../src/python/idioms.js';
import { idiomSubject } from '../../src/patterns/mine.js';

const counts = (top: string) => top !== 'mypkg' && top !== 'os';

test('aliases resolve every way of importing a module or a name', () => {
  const a = aliasesOf(['import numpy as np', 'from scipy import optimize as opt', 'from scipy.optimize import curve_fit', 'import scipy.integrate', 'from . import local']);
  assert.equal(a.get('np'), 'numpy');
  assert.equal(a.get('opt'), 'scipy.optimize');
  assert.equal(a.get('curve_fit'), 'scipy.optimize.curve_fit');
  assert.equal(a.get('scipy'), 'scipy');
  assert.equal(a.has('local'), false);
});

test('a value chain: what is built, unpacked, read and passed on, with keyword names and no literals', () => {
  const { values, modules } = codeChains(
    [
      'import numpy as np',
      'from scipy import optimize as opt',
      'popt, pcov = opt.curve_fit(mypkg.model, x, y, p0=[1, 2])',
      'perr = np.sqrt(np.diag(pcov))',
      'X = np.fft.rfft(x)',
      'amp = np.abs(X)',
      'f = np.fft.rfftfreq(len(x), d=0.1)',
      'r = mypkg.thing(x)',
      'r.value',
    ].join('\n'),
    { counts },
  );
  const fit = values.find((v) => v.anchor.call === 'scipy.optimize.curve_fit')!;
  assert.deepEqual(fit.events, ['unpack:2', 'numpy.diag(_[1])'], 'the innermost call that takes pcov');
  assert.deepEqual(fit.anchor.keywords, ['p0']);
  assert.deepEqual(fit.names, ['popt', 'pcov']);
  assert.deepEqual(values.find((v) => v.anchor.call === 'numpy.fft.rfft')!.events, ['numpy.abs(_)']);
  assert.ok(!values.some((v) => v.anchor.call.startsWith('mypkg')), 'the code\'s own package is not another package');
  assert.deepEqual(modules.find((m) => m.module === 'numpy.fft')!.functions, ['rfft', 'rfftfreq']);
});

test('attributes read off a result, and off a method\'s result', () => {
  const { values } = codeChains(
    ['import lmfit', 'from scipy.integrate import solve_ivp', 'sol = solve_ivp(f, (0, 1), [1.0], t_eval=t)', 'print(sol.y[0], sol.t)', 'model = lmfit.Model(f)', 'res = model.fit(y, x=x)', 'res.params'].join('\n'),
    { counts },
  );
  assert.deepEqual(values.find((v) => v.anchor.call === 'scipy.integrate.solve_ivp')!.events, ['.y', '.t']);
  assert.deepEqual(values.find((v) => v.anchor.call === 'lmfit.Model')!.events, ['.fit()', '.fit().params']);
});

test('a name bound again stops standing for the value', () => {
  const { values } = codeChains(['from scipy.integrate import solve_ivp', 'sol = solve_ivp(f, t, y)', 'sol = 3', 'sol.y'].join('\n'), { counts });
  assert.deepEqual(values[0]!.events, []);
});

test('pattern subjects are classes and submodule functions, not a package\'s top-level array makers', () => {
  assert.equal(idiomSubject('scipy.optimize.curve_fit'), true);
  assert.equal(idiomSubject('lmfit.Model'), true);
  assert.equal(idiomSubject('numpy.array'), false);
});
