import assert from 'node:assert/strict';
import { test } from 'node:test';
import { projectDoctestSetup } from '../../src/distill/examples/doctest-setup.js';
import type { RepoFile } from '../../src/ingest/types.js';

const file = (p: string): RepoFile => ({ path: p, absPath: `/r/${p}`, size: 1, role: 'docs', roleReason: '', language: 'python' });

test("a project's doctest setup comes from Sphinx's conf.py and conftest's doctest_namespace", async () => {
  const texts: Record<string, string> = {
    'doc/conf.py': 'project = "x"\ndoctest_global_setup = """\nimport numpy as np\nimport control as ct\n# a comment\nct.reset_defaults()\n"""\n',
    'conftest.py': 'import pytest\nimport pandas\n\n@pytest.fixture(autouse=True)\ndef add_np(doctest_namespace):\n    doctest_namespace["pd"] = pandas\n    doctest_namespace["unknown"] = nowhere\n',
    'src/conf.py': 'doctest_global_setup = "import os"\n',
  };
  const setup = await projectDoctestSetup(Object.keys(texts).map(file), async (p) => texts[p] ?? null);
  assert.deepEqual(setup?.lines, ['import numpy as np', 'import control as ct', 'ct.reset_defaults()', 'import pandas', 'pd = pandas']);
  assert.deepEqual([...(setup?.names ?? [])].sort(), ['ct', 'np', 'pandas', 'pd']);
});

test('no setup, no lines', async () => {
  assert.equal(await projectDoctestSetup([file('doc/conf.py')], async () => 'extensions = []\n'), null);
});

test('print options an autouse conftest fixture sets apply to every doctest', async () => {
  const texts: Record<string, string> = {
    'nitime/conftest.py':
      "import numpy as np\nimport pytest\n\n\n@pytest.fixture(scope='session', autouse=True)\ndef legacy_printoptions():\n    np.set_printoptions(legacy='1.21', precision=4)\n\n\n@pytest.fixture\ndef not_autouse():\n    np.set_printoptions(precision=1)\n",
  };
  const setup = await projectDoctestSetup(Object.keys(texts).map(file), async (p) => texts[p] ?? null);
  assert.deepEqual(setup?.always, ['import numpy as np', "np.set_printoptions(legacy='1.21', precision=4)"]);
  assert.deepEqual(setup?.lines, []);
});
