/**
 * What every example source shares: a collector per kind of source (doctests, tests, docs, scripts,
 * notebooks), all with one signature, and the candidates they hand back for ranking.
 */
import type { Example, ExampleSource } from '../../domain/block.js';
import type { BlockRef } from './call-resolver.js';
import type { MiningContext } from './context.js';

export interface Collector {
  /** The Example.source of what it finds. */
  readonly source: ExampleSource;
  collect(ctx: MiningContext): Promise<Candidate[]>;
}

/** A usage example offered to the blocks it calls. */
export interface ExampleCandidate {
  kind: 'example';
  example: Example;
  /** See TIER. */
  tier: number;
  needsPytest: boolean;
  blocks: BlockRef[];
}

/** A whole example script or notebook that uses the package. */
export interface WorkflowCandidate {
  path: string;
  code: string;
  /** Qualified names of the blocks it uses. */
  callsBlocks: string[];
  /** From the module docstring, the leading comment or the notebook's first markdown cell. */
  summary: string | null;
  source: 'script' | 'notebook';
}

export type Candidate = ExampleCandidate | { kind: 'workflow'; workflow: WorkflowCandidate };

/** Lower is better: the order examples are offered in, whatever their length. */
export const TIER = {
  doctestWithOutput: 0,
  testWithAsserts: 1,
  doctest: 2,
  test: 2,
  /** A README or docs snippet whose output the page states (a doctest, a testcode with its testoutput). */
  docWithOutput: 2,
  readme: 3,
  docs: 3,
  script: 4,
  notebook: 5,
} as const;

export function makeExample(code: string, source: ExampleSource, p: string | null, line: number | null, expected: string | null): Example {
  return { code: code.replace(/\s+$/, '') + '\n', source, path: p, startLine: line, expectedOutput: expected, run: null };
}
