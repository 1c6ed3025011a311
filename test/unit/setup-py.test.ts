import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assignedBracket, dictOfLists, licenceClassifiers, licenceKeyword, readSetupPy, stringsIn } from '../../src/ingest/setup-py.js';
import { stringLiterals } from '../../src/python/syntax.js';

describe('setup.py through the Python mask', () => {
  const sp = readSetupPy(`# install_requires = ["commented"]
NOTE = "install_requires=['in a string']"
REQS = [
    "numpy>=1.20",  # "quoted" comment ] not a bracket
    r'h5py\\d', "a\\"b",
    f"{x}", b"bytes",
]
setup(
    license = 'MIT',  # license="GPL"
    install_requires=REQS,
    classifiers=["License :: OSI Approved :: MIT License", """License :: Other"""],
    extras_require={"viz": ["mpl"], 'all': ("mpl", "numba ]"), "x": {"no": ["dict"]}},
)
`);

  test('keyword and variable literals are found on the mask, their strings taken from the text', () => {
    const install = assignedBracket(sp, 'install_requires');
    assert.ok(install);
    assert.deepEqual(stringsIn(sp, install), ['numpy>=1.20', 'h5py\\d', 'a"b']);
  });

  test('extras_require: each key with its list', () => {
    const extras = assignedBracket(sp, 'extras_require');
    assert.ok(extras);
    assert.deepEqual(dictOfLists(sp, extras), [
      { key: 'viz', values: ['mpl'] },
      { key: 'all', values: ['mpl', 'numba ]'] },
      { key: 'no', values: ['dict'] },
    ]);
  });

  test('license= and the licence classifiers, never from comments', () => {
    assert.equal(licenceKeyword(sp), 'MIT');
    assert.deepEqual(licenceClassifiers(sp), ['License :: OSI Approved :: MIT License', 'License :: Other']);
    assert.equal(licenceKeyword(readSetupPy('# license="GPL"\nsetup(license=LICENCE)\n')), null);
  });
});

describe('stringLiterals', () => {
  test('prefixes, triple quotes, escapes and comments', () => {
    const code = `a = rb'x' + "y\\"z" # 'not'\nb = """p\n'q'""" + u'' + name'w'\n`;
    assert.deepEqual(
      stringLiterals(code).map((l) => [l.prefix, l.body, code.slice(l.start, l.end)]),
      [
        ['rb', 'x', "rb'x'"],
        ['', 'y\\"z', '"y\\"z"'],
        ['', "p\n'q'", `"""p\n'q'"""`],
        ['u', '', "u''"],
        ['', 'w', "'w'"],
      ],
    );
  });
  test('an unterminated single-quoted literal ends at its line', () => {
    const code = 'x = "abc\ny = "d"\n';
    assert.deepEqual(stringLiterals(code).map((l) => l.body), ['abc', 'd']);
  });
});
