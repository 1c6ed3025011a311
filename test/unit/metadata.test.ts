import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readDcf, readIni, readToml, readYaml } from '../../src/ingest/metadata.js';

describe('small readers', () => {
  test('TOML: multi-line arrays, comments, inline tables, dotted keys, strings', () => {
    const doc = readToml(`
# comment
title = "a \\"quoted\\" word" # trailing
[project]
name = 'lit\\eral'
dependencies = [
  "numpy>=1.20",  # why
  'scipy',
  """multi""",
]
urls.homepage = "https://x"
[tool.poetry.dependencies]
python = "^3.9"
torch = { version = "^2.0", optional = true }
this line is nonsense
[[tool.x]]
a = 1
[[tool.x]]
a = 2.5
`);
    assert.equal(doc.title, 'a "quoted" word');
    const project = doc.project as Record<string, unknown>;
    assert.equal(project.name, 'lit\\eral');
    assert.deepEqual(project.dependencies, ['numpy>=1.20', 'scipy', 'multi']);
    assert.deepEqual(project.urls, { homepage: 'https://x' });
    const tool = doc.tool as Record<string, Record<string, unknown>>;
    assert.deepEqual((tool.poetry!.dependencies as Record<string, unknown>).torch, { version: '^2.0', optional: true });
    assert.deepEqual(tool.x, [{ a: 1 }, { a: 2.5 }]);
  });
  test('YAML: sequences at the parent indent, block scalars, nested mappings', () => {
    const doc = readYaml(`name: env
channels:
- conda-forge
dependencies:
- python=3.11
- numpy  # comment
- pip:
  - requests>=2
description: |
  line one
  line two
after: "x # not a comment"
`);
    assert.deepEqual(doc, {
      name: 'env',
      channels: ['conda-forge'],
      dependencies: ['python=3.11', 'numpy', { pip: ['requests>=2'] }],
      // YAML's default (clip) chomping keeps the final line break; the hand-written reader dropped it.
      description: 'line one\nline two\n',
      after: 'x # not a comment',
    });
  });
});

describe('metadata readers', () => {
  test('TOML: a broken line inside an array costs that line only', () => {
    const doc = readToml('[project]\ndependencies = [\n  "numpy",\n  oops,\n  "scipy",\n]\nname = "x"\n');
    const project = doc.project as Record<string, unknown>;
    assert.deepEqual(project.dependencies, ['numpy', 'scipy']);
    assert.equal(project.name, 'x');
  });
  test('TOML: an array never closed costs its own lines, not the file', () => {
    assert.deepEqual(readToml('[project]\nname = "x"\ndependencies = [\n  "numpy",\n'), { project: { name: 'x' } });
  });
  test('TOML: nothing readable gives an empty table', () => {
    assert.deepEqual(readToml('= = =\n[[[\n'), {});
  });
  test('YAML: a document with an error still gives what could be read; no document gives null', () => {
    const doc = readYaml('title: tool\nauthors:\n  - name: A\nversion: [1, 2\n') as Record<string, unknown>;
    assert.equal(doc.title, 'tool');
    assert.equal(readYaml('# only a comment\n'), null);
  });
  test('INI: setuptools continuation lines, comments inside a value, normalised keys', () => {
    assert.deepEqual(readIni('[options]\nInstall-Requires =\n    numpy\n    # why\n    scipy\npython_requires = >=3.9\n'), {
      options: { install_requires: 'numpy\nscipy', python_requires: '>=3.9' },
    });
  });
  test('DCF: continuation lines joined; a blank line ends a field', () => {
    assert.deepEqual(readDcf('Package: foo\nImports:\n    ggplot2,\n    Rcpp\n\n  stray\nLicense: MIT\n'), {
      Package: 'foo',
      Imports: ' ggplot2, Rcpp',
      License: 'MIT',
    });
  });
});
