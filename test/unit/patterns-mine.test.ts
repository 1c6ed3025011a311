/**
 * Mining over in-memory libraries (no distill, no runs): which idioms become patterns, with how many repositories,
 * members and sources, and which representative is chosen.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Block, Example } from '../../src/domain/block.js';
import type { LoadedLibrary } from '../../src/domain/library.js';
import type { RunRecord } from '../../src/domain/validation.js';
import { minePatterns, withRepresentative } from '../../src/patterns/mine.js';
import { patternBlock, patternLibraryName, patternManifest } from '../../src/patterns/library.js';
import { testBlock } from '../helpers/block.js';
import { testManifest } from '../helpers/manifest.js';

const passed: RunRecord = { status: 'passed', exitCode: 0, durationMs: 1, stdout: 'ok', stderr: '', sandbox: 'bwrap', ranAt: '', error: null, message: '' };

function example(code: string, run: RunRecord | null = null): Example {
  return { code, source: 'test', path: 'tests/test_x.py', startLine: 3, expectedOutput: null, run };
}

function lib(name: string, licence: string, blocks: Array<{ name: string; code: string; imports?: string[]; examples?: Example[]; docstring?: string }>): LoadedLibrary {
  const bs: Block[] = blocks.map((b) => testBlock({ name: b.name, library: name, module: `${name}.core`, code: b.code, docstring: b.docstring ?? null }, { imports: b.imports ?? [], examples: b.examples ?? [] }));
  return { name, dir: `/nowhere/${name}`, readonly: false, manifest: testManifest(name, { licence, source: { kind: 'local', location: '/x', repo: `org/${name}`, ref: null, commit: `c-${name}`, url: null } }), fingerprint: 'f', packages: [name], blocks: bs };
}

const fitA = 'def fit(t, y):\n    popt, pcov = curve_fit(model, t, y, p0=[1, 1])\n    return popt, np.sqrt(np.diag(pcov))\n';
const fitB = 'def fit_line(x, y):\n    params, cov = opt.curve_fit(line, x, y)\n    err = numpy.sqrt(numpy.diag(cov))\n    return params\n';
const libs = [
  lib('alpha', 'MIT', [
    { name: 'fit', code: fitA, docstring: 'Fit a decay. The fit is made with scipy.optimize.curve_fit and its errors from the covariance. Fit quickly.', imports: ['import numpy as np', 'from scipy.optimize import curve_fit'] },
    { name: 'smooth', code: 'def smooth(x):\n    b, a = butter(3, 0.1)\n    return filtfilt(b, a, x)\n', imports: ['from scipy.signal import butter, filtfilt'] },
    { name: 'alpha_own', code: 'def alpha_own(x):\n    r = alpha.core.thing(x)\n    return r.value\n', imports: ['import alpha.core'] },
  ]),
  lib('beta', 'BSD-3-Clause', [
    { name: 'fit_line', code: fitB, imports: ['import numpy', 'from scipy import optimize as opt'], examples: [example('from beta.core import fit_line\nfit_line([0, 1], [1, 2])', passed)] },
    { name: 'uses_alpha', code: 'def uses_alpha(x):\n    r = alpha.core.thing(x)\n    return r.value\n', imports: ['import alpha.core'] },
  ]),
  lib('gamma', 'MIT', [
    { name: 'g', code: 'def g(x):\n    return x\n', examples: [example('import numpy as np\nfrom scipy import optimize\npopt, pcov = optimize.curve_fit(f, x, y)\nprint(np.diag(pcov))')] },
  ]),
];

test('an idiom several repositories share is one pattern, whatever the aliases, with its members and sources', () => {
  const r = minePatterns(libs, { minRepos: 2, maxPatterns: 50 });
  const fit = r.patterns.find((p) => p.facts.subject === 'scipy.optimize.curve_fit');
  assert.ok(fit, JSON.stringify(r.patterns.map((p) => p.facts.subject)));
  assert.equal(fit.facts.repos, 3);
  assert.deepEqual(fit.facts.steps.map((s) => [s.step, s.repos]), [['unpack:2', 3], ['numpy.diag(_[1])', 3]]);
  assert.match(fit.facts.template, /^import numpy\nimport scipy\.optimize\npopt, pcov = scipy\.optimize\.curve_fit\(\.\.\.\)\nnumpy\.diag\(pcov\)$/);
  assert.deepEqual(fit.facts.sources.map((s) => [s.library, s.commit, s.licence]), [['alpha', 'c-alpha', 'MIT'], ['beta', 'c-beta', 'BSD-3-Clause'], ['gamma', 'c-gamma', 'MIT']]);
  assert.deepEqual(fit.licences, ['BSD-3-Clause', 'MIT']);
  // What the blocks' own docs say of it, only where they name it as code.
  assert.deepEqual(fit.facts.quotes, [{ text: 'The fit is made with scipy.optimize.curve_fit and its errors from the covariance.', block: 'alpha:alpha.core.fit' }]);
  const inExample = fit.facts.members.find((m) => m.library === 'gamma')!;
  assert.equal(inExample.in, 'example');
  assert.equal(inExample.path, 'tests/test_x.py');
  // beta's block code holds it and beta's example ran: the representative until a member example of its own runs.
  assert.equal(fit.facts.representative?.block, 'beta:beta.core.fit_line');
  assert.equal(fit.facts.representative?.holds, 'block');
});

test('an idiom one repository uses, and a package used only through its own library, are no patterns', () => {
  const r = minePatterns(libs, { minRepos: 2, maxPatterns: 50 });
  assert.ok(!r.patterns.some((p) => p.facts.subject.startsWith('scipy.signal')));
  // alpha.core.thing is alpha's own in alpha: only beta uses it as another package.
  assert.ok(!r.patterns.some((p) => p.facts.subject.startsWith('alpha')));
  assert.equal(minePatterns(libs, { minRepos: 4, maxPatterns: 50 }).patterns.length, 0);
});

test('a run made now becomes the representative, shown first among the examples', () => {
  const noRuns = libs.map((l) => ({ ...l, blocks: l.blocks.map((b) => ({ ...b, examples: b.examples.map((e) => ({ ...e, run: null })) })) }));
  const fit = minePatterns(noRuns, { minRepos: 2, maxPatterns: 50 }).patterns.find((p) => p.facts.subject === 'scipy.optimize.curve_fit')!;
  assert.equal(fit.facts.representative, null);
  const c = fit.candidates[0]!;
  assert.equal(c.holds, 'example', 'an example that takes the steps itself is tried first');
  const ran = withRepresentative(fit, c, passed);
  assert.equal(ran.facts.representative?.run.status, 'passed');
  assert.equal(ran.examples[0]!.run?.status, 'passed');

  const block = patternBlock(patternLibraryName('fitting'), ran);
  assert.equal(block.kind, 'pattern');
  assert.equal(block.id, 'fitting-patterns:fitting_patterns.scipy.optimize.curve_fit');
  assert.equal(block.validation?.status, 'passed');
  assert.equal(block.licence, 'BSD-3-Clause AND MIT');
  assert.deepEqual(block.requirements, ['numpy', 'scipy']);
  const manifest = patternManifest('fitting-patterns', 'fitting', fit.facts.sources, [block], 'codedistill test');
  assert.deepEqual(manifest.sources?.map((s) => s.library), ['alpha', 'beta', 'gamma']);
  assert.equal(manifest.counts.validated, 1);
});

test('test-harness calls are no field idioms, and call sequences rank ahead of module co-occurrence', () => {
  const asserts = 'def check(x, y):\n    numpy.testing.assert_allclose(x, y)\n    numpy.testing.assert_array_equal(x, y)\n    return x\n';
  const fft = 'def spec(x):\n    f = numpy.fft.rfft(x)\n    k = numpy.fft.rfftfreq(len(x))\n    return f, k\n';
  const model = 'def fit(x, y):\n    m = lmfit.Model(f)\n    p = m.make_params(a=1)\n    r = m.fit(y, p, x=x)\n    return r.best_values\n';
  const mk = (n: string) => lib(n, 'MIT', [
    { name: `check_${n}`, code: asserts, imports: ['import numpy', 'import numpy.testing'] },
    { name: `spec_${n}`, code: fft, imports: ['import numpy', 'import numpy.fft'] },
    { name: `fit_${n}`, code: model, imports: ['import lmfit'] },
  ]);
  const { patterns } = minePatterns([mk('one'), mk('two')], { minRepos: 2, maxPatterns: 20 });
  const subjects = patterns.map((p) => p.facts.subject);
  assert.ok(!subjects.some((s) => s.startsWith('numpy.testing')), subjects.join(', '));
  assert.ok(patterns.every((p) => p.facts.repos >= 2));
  const firstModule = patterns.findIndex((p) => p.facts.shape === 'module');
  const lastValue = patterns.map((p) => p.facts.shape).lastIndexOf('value');
  assert.ok(lastValue >= 0, 'a call-sequence pattern is mined');
  assert.ok(firstModule === -1 || lastValue < firstModule, subjects.join(', '));
});
