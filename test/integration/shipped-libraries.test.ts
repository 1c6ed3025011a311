/**
 * The libraries shipped in libraries/ are what a fresh `npm start` serves. They must load, point at real
 * lines of their source snapshot, and be what today's pipeline makes of their fixture repositories:
 * otherwise they silently drift from the code (regenerate with `npm run libraries`).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createApp, type AppServices } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Block } from '../../src/domain/block.js';
import { loadLibrary, SOURCE_DIR } from '../../src/library/files.js';
import { silentLogger } from '../../src/kernel/log.js';
import { createParser } from '../../src/parse/parser.js';
import { repoRoot, tempDir } from '../helpers/tmp.js';

const shippedDir = path.join(repoRoot, 'libraries');
const shipped = readdirSync(shippedDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
  .map((d) => d.name);

const comparable = (b: Block) => ({
  id: b.id,
  kind: b.kind,
  signature: b.signature,
  code: b.code,
  provenance: { path: b.provenance.path, startLine: b.provenance.startLine, endLine: b.provenance.endLine, commit: b.provenance.commit },
  examples: b.examples.map((e) => ({ code: e.code, source: e.source, expectedOutput: e.expectedOutput })),
  requirements: b.requirements,
  licence: b.licence,
  compute: b.compute,
});

describe('shipped libraries', () => {
  it('there is at least one, distilled from our own fixtures', () => {
    assert.ok(shipped.includes('flowcalc'), `libraries/: ${shipped.join(', ')}`);
  });

  for (const name of shipped) {
    it(`${name}: loads, and every block's lines are the lines of its source snapshot`, async () => {
      const lib = await loadLibrary(path.join(shippedDir, name), true);
      assert.ok(lib.blocks.length > 5);
      assert.ok(lib.blocks.some((b) => b.validation?.status === 'passed'), 'carries run records');
      for (const b of lib.blocks.filter((x) => x.kind === 'function')) {
        const file = readFileSync(path.join(lib.dir, SOURCE_DIR, b.provenance.path), 'utf8').split('\n');
        const lines = file.slice(b.provenance.startLine - 1, b.provenance.endLine).join('\n');
        assert.equal(lines.trimEnd(), b.code.trimEnd(), `${b.id} matches ${b.provenance.path}:${b.provenance.startLine}`);
      }
    });

    it(`${name}: is what the pipeline makes of test/fixtures/${name} today`, { timeout: 120_000 }, async () => {
      const home = tempDir();
      const config = { ...loadConfig({ ...process.env, CODEDISTILL_HOME: home }), shippedLibrariesDir: path.join(home, 'none') };
      const parser = await createParser();
      const services: AppServices = {
        parser: async () => parser,
        // Runs are environment-dependent; what must match is the content, so nothing is run here.
        runner: { run: async () => { throw new Error('not run'); }, info: async () => ({ sandbox: 'none', interpreter: null, available: false, reason: 'test' }) },
        index: async () => ({ sync: async () => ({ indexed: [], removed: [], unchanged: [] }), search: async () => { throw new Error('unused'); }, synced: async () => null, close: async () => {} }),
        llm: null,
      };
      const app = createApp(config, silentLogger, services);
      const report = await app.distill({ source: path.join(repoRoot, 'test', 'fixtures', name), validate: false });
      const fresh = await loadLibrary(report.libraryPath, false);
      const old = await loadLibrary(path.join(shippedDir, name), true);
      const manifestPart = (l: typeof fresh) => ({ licence: l.manifest.licence, requirements: l.manifest.requirements, importRoots: l.manifest.importRoots, citation: l.manifest.citation, description: l.manifest.description, source: { ...l.manifest.source, location: null } });
      assert.deepEqual(manifestPart(fresh), manifestPart(old), `libraries/${name}/manifest.json is stale: run \`npm run libraries\``);
      assert.deepEqual(
        fresh.blocks.map(comparable),
        old.blocks.map(comparable),
        `libraries/${name} is stale: run \`npm run libraries\` and commit the result`,
      );
      await app.close();
    });
  }
});
