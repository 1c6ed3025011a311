/** A valid library manifest for tests that care about few of its fields: a local library, nothing counted. */
import { LIBRARY_SCHEMA_VERSION, type LibraryManifest } from '../../src/domain/library.js';

export function testManifest(name: string, over: Partial<LibraryManifest> = {}): LibraryManifest {
  return {
    schemaVersion: LIBRARY_SCHEMA_VERSION,
    name,
    source: { kind: 'local', location: '/nowhere', repo: `local/${name}`, ref: null, commit: 'sha256:0', url: null },
    licence: 'MIT',
    citation: null,
    description: null,
    languages: ['python'],
    importRoots: [''],
    requirements: [],
    counts: { filesSeen: 0, filesParsed: 0, filesSkipped: 0, parseErrors: 0, blocks: 0, examples: 0, validated: 0 },
    skipped: [],
    createdAt: new Date(0).toISOString(),
    generator: 'codedistill test',
    ...over,
  };
}
