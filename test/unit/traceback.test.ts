import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describePythonError, finalFrames, missingModuleOf, parseTraceback, raisedOutsideSnippet } from '../../src/validate/traceback.js';

// Fixtures are stderr captured from CPython 3.11 (the sandbox shows the snippet as /sandbox/snippet.py).
const S = '/sandbox/snippet.py';

test('simple exception: type, message and the snippet line', () => {
  const stderr = [
    'Traceback (most recent call last):',
    `  File "${S}", line 3, in <module>`,
    '    1/0',
    '    ~^~',
    'ZeroDivisionError: division by zero',
    '',
  ].join('\n');
  assert.deepEqual(parseTraceback(stderr, { snippetPath: S }), {
    type: 'ZeroDivisionError',
    message: 'division by zero',
    line: 3,
  });
});

test('SyntaxError from compiling the script has no header; the frame gives the line', () => {
  const stderr = [`  File "${S}", line 2`, '    print("a"', '         ^', "SyntaxError: '(' was never closed", ''].join('\n');
  assert.deepEqual(parseTraceback(stderr, { snippetPath: S }), {
    type: 'SyntaxError',
    message: "'(' was never closed",
    line: 2,
  });
});

test('IndentationError is read like a SyntaxError', () => {
  const stderr = [
    `  File "${S}", line 2`,
    '    print(1)',
    '    ^',
    "IndentationError: expected an indented block after 'if' statement on line 1",
  ].join('\n');
  const e = parseTraceback(stderr, { snippetPath: S });
  assert.equal(e?.type, 'IndentationError');
  assert.equal(e?.line, 2);
  assert.match(e?.message ?? '', /expected an indented block/);
});

test('chained with "During handling": the final exception wins, with its own line', () => {
  const stderr = [
    'Traceback (most recent call last):',
    `  File "${S}", line 2, in <module>`,
    '    {}["a"]',
    '    ~~^^^^^',
    "KeyError: 'a'",
    '',
    'During handling of the above exception, another exception occurred:',
    '',
    'Traceback (most recent call last):',
    `  File "${S}", line 4, in <module>`,
    '    raise ValueError("bad value")',
    'ValueError: bad value',
  ].join('\n');
  assert.deepEqual(parseTraceback(stderr, { snippetPath: S }), { type: 'ValueError', message: 'bad value', line: 4 });
});

test('chained with "direct cause": the final exception wins', () => {
  const stderr = [
    'Traceback (most recent call last):',
    `  File "${S}", line 2, in <module>`,
    '    1/0',
    'ZeroDivisionError: division by zero',
    '',
    'The above exception was the direct cause of the following exception:',
    '',
    'Traceback (most recent call last):',
    `  File "${S}", line 4, in <module>`,
    '    raise RuntimeError("wrapped") from e',
    'RuntimeError: wrapped',
  ].join('\n');
  assert.deepEqual(parseTraceback(stderr, { snippetPath: S }), { type: 'RuntimeError', message: 'wrapped', line: 4 });
});

test('a message spanning lines is kept whole', () => {
  const stderr = [
    'Traceback (most recent call last):',
    `  File "${S}", line 1, in <module>`,
    '    raise ValueError("first line\\nsecond line")',
    'ValueError: first line',
    'second line',
    '',
  ].join('\n');
  const e = parseTraceback(stderr, { snippetPath: S });
  assert.equal(e?.message, 'first line\nsecond line');
  assert.equal(describePythonError(e!), 'ValueError at line 1: first line');
});

test('error raised inside a library: line is the last snippet frame, type keeps its module', () => {
  const stderr = [
    'Traceback (most recent call last):',
    `  File "${S}", line 2, in <module>`,
    '    json.loads("{bad")',
    '  File "/usr/lib/python3.11/json/__init__.py", line 346, in loads',
    '    return _default_decoder.decode(s)',
    '           ^^^^^^^^^^^^^^^^^^^^^^^^^^',
    '  File "/usr/lib/python3.11/json/decoder.py", line 353, in raw_decode',
    '    obj, end = self.scan_once(s, idx)',
    'json.decoder.JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)',
  ].join('\n');
  const e = parseTraceback(stderr, { snippetPath: S });
  assert.equal(e?.type, 'json.decoder.JSONDecodeError');
  assert.equal(e?.line, 2);
  assert.equal(e?.message, 'Expecting property name enclosed in double quotes: line 1 column 2 (char 1)');
});

test('nested snippet frames: the innermost snippet frame gives the line', () => {
  const stderr = [
    'Traceback (most recent call last):',
    `  File "${S}", line 4, in <module>`,
    '    f()',
    `  File "${S}", line 3, in f`,
    '    raise MyError("custom")',
    '__main__.MyError: custom',
  ].join('\n');
  assert.deepEqual(parseTraceback(stderr, { snippetPath: S }), { type: 'MyError', message: 'custom', line: 3 });
});

