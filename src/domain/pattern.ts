import { z } from 'zod';
import { Block } from './block.js';
import { LibrarySource } from './library.js';

export const LibraryInfo = z.object({
  name: z.string(),
  description: z.string().nullable(),
  licence: z.string(),
  citation: z.string().nullable(),
  source: LibrarySource,
  blocks: z.number().int(),
  validated: z.number().int().describe('Blocks with a passing run record.'),
  createdAt: z.string(),
  shipped: z.boolean().describe('True for a library shipped with codedistill (read-only).'),
});
export type LibraryInfo = z.infer<typeof LibraryInfo>;

export const GetPatternInput = z.object({
  id: z
    .string()
    .trim()
    .min(1, 'id is empty: pass an id from search_library, e.g. "flowcalc:flowcalc.beds.ergun_pressure_drop"')
    .describe('Block id from search_library results ("<library>:<qualified name>").'),
});

export const PatternResult = z.object({
  block: Block,
  library: LibraryInfo,
  usage: z.string().describe('Ready-to-run Python: the import and the best example (or a call skeleton).'),
});
export type PatternResult = z.infer<typeof PatternResult>;
