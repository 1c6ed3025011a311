/**
 * Synthesized calls on a small repository of our own, through the whole distill with the real sandboxed runner:
 * a function and a method with no mined example get a call that ran (with a value the repository's tests pass for
 * a parameter of that name), marked synthesized and never claiming an expected output; a function whose every
 * candidate fails gets none.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import type { Block } from '../../src/domain/block.js';
import type { DistillReport } from '../../src/domain/distill.js';
import { distillRepo } from '../../src/jobs/distill.js';
import { loadLibrary } from '../../src/library/files.js';
import { silentLogger } from '../../src/kernel/log.js';
import { createParser } from '../../src/parse/parser.js';
import { createPythonRunner } from '../../src/validate/runner.js';
import { runnerServices } from '../helpers/runner.js';
import { tempDir, writeTree } from '../helpers/tmp.js';

const CORE = `"""Flow regimes."""


def regime(Re):
    """Name the flow regime at Reynolds number Re."""
    kind = "turbulent" if Re > 4000 else "laminar"
    return kind


def friction(Re):
    """Darcy friction factor of turbulent flow (Blasius); Re must be above 4000."""
    if Re <= 4000:
        raise ValueError("Re must be turbulent")
    return 0.316 * Re ** -0.25


def broken(x: float) -> float:
    """Never works: every call raises."""
    y = x + 1
    raise RuntimeError(f"broken for {y}")


class Pipe:
    """A pipe of a given diameter."""

    def __init__(self, diameter: float):
        self.diameter = diameter

    def area(self, scale: int) -> float:
        """Cross-section area, scaled."""
        r = self.diameter / 2
        return scale * 3.14159 * r * r
`;

describe('synthesized examples', { timeout: 180_000 }, () => {
  let report: DistillReport;
  let blocks: Block[];
  const byName = (n: string) => blocks.find((b) => b.name === n)!;

  before(async () => {
    const home = tempDir();
    const config = loadConfig({ ...process.env, CODEDISTILL_HOME: home, PIP_CONFIG_FILE: '/dev/null', PIP_NO_INDEX: '1' });
    const repo = writeTree({
      'flowkit/__init__.py': 'from .core import regime, friction, broken, Pipe\n',
      'flowkit/core.py': CORE,
      'tests/test_core.py': 'from flowkit import regime\n\n\ndef test_regime():\n    assert regime(Re=1e5) == "turbulent"\n',
    });
    const parser = await createParser();
    const runner = createPythonRunner(config, silentLogger, runnerServices);
    report = await distillRepo(
      { source: repo, validate: true, force: false, environment: 'none' },
      { config, logger: silentLogger, parser, runner, llm: null, existingLibrary: async () => null, libraries: () => [], libraryParentDir: path.join(home, 'libraries') },
    );
    blocks = (await loadLibrary(report.libraryPath, false)).blocks;
  });

  it('gives a function with no example a call that ran, with the value the tests pass for that parameter name', () => {
    const f = byName('friction');
    const ex = f.examples.find((e) => e.source === 'synthesized');
    assert.ok(ex, JSON.stringify(f.examples));
    assert.equal(ex.code, 'from flowkit import friction\n\nresult = friction(Re=1e5)\nprint(repr(result))\n');
    assert.equal(ex.run?.status, 'passed');
    assert.match(ex.run.stdout, /^0\.0177/, 'what it printed is the observed output');
    assert.equal(ex.expectedOutput, null, 'a synthesized example never claims an expected output');
    assert.equal(f.validation?.status, 'passed');
  });

  it('builds the instance of a method from its class constructor', () => {
    const ex = byName('area').examples.find((e) => e.source === 'synthesized');
    assert.ok(ex);
    assert.match(ex.code, /obj = Pipe\(diameter=1\.0\)\nresult = obj\.area\(scale=2\)/);
    assert.equal(ex.run?.status, 'passed');
  });

  it('keeps no example for a function whose every candidate fails, and leaves mined examples alone', () => {
    const b = byName('broken');
    assert.deepEqual(b.examples, []);
    assert.equal(b.validation, null);
    assert.ok(byName('regime').examples.every((e) => e.source !== 'synthesized'));
  });

  it('counts the blocks that got one in the report', () => {
    const w = report.warnings.find((x) => /synthesized example that ran/.test(x));
    assert.ok(w, JSON.stringify(report.warnings));
    assert.match(w, /^3 of 4 blocks without a mined example/, 'friction, Pipe and Pipe.area got one; broken did not');
  });
});
