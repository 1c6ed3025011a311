/**
 * Mined patterns as a library: one `pattern` block per idiom and a manifest naming the source libraries with
 * their commits, so the catalogue, the index, search_library (kind "pattern") and get_pattern serve them as they
 * serve any block. A pattern's code is its template; its examples are its members' own, with their run records.
 */
import { createHash } from 'node:crypto';
import type { Block } from '../domain/block.js';
import type { PatternSource } from '../domain/idiom.js';
import { LIBRARY_SCHEMA_VERSION, type LibraryManifest } from '../domain/library.js';
import { distributionForImport } from '../python/distributions.js';
import type { MinedPattern } from './mine.js';

/** The pattern library's name for a field: "<field>-patterns" (kept when it already ends so). */
export function patternLibraryName(field: string): string {
  return field.endsWith('-patterns') ? field : `${field}-patterns`;
}

/** What a pattern block's qualified name starts with: no importable package (a library name is not an identifier). */
function namespaceOf(library: string): string {
  return library.replace(/[^a-z0-9_]/g, '_');
}

export function patternBlock(library: string, p: MinedPattern): Block {
  const f = p.facts;
  const qualifiedName = `${namespaceOf(library)}.${f.subject}${f.shape === 'module' ? '.together' : ''}`;
  const last = f.subject.split('.').pop()!;
  const lines = f.template.split('\n');
  const imports = lines.filter((l) => l.startsWith('import '));
  const first = lines.find((l) => !l.startsWith('import ')) ?? f.template;
  const stepLines = f.steps.map((s) => `- ${s.step}: ${s.repos} repositories`);
  const docstring = [
    f.description,
    `Used in ${f.repos} repositories and ${f.blocks} blocks: ${f.sources.map((s) => s.repo).join(', ')}.`,
    `Steps:\n${stepLines.join('\n')}`,
    f.quotes.length ? `What the source blocks say of it:\n${f.quotes.map((q) => `- "${q.text}" (${q.block})`).join('\n')}` : '',
    f.keywords.length ? `Keyword arguments passed: ${f.keywords.map((k) => `${k.name} (${k.repos})`).join(', ')}.` : '',
    f.representative ? `A representative example that ran: ${f.representative.block}, example ${f.representative.example}.` : 'No member example ran.',
  ]
    .filter(Boolean)
    .join('\n\n');
  const rep = f.representative;
  const repMember = rep ? f.members.find((m) => m.block === rep.block) : undefined;
  const where = repMember ?? f.members[0]!;
  return {
    id: `${library}:${qualifiedName}`,
    library,
    language: 'python',
    kind: 'pattern',
    name: f.shape === 'module' ? `${last}_together` : last,
    qualifiedName,
    module: namespaceOf(library),
    signature: first,
    docstring,
    summary: f.description,
    code: f.template,
    decorators: [],
    parameters: [],
    returns: null,
    imports,
    calls: f.calls,
    requirements: [...new Set(f.packages.map((t) => distributionForImport(t)))].sort(),
    licence: p.licences.join(' AND ') || 'NOASSERTION',
    citation: null,
    provenance: { repo: where.repo, url: null, commit: where.commit, path: where.path, startLine: where.startLine, endLine: where.endLine },
    examples: p.examples,
    validation: rep?.run ?? null,
    compute: { gpu: false, network: false, dataFiles: false },
    rank: 5 + 2 * f.repos,
    tags: ['pattern', 'idiom', ...f.packages, ...f.calls.map((c) => c.split('.').pop()!)],
    prose: [],
    pattern: f,
  };
}

export function patternManifest(library: string, field: string, sources: PatternSource[], blocks: Block[], generator: string): LibraryManifest {
  const commit = `sha256:${createHash('sha256')
    .update(sources.map((s) => `${s.library}@${s.commit}`).sort().join('\n'))
    .digest('hex')}`;
  const licences = [...new Set(sources.map((s) => s.licence))].sort();
  const validated = blocks.filter((b) => b.validation?.status === 'passed').length;
  return {
    schemaVersion: LIBRARY_SCHEMA_VERSION,
    name: library,
    source: { kind: 'local', location: `patterns of ${sources.map((s) => s.library).join(', ')}`, repo: library, ref: null, commit, url: null },
    licence: licences.join(' AND ') || 'NOASSERTION',
    citation: null,
    description: `Idioms the ${field} libraries share (${sources.length} source libraries): how they use ${[...new Set(blocks.flatMap((b) => b.pattern?.packages ?? []))].slice(0, 8).join(', ')}.`,
    languages: ['python'],
    importRoots: [],
    requirements: [...new Set(blocks.flatMap((b) => b.requirements))].sort(),
    counts: {
      filesSeen: 0,
      filesParsed: 0,
      filesSkipped: 0,
      parseErrors: 0,
      blocks: blocks.length,
      examples: blocks.reduce((n, b) => n + b.examples.length, 0),
      validated,
    },
    skipped: [],
    createdAt: new Date().toISOString(),
    generator,
    sources,
  };
}
