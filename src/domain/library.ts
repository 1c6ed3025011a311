import { ExampleSource, type Block } from './block.js';
import { z } from 'zod';
import { EnvironmentSettings, PackageInstall } from './environment.js';
import { PatternSource } from './idiom.js';

export const LIBRARY_SCHEMA_VERSION = 1;

export const LibraryName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lowercase letters, digits, ".", "_" and "-", starting with a letter or digit, at most 64')
  .describe('Library name: lowercase letters, digits, ".", "_" and "-".');

export const SkippedFile = z.object({
  path: z.string(),
  reason: z.string().describe('Why it was skipped or failed: too large, binary, syntax error, ...'),
});
export type SkippedFile = z.infer<typeof SkippedFile>;

export const SourceCounts = z.object({
  examples: z.number().int(),
  ran: z.number().int().describe('Ran cleanly (level ran or checked).'),
  checked: z.number().int().describe('Matched an output or held the asserts the repository states.'),
});
export type SourceCounts = z.infer<typeof SourceCounts>;

export const ExampleCoverage = z.object({
  blocks: z.number().int().describe('Public documented code blocks: functions, classes and methods with a docstring and no "_"-prefixed part in their name.'),
  ran: z.number().int().describe('Of those, blocks with an example that ran cleanly.'),
  checked: z.number().int().describe('Of those, blocks with an example that was checked.'),
});
export type ExampleCoverage = z.infer<typeof ExampleCoverage>;

export const DistillCounts = z.object({
  filesSeen: z.number().int(),
  filesParsed: z.number().int(),
  filesSkipped: z.number().int(),
  parseErrors: z.number().int(),
  blocks: z.number().int(),
  examples: z.number().int(),
  validated: z.number().int().describe('Blocks with a passing run record.'),
  bySource: z
    .partialRecord(ExampleSource, SourceCounts)
    .optional()
    .describe('Examples per source (import checks aside; sources with none left out): how many, how many ran, how many were checked. Absent in libraries written before it was counted.'),
  coverage: ExampleCoverage.optional().describe('Public documented code blocks with an example that ran / was checked. Absent in libraries written before it was counted.'),
});
export type DistillCounts = z.infer<typeof DistillCounts>;

export const LibrarySource = z.object({
  kind: z.enum(['local', 'github']),
  location: z.string().describe('The folder or URL as given.'),
  repo: z.string().describe('owner/name for GitHub, else the folder name.'),
  ref: z.string().nullable(),
  commit: z.string(),
  url: z.string().nullable().describe('Web address of the repository, when known.'),
});
export type LibrarySource = z.infer<typeof LibrarySource>;

/** manifest.json of a library folder. */
export const LibraryManifest = z.object({
  schemaVersion: z.literal(LIBRARY_SCHEMA_VERSION),
  name: LibraryName,
  source: LibrarySource,
  licence: z.string(),
  citation: z.string().nullable(),
  description: z.string().nullable(),
  languages: z.array(z.string()),
  importRoots: z.array(z.string()).describe('Folders under source/ to put on the import path (flat or src/ layout).'),
  requirements: z.array(z.string()).describe('Third-party distributions the repository declares or imports.'),
  counts: DistillCounts,
  skipped: z.array(SkippedFile).describe('Files skipped or failed, with reasons (capped).'),
  createdAt: z.string(),
  generator: z.string().describe('codedistill version that wrote the library.'),
  python: z
    .string()
    .nullable()
    .optional()
    .describe('Interpreter the library was distilled and validated with (path as given; null: CODEDISTILL_PYTHON). Snippets and re-validation of this library run with it; when it no longer exists here, the run says so (status error) rather than silently using another.'),
  requiresPython: z
    .string()
    .nullable()
    .optional()
    .describe('The Python versions the repository declares it runs on (requires-python), when it says: runs under another are judged by it.'),
  requirementSpecs: z
    .array(z.string())
    .optional()
    .describe('What the environment installs: PEP 508 requirements with the constraints the repository declares (extras included).'),
  environment: z
    .object({
      settings: EnvironmentSettings,
      version: z.string().nullable().describe('Version the package is built with when its build reads it from git (setuptools_scm).'),
      packages: z.array(z.string()).describe('Top-level packages of the repository (where package data is put back from).'),
      key: z.string().nullable().describe('The environment under $CODEDISTILL_HOME/envs/ the runs used.'),
      lockHash: z.string().nullable().describe('sha256 of environment.lock: the environmentHash of the runs made in it.'),
      package: PackageInstall.nullable(),
    })
    .nullable()
    .optional()
    .describe("How the library's environment is made (kept across a forced re-distill) and the one its runs used; environment.lock beside the manifest holds its versions."),
  sources: z
    .array(PatternSource)
    .optional()
    .describe('For a pattern library (codedistill patterns): the libraries it was mined from, with their commits and licences.'),
});
export type LibraryManifest = z.infer<typeof LibraryManifest>;

/** A commit as people read it: 12 hex digits, keeping the "sha256:" marker of a content hash. */
export function shortCommit(commit: string): string {
  return commit.startsWith('sha256:') ? `sha256:${commit.slice(7, 19)}` : commit.slice(0, 12);
}

/**
 * A library as the catalogue keeps it: its manifest and what searching and running need, not its blocks, which
 * stay in blocks.jsonl until asked for (a home of many libraries must not hold them all in memory).
 */
export interface LibraryEntry {
  name: string;
  dir: string;
  readonly: boolean;
  /** Shipped with codedistill as a demo: searched only when the user has no library of their own, or asks for it. */
  demo?: boolean;
  manifest: LibraryManifest;
  /** Hash of manifest.json and blocks.jsonl: the index is stale when this changes. */
  fingerprint: string;
  /** Top-level Python packages its blocks live in (what it provides to other libraries' runs). */
  packages: string[];
}

/** A library with its blocks, read from its folder (the source of truth). */
export interface LoadedLibrary extends LibraryEntry {
  blocks: Block[];
}
