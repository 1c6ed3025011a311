/**
 * The pieces of example mining on their own: call resolution, import rewriting, whole-file candidates
 * and the per-block ranking. The end-to-end behaviour is in mine-examples.test.ts.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { Example } from '../../src/domain/block.js';
import { CallResolver, scopeOf, type BlockRef } from '../../src/distill/examples/call-resolver.js';
import type { Candidate } from '../../src/distill/examples/collector.js';
import { importsPackage, normaliseImports } from '../../src/distill/examples/import-rewrite.js';
import { examplesByBlock } from '../../src/distill/examples/mine.js';
import { hasTopLevelReturn } from '../../src/distill/examples/test-rewrite.js';
import { wholeFileCandidates, workflowCandidates } from '../../src/distill/examples/workflows.js';
import { createParser } from '../../src/parse/parser.js';

const AREA: BlockRef = { qualifiedName: 'geom.shapes.area', name: 'area', module: 'geom.shapes', publicImport: 'geom', kind: 'function', parent: null };
const CIRCLE: BlockRef = { qualifiedName: 'geom.shapes.Circle', name: 'Circle', module: 'geom.shapes', publicImport: 'geom', kind: 'class', parent: null };
const SCALED: BlockRef = { qualifiedName: 'geom.shapes.Circle.scaled', name: 'scaled', module: 'geom.shapes', publicImport: 'geom', kind: 'method', parent: 'Circle' };

let calls: CallResolver;
before(async () => {
  const parser = await createParser();
  const files = [
    parser.parse('geom/__init__.py', 'from .shapes import area, Circle\n', ['']),
    parser.parse('geom/shapes.py', 'def area(r):\n    return r * r\n\n\nclass Circle:\n    def scaled(self, f):\n        return Circle()\n', ['']),
  ];
  calls = new CallResolver([AREA, CIRCLE, SCALED], files, ['geom']);
});

const called = (code: string) => calls.calledBy(code, scopeOf(code, '', false)).map((b) => b.qualifiedName);

describe('CallResolver', () => {
  test('calls resolve through the snippet imports to the defining and the re-exported paths', () => {
    assert.deepEqual(called('import geom as g\ng.area(1.0)\n'), ['geom.shapes.area']);
    assert.deepEqual(called('from geom.shapes import area\narea(1.0)\n'), ['geom.shapes.area']);
    assert.deepEqual(called('from geom import *\narea(1.0)\n'), ['geom.shapes.area']);
    assert.deepEqual(called('area(1.0)\n'), [], 'a name the snippet does not import is not the block');
  });

  test('a method counts only when its class appears in the snippet', () => {
    assert.deepEqual(called('from geom import Circle\nc = Circle()\nc.scaled(2)\n'), ['geom.shapes.Circle', 'geom.shapes.Circle.scaled']);
    assert.deepEqual(called('from geom import area\nx.scaled(2)\narea(1)\n'), ['geom.shapes.area']);
  });
});

describe('import rewriting', () => {
  test('relative imports become absolute and public; sys.path edits and the imports only they used go', () => {
    assert.equal(normaliseImports('from .shapes import area\narea(1)', 'geom.extra', false, calls), 'from geom import area\narea(1)');
    assert.equal(
      normaliseImports('import sys\nsys.path.insert(0, "..")\nfrom geom.shapes import Circle\nCircle()', '', false, calls),
      'from geom import Circle\nCircle()',
    );
    assert.equal(normaliseImports('from ..elsewhere import x\nx()', 'geom', true, calls), null, 'outside the package: cannot run alone');
  });

  test('importsPackage wants an absolute import of one of the packages', () => {
    assert.equal(importsPackage('import numpy as np\nfrom geom import area', ['geom']), true);
    assert.equal(importsPackage('from . import area', ['geom']), false);
  });

  test('a top-level return or yield cannot be unwrapped; one in a nested def can', () => {
    assert.equal(hasTopLevelReturn('x = 1\nreturn x'), true);
    assert.equal(hasTopLevelReturn('def f():\n    yield 1\nx = list(f())'), false);
  });
});

describe('whole files and ranking', () => {
  const script = (lines: number) => `from geom import area\n${'area(1)\n'.repeat(lines - 2)}`;
  const whole = (code: string, runsBare = true) => wholeFileCandidates({ path: 'examples/a.py', code, called: [AREA], summary: 'A demo.', source: 'script', startLine: 1, runsBare });

  test('a short script is a workflow and an example; a longer one, or one that needs arguments, a workflow only', () => {
    assert.deepEqual(whole(script(10)).map((c) => c.kind), ['workflow', 'example']);
    assert.deepEqual(whole(script(200)).map((c) => c.kind), ['workflow']);
    assert.deepEqual(whole(script(10), false).map((c) => c.kind), ['workflow']);
    assert.deepEqual(whole(script(500)), []);
    const [wf] = workflowCandidates(whole(script(10)));
    assert.deepEqual(wf, { path: 'examples/a.py', code: script(10), callsBlocks: ['geom.shapes.area'], summary: 'A demo.', source: 'script' });
  });

  test('examples per block: best tier first, shorter first within a tier, duplicates once, at most three', () => {
    const ex = (code: string, source: Example['source']): Example => ({ code, source, path: null, startLine: null, expectedOutput: null, run: null });
    const cand = (code: string, tier: number, blocks = [AREA]): Candidate => ({ kind: 'example', example: ex(code, 'test'), tier, needsPytest: false, blocks });
    const mined: Candidate[] = [
      cand('long\nlong\n', 2),
      cand('short\n', 2),
      cand('short\n', 1),
      { kind: 'workflow', workflow: { path: 'w.py', code: 'w\n', callsBlocks: ['geom.shapes.area'], summary: null, source: 'script' } },
      cand('best\n', 0, [AREA, CIRCLE]),
      cand('fourth\n', 3),
    ];
    const by = examplesByBlock(mined);
    assert.deepEqual(by.get('geom.shapes.area')!.map((e) => e.code), ['best\n', 'short\n', 'long\nlong\n']);
    assert.deepEqual(by.get('geom.shapes.Circle')!.map((e) => e.code), ['best\n']);
    assert.notEqual(by.get('geom.shapes.area')![0], by.get('geom.shapes.Circle')![0], 'each block gets its own Example object');
  });
});
