import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { alternativeDistributions, distributionForImport, installNameFor, normaliseDistName } from '../../src/python/distributions.js';
import { isStdlibModule, STDLIB_FALLBACK, stdlibSet } from '../../src/python/stdlib.js';

describe('python/distributions', () => {
  test('the install name and the requirement come from one table and agree once normalised', () => {
    for (const mod of ['PIL', 'yaml', 'sklearn.svm', 'cv2', 'git', 'google.cloud.storage', 'ruamel.yaml', 'numpy', 'psycopg2', 'openbabel']) {
      assert.equal(distributionForImport(mod), normaliseDistName(installNameFor(mod)), mod);
    }
  });
  test('install names are spelt as PyPI spells them; unknown imports stay as written', () => {
    assert.equal(installNameFor('PIL.Image'), 'Pillow');
    assert.equal(installNameFor('google.cloud.storage'), 'google-cloud-storage');
    assert.equal(installNameFor('pywt'), 'PyWavelets');
    assert.equal(installNameFor('some_pkg.sub'), 'some_pkg');
  });
  test('imports commonly seen in scientific code map to the distribution that provides them', () => {
    const cases: Array<[string, string]> = [
      ['past.builtins', 'future'],
      ['skimage.filters', 'scikit-image'],
      ['sklearn', 'scikit-learn'],
      ['cv2', 'opencv-python'],
      ['yaml', 'PyYAML'],
      ['Bio.Seq', 'biopython'],
      ['mpl_toolkits.mplot3d', 'matplotlib'],
      ['mpl_toolkits.basemap', 'basemap'],
      ['pkg_resources', 'setuptools'],
      ['google.protobuf.message', 'protobuf'],
      ['OpenGL.GL', 'PyOpenGL'],
      ['serial.tools', 'pyserial'],
      ['pyximport', 'Cython'],
      ['absl.flags', 'absl-py'],
      ['Cryptodome.Cipher', 'pycryptodomex'],
      ['dns.resolver', 'dnspython'],
    ];
    for (const [mod, want] of cases) assert.equal(installNameFor(mod), want, mod);
  });
  test('alternatives for imports several distributions provide', () => {
    assert.deepEqual(alternativeDistributions('psycopg2'), ['psycopg2', 'psycopg2-binary']);
    assert.deepEqual(alternativeDistributions('numpy'), []);
    assert.deepEqual(alternativeDistributions('constructor'), []);
  });
});

describe('python/stdlib', () => {
  test("an interpreter's full report is used; a report without the stdlib list falls back", () => {
    const reported = stdlibSet(['os', 'json', 'sys', 'tomllib']);
    assert.ok(isStdlibModule('tomllib.x', reported));
    assert.ok(!isStdlibModule('asyncio', reported));
    // Python 3.9 reports only sys.builtin_module_names.
    assert.equal(stdlibSet(['sys', 'builtins', '_io']), STDLIB_FALLBACK);
    assert.equal(stdlibSet(null), STDLIB_FALLBACK);
  });
});
