import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { requirementsForImports } from '../../src/distill/requirements.js';
import { parseRequirement, readDeclaredDependencies, type DeclaredDependency } from '../../src/ingest/declared.js';
import { distributionForImport, normaliseDistName } from '../../src/python/distributions.js';
import { isStdlibModule } from '../../src/python/stdlib.js';
import { writeTree } from '../helpers/tmp.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'cd-deps-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const repo = (files: Record<string, string>): string => writeTree(files, path.join(tmp, `r${n++}`));
const brief = (ds: DeclaredDependency[]) => ds.map((d) => `${d.ecosystem}:${d.name}|${d.spec}|${d.group ?? ''}`);

describe('parseRequirement', () => {
  test('names are PEP 503-normalised; extras, versions and markers kept as spec', () => {
    assert.deepEqual(parseRequirement('Scikit_Learn[alldeps] >= 1.0 ; python_version < "3.12"'), {
      name: 'scikit-learn',
      spec: '[alldeps] >= 1.0 ; python_version < "3.12"',
    });
    assert.deepEqual(parseRequirement('zope.interface'), { name: 'zope-interface', spec: '' });
    assert.deepEqual(parseRequirement('pkg @ https://example.org/pkg.whl'), { name: 'pkg', spec: '@ https://example.org/pkg.whl' });
    assert.deepEqual(parseRequirement('numpy==1.26.4 --hash=sha256:abc  # pinned'), { name: 'numpy', spec: '==1.26.4' });
  });
  test('options, URLs, paths and comments are not requirements', () => {
    for (const line of ['-r base.txt', '-e .', '--index-url https://x', '# c', '', 'git+https://github.com/o/n.git#egg=n', './local', 'not a requirement']) {
      assert.equal(parseRequirement(line), null, line);
    }
  });
});

describe('readDeclaredDependencies', () => {
  test('requirements*.txt with continuation lines, includes and a requirements/ folder', async () => {
    const dir = repo({
      'requirements.txt': '# runtime\n-r requirements-dev.txt\nnumpy>=1.20\nscipy \\\n  >=1.8\nPyYAML; sys_platform != "win32"\n-e git+https://x/y.git#egg=y\n',
      'requirements-dev.txt': 'pytest\n',
      'requirements/docs.txt': 'sphinx\n',
    });
    assert.deepEqual(brief(await readDeclaredDependencies(dir)), [
      'pypi:numpy|>=1.20|',
      'pypi:scipy|>=1.8|',
      'pypi:pyyaml|; sys_platform != "win32"|',
      'pypi:pytest||dev',
      'pypi:sphinx||docs',
    ]);
  });

  test('pyproject: PEP 621 with extras, PEP 735 groups, Poetry (python skipped)', async () => {
    const dir = repo({
      'pyproject.toml': `[build-system]
requires = ["setuptools>=61"]

[project]
name = "flowcalc"
dependencies = [
    "numpy>=1.22",  # arrays
    "Pandas",
]
[project.optional-dependencies]
plot = ["matplotlib>=3.5"]

[dependency-groups]
test = ["pytest>=7"]

[tool.poetry.dependencies]
python = "^3.9"
torch = { version = "^2.1", optional = true }
click = "*"

[tool.poetry.group.lint.dependencies]
ruff = "^0.4"
`,
    });
    assert.deepEqual(brief(await readDeclaredDependencies(dir)), [
      'pypi:numpy|>=1.22|',
      'pypi:pandas||',
      'pypi:matplotlib|>=3.5|plot',
      'pypi:pytest|>=7|test',
      'pypi:torch|^2.1|',
      'pypi:click||',
      'pypi:ruff|^0.4|lint',
    ]);
  });

  test('setup.cfg install_requires over several lines, extras_require', async () => {
    const dir = repo({
      'setup.cfg': '[metadata]\nname = x\n\n[options]\npackages = find:\ninstall_requires =\n    numpy>=1.2\n    # a comment\n    scipy; python_version>"3.8"\n\n[options.extras_require]\ntest =\n    pytest\n',
    });
    assert.deepEqual(brief(await readDeclaredDependencies(dir)), ['pypi:numpy|>=1.2|', 'pypi:scipy|; python_version>"3.8"|', 'pypi:pytest||test']);
  });

  test('setup.cfg on one line, separated by ";"', async () => {
    const dir = repo({ 'setup.cfg': '[options]\ninstall_requires = numpy; scipy>=1; python_version < "3.10"\n' });
    assert.deepEqual(brief(await readDeclaredDependencies(dir)), ['pypi:numpy||', 'pypi:scipy|>=1; python_version < "3.10"|']);
  });

  test('setup.py is parsed as text and never executed', async () => {
    const dir = repo({
      'setup.py': `import os
open("EXECUTED", "w").write("x")
REQUIRES = [
    "numpy>=1.20",  # "quoted" comment, not a requirement: "bogus"
    'h5py',
]
setup(
    name="x",
    install_requires=REQUIRES,
    extras_require={"viz": ["matplotlib"], 'all': ["matplotlib", "numba>=0.5"]},
)
`,
    });
    assert.deepEqual(brief(await readDeclaredDependencies(dir)), [
      'pypi:numpy|>=1.20|',
      'pypi:h5py||',
      'pypi:matplotlib||viz',
      'pypi:matplotlib||all',
      'pypi:numba|>=0.5|all',
    ]);
    assert.equal(existsSync(path.join(dir, 'EXECUTED')), false);
  });

  test('environment.yml: conda specs with channels, and a pip: section', async () => {
    const dir = repo({
      'environment.yml': 'name: x\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n  - conda-forge::numpy=1.26\n  - scikit-learn >=1.3\n  - pip\n  - pip:\n    - requests>=2.31\n    - -e .\n',
    });
    assert.deepEqual(brief(await readDeclaredDependencies(dir)), ['conda:numpy|=1.26|', 'conda:scikit-learn|>=1.3|', 'pypi:requests|>=2.31|pip']);
  });

  test('R DESCRIPTION Depends and Imports (R itself skipped, case kept)', async () => {
    const dir = repo({ DESCRIPTION: 'Package: foo\nDepends: R (>= 3.5.0),\n    methods\nImports:\n    ggplot2 (>= 3.0.0),\n    Rcpp\nSuggests: testthat\n' });
    assert.deepEqual(brief(await readDeclaredDependencies(dir)), ['cran:methods||Depends', 'cran:ggplot2|(>= 3.0.0)|Imports', 'cran:Rcpp||Imports']);
  });

  test('a repository without metadata', async () => {
    assert.deepEqual(await readDeclaredDependencies(repo({ 'main.py': 'print(1)' })), []);
  });
});

