import { z } from 'zod';
import { RunRecord } from './validation.js';
import { PatternFacts } from './idiom.js';

export const Language = z.enum(['python', 'r', 'julia', 'c', 'cpp']).describe('Source language of the block.');
export type Language = z.infer<typeof Language>;

export const BlockKind = z
  .enum(['function', 'class', 'method', 'workflow', 'pattern'])
  .describe(
    'function: module-level function; class; method: function inside a class; workflow: an example script or notebook pipeline; ' +
      'pattern: an idiom several repositories share in their use of a package (mined across libraries, with its sources and an example that ran).',
  );
export type BlockKind = z.infer<typeof BlockKind>;

export const Parameter = z.object({
  name: z.string(),
  annotation: z.string().nullable().describe('Type annotation as written, if any.'),
  default: z.string().nullable().describe('Default value as written, if any.'),
  kind: z.enum(['positional', 'keyword', 'var_positional', 'var_keyword', 'positional_only', 'keyword_only']),
  description: z.string().nullable().describe('What the docstring says of this parameter, if anything.'),
  docType: z.string().optional().describe('The type the docstring states for this parameter (numpydoc `x : float`), when it states one.'),
});
export type Parameter = z.infer<typeof Parameter>;

export const Provenance = z.object({
  repo: z.string().describe('Where the code came from: owner/name for GitHub, else the local folder.'),
  url: z.string().nullable().describe('A link to the exact lines when the source is on GitHub.'),
  commit: z.string().describe('Git commit, or a content hash (prefixed "sha256:") for a folder that is not a git checkout.'),
  path: z.string().describe('File path relative to the repository root, with forward slashes.'),
  startLine: z.number().int().describe('First line of the block (1-based).'),
  endLine: z.number().int().describe('Last line of the block (1-based, inclusive).'),
});
export type Provenance = z.infer<typeof Provenance>;

export const ExampleSource = z
  .enum(['doctest', 'test', 'script', 'notebook', 'readme', 'docs', 'import', 'generated', 'synthesized'])
  .describe(
    'readme: a README snippet; docs: a snippet of a documentation page under docs/ or doc/ (Sphinx or MkDocs source), joined with the earlier snippets of its page it needs; ' +
      'synthesized: a call built offline from the signature, types and values the repository uses, kept because it ran cleanly; ' +
      'it shows that the block runs and how to call it, not that the result is right (its printed result is observed, never expected output).',
  );
export type ExampleSource = z.infer<typeof ExampleSource>;

export const Example = z.object({
  code: z.string().describe('A runnable Python snippet that imports the package as a user would.'),
  source: ExampleSource.describe('Where the example was mined from (import: a generated import smoke check; synthesized: a call built offline that ran: how to call it, not that the result is right).'),
  path: z.string().nullable().describe('File it was mined from, relative to the repo root.'),
  startLine: z.number().int().nullable(),
  expectedOutput: z.string().nullable().describe('Output the source states (doctest output), if any.'),
  run: RunRecord.nullable().describe('The record of running this example, if it was run.'),
  repairedFrom: z
    .string()
    .nullable()
    .optional()
    .describe('The code as it was before a language model repaired it (run records the repaired code); absent or null when never repaired.'),
  repairAttempts: z
    .number()
    .int()
    .optional()
    .describe('How many repaired versions were run before one passed, when the example was repaired.'),
});
export type Example = z.infer<typeof Example>;

export const Compute = z.object({
  gpu: z.boolean().describe('Uses a GPU (CUDA, torch.cuda, cupy, jax devices).'),
  network: z.boolean().describe('Reaches the network or downloads data.'),
  dataFiles: z
    .boolean()
    .default(false)
    .describe('Reads input data files (np.load, pandas.read_*, HDF5, netCDF, FITS, MATLAB, open() of a data path): the caller must supply them.'),
});
export type Compute = z.infer<typeof Compute>;

export const ProseSource = z
  .enum(['docs', 'readme', 'notebook', 'module', 'comments'])
  .describe(
    'docs: a documentation page section that documents or names the block (autodoc, autosummary, mkdocstrings, inline code) or the paragraph before a snippet calling it; ' +
      'readme: the same in a README; notebook: the markdown just before a code cell calling it; module: the first paragraph of its module docstring; comments: the comments in its body.',
  );
export type ProseSource = z.infer<typeof ProseSource>;

export const ProseNote = z
  .object({
    source: ProseSource,
    text: z.string().describe('The prose, markup removed, with the heading chain of its section in front when there is one ("Solar Position: Functions for ...").'),
    path: z.string().nullable().describe('File it was read from, relative to the repo root (null for comments: they are in the block\'s code).'),
  })
  .describe("What the repository's own documentation says about this block, outside its docstring.");
export type ProseNote = z.infer<typeof ProseNote>;

/** A building block as stored in a library's blocks.jsonl and served by get_pattern. */
export const Block = z.object({
  id: z.string().describe('Stable id: "<library>:<qualifiedName>". Pass it to get_pattern.'),
  library: z.string(),
  language: Language,
  kind: BlockKind,
  name: z.string().describe('Bare name, e.g. ergun_pressure_drop.'),
  qualifiedName: z.string().describe('Import path and name, e.g. flowkit.beds.ergun_pressure_drop or pkg.mod.Class.method.'),
  module: z.string().describe('Python module to import it from, e.g. flowkit.beds.'),
  signature: z.string().describe('The def/class line(s) as written, without the body.'),
  docstring: z.string().nullable(),
  summary: z.string().describe('One line saying what it does.'),
  code: z.string().describe('The full source of the block.'),
  decorators: z.array(z.string()),
  parameters: z.array(Parameter),
  returns: z.string().nullable().describe('Return annotation or documented return, if any.'),
  imports: z.array(z.string()).describe('Module-level import statements the block needs.'),
  calls: z.array(z.string()).describe('Names the block calls.'),
  requirements: z.array(z.string()).describe('Third-party distributions the block needs (pip names).'),
  licence: z.string().describe('SPDX id of the repository licence, or "NOASSERTION" when none was found.'),
  citation: z.string().nullable().describe('How to cite the repository, when it says.'),
  provenance: Provenance,
  examples: z.array(Example).describe('Usage examples, best first.'),
  validation: RunRecord.nullable().describe('The best run record among the examples: the evidence that this block runs.'),
  compute: Compute,
  rank: z.number().describe('How central the block is in its repository (higher is more central).'),
  tags: z.array(z.string()).describe('Extra words for search: file role, parent class, etc.'),
  prose: z
    .array(ProseNote)
    .default([])
    .describe("What the repository's own documentation says about this block, outside its docstring: docs sections, README, notebooks, the module docstring, body comments; most specific first. Empty in libraries written before it was read."),
  pattern: PatternFacts.optional().describe('For a pattern block: the idiom, its steps, members, sources and representative run.'),
});
export type Block = z.infer<typeof Block>;

export function blockId(library: string, qualifiedName: string): string {
  return `${library}:${qualifiedName}`;
}
