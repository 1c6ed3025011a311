import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LoadedLibrary } from '../../src/domain/library.js';
import { packagesOf } from '../../src/library/files.js';
import { providerImportRoots } from '../../src/library/providers.js';
import { markProviderMismatches } from '../../src/validate/classify.js';

const lib = (name: string, qualifiedNames: string[], importRoots = ['']): LoadedLibrary =>
  ({
    name,
    dir: `/libs/${name}`,
    readonly: false,
    fingerprint: 'x',
    manifest: { importRoots } as LoadedLibrary['manifest'],
    blocks: qualifiedNames.map((qualifiedName) => ({ qualifiedName, language: 'python', kind: 'function' })),
    packages: packagesOf(qualifiedNames.map((qualifiedName) => ({ qualifiedName, language: 'python', kind: 'function' }) as LoadedLibrary['blocks'][number])),
  }) as unknown as LoadedLibrary;

describe('libraries providing dependencies', () => {
  const fluids = lib('fluids', ['fluids.friction.friction_factor', 'fluids.core.Reynolds']);
  const skimage = lib('scikit-image', ['skimage.filters.gaussian'], ['src']);
  const self = lib('ht', ['ht.conv_internal.Nu_conv_internal']);

  it('names the packages a library holds: top-level packages of its Python blocks, not of its workflows', () => {
    assert.deepEqual(fluids.packages, ['fluids']);
    const blocks = [
      { qualifiedName: 'pkg.a.f', language: 'python', kind: 'function' },
      { qualifiedName: 'other.b', language: 'python', kind: 'workflow' },
      { qualifiedName: 'rpkg.g', language: 'r', kind: 'function' },
    ] as LoadedLibrary['blocks'];
    assert.deepEqual(packagesOf(blocks), ['pkg']);
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

describe('version mismatches with a providing library', () => {
  const run = (message: string) => ({
    status: 'failed' as const, exitCode: 1, durationMs: 1, stdout: '', stderr: '', sandbox: 'bwrap' as const, ranAt: '',
    error: { type: 'ImportError', message, line: 1 }, message: 'ImportError at line 1',
  });
  it('an import failing inside another library\'s snapshot is skipped as a mismatch; other failures stay failed', () => {
    const mismatch = run("cannot import name 'BWG_integers' from 'fluids.piping' (/libs/fluids/source/fluids/piping.py)");
    const own = run("cannot import name 'nope' from 'ht.core' (/repo/ht/core.py)");
    const blocks = [
      { examples: [{ run: mismatch }], validation: mismatch },
      { examples: [{ run: own }], validation: own },
    ] as unknown as Parameters<typeof markProviderMismatches>[0];
    assert.equal(markProviderMismatches(blocks, ['/libs/fluids/source']), 1);
    assert.equal(mismatch.status, 'skipped');
    assert.equal((mismatch as { missingModule?: string }).missingModule, 'fluids.piping');
    assert.match(mismatch.message, /version mismatch.*BWG_integers/);
    assert.equal(own.status, 'failed');
  });
});
