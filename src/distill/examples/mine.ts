/**
 * Mining usage examples from what a repository already holds: doctests, tests, README code, docs pages,
 * example scripts and notebooks. Everything here is static: code is read and rewritten, never run.
 *
 * Every example imports the package the way a user would (absolute imports, the public module when
 * the package re-exports a name); relative imports are resolved and sys.path hacks dropped. Test
 * helpers, fixtures and constants a test needs are inlined so the example runs on its own.
 *
 * One pass (`mine`) runs every collector; its candidates give the examples per block (here) and the
 * workflows (workflows.ts).
 */
import type { Example } from '../../domain/block.js';
import type { Candidate, Collector, ExampleCandidate } from './collector.js';
import { docsCollector, readmeCollector } from './collectors/docs.js';
import { doctestCollector } from './collectors/doctests.js';
import { notebookCollector } from './collectors/notebooks.js';
import { scriptCollector } from './collectors/scripts.js';
import { testCollector } from './collectors/tests.js';
import { createMiningContext, type MineInput, type MiningContext } from './context.js';

export const MAX_EXAMPLES_PER_BLOCK = 3;

/** In this order; within a tier the earlier collector's candidate wins a tie. */
const COLLECTORS: readonly Collector[] = [doctestCollector, testCollector, readmeCollector, docsCollector, scriptCollector, notebookCollector];

/** Every example and workflow candidate of the repository, in the order found (the context may be shared with a later pass over the same input). */
export async function mine(input: MineInput, ctx: MiningContext = createMiningContext(input)): Promise<Candidate[]> {
  const out: Candidate[] = [];
  for (const collector of COLLECTORS) out.push(...(await collector.collect(ctx)));
  return out;
}

/**
 * Examples per block (by qualified name), best first, at most three: doctest with expected output,
 * test with asserts, other doctests and tests and README/docs snippets with stated output, README, docs, script,
 * notebook; shorter first within a kind.
 */
export function examplesByBlock(mined: readonly Candidate[]): Map<string, Example[]> {
  const per = new Map<string, ExampleCandidate[]>();
  for (const c of mined) {
    if (c.kind !== 'example') continue;
    for (const b of c.blocks) {
      const list = per.get(b.qualifiedName) ?? [];
      list.push(c);
      per.set(b.qualifiedName, list);
    }
  }
  const out = new Map<string, Example[]>();
  for (const [qn, list] of per) {
    const seen = new Set<string>();
    const picked: Example[] = [];
    for (const c of sortCandidates(list)) {
      // The same code stating an output and not is two examples (a notebook's saved outputs and its bare run).
      const key = `${c.example.code}\u0000${c.example.expectedOutput ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      // Each block gets its own Example object: the run record is written on it later.
      picked.push({ ...c.example });
      if (picked.length >= MAX_EXAMPLES_PER_BLOCK) break;
    }
    out.set(qn, picked);
  }
  return out;
}

function sortCandidates(list: ExampleCandidate[]): ExampleCandidate[] {
  return [...list].sort(
    (a, b) =>
      a.tier - b.tier ||
      Number(a.needsPytest) - Number(b.needsPytest) ||
      a.example.code.split('\n').length - b.example.code.split('\n').length ||
      a.example.code.length - b.example.code.length,
  );
}
