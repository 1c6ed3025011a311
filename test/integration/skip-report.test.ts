/**
 * A distill where every example is skipped for one missing module ends with warnings that say so and how to
 * install it, and the stored run records keep their skipReason. Real parser and sandboxed runner.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { distillRepo } from '../../src/jobs/distill.js';
import { loadLibrary } from '../../src/library/files.js';
import { silentLogger } from '../../src/kernel/log.js';
import { createParser } from '../../src/parse/parser.js';
import type { CodeParser } from '../../src/parse/types.js';
import { createPythonRunner } from '../../src/validate/runner.js';
import { tempDir } from '../helpers/tmp.js';
import { runnerServices } from '../helpers/runner.js';

describe('the report of a distill whose examples were all skipped', { timeout: 180_000 }, () => {
  let parser: CodeParser;
  const home = tempDir();
  const config = loadConfig({ ...process.env, CODEDISTILL_HOME: home });
  const runner = createPythonRunner(config, silentLogger, runnerServices);
  before(async () => {
    parser = await createParser();
  });

  it('warns that most runs were skipped and names the one module to install', async () => {
    const repo = path.join(tempDir(), 'plotcalc');
    mkdirSync(path.join(repo, 'plotcalc'), { recursive: true });
    // The package needs a module no interpreter has: every example that imports it is skipped.
    const fn = (name: string) =>
      `def ${name}(x):\n    """Scale x.\n\n    >>> ${name}(2)\n    4\n    """\n    return 2 * x\n\n`;
    writeFileSync(path.join(repo, 'plotcalc', '__init__.py'), `import codedistill_absent_plotting\n\n${fn('double')}${fn('twice')}`);
    const report = await distillRepo(
      { source: repo, validate: true, force: false },
      { config, logger: silentLogger, parser, runner, llm: null, existingLibrary: async () => null, libraries: () => [], libraryParentDir: path.join(home, 'libraries') },
    );
    const lib = await loadLibrary(report.libraryPath, false);
    const runs = lib.blocks.flatMap((b) => b.examples.map((e) => e.run)).filter((r) => r !== null);
    assert.ok(runs.length >= 2, JSON.stringify(lib.blocks.map((b) => b.examples)));
    assert.ok(runs.every((r) => r?.status === 'skipped' && r.skipReason === 'missing_dependency'), JSON.stringify(runs));
    assert.notDeepEqual(report.warnings, []);
    assert.ok(report.warnings.some((w) => /^\d+ of \d+ example runs were skipped \(missing_dependency \d+\)/.test(w)), report.warnings.join('\n'));
    assert.ok(report.warnings.some((w) => /pip install codedistill_absent_plotting\.$/.test(w)), report.warnings.join('\n'));
  });
});
