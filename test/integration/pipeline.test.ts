/**
 * The distill pipeline on repositories that fight back: bad files are counted and named, never fatal, and
 * what can be kept is kept. Runs the real parser and the real sandboxed runner; the index is not involved.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import type { DistillReport } from '../../src/domain/distill.js';
import { distillRepo } from '../../src/jobs/distill.js';
import { loadLibrary } from '../../src/library/files.js';
import { silentLogger } from '../../src/kernel/log.js';
import { createParser } from '../../src/parse/parser.js';
import type { CodeParser } from '../../src/parse/types.js';
import { createPythonRunner } from '../../src/validate/runner.js';
import { copyFixture, tempDir } from '../helpers/tmp.js';
import { runnerServices } from '../helpers/runner.js';

describe('distill pipeline', { timeout: 180_000 }, () => {
  let parser: CodeParser;
  const home = tempDir();
  const config = loadConfig({ ...process.env, CODEDISTILL_HOME: home, CODEDISTILL_MAX_FILE_BYTES: String(256 * 1024) });
  const runner = createPythonRunner(config, silentLogger, runnerServices);
  const run = (source: string, extra: Partial<Parameters<typeof distillRepo>[0]> = {}) =>
    distillRepo(
      { source, validate: true, force: false, ...extra },
      { config, logger: silentLogger, parser, runner, llm: null, existingLibrary: () => null, libraries: () => [], libraryParentDir: path.join(home, 'libraries') },
    );

  before(async () => {
    parser = await createParser();
  });

  describe('a messy repository', () => {
    let report: DistillReport;
    before(async () => {
      const repo = copyFixture('messy');
      // Several MB of generated constants: too large to distill, named as such.
      writeFileSync(path.join(repo, 'messypkg', 'generated_tables.py'), `TABLE = [\n${'    1.0,\n'.repeat(60_000)}]\n`);
      report = await run(repo);
    });

    it('keeps the good module, with examples that ran', () => {
      assert.ok(report.counts.blocks >= 2, JSON.stringify(report.counts));
      assert.ok(report.counts.validated >= 1);
    });
    it('names the file with a syntax error and keeps going', () => {
      const s = report.skipped.find((x) => x.path === 'messypkg/broken.py');
      assert.ok(s, JSON.stringify(report.skipped));
      assert.match(s.reason, /syntax error at line \d+/);
      assert.ok(report.counts.parseErrors >= 1);
    });
    it('names the broken notebook', () => {
      const s = report.skipped.find((x) => x.path === 'notebooks/broken.ipynb');
      assert.ok(s);
      assert.match(s.reason, /broken notebook/);
    });
    it('skips the binary and the oversized file with reasons, and never enters the virtualenv', () => {
      assert.match(report.skipped.find((x) => x.path === 'data/blob.bin')?.reason ?? '', /binary/);
      assert.match(report.skipped.find((x) => x.path === 'messypkg/generated_tables.py')?.reason ?? '', /too large/);
      assert.ok(!report.skipped.some((x) => x.path.startsWith('.venv/')));
    });
    it('says on every block that no licence was found', async () => {
      assert.equal(report.licence, 'NOASSERTION');
      assert.ok(report.warnings.some((w) => /no licence/.test(w)));
      const lib = await loadLibrary(report.libraryPath, false);
      assert.ok(lib.blocks.every((b) => b.licence === 'NOASSERTION'));
      assert.ok(!lib.blocks.some((b) => b.provenance.path.startsWith('.venv/')));
    });
  });

  it('an example that needs an unbuilt compiled extension is skipped and says what to build', async () => {
    const repo = path.join(tempDir(), 'fastcalc');
    mkdirSync(path.join(repo, 'fastcalc'), { recursive: true });
    writeFileSync(path.join(repo, 'fastcalc', '__init__.py'), 'from ._kernels import scale\n\ndef double(x):\n    """Twice x.\n\n    >>> double(2)\n    4\n    """\n    return scale(x, 2)\n');
    writeFileSync(path.join(repo, 'fastcalc', '_kernels.pyx'), 'def scale(double x, double k):\n    return x * k\n');
    const report = await run(repo);
    const lib = await loadLibrary(report.libraryPath, false);
    const b = lib.blocks.find((x) => x.name === 'double');
    assert.equal(b?.validation?.status, 'skipped', JSON.stringify(b?.validation));
    assert.match(b!.validation!.message, /compiled extension _kernels .*_kernels\.pyx/);
  });

  it('a folder that does not exist is a clear error', async () => {
    await assert.rejects(run(path.join(home, 'nope')), (e: Error & { hint?: string }) => {
      assert.match(`${e.message} ${e.hint}`, /folder|GitHub/i);
      return true;
    });
  });

  it('cancelling stops the job with a typed error', async () => {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(
      distillRepo(
        { source: copyFixture('flowcalc'), validate: true, force: false },
        { config, logger: silentLogger, parser, runner, llm: null, existingLibrary: () => null, libraries: () => [], libraryParentDir: path.join(home, 'libraries') },
        { signal: ac.signal },
      ),
      /cancelled/,
    );
  });
});
