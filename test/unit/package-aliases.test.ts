import assert from 'node:assert/strict';
import { test } from 'node:test';
import { packageAliases } from '../../src/distill/examples/package-aliases.js';
import type { RepoFile } from '../../src/ingest/types.js';

const file = (p: string, role: RepoFile['role']): RepoFile => ({ path: p, absPath: `/r/${p}`, size: 10, role, roleReason: '', language: 'python' });

test("the aliases a repository writes for its own packages, the most written one winning", async () => {
  const texts: Record<string, string> = {
    'decay/data.py': '"""Data.\n\nThe examples assume ``import decay as dk`` has been run.\n"""\nimport numpy as np\n',
    'tests/test_a.py': 'import decay as dk\nimport decay.plots as dp\nfrom decay import plots as pl\n',
    'docs/guide.rst': '>>> import decay as dc\n>>> import decay as dk\n',
    'setup.py': 'import decay as nope\n',
  };
  const files = [file('decay/data.py', 'library'), file('tests/test_a.py', 'test'), file('docs/guide.rst', 'docs'), file('setup.py', 'build')];
  const aliases = await packageAliases(files, async (p) => texts[p] ?? null, ['decay']);
  assert.deepEqual(Object.fromEntries(aliases), {
    dk: 'import decay as dk',
    dp: 'import decay.plots as dp',
    dc: 'import decay as dc',
  });
});

test('aliases of other packages and files that cannot be read give nothing', async () => {
  const files = [file('tests/test_a.py', 'test'), file('tests/gone.py', 'test')];
  const texts: Record<string, string> = { 'tests/test_a.py': 'import numpy as np\nimport pandas as pd\n' };
  assert.equal((await packageAliases(files, async (p) => texts[p] ?? null, ['decay'])).size, 0);
});
