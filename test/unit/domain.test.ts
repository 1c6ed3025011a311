/**
 * `codedistill domain` composed: a recorded discovery on loopback → a batch of fake distills → the domain
 * summary file, with the patterns seam called on the libraries that were made.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { readDomainSummaries, runDomain } from '../../src/jobs/domain.js';
import { silentLogger } from '../../src/kernel/log.js';
import { startFakeGithub, type SearchPage } from '../helpers/fake-github.js';
import { fixture, tempDir } from '../helpers/tmp.js';

const pages = (JSON.parse(readFileSync(fixture('discover/signal-processing.json'), 'utf8')) as { pages: SearchPage[] }).pages;

const PATTERN = { id: 'signal-processing-patterns:signal_processing_patterns.numpy.fft.rfft', template: 'X = numpy.fft.rfft(...)', repos: 3, blocks: 4, ran: true };

test('discover → batch → patterns seam → <home>/domains/<name>.json', { timeout: 120_000 }, async () => {
  const gh = await startFakeGithub(pages);
  const home = tempDir();
  try {
    const config = loadConfig({
      CODEDISTILL_HOME: home,
      CODEDISTILL_MODEL: 'none',
      GITHUB_TOKEN: 'recorded',
      CODEDISTILL_GITHUB_API_URL: gh.url,
      CODEDISTILL_BATCH_COMMAND: JSON.stringify([process.execPath, fixture('batch/fake-distill.mjs')]),
      PATH: process.env.PATH,
    });
    let seen: string[] = [];
    const d = await runDomain('signal-processing', { keywords: ['kalman'] }, { workers: 2, validate: false }, {
      config,
      logger: silentLogger,
      patterns: async (libs) => ((seen = libs), [PATTERN]),
    });
    assert.equal(d.repositories.length, 8);
    assert.equal(d.batch.byState.done, 8);
    assert.deepEqual(d.licences, { MIT: 2, 'BSD-3-Clause': 4, 'GPL-3.0': 1, none: 1 });
    assert.equal(seen.length, 8);
    assert.deepEqual(d.patterns, [PATTERN]);
    assert.deepEqual((await readDomainSummaries(home, silentLogger)).map((x) => x.name), ['signal-processing'], 'read back through the schema');
    assert.equal(d.path, path.join(home, 'domains', 'signal-processing.json'));
    const onDisk = JSON.parse(readFileSync(d.path, 'utf8')) as { repositories: Array<{ repo: string; state: string; commit: string }> };
    assert.equal(onDisk.repositories[0]!.repo, 'rlabbe/filterpy');
    assert.equal(onDisk.repositories[0]!.state, 'done');
    assert.equal(onDisk.repositories[0]!.commit, '3b51149ebcff0401ff1e10bf08ffca7b6bbc4a33', 'the pinned commit went to the distill');
    await assert.rejects(runDomain('Bad Name', {}, { workers: 1, validate: false }, { config, logger: silentLogger }), /not a domain name/);
  } finally {
    await gh.close();
  }
});

test('a domain summary that does not match the schema is left out of the report with a warning', async () => {
  const home = tempDir();
  mkdirSync(path.join(home, 'domains'));
  writeFileSync(path.join(home, 'domains', 'broken.json'), JSON.stringify({ name: 'broken', patterns: [{ idiom: 'x' }] }));
  writeFileSync(path.join(home, 'domains', 'broken.txt'), 'o/r\n');
  const warnings: string[] = [];
  const got = await readDomainSummaries(home, { ...silentLogger, warn: (m: string) => warnings.push(m) });
  assert.deepEqual(got, []);
  assert.match(warnings.join('\n'), /broken\.json left out of the report/);
  assert.deepEqual(await readDomainSummaries(tempDir(), silentLogger), [], 'no domains folder: none');
});
