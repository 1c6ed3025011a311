import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isCodedistillError } from '../../src/kernel/errors.js';
import { NotebookError, readNotebook, readNotebookContent, stripMagics } from '../../src/python/notebook.js';

describe('readNotebook', () => {
  test('code cells in order, magics and shell lines removed, markdown kept apart', () => {
    const text = JSON.stringify({
      nbformat: 4,
      nbformat_minor: 2,
      metadata: { language_info: { name: 'python' } },
      cells: [
        { cell_type: 'markdown', source: '# Tour\n\nA short tour.', metadata: {} },
        { cell_type: 'code', source: ['%load_ext autoreload\n', '!pip install geom\n', 'import geom\n'], metadata: {}, outputs: [] },
        { cell_type: 'code', source: '%%bash\necho hi\n', metadata: {}, outputs: [] },
        { cell_type: 'code', source: '%%time\nx = geom.area(1.0)\n', metadata: {}, outputs: [] },
        { cell_type: 'code', source: 'for i in range(2):\n    %time geom.area(i)\ngeom.area?\n', metadata: {}, outputs: [] },
        { cell_type: 'code', source: '', metadata: {}, outputs: [] },
      ],
    });
    assert.deepEqual(readNotebook(text), ['import geom', 'x = geom.area(1.0)', 'for i in range(2):\n    pass']);
    assert.deepEqual(readNotebookContent(text).markdownCells, ['# Tour\n\nA short tour.']);
  });

  test('invalid JSON, a non-notebook and an unknown nbformat throw NotebookError', () => {
    for (const bad of ['{"cells": [', '[1, 2]', JSON.stringify({ nbformat: 5, cells: [] }), JSON.stringify({ cells: [] }), JSON.stringify({ nbformat: 4 })]) {
      assert.throws(
        () => readNotebook(bad, 'nb/x.ipynb'),
        (e: unknown) => e instanceof NotebookError && isCodedistillError(e) && e.code === 'invalid_input' && e.path === 'nb/x.ipynb' && /x\.ipynb/.test(e.message),
        bad,
      );
    }
  });

  test('nbformat 3 worksheets are read; a notebook with another kernel language gives no Python cells', () => {
    const v3 = JSON.stringify({ nbformat: 3, metadata: {}, worksheets: [{ cells: [{ cell_type: 'code', input: 'import geom\n', language: 'python' }] }] });
    assert.deepEqual(readNotebook(v3), ['import geom']);
    const r = JSON.stringify({ nbformat: 4, metadata: { kernelspec: { language: 'R' } }, cells: [{ cell_type: 'code', source: 'library(x)', metadata: {} }] });
    assert.deepEqual(readNotebook(r), []);
  });

  test('stripMagics drops non-Python cell magics entirely', () => {
    assert.equal(stripMagics('%%writefile x.py\nprint(1)\n'), null);
    assert.equal(stripMagics('files = !ls\nprint(files)'), 'print(files)');
  });
});
