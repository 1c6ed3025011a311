/**
 * The distill pipeline on repositories that fight back: bad files are counted and named, never fatal, and
 * what can be kept is kept. Runs the real parser and the real sandboxed runner; the index is not involved.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { DistillReport } from '../../src/domain/distill.js';
import type { LlmClient } from '../../src/enrich/client.js';
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
      { config, logger: silentLogger, parser, runner, llm: null, existingLibrary: async () => null, libraries: () => [], libraryParentDir: path.join(home, 'libraries') },
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

  it('counts examples per source and the coverage of public documented blocks; a configured model fills a gap within its budget', async () => {
    const repo = path.join(tempDir(), 'tinypkg');
    mkdirSync(path.join(repo, 'tinypkg'), { recursive: true });
    writeFileSync(
      path.join(repo, 'tinypkg', '__init__.py'),
      'def double(x):\n    """Twice x.\n\n    >>> double(2)\n    4\n    """\n    return 2 * x\n\n' +
        'def greet(name):\n    """Greets a known person."""\n    if name != "ada":\n        raise ValueError(name)\n    return "hello " + name\n\n' +
        'def _hidden(x):\n    """Private."""\n    return x\n',
    );
    const asked: string[] = [];
    const llm: LlmClient = {
      model: 'fake-model',
      async complete(messages, opts = {}) {
        asked.push(messages.map((m) => m.content).join('\n'));
        opts.onUsage?.({ inputTokens: 300, outputTokens: 40 });
        // Summaries may be asked for too: only the example prompt gets code.
        return /Write an example for tinypkg\.greet/.test(asked.at(-1)!) ? '```python\nfrom tinypkg import greet\nprint(greet("ada"))\n```' : 'Does a thing.';
      },
    };
    const report = await distillRepo(
      { source: repo, validate: true, force: false, environment: 'none', generate: { blocks: 5 } },
      { config, logger: silentLogger, parser, runner, llm, existingLibrary: async () => null, libraries: () => [], libraryParentDir: path.join(home, 'libraries') },
    );
    const g = report.generation;
    assert.ok(g, JSON.stringify(report.warnings));
    assert.equal(g.model, 'fake-model');
    assert.equal(g.kept, 1, JSON.stringify({ g, warnings: report.warnings }));
    assert.equal(g.attempted, 1, 'double ran its doctest and _hidden is private: only greet is asked about');
    assert.equal(g.inputTokens, 300);
    assert.equal(g.stoppedBy, 'done');
    assert.deepEqual(report.counts.bySource?.doctest, { examples: 1, ran: 1, checked: 1 });
    assert.deepEqual(report.counts.bySource?.generated, { examples: 1, ran: 1, checked: 0 });
    assert.deepEqual(report.counts.coverage, { blocks: 2, ran: 2, checked: 1 });
    assert.deepEqual(DistillReport.parse(report), report, 'the report fits the tool output schema');
    const lib = await loadLibrary(report.libraryPath, false);
    assert.deepEqual(lib.manifest.counts, report.counts, 'the manifest keeps the same figures');
    const greet = lib.blocks.find((b) => b.name === 'greet');
    assert.equal(greet?.examples.find((e) => e.source === 'generated')?.run?.level, 'ran');
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
        { config, logger: silentLogger, parser, runner, llm: null, existingLibrary: async () => null, libraries: () => [], libraryParentDir: path.join(home, 'libraries') },
        { signal: ac.signal },
      ),
      /cancelled/,
    );
  });
});
