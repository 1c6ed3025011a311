/** A library as list_libraries and the library:// resource show it: read off its manifest and blocks. */
import type { EnvironmentState, LibraryDescription, LibrarySummary } from '../domain/libraries.js';
import { shortCommit, type LibraryEntry, type LoadedLibrary } from '../domain/library.js';
import { levelOf } from '../domain/validation.js';

function environmentState(lib: LibraryEntry): EnvironmentState {
  const env = lib.manifest.environment;
  if (!env) return 'not_made';
  if (env.settings.enabled === false) return 'none';
  if (env.package?.status === 'failed') return 'failed';
  return env.lockHash ? 'locked' : 'not_made';
}

export function librarySummary(lib: LibraryEntry): LibrarySummary {
  const m = lib.manifest;
  const c = m.counts;
  return {
    name: lib.name,
    repository: m.source.repo,
    url: m.source.url,
    commit: shortCommit(m.source.commit),
    licence: m.licence,
    blocks: c.blocks,
    examples: c.examples,
    validated: c.validated,
    validatedShare: c.blocks ? Math.round((c.validated / c.blocks) * 1000) / 1000 : 0,
    environment: environmentState(lib),
    distilledAt: m.createdAt,
    demo: lib.demo === true,
    readOnly: lib.readonly,
  };
}

export function libraryDescription(lib: LoadedLibrary): LibraryDescription {
  const m = lib.manifest;
  const skippedByReason: Record<string, number> = {};
  for (const s of m.skipped) skippedByReason[s.reason] = (skippedByReason[s.reason] ?? 0) + 1;
  return {
    ...librarySummary(lib),
    description: m.description,
    // A demo's citation is as made up as its code: none is given.
    citation: lib.demo ? null : m.citation,
    requirements: m.requirements,
    languages: m.languages,
    contents: lib.blocks.map((b) => ({ id: b.id, kind: b.kind, level: levelOf(b.validation) ?? 'not_run' })),
    skipped: m.skipped,
    skippedByReason,
  };
}
