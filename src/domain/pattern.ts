import { z } from 'zod';
import { Block, BlockKind, Example, ExampleSource, Parameter, Provenance } from './block.js';
import { LibrarySource } from './library.js';
import { RunRecord, RunStatus, ValidationLevel } from './validation.js';
import { PatternFacts } from './idiom.js';

export const LibraryInfo = z.object({
  name: z.string(),
  description: z.string().nullable(),
  licence: z.string(),
  citation: z.string().nullable(),
  source: LibrarySource,
  blocks: z.number().int(),
  validated: z.number().int().describe('Blocks with a passing run record.'),
  createdAt: z.string(),
  shipped: z.boolean().describe('True for a library that cannot be changed or removed here: shipped with codedistill, or in a read-only folder.'),
  demo: z.boolean().optional().describe('True for a demo library shipped with codedistill (made-up fixture code).'),
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

export const PatternDetail = z
  .enum(['usage', 'full'])
  .describe('usage (default): what it takes to call it. full: also the source, parameters, every example with its run record, prose.');
export type PatternDetail = z.infer<typeof PatternDetail>;

export const GetPatternInput = z.object({
  id: z
    .string()
    .trim()
    .min(1, 'id is empty: pass an id from search_library, e.g. "flowcalc:flowcalc.beds.ergun_pressure_drop"')
    .describe('Block id from search_library ("<library>:<qualified name>"), or its link\'s block:// uri.'),
  detail: PatternDetail.default('usage').describe('usage (default) or full (adds source, parameters, all examples and run records).'),
});
export type GetPatternInput = z.infer<typeof GetPatternInput>;

/** A block, its library and its usage, as the app finds them: the raw material of get_pattern's answer. */
export interface PatternResult {
  block: Block;
  library: LibraryInfo;
  usage: string;
}

/** What a run showed, in the few words a caller needs; the whole record is in detail full. */
export const RunBrief = z.object({
  status: RunStatus,
  level: ValidationLevel.nullable(),
  output: z.string().nullable().describe('What it printed, capped.'),
});
export type RunBrief = z.infer<typeof RunBrief>;

/**
 * get_pattern's answer. Each fact is sent once: the docstring lives in `doc` (usage) or inside `code` (full),
 * never also in the parameters; the example behind `usage` is not repeated among `examples`.
 */
export const PatternAnswer = z.object({
  id: z.string(),
  kind: BlockKind,
  signature: z.string(),
  doc: z.string().describe("The docstring's first paragraph (or the one-line summary); the whole docstring is in code with detail full."),
  usage: z.string().describe('Ready-to-run Python: the import and the best validated example, else a call skeleton.'),
  usageFrom: z
    .object({ source: ExampleSource, run: z.union([RunBrief, RunRecord]).nullable() })
    .nullable()
    .describe('Where usage comes from and how its run went (null: a skeleton built from the signature).'),
  requirements: z.array(z.string()).describe('Third-party distributions it needs (pip names).'),
  licence: z.string(),
  citation: z.string().nullable(),
  provenance: Provenance,
  library: z.object({ name: z.string(), demo: z.boolean().optional() }).describe('The library (demo: a made-up fixture shipped with codedistill).'),
  cut: z
    .array(z.string())
    .optional()
    .describe('What this usage answer left out or shortened to fit a context; detail "full" has it whole.'),
  pattern: PatternFacts.optional().describe('For a pattern (kind "pattern"): its template, steps, members with their provenance, source libraries and the representative run.'),
  full: z
    .object({
      code: Block.shape.code,
      parameters: z.array(Parameter.omit({ description: true })).describe('Parameters; what each means is in the docstring inside code.'),
      returns: Block.shape.returns,
      examples: z.array(Example).describe('The other examples, best first, each with its run record.'),
      validation: Block.shape.validation,
      imports: Block.shape.imports,
      calls: Block.shape.calls,
      decorators: Block.shape.decorators,
      compute: Block.shape.compute,
      prose: Block.shape.prose,
      tags: Block.shape.tags,
      rank: Block.shape.rank,
      libraryInfo: LibraryInfo,
    })
    .optional()
    .describe('Present with detail full.'),
});
export type PatternAnswer = z.infer<typeof PatternAnswer>;
