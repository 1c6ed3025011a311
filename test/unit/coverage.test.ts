import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Block, Example } from '../../src/domain/block.js';
import { DistillCounts } from '../../src/domain/library.js';
import type { RunRecord } from '../../src/domain/validation.js';
import { exampleCoverage, exampleFigures, isPublicBlock, isPublicDocumentedCode, sourceCounts } from '../../src/distill/coverage.js';

function run(status: RunRecord['status'], level?: RunRecord['level'], message: string = status): RunRecord {
  return { status, level, exitCode: 0, durationMs: 1, stdout: '', stderr: '', error: null, message, sandbox: 'none', ranAt: 't' };
}
const ex = (source: Example['source'], r: RunRecord | null): Example => ({ code: 'x', source, path: null, startLine: null, expectedOutput: null, run: r });

function block(qualifiedName: string, examples: Example[], over: Partial<Block> = {}): Block {
  const name = qualifiedName.slice(qualifiedName.lastIndexOf('.') + 1);
  return { qualifiedName, name, kind: 'function', docstring: 'Does it.', examples, ...over } as Block;
}

test('public: no "_"-prefixed part of the qualified name, dunders aside, and not a dunder itself', () => {
  assert.equal(isPublicBlock(block('pkg.mod.f', [])), true);
  assert.equal(isPublicBlock(block('pkg._impl.f', [])), false);
  assert.equal(isPublicBlock(block('pkg.mod._f', [])), false);
  assert.equal(isPublicBlock(block('pkg.mod._Base.run', [])), false);
  assert.equal(isPublicBlock(block('pkg.__main__.main', [])), true, 'a dunder module is not private');
  assert.equal(isPublicBlock(block('pkg.mod.Thing.__init__', [])), false, 'a dunder method is shown through its class');
  assert.equal(isPublicDocumentedCode(block('pkg.mod.f', [], { docstring: '  \n' })), false, 'a blank docstring is none');
  assert.equal(isPublicDocumentedCode(block('pkg.mod.f', [], { docstring: null })), false);
  assert.equal(isPublicDocumentedCode(block('pkg.demo', [], { kind: 'workflow' })), false, 'workflows are not code blocks');
  assert.equal(isPublicDocumentedCode(block('pkg.mod.Thing.run', [], { kind: 'method' })), true);
});

test('coverage counts public documented blocks with an example that ran, and one checked; import checks do not count', () => {
  const blocks = [
    block('pkg.a', [ex('doctest', run('passed', 'checked'))]),
    block('pkg.b', [ex('test', run('failed', 'failed')), ex('synthesized', run('passed', 'ran'))]),
    block('pkg.c', [ex('import', run('passed', 'ran'))]),
    block('pkg.d', [ex('doctest', run('skipped', 'skipped'))]),
    // Records stored before levels: read from status and message, as levelOf does.
    block('pkg.e', [ex('doctest', run('passed', undefined, 'Ran successfully and printed the expected output.'))]),
    block('pkg._f', [ex('doctest', run('passed', 'checked'))]),
    block('pkg.g', [ex('doctest', run('passed', 'checked'))], { docstring: null }),
  ];
  assert.deepEqual(exampleCoverage(blocks), { blocks: 5, ran: 3, checked: 2 });
});

test('per source: examples of every block, those that ran, those checked; empty sources and import checks left out', () => {
  const blocks = [
    block('pkg.a', [ex('doctest', run('passed', 'checked')), ex('doctest', run('failed', 'failed')), ex('import', run('passed', 'ran'))]),
    block('pkg._b', [ex('test', run('passed', 'ran')), ex('generated', run('passed', 'ran'))]),
    block('pkg.c', [ex('synthesized', null)], { kind: 'workflow' }),
  ];
  const by = sourceCounts(blocks);
  assert.deepEqual(by, {
    doctest: { examples: 2, ran: 1, checked: 1 },
    test: { examples: 1, ran: 1, checked: 0 },
    generated: { examples: 1, ran: 1, checked: 0 },
    synthesized: { examples: 1, ran: 0, checked: 0 },
  });
  const total = Object.values(by).reduce((n, c) => n + c.examples, 0);
  assert.equal(total, blocks.reduce((n, b) => n + b.examples.filter((e) => e.source !== 'import').length, 0), 'the sources add up to counts.examples');
  const counts = { filesSeen: 0, filesParsed: 0, filesSkipped: 0, parseErrors: 0, blocks: 3, examples: total, validated: 0, ...exampleFigures(blocks) };
  assert.deepEqual(DistillCounts.parse(counts), counts, 'the figures fit the manifest schema');
  const old = { filesSeen: 0, filesParsed: 0, filesSkipped: 0, parseErrors: 0, blocks: 0, examples: 0, validated: 0 };
  assert.deepEqual(DistillCounts.parse(old), old, 'a manifest written before the figures still reads');
});
