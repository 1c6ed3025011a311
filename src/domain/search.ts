import { z } from 'zod';
import { BlockKind, Language } from './block.js';
import { RunStatus, ValidationLevel } from './validation.js';

export const SearchFilters = z.object({
  library: z.string().optional().describe('Only this library (see list_libraries).'),
  language: Language.optional().describe('Only this language.'),
  kind: BlockKind.optional().describe('Only this kind.'),
  validatedOnly: z
    .boolean()
    .optional()
    .describe('Only blocks whose example ran cleanly (level checked or ran).'),
  checkedOnly: z
    .boolean()
    .optional()
    .describe('Only blocks whose example matched a stated output (level checked).'),
  licence: z.string().optional().describe('Only this SPDX licence id.'),
  gpu: z.boolean().optional().describe('Needs a GPU.'),
  network: z.boolean().optional().describe('Reaches the network.'),
  dataFiles: z
    .boolean()
    .optional()
    .describe('Reads data files.'),
});
export type SearchFilters = z.infer<typeof SearchFilters>;

export const SearchQuery = SearchFilters.extend({
  query: z
    .string()
    .trim()
    .min(1, 'query is empty: describe what the code should do, or paste code')
    .max(2000, 'query is over 2000 characters: describe the task in a sentence or paste the key lines')
    .describe(
      'The task in the field\'s words ("pressure loss through a packed bed of spheres, Ergun"), or code.',
    ),
  limit: z.number().int().min(1).max(50).default(10).describe('How many results.'),
});
export type SearchQuery = z.infer<typeof SearchQuery>;

export const SearchHit = z.object({
  id: z.string().describe('Pass to get_pattern for the whole block.'),
  qualifiedName: z.string(),
  kind: BlockKind,
  library: z.string(),
  language: Language,
  path: z.string(),
  signature: z.string(),
  summary: z.string(),
  score: z.number().describe('Relevance in [0, 1]; higher is better.'),
  confidence: z.enum(['high', 'medium', 'low']).describe('low means probably not what was asked for.'),
  validation: RunStatus.describe('Status of the block\'s best run record.'),
  level: ValidationLevel.nullable().describe(
    'Validation level of that record: checked (matched an output the repository states), ran (ran, nothing to compare), failed, skipped; null when never run.',
  ),
  matched: z.array(z.string()).describe('Which fields matched the query (name, docstring, signature, ..., vector).'),
  demo: z
    .boolean()
    .optional()
    .describe('true: from a demo library shipped with codedistill (made-up fixture code, not a real repository); absent otherwise.'),
});
export type SearchHit = z.infer<typeof SearchHit>;

export const SearchResult = z.object({
  results: z.array(SearchHit),
  mode: z.enum(['hybrid', 'lexical']).describe('hybrid: neural vectors and full text; lexical: no neural model was loaded.'),
  embedder: z.string().describe('The embedding model that made the vectors, or the fallback used.'),
  libraries: z.array(z.string()).describe('Libraries searched.'),
  tookMs: z.number(),
});
export type SearchResult = z.infer<typeof SearchResult>;

/**
 * A hit as search_library sends it: what it takes to choose one, in a few dozen tokens; get_pattern has the rest.
 * What every hit would repeat (the library's demo label) is said once on the answer.
 */
export const CompactHit = z.object({
  id: SearchHit.shape.id,
  summary: z.string().describe('One line, capped.'),
  signature: z.string().optional().describe('The call, when it is short (else see get_pattern).'),
  confidence: SearchHit.shape.confidence.optional().describe("Only where it differs from the answer's confidence."),
  level: ValidationLevel.optional().describe('checked (matched a stated output), ran, failed, skipped; absent: never run.'),
});
export type CompactHit = z.infer<typeof CompactHit>;

export const SearchAnswer = z.object({
  results: z.array(CompactHit).describe('Best first.'),
  mode: SearchResult.shape.mode,
  confidence: SearchHit.shape.confidence.optional().describe('low means probably not what was asked for; the confidence of every hit that states none.'),
  demo: z.array(z.string()).optional().describe('Libraries among the hits that are demos shipped with codedistill (made-up code).'),
  libraries: SearchResult.shape.libraries.optional().describe('Libraries searched, when nothing matched.'),
});
export type SearchAnswer = z.infer<typeof SearchAnswer>;
