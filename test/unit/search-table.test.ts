import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Block } from '../../src/domain/block.js';
import { blockSearchText } from '../../src/search/fields.js';
import { blockToRow, tableSchema } from '../../src/search/table.js';

test('a row has every column of the table, also for a block whose compute predates a field', () => {
  const block = Block.parse({
    id: 'lib:lib.f',
    library: 'lib',
    language: 'python',
    kind: 'function',
    name: 'f',
    qualifiedName: 'lib.f',
    module: 'lib',
    signature: 'def f():',
    docstring: 'Do f.',
    summary: 'Do f.',
    code: 'def f():\n    pass\n',
    decorators: [],
    parameters: [],
    returns: null,
    imports: [],
    calls: [],
    requirements: [],
    licence: 'MIT',
    citation: null,
    provenance: { repo: 'lib', url: null, commit: 'x', path: 'lib.py', startLine: 1, endLine: 2 },
    examples: [],
    validation: null,
    compute: { gpu: false, network: true },
    rank: 1,
    tags: [],
  });
  // As a bench or an old caller builds it: no zod defaults applied.
  const raw = { ...block, compute: { gpu: false, network: true } } as unknown as Block;
  const row = blockToRow(raw, new Float32Array(4), blockSearchText(raw), "hash");
  const columns = tableSchema(4).fields.map((f) => f.name).sort();
  assert.deepEqual(Object.keys(row).sort(), columns);
  for (const [k, v] of Object.entries(row)) assert.notEqual(v, undefined, k);
  assert.deepEqual([row.gpu, row.network, row.data_files], [false, true, false]);
});
