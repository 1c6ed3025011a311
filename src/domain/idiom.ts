/**
 * Cross-repository patterns: the idioms several libraries share in their use of other packages (a value built by
 * a call and what is then done with it; the functions of one submodule used together), mined from distilled
 * libraries and stored as a library of `pattern` blocks. The schema of a pattern's facts, of the request that
 * mines them and of its report.
 */
import { z } from 'zod';
import { RunRecord } from './validation.js';

export const PatternSource = z.object({
  library: z.string().describe('A source library the patterns were mined from.'),
  repo: z.string().describe('Its repository (owner/name, or the folder name).'),
  commit: z.string().describe('The commit it was distilled at.'),
  licence: z.string().describe("Its licence (SPDX id): the members' code and examples are under it."),
});
export type PatternSource = z.infer<typeof PatternSource>;

export const PatternMember = z.object({
  block: z.string().describe('Id of the source block whose code or example holds the idiom (pass it to get_pattern).'),
  library: z.string(),
  repo: z.string(),
  commit: z.string(),
  path: z.string().describe('File of the code that holds it, relative to the repository root.'),
  startLine: z.number().int(),
  endLine: z.number().int(),
  in: z.enum(['code', 'example']).describe("code: the block's own code; example: one of its examples."),
  example: z.number().int().nullable().describe("Index of the example among the block's examples (in: example)."),
  steps: z.array(z.string()).describe("The pattern's steps this member takes."),
});
export type PatternMember = z.infer<typeof PatternMember>;

export const PatternStep = z.object({
  step: z
    .string()
    .describe('A normalised step: ".y" (attribute read), ".fit()" (method call), "()" (the value called), "unpack:2", "numpy.abs(_)" (passed to a call), "[1]..." (a part of an unpacked value); for a module pattern, a function name.'),
  repos: z.number().int().describe('Repositories whose code takes this step.'),
});
export type PatternStep = z.infer<typeof PatternStep>;

export const PatternFacts = z.object({
  shape: z.enum(['value', 'module']).describe('value: a value built by one call and what is done with it; module: functions of one submodule used together.'),
  subject: z.string().describe('The building call (value) or the submodule (module), qualified: scipy.integrate.solve_ivp, numpy.fft.'),
  template: z.string().describe('The idiom as a short normalised Python template (qualified names, arguments elided as ..., keyword names kept).'),
  description: z.string().describe('One line saying what the idiom does, built from the calls\' own names.'),
  packages: z.array(z.string()).describe('Top-level packages it uses (import names).'),
  calls: z.array(z.string()).describe('The qualified calls it makes.'),
  steps: z.array(PatternStep).describe('Its steps in their usual order, each with how many repositories take it.'),
  keywords: z.array(z.object({ name: z.string(), repos: z.number().int() })).describe('Keyword arguments of the building call that several repositories pass.'),
  quotes: z
    .array(z.object({ text: z.string(), block: z.string() }))
    .default([])
    .describe("Sentences of the member blocks' own docstrings and docs that name the subject: what the repositories say it is for."),
  repos: z.number().int().describe('How many repositories use it.'),
  blocks: z.number().int().describe('How many source blocks use it (in their code or examples).'),
  members: z.array(PatternMember).describe('Where it is used, at most a few per repository (all of them are counted in blocks).'),
  sources: z.array(PatternSource).describe('The source libraries of its members, with their commits and licences.'),
  representative: z
    .object({
      block: z.string(),
      library: z.string(),
      example: z.number().int().describe("Index of the example among that block's examples."),
      holds: z.enum(['example', 'block']).describe('example: the example itself takes the steps; block: the block\'s code takes them and this example of it ran.'),
      run: RunRecord,
    })
    .nullable()
    .describe('One member example that ran (its run record as stored in its library), or null when none ran.'),
  score: z.number().describe('How telling the pattern is: repositories times the rarity of its subject across all the code mined.'),
});
export type PatternFacts = z.infer<typeof PatternFacts>;

export const MinePatternsRequest = z.object({
  name: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9._-]{0,50}$/, 'a field name: lowercase letters, digits, ".", "_" and "-", at most 51')
    .describe('The field: writes the library "<name>-patterns".'),
  libraries: z
    .array(z.string().trim().min(1))
    .optional()
    .describe('Libraries to mine (default: all yours).'),
  minRepos: z.number().int().min(2).max(1000).default(2).describe('Repositories a pattern needs.'),
  maxPatterns: z.number().int().min(1).max(5000).default(200).describe('At most this many, most telling first.'),
});
export type MinePatternsRequest = z.infer<typeof MinePatternsRequest>;

export const MinePatternsReport = z.object({
  library: z.string().describe('The pattern library written (search it with kind "pattern").'),
  libraryPath: z.string().nullable(),
  sources: z.array(PatternSource),
  units: z.number().int().describe('Pieces of code read: block code and examples.'),
  patterns: z.number().int(),
  withRun: z.number().int().describe('Patterns with a representative example that ran.'),
  top: z
    .array(z.object({ id: z.string(), template: z.string(), repos: z.number().int(), blocks: z.number().int(), ran: z.boolean() }))
    .describe('The most telling patterns (up to 20).'),
  durationMs: z.number(),
  warnings: z.array(z.string()),
});
export type MinePatternsReport = z.infer<typeof MinePatternsReport>;
