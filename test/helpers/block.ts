/**
 * A valid block for tests that need one and care about few of its fields: a function `name` in `module` of
 * `library`, documented by `summary` and `docstring`, nothing run, no examples. `over` sets anything else.
 */
import { Block } from '../../src/domain/block.js';

export interface TestBlockSpec {
  name: string;
  library?: string;
  module?: string;
  summary?: string;
  docstring?: string | null;
  signature?: string;
  code?: string;
}

export function testBlock(spec: TestBlockSpec, over: Partial<Block> = {}): Block {
  const library = spec.library ?? 'lib';
  const module = spec.module ?? `${library}.m`;
  const qualifiedName = `${module}.${spec.name}`;
  const signature = spec.signature ?? `def ${spec.name}(x):`;
  return Block.parse({
    id: `${library}:${qualifiedName}`,
    library,
    language: 'python',
    kind: 'function',
    name: spec.name,
    qualifiedName,
    module,
    signature,
    docstring: spec.docstring ?? null,
    summary: spec.summary ?? '',
    code: spec.code ?? `${signature}\n    return x\n`,
    decorators: [],
    parameters: [],
    returns: null,
    imports: [],
    calls: [],
    requirements: [],
    licence: 'MIT',
    citation: null,
    provenance: { repo: library, url: null, commit: 'x', path: `${module.replace(/\./g, '/')}.py`, startLine: 1, endLine: 2 },
    examples: [],
    validation: null,
    compute: { gpu: false, network: false },
    rank: 1,
    tags: [],
    ...over,
  });
}