describe('imports to distributions', () => {
  test('known renames and identity', () => {
    const cases: Array<[string, string]> = [
      ['sklearn', 'scikit-learn'],
      ['cv2', 'opencv-python'],
      ['PIL', 'pillow'],
      ['yaml', 'pyyaml'],
      ['skimage', 'scikit-image'],
      ['Bio', 'biopython'],
      ['bs4', 'beautifulsoup4'],
      ['attr', 'attrs'],
      ['dateutil', 'python-dateutil'],
      ['mpl_toolkits', 'matplotlib'],
      ['mpl_toolkits.mplot3d', 'matplotlib'],
      ['google.cloud.storage', 'google-cloud-storage'],
      ['numpy', 'numpy'],
      ['ruamel_yaml_clib', 'ruamel-yaml-clib'],
    ];
    for (const [mod, dist] of cases) assert.equal(distributionForImport(mod), dist, mod);
  });

  test('stdlib of Python 3.11', () => {
    for (const m of ['os', 'sys', 'json', 'tomllib', 'asyncio', 'os.path', 'concurrent.futures', '__future__', 'zoneinfo']) assert.ok(isStdlibModule(m), m);
    for (const m of ['numpy', 'yaml', 'six', 'attr', 'typing_extensions']) assert.ok(!isStdlibModule(m), m);
  });

  test('requirementsForImports drops stdlib and own packages and prefers the declared spelling', () => {
    const declared: DeclaredDependency[] = [
      { name: 'opencv-python-headless', spec: '', source: 'requirements.txt', ecosystem: 'pypi', group: null },
      { name: 'python-dotenv', spec: '', source: 'requirements.txt', ecosystem: 'pypi', group: null },
      { name: 'pytorch', spec: '', source: 'environment.yml', ecosystem: 'conda', group: null },
    ];
    assert.deepEqual(requirementsForImports(['os', 'numpy', 'cv2', 'sklearn', 'flowcalc', 'flowcalc.io', 'dotenv', 'torch', '.relative'], declared, ['flowcalc']), [
      'numpy',
      'opencv-python-headless',
      'python-dotenv',
      'scikit-learn',
      // conda's "pytorch" is not what pip installs.
      'torch',
    ]);
  });

  test('normaliseDistName', () => {
    assert.equal(normaliseDistName('Foo.Bar__baz'), 'foo-bar-baz');
  });
});
