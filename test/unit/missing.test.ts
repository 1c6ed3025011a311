import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requiredPackageOf } from '../../src/validate/missing.js';

const imp = (message: string, type = 'ImportError') => ({ type, message, line: 1 });

test('the fluids phrasing names pint', () => {
  const msg =
    'The unit handling in fluids requires the installation of the package pint, available on pypi or from https://github.com/hgrecco/pint';
  assert.equal(requiredPackageOf(imp(msg)), 'pint');
});

test('common phrasings that name the package', () => {
  const cases: Array<[string, string]> = [
    ['This feature requires pandas to be installed.', 'pandas'],
    ['plotting requires that matplotlib be installed', 'matplotlib'],
    ['The optional dependency "numba" must be installed to use jit=True', 'numba'],
    ["package 'h5py' is required for HDF5 output", 'h5py'],
    ["'netCDF4' is not installed", 'netCDF4'],
    ['Please install scikit-learn to use this estimator', 'scikit-learn'],
    ['Missing optional dependency. Use pip install xarray or conda install -c conda-forge xarray.', 'xarray'],
    ['this module requires the package ruamel.yaml', 'ruamel.yaml'],
    ['Exporting needs openpyxl: pip install openpyxl', 'openpyxl'],
  ];
  for (const [msg, want] of cases) assert.equal(requiredPackageOf(imp(msg)), want, msg);
});

test('a plain ImportError carrying "No module named" gives the top-level module', () => {
  assert.equal(requiredPackageOf(imp("No module named 'pint.registry'")), 'pint');
});

test('messages that do not name a missing package with confidence give null', () => {
  const cases = [
    'requires numpy>=2.0',
    'requires numpy >= 2.0 to be installed',
    'Please install a newer version of scipy',
    'please install fluids[units] for unit support',
    'cannot import name "foo" from partially initialized module "bar" (most likely due to a circular import)',
    'DLL load failed while importing _core: the specified module could not be found',
    'attempted relative import with no known parent package',
    'Please install it first.',
  ];
  for (const msg of cases) assert.equal(requiredPackageOf(imp(msg)), null, msg);
});

test('other exception types are not read', () => {
  assert.equal(requiredPackageOf({ type: 'RuntimeError', message: 'requires the installation of the package pint', line: 2 }), null);
  assert.equal(requiredPackageOf(null), null);
  // A subclass spelled with its module still counts.
  assert.equal(requiredPackageOf(imp('requires the package pint', 'mypkg.errors.ImportError')), 'pint');
});
