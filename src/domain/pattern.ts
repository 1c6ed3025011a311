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
  environment: z
    .object({
      lockHash: z.string().nullable().describe('sha256 of the lock the runs were made in: equals environmentHash of the run records made in this environment.'),
      lockFile: z.string().nullable().describe('The lock file (pip freeze form) in the library folder.'),
      python: z.string().nullable().describe('Base interpreter the environment is made from (null: CODEDISTILL_PYTHON).'),
      package: z.string().nullable().describe('How the package was installed in it: "installed", "not_packaged" or "failed".'),
    })
    .nullable()
    .optional()
    .describe("The library's environment: what its blocks were validated in."),
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
