import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { importedModules, isImportStatement, starImportBinds } from '../../src/python/imports.js';

describe('python/imports', () => {
  test('isImportStatement', () => {
    assert.ok(isImportStatement('  import os'));
    assert.ok(isImportStatement('from . import x'));
    assert.ok(!isImportStatement('important = 1'));
    assert.ok(!isImportStatement('x = 1  # import os'));
  });
  test('a star import binds the __all__ names, else the names without a leading underscore', () => {
    assert.ok(starImportBinds('rho', null));
    assert.ok(!starImportBinds('_rho', null));
    assert.ok(starImportBinds('_rho', ['_rho']));
    assert.ok(!starImportBinds('rho', ['CT_from_t']));
  });
  test('importedModules names the module and what a from-import may load from it', () => {
    assert.deepEqual(importedModules('import numpy as np, os.path'), ['numpy', 'os.path']);
    assert.deepEqual(importedModules('from numba import cuda, jit as j  # gpu'), ['numba', 'numba.cuda', 'numba.jit']);
    assert.deepEqual(importedModules('from x import (base,\n    other as o)'), ['x', 'x.base', 'x.other']);
    assert.deepEqual(importedModules('from a.b import *'), ['a.b']);
    // The first physical line of a statement that goes on in brackets.
    assert.deepEqual(importedModules('from torch import ('), ['torch']);
    assert.deepEqual(importedModules('from the data we learn'), []);
  });
});