test('exception without a message', () => {
  const stderr = ['Traceback (most recent call last):', `  File "${S}", line 1, in <module>`, '    raise KeyError', 'KeyError'].join(
    '\n',
  );
  const e = parseTraceback(stderr, { snippetPath: S });
  assert.deepEqual(e, { type: 'KeyError', message: '', line: 1 });
  assert.equal(describePythonError(e!), 'KeyError at line 1');
});

test('RecursionError with the "[Previous line repeated]" note', () => {
  const stderr = [
    'Traceback (most recent call last):',
    `  File "${S}", line 2, in <module>`,
    '    f()',
    `  File "${S}", line 1, in f`,
    '    def f(): return f()',
    '                    ^^^',
    '  [Previous line repeated 996 more times]',
    'RecursionError: maximum recursion depth exceeded',
  ].join('\n');
  assert.deepEqual(parseTraceback(stderr, { snippetPath: S }), {
    type: 'RecursionError',
    message: 'maximum recursion depth exceeded',
    line: 1,
  });
});

test('exception group: the group itself is the final exception', () => {
  const stderr = [
    '  + Exception Group Traceback (most recent call last):',
    `  |   File "${S}", line 1, in <module>`,
    '  |     raise ExceptionGroup("many", [ValueError("v"), TypeError("t")])',
    '  | ExceptionGroup: many (2 sub-exceptions)',
    '  +-+---------------- 1 ----------------',
    '    | ValueError: v',
    '    +---------------- 2 ----------------',
    '    | TypeError: t',
    '    +------------------------------------',
  ].join('\n');
  assert.deepEqual(parseTraceback(stderr, { snippetPath: S }), {
    type: 'ExceptionGroup',
    message: 'many (2 sub-exceptions)',
    line: 1,
  });
});

test('output printed to stderr before the traceback is ignored', () => {
  const stderr = [
    '/sandbox/snippet.py:1: UserWarning: careful',
    '  warnings.warn("careful")',
    'progress: 50%',
    'Traceback (most recent call last):',
    `  File "${S}", line 5, in <module>`,
    '    x["k"]',
    "TypeError: 'NoneType' object is not subscriptable",
  ].join('\n');
  const e = parseTraceback(stderr, { snippetPath: S });
  assert.equal(e?.type, 'TypeError');
  assert.equal(e?.line, 5);
});

test('no traceback: null', () => {
  assert.equal(parseTraceback('', { snippetPath: S }), null);
  assert.equal(parseTraceback('some warning text\nmore text\n', { snippetPath: S }), null);
  assert.equal(parseTraceback('Killed\n', { snippetPath: S }), null);
});

test('only frames of the snippet count for the line; without snippetPath any snippet.py does', () => {
  const stderr = [
    'Traceback (most recent call last):',
    '  File "/elsewhere/snippet.py", line 9, in <module>',
    '    boom()',
    'NameError: name \'boom\' is not defined',
  ].join('\n');
  assert.equal(parseTraceback(stderr, { snippetPath: S })?.line, null);
  assert.equal(parseTraceback(stderr)?.line, 9);
});

test('missingModuleOf reads the module from ModuleNotFoundError only', () => {
  assert.equal(missingModuleOf({ type: 'ModuleNotFoundError', message: "No module named 'sklearn.linear_model'", line: 1 }), 'sklearn.linear_model');
  assert.equal(missingModuleOf({ type: 'ImportError', message: "cannot import name 'x' from 'y'", line: 1 }), null);
  assert.equal(missingModuleOf(null), null);
});

test('finalFrames and raisedOutsideSnippet: where the final exception was raised', () => {
  const inLibrary = [
    'Traceback (most recent call last):',
    `  File "${S}", line 2, in <module>`,
    '    ct.ispassive(sys)',
    '  File "/repos/control/control/passivity.py", line 60, in ispassive',
    '    raise ModuleNotFoundError("cvxopt required for passivity module")',
    'ModuleNotFoundError: cvxopt required for passivity module',
  ].join('\n');
  assert.deepEqual(finalFrames(inLibrary), [
    { file: S, line: 2 },
    { file: '/repos/control/control/passivity.py', line: 60 },
  ]);
  assert.equal(raisedOutsideSnippet(inLibrary, { snippetPath: S }), true);
  const inSnippet = [
    'Traceback (most recent call last):',
    `  File "${S}", line 1, in <module>`,
    '    import cvxopt',
    '  File "<frozen importlib._bootstrap>", line 1176, in _find_and_load',
    "ModuleNotFoundError: No module named 'cvxopt'",
  ].join('\n');
  assert.equal(raisedOutsideSnippet(inSnippet, { snippetPath: S }), false);
  // Only the final exception's frames count after a chain marker.
  const chained = `${inLibrary}\n\nDuring handling of the above exception, another exception occurred:\n\n${inSnippet}`;
  assert.equal(finalFrames(chained).length, 2);
  assert.equal(raisedOutsideSnippet(chained, { snippetPath: S }), false);
  assert.deepEqual(finalFrames('no traceback here'), []);
  assert.equal(raisedOutsideSnippet(''), false);
});
