import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeMismatch, outputsMatch, withLegacyScalarReprs } from '../../src/validate/compare.js';

test('identical text matches; different text does not', () => {
  assert.equal(outputsMatch('hello world', 'hello world'), true);
  assert.equal(outputsMatch('hello world', 'hello there'), false);
  assert.equal(outputsMatch('', ''), true);
  assert.equal(outputsMatch('', 'something'), false);
  assert.equal(outputsMatch('something', ''), false);
});

test('trailing newlines and runs of whitespace do not count', () => {
  assert.equal(outputsMatch('a b\nc', 'a   b\r\nc\n\n'), true);
  assert.equal(outputsMatch('  x = 1', 'x = 1   \n'), true);
});

test('whitespace still separates words', () => {
  assert.equal(outputsMatch('ab c', 'abc'), false);
});

test('floats match within tolerance, not beyond it', () => {
  assert.equal(outputsMatch('0.3', '0.30000000000000004\n'), true);
  assert.equal(outputsMatch('result: 1.5', 'result: 1.5000000001'), true);
  assert.equal(outputsMatch('0.3', '0.31'), false);
  assert.equal(outputsMatch('10', '10.0'), true);
  assert.equal(outputsMatch('1e-3', '0.001'), true);
  assert.equal(outputsMatch('-2.5', '2.5'), false);
});

test('tolerances can be widened', () => {
  assert.equal(outputsMatch('3.14', '3.14159'), false);
  assert.equal(outputsMatch('3.14', '3.14159', { rtol: 1e-3 }), true);
  assert.equal(outputsMatch('0', '1e-12'), true);
  assert.equal(outputsMatch('0', '1e-6'), false);
  assert.equal(outputsMatch('0', '1e-6', { atol: 1e-5 }), true);
});

test('numpy array printing: padding and trailing dots', () => {
  assert.equal(outputsMatch('array([1. , 2.5])', 'array([1.0, 2.5])'), true);
  assert.equal(outputsMatch('[[1.  0. ]\n [0.  1. ]]', '[[1. 0.]\n [0. 1.]]\n'), true);
  assert.equal(outputsMatch('array([1. , 2.5])', 'array([1. , 2.6])'), false);
  assert.equal(outputsMatch('array([1, 2])', 'array([1, 2, 3])'), false);
});

test('nan and inf', () => {
  assert.equal(outputsMatch('[nan inf -inf]', '[nan inf -inf]'), true);
  assert.equal(outputsMatch('nan', '0.0'), false);
  assert.equal(outputsMatch('inf', '-inf'), false);
  assert.equal(outputsMatch('info', 'info'), true);
});

test('ELLIPSIS: ... in expected matches any run, across lines', () => {
  assert.equal(outputsMatch('<object at 0x...>', '<object at 0x7f3a2c1d>'), true);
  assert.equal(outputsMatch('start ... end', 'start\nmiddle lines\n1 2 3\nend\n'), true);
  assert.equal(outputsMatch('...', 'anything at all'), true);
  assert.equal(outputsMatch('first...', 'first and more'), true);
  assert.equal(outputsMatch('...last', 'stuff then last'), true);
  assert.equal(outputsMatch('start ... end', 'start middle'), false);
  assert.equal(outputsMatch('a ... b ... c', 'a x b y b z c'), true);
  assert.equal(outputsMatch('a ... b ... c', 'a x c y b'), false);
});

test('ELLIPSIS inside a token: prefix, suffix, digits cut short', () => {
  assert.equal(outputsMatch('3.14...', '3.14159265'), true);
  assert.equal(outputsMatch('3.14...', '3.15'), false);
  assert.equal(outputsMatch('id=...42', 'id=abc42'), true);
  assert.equal(outputsMatch('id=...42', 'id=abc43'), false);
  assert.equal(outputsMatch('<Model at 0x...>', '<Other at 0x1f>'), false);
});

test('... in the actual output is literal text (numpy summarising a long array)', () => {
  assert.equal(outputsMatch('[0 1 2 997 998 999]', '[0 1 2 ... 997 998 999]'), false);
  assert.equal(outputsMatch('[0 1 2 ... 997 998 999]', '[0 1 2 ... 997 998 999]'), true);
});

test('describeMismatch quotes both sides, shortened', () => {
  const msg = describeMismatch('0.5\n', `${'x'.repeat(500)}`);
  assert.match(msg, /^expected "0\.5", got "x+\.\.\."$/);
  assert.ok(msg.length < 200);
});

test('numpy 2 scalar reprs match the plain values a stated output shows', () => {
  assert.equal(outputsMatch("{'H-3': 5.0}", "{np.str_('H-3'): np.float64(5.0)}"), true);
  assert.equal(outputsMatch('(3, True)', '(np.int64(3), np.True_)'), true);
  assert.equal(outputsMatch('1.5', 'np.float64(1.5000000001)'), true);
  assert.equal(outputsMatch('[1.0, 2.0]', '[np.float64(1.0), np.float64(2.0)]'), true);
  // The value still has to be the stated one.
  assert.equal(outputsMatch("{'H-3': 5.0}", "{np.str_('H-3'): np.float64(6.0)}"), false);
  // A stated output written with numpy 2 reprs is compared as written.
  assert.equal(outputsMatch('np.float64(5.0)', '5.0'), false);
  assert.equal(outputsMatch('np.float64(5.0)', 'np.float64(5.0)'), true);
});

test('withLegacyScalarReprs leaves text without numpy scalars alone', () => {
  assert.equal(withLegacyScalarReprs('array([1., 2.])', '[1, 2]'), 'array([1., 2.])');
  assert.equal(withLegacyScalarReprs("np.str_('a)b')", "'a)b'"), "'a)b'");
});
