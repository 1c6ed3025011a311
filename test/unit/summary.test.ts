import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { firstSentence, repoPurpose, summarize, summarizeDetailed, wordsFromName } from '../../src/distill/summary.js';

describe('summarize', () => {
  test('first sentence of the docstring, whitespace folded', () => {
    assert.equal(
      summarize('Reynolds number, the ratio of inertial to viscous forces.\n\nWorks element-wise.', 'reynolds_number', 'function'),
      'Reynolds number, the ratio of inertial to viscous forces.',
    );
    assert.equal(summarize('Pressure drop across a packed\n    bed. More text here.', 'f', 'function'), 'Pressure drop across a packed bed.');
  });

  test('abbreviations and decimals do not end the sentence', () => {
    assert.equal(firstSentence('Uses the Wen & Yu (1966) correlation, e.g. for sand. Then more.'), 'Uses the Wen & Yu (1966) correlation, e.g. for sand.');
    assert.equal(firstSentence('Scales by 0.5 and rounds. Next.'), 'Scales by 0.5 and rounds.');
    assert.equal(firstSentence('As in Smith et al. 2004, it converges. Next.'), 'As in Smith et al. 2004, it converges.');
  });

  test('signature lines and field lists are skipped; long text is clipped to 160 characters', () => {
    assert.equal(summarize('solve(a, b) -> ndarray\n\nSolve a linear system.', 'solve', 'function'), 'Solve a linear system.');
    const long = summarize(`${'word '.repeat(60)}end.`, 'f', 'function');
    assert.ok(long.length <= 160, `${long.length}`);
    assert.match(long, /…$/);
  });

  test('without a docstring the name gives the words, marked as derived', () => {
    const s = summarizeDetailed(null, 'ergun_pressure_drop', 'function');
    assert.deepEqual(s, { text: 'Ergun pressure drop', derived: true });
    assert.match(summarize(null, 'ergun_pressure_drop', 'function'), /^Ergun pressure drop \(summary derived from the name/);
    assert.equal(summarizeDetailed('   ', 'PackedBed', 'class').text, 'Packed bed (class)');
    assert.equal(summarizeDetailed('Real docs.', 'x', 'function').derived, false);
  });

  test('wordsFromName splits snake, camel and acronyms', () => {
    assert.equal(wordsFromName('ergun_pressure_drop'), 'Ergun pressure drop');
    assert.equal(wordsFromName('FFTFilter'), 'FFT filter');
    assert.equal(wordsFromName('_private_thing'), 'Private thing');
    assert.equal(wordsFromName('solveODE2'), 'Solve ODE 2');
  });
});

describe('repoPurpose', () => {
  test('skips badges, headings, HTML and code, and plain-texts the first real paragraph', () => {
    const readme = [
      '<p align="center"><img src="logo.png"></p>',
      '',
      '# flowcalc',
      '',
      '[![CI](https://x/badge.svg)](https://x) [![PyPI](https://y.svg)](https://y)',
      '',
      '```python',
      'import flowcalc  # this is code, never the purpose of a repository',
      '```',
      '',
      'Small, tested correlations for **fluid mechanics** and [heat transfer](https://en.wikipedia.org/wiki/Heat_transfer):',
      'dimensionless groups and friction factors.',
      '',
      'Second paragraph.',
    ].join('\n');
    assert.equal(
      repoPurpose(readme, 'desc', 'doc'),
      'Small, tested correlations for fluid mechanics and heat transfer: dimensionless groups and friction factors.',
    );
  });

  test('reStructuredText headings and directives are skipped too', () => {
    const rst = 'kinetix\n=======\n\n.. image:: https://badge.svg\n   :target: https://x\n\nChemical kinetics and radioactive decay in plain NumPy, for teaching and quick estimates.\n';
    assert.equal(repoPurpose(rst, null, null), 'Chemical kinetics and radioactive decay in plain NumPy, for teaching and quick estimates.');
  });

  test('falls back to the description, then the package docstring; null when none says anything; at most 300 chars', () => {
    assert.equal(repoPurpose('# title\n\n[![b](x)](y)\n', 'A library for things.', 'Doc.'), 'A library for things.');
    assert.equal(repoPurpose(null, null, 'flowcalc: small correlations.\n\nMore.'), 'flowcalc: small correlations.');
    assert.equal(repoPurpose(null, '  ', null), null);
    const long = repoPurpose(`${'This is a long sentence about science. '.repeat(20)}`, null, null)!;
    assert.ok(long.length <= 300, `${long.length}`);
  });
});
