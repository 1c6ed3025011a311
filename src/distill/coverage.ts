/**
 * The figures a distill report gives about examples, from the final blocks (after every run, reclassification,
 * repair and generation): per example source, how many examples there are, how many ran and how many were checked;
 * and how many of the public documented code blocks carry an example that ran or was checked. One definition,
 * shared by the distill and revalidate jobs, so the manifest and every report count the same way.
 */
import { ExampleSource, type Block } from '../domain/block.js';
import type { ExampleCoverage, SourceCounts } from '../domain/library.js';
import { levelOf } from '../domain/validation.js';

/** A dunder (`__init__`) is the language's name, not a private one. */
const isDunder = (part: string) => part.length > 4 && part.startsWith('__') && part.endsWith('__');

/**
 * A block a user of the package is meant to call: no part of its qualified name is private (`_`-prefixed, dunders
 * aside), and it is not itself a dunder method (`__init__` is shown through its class).
 */
export function isPublicBlock(block: Pick<Block, 'qualifiedName' | 'name'>): boolean {
  if (block.name.startsWith('_')) return false;
  return block.qualifiedName.split('.').every((p) => !p.startsWith('_') || isDunder(p));
}

/** What the coverage figure counts: public code (functions, classes, methods) with a non-empty docstring. */
export function isPublicDocumentedCode(block: Pick<Block, 'qualifiedName' | 'name' | 'kind' | 'docstring'>): boolean {
  return block.kind !== 'workflow' && isPublicBlock(block) && (block.docstring ?? '').trim() !== '';
}

/** The examples that show a use of the block (import smoke checks do not). */
const usageExamples = (block: Pick<Block, 'examples'>) => block.examples.filter((e) => e.source !== 'import');

/** Whether one of the block's usage examples ran cleanly (`ran` or `checked`). */
export function hasExampleThatRan(block: Pick<Block, 'examples'>): boolean {
  return usageExamples(block).some((e) => {
    const l = levelOf(e.run);
    return l === 'ran' || l === 'checked';
  });
}

/**
 * Per source, the examples of every block (an example shared by several blocks counts for each, as `examples`
 * does), those that ran and those checked; sources with none are left out.
 */
export function sourceCounts(blocks: readonly Block[]): Partial<Record<ExampleSource, SourceCounts>> {
  const out: Partial<Record<ExampleSource, SourceCounts>> = {};
  for (const source of ExampleSource.options) {
    if (source === 'import') continue;
    const c: SourceCounts = { examples: 0, ran: 0, checked: 0 };
    for (const b of blocks) {
      for (const e of b.examples) {
        if (e.source !== source) continue;
        c.examples++;
        const l = levelOf(e.run);
        if (l === 'ran' || l === 'checked') c.ran++;
        if (l === 'checked') c.checked++;
      }
    }
    if (c.examples) out[source] = c;
  }
  return out;
}

/** How many public documented code blocks there are, with an example that ran, and with one that was checked. */
export function exampleCoverage(blocks: readonly Block[]): ExampleCoverage {
  const cov: ExampleCoverage = { blocks: 0, ran: 0, checked: 0 };
  for (const b of blocks) {
    if (!isPublicDocumentedCode(b)) continue;
    cov.blocks++;
    const levels = usageExamples(b).map((e) => levelOf(e.run));
    if (levels.some((l) => l === 'ran' || l === 'checked')) cov.ran++;
    if (levels.includes('checked')) cov.checked++;
  }
  return cov;
}

/** The example figures of DistillCounts. */
export function exampleFigures(blocks: readonly Block[]): { bySource: Partial<Record<ExampleSource, SourceCounts>>; coverage: ExampleCoverage } {
  return { bySource: sourceCounts(blocks), coverage: exampleCoverage(blocks) };
}
