import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LoadedLibrary } from '../../src/index/types.js';
import { packagesOfLibrary, providerImportRoots } from '../../src/library/providers.js';

const lib = (name: string, qualifiedNames: string[], importRoots = ['']): LoadedLibrary =>
  ({
    name,
    dir: `/libs/${name}`,
    readonly: false,
    fingerprint: 'x',
    manifest: { importRoots } as LoadedLibrary['manifest'],
    blocks: qualifiedNames.map((qualifiedName) => ({ qualifiedName, language: 'python', kind: 'function' })),
  }) as unknown as LoadedLibrary;

describe('libraries providing dependencies', () => {
  const fluids = lib('fluids', ['fluids.friction.friction_factor', 'fluids.core.Reynolds']);
  const skimage = lib('scikit-image', ['skimage.filters.gaussian'], ['src']);
  const self = lib('ht', ['ht.conv_internal.Nu_conv_internal']);

  it('names the packages a library holds', () => {
    assert.deepEqual(packagesOfLibrary(fluids), ['fluids']);
  });
  it('matches a requirement by import name or by the distribution the import maps to', () => {
    assert.deepEqual(providerImportRoots(['fluids', 'numpy'], [fluids, skimage, self], 'ht'), ['/libs/fluids/source']);
    assert.deepEqual(providerImportRoots(['scikit-image'], [fluids, skimage], null), ['/libs/scikit-image/source/src']);
    assert.deepEqual(providerImportRoots(['Scikit_Image'], [skimage], null), ['/libs/scikit-image/source/src']);
  });
  it('never offers a library to itself, nor anything for unrelated requirements', () => {
    assert.deepEqual(providerImportRoots(['ht'], [self], 'ht'), []);
    assert.deepEqual(providerImportRoots(['scipy'], [fluids, skimage], null), []);
  });
});
