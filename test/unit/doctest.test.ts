import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { convertDoctest } from '../../src/python/doctest.js';

describe('convertDoctest', () => {
  test('expressions with output print their repr, print calls and assignments stay, outputs concatenate', () => {
    const conv = convertDoctest(
      [
        'Area of a circle.',
        '',
        '>>> r = 2.0',
        '>>> area(r)',
        '12.566370614359172',
        '>>> print(area(1.0))',
        '3.141592653589793',
        '>>> for k in range(2):',
        '...     print(k)',
        '0',
        '1',
        '>>> area(1.0), area(2.0)  # a tuple, not two arguments',
        '(3.14..., 12.56...)',
      ].join('\n'),
    )!;
    assert.equal(
      conv.code,
      ['r = 2.0', 'print(repr(area(r)))', 'print(area(1.0))', 'for k in range(2):', '    print(k)', 'print(repr((area(1.0), area(2.0))))'].join('\n'),
    );
    assert.equal(conv.expectedOutput, '12.566370614359172\n3.141592653589793\n0\n1\n(3.14..., 12.56...)\n');
    assert.equal(conv.firstLine, 2);
  });

  test('+SKIP statements and expected tracebacks are dropped; ELLIPSIS and BLANKLINE handled', () => {
    const conv = convertDoctest(
      [
        '>>> slow_download()  # doctest: +SKIP',
        'lots of data',
        '>>> area(-1)',
        'Traceback (most recent call last):',
        '    ...',
        'ValueError: negative radius',
        '>>> describe(1.0)  # doctest: +ELLIPSIS',
        "'circle of radius 1.0 ...'",
        ">>> print('a\\n\\nb')",
        'a',
        '<BLANKLINE>',
        'b',
      ].join('\n'),
    )!;
    assert.equal(conv.code, "print(repr(describe(1.0)))\nprint('a\\n\\nb')");
    assert.equal(conv.expectedOutput, "'circle of radius 1.0 ...'\na\n\nb\n");
    assert.equal(conv.statements, 2);
  });

  test('a call to a function known to return nothing is left as is: it prints, it has no repr to show', () => {
    const conv = convertDoctest('>>> report(3)\nvalue: 3\n>>> area(1.0)\n3.14', { returnsNothing: (c) => c === 'report' })!;
    assert.equal(conv.code, 'report(3)\nprint(repr(area(1.0)))');
    assert.equal(conv.expectedOutput, 'value: 3\n3.14\n');
  });

  test('no prompts, no conversion; statements without output give no expected output', () => {
    assert.equal(convertDoctest('Just prose.\n\nNo examples here.'), null);
    const conv = convertDoctest('>>> x = 1\n>>> y = x + 1\n')!;
    assert.equal(conv.code, 'x = 1\ny = x + 1');
    assert.equal(conv.expectedOutput, null);
  });
});
