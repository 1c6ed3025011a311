import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunRecord } from '../../src/domain/validation.js';
import { guardedPackageOf, missingModulesWarning, repositoryFileOf, requiredPackageOf } from '../../src/validate/missing.js';

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

test('a guard that starts with the package, or says it cannot find it, names it', () => {
  assert.equal(requiredPackageOf(imp('cvxopt required for passivity module', 'ModuleNotFoundError')), 'cvxopt');
  assert.equal(requiredPackageOf(imp('pint is required for unit support')), 'pint');
  assert.equal(requiredPackageOf(imp("can't find slycot module 'mb03rd'")), 'slycot');
  assert.equal(requiredPackageOf(imp('Could not find the package h5py')), 'h5py');
  assert.equal(requiredPackageOf(imp('plotting requires matplotlib.')), 'matplotlib');
  assert.equal(requiredPackageOf(imp("Missing optional dependency 'openpyxl'.  Use pip or conda to install openpyxl.")), 'openpyxl');
  // A version, or a phrase that names no package, is not a guard.
  assert.equal(requiredPackageOf(imp('requires numpy>=1.20')), null);
  assert.equal(requiredPackageOf(imp('this function requires a square matrix')), null);
});

test('guardedPackageOf: another exception class counts when named after the package or after a failed import of it', () => {
  const err = (type: string, message: string) => ({ type, message, line: null });
  assert.equal(guardedPackageOf(err('control.exception.ControlSlycot', "Can't find slycot module 'sb03md'"), ''), 'slycot');
  assert.equal(guardedPackageOf(err('ValueError', "method='slycot' requires slycot"), "ModuleNotFoundError: No module named 'slycot'\n"), 'slycot');
  assert.equal(guardedPackageOf(err('ValueError', "method='slycot' requires slycot"), ''), null);
  assert.equal(guardedPackageOf(err('TypeError', 'minreal requires tb01pd'), ''), null);
  assert.equal(guardedPackageOf(err('ImportError', 'cvxopt required'), ''), 'cvxopt');
  assert.equal(guardedPackageOf(null, ''), null);
});

const skippedRun = (missingModule: string, skipReason: RunRecord['skipReason'] = 'missing_dependency'): RunRecord => ({
  status: 'skipped', exitCode: 1, durationMs: 1, stdout: '', stderr: '', sandbox: 'bwrap', ranAt: '', error: null,
  message: `missing dependency ${missingModule}`, missingModule, skipReason,
});

test('every missing module in one warning with one install command, spelt as PyPI spells them', () => {
  const runs = [skippedRun('matplotlib'), skippedRun('matplotlib'), skippedRun('sklearn.svm'), skippedRun('yaml'), skippedRun('cvxopt', 'optional_extra')];
  const w = missingModulesWarning(runs) ?? '';
  assert.match(w, /examples were skipped for 4 missing modules: matplotlib \(2 runs\), cvxopt \(1 run, optional\), sklearn \(1 run, install name scikit-learn\), yaml \(1 run, install name PyYAML\)/);
  assert.match(w, /install them with: pip install matplotlib cvxopt scikit-learn PyYAML\.$/);
  // A run counted twice (shared by two examples) is one run; runs skipped for other reasons are not listed.
  const shared = skippedRun('pandas');
  assert.match(missingModulesWarning([shared, shared, skippedRun('x', 'network')]) ?? '', /1 missing module: pandas \(1 run\); install it with: pip install pandas\.$/);
  assert.equal(missingModulesWarning([]), null);
});

test('a module of the repository is never offered for installation; what the environment stage tried is said', () => {
  const files = ['control/__init__.py', 'examples/pvtol.py', 'src/fast/_kernels.pyx'];
  const w = missingModulesWarning([skippedRun('pvtol'), skippedRun('_kernels'), skippedRun('past.builtins'), skippedRun('slycot')], {
    filePaths: files,
    attempted: new Map([['slycot', 'only a source distribution, and building it needs a Fortran compiler']]),
  }) ?? '';
  assert.match(w, /pip install future slycot\./);
  assert.doesNotMatch(w, /pip install[^.]*pvtol/);
  assert.match(w, /pvtol \(examples\/pvtol\.py, 1 run\) is a helper module of the repository, not importable from the example/);
  assert.match(w, /_kernels \(src\/fast\/_kernels\.pyx, 1 run\) is a compiled extension of the repository: build and install the package/);
  assert.match(w, /slycot: installing it was tried: only a source distribution/);
  const onlyOwn = missingModulesWarning([skippedRun('pvtol')], { filePaths: files }) ?? '';
  assert.doesNotMatch(onlyOwn, /pip install/);
  assert.match(onlyOwn, /helper module/);
  // A generated module of the package itself (setuptools_scm's _version.py) is neither a helper nor an install.
  const generated = missingModulesWarning([skippedRun('control._version')], { filePaths: files }) ?? '';
  assert.match(generated, /^control \(control\/__init__\.py, 1 run\): the repository's own package did not import whole/);
  assert.doesNotMatch(generated, /helper module|pip install/);
});

test('repositoryFileOf finds a module file, a package or an extension source, shortest path first', () => {
  const files = ['doc/examples/pvtol.py', 'examples/pvtol.py', 'pkg/__init__.py', 'pkg/sub.py', 'README.md'];
  assert.equal(repositoryFileOf('pvtol', files), 'examples/pvtol.py');
  assert.equal(repositoryFileOf('pkg.sub', files), 'pkg/__init__.py');
  assert.equal(repositoryFileOf('numpy', files), null);
  // A module inside a package is that package's submodule, not a top-level module of the same name.
  const pint = ['pint/__init__.py', 'pint/matplotlib.py', 'pint/facets/__init__.py', 'pint/facets/numpy/__init__.py'];
  assert.equal(repositoryFileOf('matplotlib', pint), null);
  assert.equal(repositoryFileOf('numpy', pint), null);
  assert.equal(repositoryFileOf('pint', pint), 'pint/__init__.py');
});
