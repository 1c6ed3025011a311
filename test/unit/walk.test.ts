import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isCodedistillError } from '../../src/kernel/errors.js';
import { roleOf, walkRepo } from '../../src/ingest/walk.js';
import type { WalkResult } from '../../src/ingest/types.js';
import { languageOfPath } from '../../src/parse/languages.js';

const tmpDirs: string[] = [];

async function makeRepo(files: Record<string, string | Buffer>): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'codedistill-walk-'));
  tmpDirs.push(root);
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(root, rel);
    await mkdir(path.dirname(abs), { recursive: true });
    await writeFile(abs, content);
  }
  return root;
}

function walk(root: string, maxFileBytes = 10_000, signal?: AbortSignal): Promise<WalkResult> {
  return walkRepo(root, { maxFileBytes, signal, languageOf: languageOfPath });
}

after(async () => {
  for (const d of tmpDirs) await rm(d, { recursive: true, force: true });
});

describe('walkRepo', () => {
  let result: WalkResult;
  let root: string;

  before(async () => {
    root = await makeRepo({
      'src/flowkit/__init__.py': '',
      'src/flowkit/beds.py': 'def f():\n    pass\n',
      'src/flowkit/build/__init__.py': '',
      'tests/test_beds.py': 'def test_f(): pass\n',
      'tests/helpers.py': '',
      'tests/data/ref.csv': 'a,b\n1,2\n',
      'conftest.py': '',
      'examples/demo.py': 'print(1)\n',
      'notebooks/tour.ipynb': '{"cells": []}',
      'docs/index.rst': 'Title\n=====\n',
      'docs/conf.py': 'project = "x"\n',
      'README.md': '# flowkit\n',
      'pyproject.toml': '[project]\nname = "flowkit"\n',
      'requirements-dev.txt': 'pytest\n',
      'LICENSE': 'MIT\n',
      'CITATION.cff': 'cff-version: 1.2.0\n',
      'data/params.json': '{}',
      'data/notes.txt': 'n\n',
      'Makefile': 'all:\n',
      'R/utils.R': 'f <- function() 1\n',
      'tests/testthat/test-utils.R': 'test_that("x", {})\n',
      'DESCRIPTION': 'Package: x\n',
      'NAMESPACE': 'export(f)\n',
      'ext/kernel.c': 'int x;\n',
      // Left out: tool and environment folders.
      '.git/config': '[core]\n',
      'node_modules/x/index.js': '',
      'src/flowkit/__pycache__/beds.cpython-311.pyc': Buffer.from([0, 1, 2]),
      '.venv/lib/site.py': '',
      'myenv/pyvenv.cfg': 'home = /usr\n',
      'myenv/lib/python3.11/site-packages/six.py': '',
      'env/bin/activate': '',
      'env/lib/x.py': '',
      'build/lib/flowkit/beds.py': '',
      'dist/flowkit.tar.gz': Buffer.from([1]),
      'flowkit.egg-info/PKG-INFO': '',
      '.tox/py311/x.py': '',
      // Left out with a reason.
      'assets/logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47]),
      'weights.npy': Buffer.from([0x93, 0x4e]),
      'sneaky.txt': Buffer.from('text then\0a NUL'),
      'src/flowkit/huge.py': `x = "${'a'.repeat(20_000)}"\n`,
    });
    // A package folder named "env" (no virtualenv markers) is code and must be kept.
    await mkdir(path.join(root, 'src/flowkit/env'), { recursive: true });
    await writeFile(path.join(root, 'src/flowkit/env/__init__.py'), '');
    await symlink(path.join(root, 'src/flowkit/beds.py'), path.join(root, 'linked.py'));
    await symlink(path.join(root, 'src'), path.join(root, 'linked_dir'));
    result = await walk(root);
  });

  test('skips tool, cache, environment and build folders entirely', () => {
    const paths = result.files.map((f) => f.path);
    for (const prefix of ['.git/', 'node_modules/', '.venv/', 'myenv/', 'env/', 'build/', 'dist/', 'flowkit.egg-info/', '.tox/', 'linked_dir/']) {
      assert.ok(!paths.some((p) => p.startsWith(prefix)), `${prefix} was walked`);
    }
    assert.ok(!paths.some((p) => p.includes('__pycache__')), '__pycache__ was walked');
    // Skipped folders are not listed one file at a time.
    assert.ok(!result.skipped.some((s) => s.path.startsWith('.git/') || s.path.startsWith('myenv/')));
  });

  test('keeps packages that merely share a name with a skipped folder', () => {
    const paths = result.files.map((f) => f.path);
    assert.ok(paths.includes('src/flowkit/env/__init__.py'));
    assert.ok(paths.includes('src/flowkit/build/__init__.py'));
  });

  test('skips binary, oversized and symlinked files with a reason', () => {
    const reasons = new Map(result.skipped.map((s) => [s.path, s.reason]));
    assert.equal(reasons.get('assets/logo.png'), 'binary (.png)');
    assert.equal(reasons.get('weights.npy'), 'binary (.npy)');
    assert.equal(reasons.get('sneaky.txt'), 'binary (NUL byte in the first 8 KiB)');
    assert.equal(reasons.get('src/flowkit/huge.py'), 'too large: 20007 bytes > 10000');
    assert.equal(reasons.get('linked.py'), 'symlink (not followed)');
    assert.equal(reasons.has('linked_dir'), false);
    assert.ok(!result.files.some((f) => reasons.has(f.path)));
  });

  test('binary and oversized files are withheld from parsing with role and size; symlinks and ignored files are not', () => {
    const withheld = Object.fromEntries(result.withheld.map((f) => [f.path, [f.role, f.size, f.language]]));
    assert.deepEqual(withheld, {
      'assets/logo.png': ['other', 4, null],
      'sneaky.txt': ['docs', 15, null],
      'src/flowkit/huge.py': ['library', 20_007, 'python'],
      'weights.npy': ['other', 2, null],
    });
    assert.equal(result.withheld.find((f) => f.path === 'weights.npy')?.absPath, path.join(root, 'weights.npy'));
    // They stay in skipped, as before.
    for (const p of Object.keys(withheld)) assert.ok(result.skipped.some((s) => s.path === p), p);
  });

  test('classifies each kept file with a reason', () => {
    const roles = Object.fromEntries(result.files.map((f) => [f.path, [f.role, f.roleReason]]));
    assert.deepEqual(roles['src/flowkit/beds.py'], ['library', 'python source']);
    assert.deepEqual(roles['tests/test_beds.py'], ['test', 'name test_*.py']);
    assert.deepEqual(roles['tests/helpers.py'], ['test', 'under tests/']);
    assert.deepEqual(roles['conftest.py'], ['test', 'name conftest.py']);
    assert.deepEqual(roles['tests/data/ref.csv'], ['data', 'under data/']);
    assert.deepEqual(roles['examples/demo.py'], ['example', 'under examples/']);
    assert.deepEqual(roles['notebooks/tour.ipynb'], ['notebook', 'notebook (.ipynb)']);
    assert.deepEqual(roles['docs/index.rst'], ['docs', 'under docs/']);
    assert.deepEqual(roles['docs/conf.py'], ['docs', 'under docs/']);
    assert.deepEqual(roles['README.md'], ['docs', 'readme']);
    assert.deepEqual(roles['pyproject.toml'], ['config', 'config file pyproject.toml']);
    assert.deepEqual(roles['requirements-dev.txt'], ['config', 'name requirements*.txt']);
    assert.deepEqual(roles['LICENSE'], ['config', 'licence file']);
    assert.deepEqual(roles['CITATION.cff'], ['config', 'config file CITATION.cff']);
    assert.deepEqual(roles['DESCRIPTION'], ['config', 'config file DESCRIPTION']);
    assert.deepEqual(roles['NAMESPACE'], ['config', 'config file NAMESPACE']);
    assert.deepEqual(roles['data/params.json'], ['data', 'under data/']);
    assert.deepEqual(roles['data/notes.txt'], ['data', 'under data/']);
    assert.deepEqual(roles['Makefile'], ['build', 'build file Makefile']);
    assert.deepEqual(roles['R/utils.R'], ['library', 'R source under R/']);
    assert.deepEqual(roles['tests/testthat/test-utils.R'], ['test', 'name test-*.R']);
    assert.equal(roles['ext/kernel.c']?.[0], 'other');
  });

  test('records language, size and absolute path, sorted by path', () => {
    const beds = result.files.find((f) => f.path === 'src/flowkit/beds.py')!;
    assert.equal(beds.language, 'python');
    assert.equal(beds.size, 'def f():\n    pass\n'.length);
    assert.equal(beds.absPath, path.join(root, 'src/flowkit/beds.py'));
    assert.equal(result.files.find((f) => f.path === 'R/utils.R')?.language, 'r');
    assert.equal(result.files.find((f) => f.path === 'README.md')?.language, null);
    const paths = result.files.map((f) => f.path);
    assert.deepEqual(paths, [...paths].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  test('detects a src layout (with a top-level conftest.py, which is not a package)', () => {
    assert.deepEqual(result.importRoots, ['src']);
  });
});

describe('walkRepo: import roots', () => {
  test('flat layout', async () => {
    const root = await makeRepo({ 'pkg/__init__.py': '', 'pkg/core.py': '', 'setup.py': '' });
    assert.deepEqual((await walk(root)).importRoots, ['']);
  });

  test('both src and flat packages', async () => {
    const root = await makeRepo({ 'src/a/__init__.py': '', 'b/__init__.py': '' });
    assert.deepEqual((await walk(root)).importRoots, ['src', '']);
  });

  test('a script beside src/ is the repository\'s, not its package; in a flat layout a root module stays library', async () => {
    const src = await walk(await makeRepo({ 'src/a/__init__.py': '', 'src/a/core.py': '', 'build_package.py': 'def f():\n    pass\n' }));
    const script = src.files.find((f) => f.path === 'build_package.py')!;
    assert.equal(script.role, 'other');
    assert.match(script.roleReason, /outside the package folders \(src\/\)/);
    assert.equal(src.files.find((f) => f.path === 'src/a/core.py')!.role, 'library');
    const flat = await walk(await makeRepo({ 'a/__init__.py': '', 'tool.py': 'def f():\n    pass\n', 'tools/apigen.py': 'def g():\n    pass\n' }));
    assert.equal(flat.files.find((f) => f.path === 'tool.py')!.role, 'library');
    assert.equal(flat.files.find((f) => f.path === 'tools/apigen.py')!.role, 'other');
    // Without any package, folders of modules are all the repository has.
    const loose = await walk(await makeRepo({ 'tools/apigen.py': 'def g():\n    pass\n' }));
    assert.equal(loose.files.find((f) => f.path === 'tools/apigen.py')!.role, 'library');
  });

  test('a notebook may be larger than the file limit (its saved outputs), up to a bound', async () => {
    const nb = (n: number) => JSON.stringify({ cells: [{ cell_type: 'code', source: 'x = 1', outputs: [{ data: { 'image/png': 'A'.repeat(n) } }] }] });
    const r = await walk(await makeRepo({ 'a/__init__.py': '', 'docs/big.ipynb': nb(30_000), 'docs/huge.ipynb': nb(200_000) }));
    assert.ok(r.files.some((f) => f.path === 'docs/big.ipynb'));
    assert.match(r.skipped.find((s) => s.path === 'docs/huge.ipynb')?.reason ?? '', /too large: \d+ bytes > 160000/);
  });

  test('no Python at all falls back to the flat root', async () => {
    const root = await makeRepo({ 'R/x.R': 'f <- function() 1\n', DESCRIPTION: 'Package: x\n' });
    assert.deepEqual((await walk(root)).importRoots, ['']);
  });
});

describe('walkRepo: cancellation and edge cases', () => {
  test('.gitignore files are honoured: ignored files and folders are skipped with the rule that matched', async () => {
    const root = await makeRepo({
      '.gitignore': '# outputs\n*.log\n!keep.log\nresults/\n/scratch.py\n',
      'pkg/__init__.py': '',
      'pkg/core.py': 'x = 1\n',
      'pkg/run.log': 'log\n',
      'pkg/keep.log': 'kept\n',
      'pkg/scratch.py': 'anchored to the root, so kept\n',
      'scratch.py': 'ignored\n',
      'results/out.csv': 'a\n1\n',
      'pkg/sub/.gitignore': 'local_*.py\n!run.log\n',
      'pkg/sub/local_conf.py': '',
      'pkg/sub/run.log': 'taken back in by the deeper file\n',
      'pkg/sub/mod.py': '',
    });
    const r = await walk(root);
    const paths = r.files.map((f) => f.path);
    for (const p of ['pkg/core.py', 'pkg/keep.log', 'pkg/scratch.py', 'pkg/sub/run.log', 'pkg/sub/mod.py', '.gitignore', 'pkg/sub/.gitignore']) {
      assert.ok(paths.includes(p), `${p} was left out`);
    }
    const reasons = Object.fromEntries(r.skipped.map((s) => [s.path, s.reason]));
    assert.deepEqual(reasons, {
      'pkg/run.log': 'ignored by .gitignore (*.log)',
      'pkg/sub/local_conf.py': 'ignored by pkg/sub/.gitignore (local_*.py)',
      'results/': 'ignored by .gitignore (results/)',
      'scratch.py': 'ignored by .gitignore (/scratch.py)',
    });
    assert.ok(!paths.some((p) => p.startsWith('results/')));
  });

  test('a module git ignores inside a package is still read: build steps generate version files the package imports', async () => {
    const root = await makeRepo({
      '.gitignore': 'pkg/_version.py\n*.py[cod]\nnotes.py\n',
      'pkg/__init__.py': 'from ._version import version\n',
      'pkg/_version.py': "version = '1.0'\n",
      'notes.py': 'ignored: not inside a package\n',
    });
    const r = await walk(root);
    const paths = r.files.map((f) => f.path);
    assert.ok(paths.includes('pkg/_version.py'));
    assert.deepEqual(r.skipped.map((s) => s.path), ['notes.py']);
  });

  test('a file git tracks is read whatever a .gitignore says, as git reads it; a fresh checkout tracks everything', async () => {
    const root = await makeRepo({
      '.gitignore': '_*\n*.log\n',
      'docs/_static/theme.css': 'body {}\n',
      'docs/_build/index.html': '<html></html>\n',
      'run.log': 'untracked\n',
      'kept.log': 'force-added\n',
    });
    const tracked = new Set(['.gitignore', 'docs/_static/theme.css', 'kept.log']);
    const r = await walkRepo(root, { maxFileBytes: 10_000, languageOf: () => null, tracked });
    const paths = r.files.map((f) => f.path);
    assert.ok(paths.includes('docs/_static/theme.css'));
    assert.ok(paths.includes('kept.log'));
    assert.deepEqual(r.skipped.map((s) => s.path).sort(), ['docs/_build/', 'run.log']);
    const all = await walkRepo(root, { maxFileBytes: 10_000, languageOf: () => null, tracked: 'all' });
    assert.deepEqual(all.skipped, []);
  });

  test('an aborted signal stops the walk with a cancelled error', async () => {
    const root = await makeRepo({ 'a.py': '' });
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(walk(root, 10_000, ac.signal), (e: unknown) => isCodedistillError(e) && e.code === 'cancelled');
  });

  test('an empty repository', async () => {
    const root = await makeRepo({});
    const r = await walk(root);
    assert.deepEqual({ files: r.files, skipped: r.skipped, withheld: r.withheld, importRoots: r.importRoots }, { files: [], skipped: [], withheld: [], importRoots: [''] });
    assert.equal(r.metadata.setupPy, null);
  });

  test('a missing root is an error, not an empty result', async () => {
    await assert.rejects(
      walk(path.join(os.tmpdir(), 'codedistill-does-not-exist-9f3a')),
      (e: unknown) => isCodedistillError(e) && e.code === 'source_not_found',
    );
  });
});

describe('roleOf', () => {
  test('role rules that depend on the language', () => {
    assert.deepEqual(roleOf('scripts/run.py', 'python'), { role: 'example', reason: 'under scripts/' });
    assert.deepEqual(roleOf('scripts/run.sh', null), { role: 'other', reason: 'source in a language not parsed (.sh)' });
    assert.deepEqual(roleOf('pkg/solver_test.py', 'python'), { role: 'test', reason: 'name *_test.py' });
    assert.deepEqual(roleOf('analysis/fit.R', 'r'), { role: 'library', reason: 'r source' });
    assert.deepEqual(roleOf('results/table.csv', null), { role: 'data', reason: 'data file (.csv)' });
    assert.deepEqual(roleOf('CHANGELOG.md', null), { role: 'docs', reason: 'documentation (.md)' });
    assert.deepEqual(roleOf('environment-gpu.yml', null), { role: 'config', reason: 'name environment*.yml' });
    assert.deepEqual(roleOf('.github/workflows/ci.yml', null), { role: 'build', reason: 'under .github/' });
  });
});
