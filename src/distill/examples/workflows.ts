/**
 * Whole example scripts and notebooks: each that uses the package is a workflow when it is not too long,
 * and also a usage example of the blocks it calls when it is short and runs without arguments.
 */
import type { BlockRef } from './call-resolver.js';
import { makeExample, TIER, type Candidate, type WorkflowCandidate } from './collector.js';

const MAX_WORKFLOW_LINES = 400;
const MAX_WHOLE_FILE_EXAMPLE_LINES = 120;

export interface WholeFile {
  path: string;
  /** Imports already rewritten as a user writes them. */
  code: string;
  /** The blocks it calls (at least one). */
  called: BlockRef[];
  summary: string | null;
  source: 'script' | 'notebook';
  /** Example.startLine of the example made from it. */
  startLine: number | null;
  /** False when it needs what a bare run does not give it (command-line arguments). */
  runsBare: boolean;
}

/** The workflow and example candidates of one whole file, in that order. */
export function wholeFileCandidates(f: WholeFile): Candidate[] {
  const lines = f.code.split('\n').length;
  const out: Candidate[] = [];
  if (lines <= MAX_WORKFLOW_LINES) {
    out.push({ kind: 'workflow', workflow: { path: f.path, code: f.code, callsBlocks: f.called.map((b) => b.qualifiedName), summary: f.summary, source: f.source } });
  }
  if (lines <= MAX_WHOLE_FILE_EXAMPLE_LINES && f.runsBare) {
    out.push({ kind: 'example', example: makeExample(f.code, f.source, f.path, f.startLine, null), tier: TIER[f.source], needsPytest: false, blocks: f.called });
  }
  return out;
}

/** Example scripts and notebooks that use the package, as workflow candidates, in the order mined. */
export function workflowCandidates(mined: readonly Candidate[]): WorkflowCandidate[] {
  return mined.flatMap((c) => (c.kind === 'workflow' ? [c.workflow] : []));
}
