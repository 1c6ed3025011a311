import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { detectCitation } from '../../src/ingest/citation.js';
import { readDeclaredDependencies } from '../../src/ingest/declared.js';
import { detectLicence } from '../../src/ingest/licence.js';
import { METADATA_READ_LIMIT, readRepoMetadata } from '../../src/ingest/repo-metadata.js';
import { writeTree } from '../helpers/tmp.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'cd-repometa-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const repo = (files: Record<string, string>): string => writeTree(files, path.join(tmp, `r${n++}`));

const CFF = 'cff-version: 1.2.0\ntitle: Tool\nauthors:\n  - family-names: Lovelace\n    given-names: Ada\n';

describe('readRepoMetadata', () => {
  test('each metadata file parsed once, named by the file it came from', async () => {
    const dir = repo({
      'PyProject.toml': '[project]\nname = "x"\nlicense = "MIT"\n',
      'setup.cfg': '[metadata]\nlicense = MIT\n[options]\ninstall_requires =\n    numpy\n',
      'setup.py': 'setup(install_requires=["scipy"])\n',
      DESCRIPTION: 'Package: foo\nLicense: GPL-3\n',
      'CITATION.cff': CFF,
      'requirements-dev.txt': 'pytest\n',
      'requirements.txt': 'numpy\n',
      'requirements/docs.txt': 'sphinx\n',
      'environment.yml': 'dependencies:\n  - numpy\n',
    });
    const m = await readRepoMetadata(dir);
    assert.equal(m.pyproject?.file, 'PyProject.toml');
    assert.deepEqual(m.pyproject?.doc, { project: { name: 'x', license: 'MIT' } });
    assert.deepEqual(m.setupCfg?.sections, { metadata: { license: 'MIT' }, options: { install_requires: 'numpy' } });
    assert.equal(m.setupPy?.text, 'setup(install_requires=["scipy"])\n');
    assert.deepEqual(m.description, { file: 'DESCRIPTION', fields: { Package: 'foo', License: 'GPL-3' } });
    assert.equal((m.citationCff?.doc as { title: string }).title, 'Tool');
    assert.deepEqual(m.requirements.map((r) => r.file), ['requirements.txt', 'requirements-dev.txt', 'requirements/docs.txt']);
    assert.deepEqual(m.environments, [{ file: 'environment.yml', doc: { dependencies: ['numpy'] } }]);
  });

  test('with a file list, only the files in it are read', async () => {
    const dir = repo({ 'pyproject.toml': '[project]\nlicense = "MIT"\n', 'requirements/a.txt': 'numpy\n', 'requirements/b.txt': 'scipy\n', 'CITATION.cff': CFF });
    const m = await readRepoMetadata(dir, ['requirements/b.txt', 'src/x.py']);
    assert.equal(m.pyproject, null);
    assert.equal(m.citationCff, null);
    assert.deepEqual(m.requirements.map((r) => r.file), ['requirements/b.txt']);
  });

  test('a file over the limit is not read at all; a missing repository has no metadata', async () => {
    const dir = repo({ 'setup.py': `# ${'x'.repeat(METADATA_READ_LIMIT)}\nsetup(license="MIT")\n` });
    assert.equal((await readRepoMetadata(dir)).setupPy, null);
    const none = await readRepoMetadata(path.join(tmp, 'absent'));
    assert.deepEqual(none, { pyproject: null, setupCfg: null, setupPy: null, description: null, citationCff: null, requirements: [], environments: [] });
  });

  test('the three readers give the same answers from metadata read once', async () => {
    const dir = repo({ 'pyproject.toml': '[project]\nlicense = "BSD-3-Clause"\ndependencies = ["numpy>=1"]\n', 'CITATION.cff': CFF });
    const m = await readRepoMetadata(dir);
    // Metadata read before the files change is what is answered from.
    rmSync(path.join(dir, 'pyproject.toml'));
    rmSync(path.join(dir, 'CITATION.cff'));
    assert.deepEqual(await detectLicence(dir, undefined, m), { spdx: 'BSD-3-Clause', source: 'pyproject.toml' });
    assert.equal(await detectCitation(dir, m), 'Lovelace, A.. Tool.');
    assert.deepEqual((await readDeclaredDependencies(dir, m)).map((d) => `${d.name}${d.spec}`), ['numpy>=1']);
  });
});

test('requires-python from pyproject, else setup.cfg, else a literal in setup.py', async () => {
  const { requiresPythonOf } = await import('../../src/ingest/declared.js');
  const { readRepoMetadata } = await import('../../src/ingest/repo-metadata.js');
  const { writeTree } = await import('../helpers/tmp.js');
  const of = async (files: Record<string, string>) => requiresPythonOf(await readRepoMetadata(writeTree(files)));
  assert.equal(await of({ 'pyproject.toml': '[project]\nname = "p"\nrequires-python = ">=3.12"\n', 'setup.cfg': '[options]\npython_requires = >=3.8\n' }), '>=3.12');
  assert.equal(await of({ 'setup.cfg': '[options]\npython_requires = >=3.8\n' }), '>=3.8');
  assert.equal(await of({ 'setup.py': 'from setuptools import setup\nsetup(name="p", python_requires=">=3.9, <4")\n' }), '>=3.9, <4');
  assert.equal(await of({ 'setup.py': 'from setuptools import setup\nsetup(name="p")\n' }), null);
});
