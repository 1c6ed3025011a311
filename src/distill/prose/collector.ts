/**
 * What the prose collectors share: one signature (like the example collectors), the context of one pass and
 * the finding each hands back. A finding's priority orders a block's notes: lower is more specific to it.
 */
import type { Block, ProseNote, ProseSource } from '../../domain/block.js';
import type { Candidate } from '../examples/collector.js';
import type { MiningContext } from '../examples/context.js';
import type { ProseNames } from './names.js';

export interface ProseContext {
  readonly mining: MiningContext;
  /** The library's symbol blocks (docstring, code, provenance). */
  readonly blocks: readonly Block[];
  /** The example pass's candidates: which blocks each docs or README snippet calls. */
  readonly mined: readonly Candidate[];
  readonly names: ProseNames;
}

export interface ProseCollector {
  readonly source: ProseSource;
  collect(ctx: ProseContext): Promise<ProseFinding[]>;
}

export interface ProseFinding {
  /** The block's qualified name (as the miners name it). */
  qualifiedName: string;
  note: ProseNote;
  /** See PRIORITY. */
  priority: number;
  /** Where in its file, for a stable order. */
  line: number;
  /** How many blocks the same text is about: a paragraph about one block says more of it than one about three. */
  shared: number;
}

/** Lower first: a section that documents the block, then prose that names it, then prose beside its use, its own comments, its module. */
export const PRIORITY = {
  documented: 0,
  named: 1,
  /** A documenting section with no paragraph: its headings only ("Incident angle modifiers"). */
  headingOnly: 1.5,
  beforeSnippet: 2,
  notebook: 2,
  comments: 3,
  /** A docs section about the block's whole module (automodule): more than its docstring says, less than a section about the block. */
  documentedModule: 3.5,
  module: 4,
} as const;

/** Prose about more blocks than this is about a topic, not one of them. */
export const MAX_BLOCKS_PER_TEXT = 3;
