/**
 * Mined examples run laid out in the repository, as the file they came from would: a test finds its data next
 * to its __file__ and the helper module beside it, a test that reads from the repository root finds it there
 * (pytest's rootdir), and a script finds files relative to its own folder. Real parser and sandboxed runner.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { distillRepo } from '../../src/jobs/distill.js';
import { loadLibrary } from '../../src/library/files.js';
import { silentLogger } from '../../src/kernel/log.js';
import { createParser } from '../../src/parse/parser.js';
import type { CodeParser } from '../../src/parse/types.js';
import { createPythonRunner } from '../../src/validate/runner.js';
import { tempDir, writeTree } from '../helpers/tmp.js';
import { runnerServices } from '../helpers/runner.js';

const FILES: Record<string, string> = {
  'spectra/__init__.py': [
    '"""Small spectra helpers."""',
    '',
    '',
    'def mean_of(values):',
    '    """Arithmetic mean of a sequence of numbers."""',
    '    return sum(values) / len(values)',
    '',
    '',
    'def peak_of(values):',
    '    """Largest value of a sequence of numbers."""',
    '    return max(values)',
    '',
  ].join('\n'),
  'tests/data/values.txt': '1\n2\n3\n',
  'tests/helpers.py': 'def load_values(p):\n    with open(p) as f:\n        return [float(line) for line in f if line.strip()]\n',
  'tests/test_spectra.py': [
    'import os',
    '',
    'from helpers import load_values',
    'from spectra import mean_of, peak_of',
    '',
    'HERE = os.path.dirname(os.path.abspath(__file__))',
    '',
    '',
    'def test_mean_of_file_beside_the_test():',
    "    values = load_values(os.path.join(HERE, 'data', 'values.txt'))",
    '    assert mean_of(values) == 2.0',
    '',
    '',
    'def test_peak_from_the_repository_root():',
    "    values = load_values('tests/data/values.txt')",
    '    assert peak_of(values) == 3.0',
    '',
  ].join('\n'),
  'examples/summarise.py': [
    'from spectra import mean_of, peak_of',
    '',
    "with open('../tests/data/values.txt') as f:",
    '    values = [float(x) for x in f.read().split()]',
    "print('mean', mean_of(values), 'peak', peak_of(values))",
    "with open('summary.txt', 'w') as out:",
    "    out.write('written in the scratch folder')",
    '',
  ].join('\n'),
};

describe('examples laid out in their repository', { timeout: 180_000 }, () => {
  let parser: CodeParser;
  const home = tempDir();
  const config = loadConfig({ ...process.env, CODEDISTILL_HOME: home });
  const runner = createPythonRunner(config, silentLogger, runnerServices);
  before(async () => {
    parser = await createParser();
  });

  it('resolve relative paths and helper modules as in a checkout, and write only to scratch', async (t) => {
    const info = await runner.info();
    if (!info.available) return t.skip(`no sandbox: ${info.reason}`);
    const repo = writeTree(FILES, path.join(tempDir(), 'spectra'));
    const report = await distillRepo(
      { source: repo, validate: true, force: false },
      { config, logger: silentLogger, parser, runner, llm: null, existingLibrary: async () => null, libraries: () => [], libraryParentDir: path.join(home, 'libraries') },
    );
    const lib = await loadLibrary(report.libraryPath, false);
    const byName = new Map(lib.blocks.map((b) => [b.name, b]));
    const status = (name: string) => {
      const b = byName.get(name);
      return `${b?.validation?.status}: ${b?.validation?.message} ${JSON.stringify(b?.examples.map((e) => [e.source, e.path, e.run?.stderr.slice(-300)]))}`;
    };
    for (const name of ['mean_of', 'peak_of']) {
      const b = byName.get(name);
      assert.ok(b?.examples.some((e) => e.source === 'test'), status(name));
      assert.equal(b?.validation?.status, 'passed', status(name));
    }
    const script = lib.blocks.find((b) => b.kind === 'workflow' && b.provenance.path === 'examples/summarise.py');
    assert.equal(script?.validation?.status, 'passed', JSON.stringify(script?.validation));
    assert.match(script?.validation?.stdout ?? '', /mean 2\.0 peak 3\.0/);
  });
});
