import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { provenanceFor, symbolBlocks, workflowBlocks, type BlockContext } from '../../src/distill/blocks.js';
import type { ResolvedSource } from '../../src/ingest/types.js';
import type { ExtractedSymbol, ParsedFile } from '../../src/parse/types.js';
import type { SelectedSymbol } from '../../src/distill/select.js';
import { escapeRegExp } from '../../src/kernel/text.js';
import { libraryNameFor } from '../../src/library/name.js';
import { topLevelPackages } from '../../src/distill/packages.js';

const src: ResolvedSource = {
  kind: 'github', location: 'o/r', root: '/tmp/r', repo: 'o/r', ref: null, commit: 'a'.repeat(40),
  url: 'https://github.com/o/r', description: null, licenceHint: null, topics: [],
};

function sym(name: string, code: string, identifiers: string[]): ExtractedSymbol {
  return {
    kind: 'function', name, localName: name, parent: null, startLine: 3, endLine: 5, signature: `def ${name}():`,
    docstring: null, decorators: [], parameters: [], returns: null, code, calls: [], identifiers, bodyLines: 2,
  };
}

const file: ParsedFile = {
  path: 'pkg/core.py', language: 'python', module: 'pkg.core', moduleDocstring: null, allExports: null, errors: [],
  imports: [
    { text: 'import numpy as np', module: 'numpy', names: ['np'], line: 1 },
    { text: 'import os', module: 'os', names: ['os'], line: 1 },
    { text: 'from .util import helper', module: '.util', names: ['helper'], line: 2 },
    { text: 'import scipy', module: 'scipy', names: ['scipy'], line: 2 },
  ],
  symbols: [],
};

function selected(s: ExtractedSymbol): SelectedSymbol {
  return {
    file, symbol: s, kind: s.kind, name: s.name, parent: null, module: 'pkg.core', qualifiedName: `pkg.core.${s.name}`,
    publicImport: 'pkg', publicPath: `pkg.${s.name}`, exported: true, aliases: [`pkg.${s.name}`],
  };
}

const ctx: BlockContext = {
  library: 'r', source: src, licence: 'MIT', citation: null, declared: [], packages: ['pkg'], roles: new Map([['pkg/core.py', 'library']]),
};

describe('block assembly', () => {
  test('a symbol block keeps the imports it uses; its requirements leave out stdlib and own packages', () => {
    const f = sym('f', 'def f():\n    import pandas\n    return np.sum(os.sep, helper())\n', ['np', 'os', 'helper']);
    const [b] = symbolBlocks([selected(f)], new Map(), new Map([['pkg.core.f', 4.5]]), ctx);
    assert.deepEqual(b!.imports, ['import numpy as np', 'import os', 'from .util import helper']);
    assert.deepEqual(b!.requirements, ['numpy', 'pandas']);
    assert.equal(b!.module, 'pkg');
    assert.equal(b!.rank, 4.5);
    assert.deepEqual(b!.tags, ['library']);
    assert.equal(b!.provenance.url, `https://github.com/o/r/blob/${'a'.repeat(40)}/pkg/core.py#L3-L5`);
  });

  test('a qualified name met twice gets ~2, and workflows stay unique against the blocks', () => {
    const f = sym('f', 'def f():\n    pass\n', []);
    const blocks = symbolBlocks([selected(f), selected(f)], new Map(), new Map(), ctx);
    assert.deepEqual(blocks.map((b) => b.qualifiedName), ['pkg.core.f', 'pkg.core.f~2']);
    const wf = workflowBlocks(
      [
        { path: 'examples/run-it.py', code: 'import pkg\nimport matplotlib.pyplot as plt\npkg.f()\n', callsBlocks: ['pkg.core.f'], summary: null, source: 'script' },
        { path: 'examples/run_it.ipynb', code: 'import pkg\n', callsBlocks: [], summary: 'A notebook', source: 'notebook' },
      ],
      blocks,
      ctx,
    );
    assert.deepEqual(wf.map((b) => b.qualifiedName), ['workflow.examples_run_it', 'workflow.examples_run_it~2']);
    assert.deepEqual(wf[0]!.tags, ['workflow', 'f']);
    assert.deepEqual(wf[0]!.requirements, ['matplotlib']);
    assert.equal(wf[0]!.summary, 'Example workflow examples/run-it.py');
    assert.equal(wf[1]!.examples[0]!.source, 'notebook');
    assert.equal(wf[1]!.provenance.endLine, 2);
  });

  test('provenance has no link for a local source or a content-hashed commit', () => {
    assert.equal(provenanceFor({ ...src, kind: 'local' }, 'a.py', 1, 2).url, null);
    assert.equal(provenanceFor({ ...src, commit: 'sha256:abc' }, 'a.py', 1, 2).url, null);
  });
});

describe('library files and names', () => {
  test('own packages are the top-level Python modules of the parsed files', () => {
    assert.deepEqual(topLevelPackages([file, { ...file, module: 'other.x' }, { ...file, module: '' }, { ...file, language: 'r', module: 'rpkg' }]), ['other', 'pkg']);
  });

  test('a library is named after the repository, as a slug', () => {
    assert.equal(libraryNameFor('Owner/My Repo.git'), 'my-repo');
    assert.equal(libraryNameFor('o/__'), 'library');
  });

  test('escapeRegExp matches its text literally', () => {
    assert.ok(new RegExp(`^${escapeRegExp('a.b*(c)[d]')}$`).test('a.b*(c)[d]'));
    assert.ok(!new RegExp(escapeRegExp('a.b')).test('axb'));
  });
});
