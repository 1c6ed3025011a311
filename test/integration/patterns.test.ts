/**
 * Cross-repository patterns end to end: three fixture repositories that share numpy and scipy idioms
 * (test/fixtures/field: rfft then abs and rfftfreq, curve_fit then popt/pcov, solve_ivp then .t/.y, each written
 * with other aliases) are distilled with their examples run in the sandbox, mined, and the pattern library is
 * searched with kind "pattern" and opened whole with get_pattern. An idiom only one repository uses is no pattern.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { MinePatternsReport } from '../../src/domain/idiom.js';
import { silentLogger } from '../../src/kernel/log.js';
import { loadLibrary } from '../../src/library/files.js';
import { copyFixture, tempDir } from '../helpers/tmp.js';

describe('patterns mined across fixture repositories', { timeout: 600_000 }, () => {
  const home = tempDir();
  const repos = tempDir();
  let app: App;
  let report: MinePatternsReport;

  before(async () => {
    const config = loadConfig({ ...process.env, CODEDISTILL_HOME: home, CODEDISTILL_MODEL: 'none', CODEDISTILL_ALLOW_REMOTE_MODELS: '0', CODEDISTILL_ENVIRONMENTS: '0' });
    app = createApp({ ...config, shippedLibrariesDir: path.join(home, 'none') }, silentLogger);
    for (const name of ['specta', 'spectb', 'solvc']) {
      const repo = copyFixture(path.join('field', name), repos);
      await app.distill({ source: repo, validate: true });
    }
    report = await app.minePatterns({ name: 'spectro' });
  });
  after(async () => {
    await app?.close();
  });

  const pattern = (subject: string) => report.top.find((t) => t.id === `spectro-patterns:spectro_patterns.${subject}`);

  it('writes the pattern library with its source libraries and their commits', async () => {
    assert.equal(report.library, 'spectro-patterns');
    assert.ok(report.libraryPath);
    const lib = await loadLibrary(report.libraryPath, false);
    assert.deepEqual(lib.manifest.sources?.map((s) => s.library).sort(), ['solvc', 'specta', 'spectb']);
    assert.ok(lib.manifest.sources?.every((s) => s.commit.length > 0));
    assert.ok(lib.blocks.every((b) => b.kind === 'pattern' && b.pattern));
  });

  it('finds the shared idioms with the repositories that use them, whatever the aliases', () => {
    assert.equal(pattern('numpy.fft.rfft')?.repos, 3, JSON.stringify(report.top.map((t) => [t.id, t.repos])));
    assert.equal(pattern('numpy.fft.together')?.repos, 3);
    assert.equal(pattern('scipy.optimize.curve_fit')?.repos, 2);
    assert.equal(pattern('scipy.integrate.solve_ivp')?.repos, 2);
    assert.match(pattern('scipy.optimize.curve_fit')!.template, /popt, pcov = scipy\.optimize\.curve_fit\(|params, cov = scipy\.optimize\.curve_fit\(/);
    assert.match(pattern('scipy.optimize.curve_fit')!.template, /numpy\.diag\(/);
    assert.match(pattern('scipy.integrate.solve_ivp')!.template, /\.y\b/);
    assert.match(pattern('scipy.integrate.solve_ivp')!.template, /t_eval=\.\.\./);
  });

  it('refuses to revalidate the pattern library itself (its examples run in their own libraries)', async () => {
    await assert.rejects(app.revalidate({ library: 'spectro-patterns' }), (e: Error & { hint?: string }) => /pattern library/.test(e.message) && /patterns --name spectro/.test(e.hint ?? ''));
  });

  it('makes no pattern of an idiom one repository uses', () => {
    assert.ok(!report.top.some((t) => /butter|filtfilt|scipy\.signal/.test(t.id + t.template)), JSON.stringify(report.top.map((t) => t.id)));
  });

  it('gives each pattern a representative example that ran', () => {
    for (const s of ['numpy.fft.rfft', 'scipy.optimize.curve_fit', 'scipy.integrate.solve_ivp']) assert.equal(pattern(s)?.ran, true, s);
  });

  it('is searchable with kind pattern, and get_pattern returns it whole', async () => {
    const res = await app.search({ query: 'fit curve covariance popt pcov', kind: 'pattern' });
    assert.ok(res.results.length > 0);
    assert.ok(res.results.every((r) => r.kind === 'pattern'));
    assert.ok(res.results.some((r) => r.id.endsWith('scipy.optimize.curve_fit')), JSON.stringify(res.results.map((r) => r.id)));
    const none = await app.search({ query: 'fit curve covariance popt pcov', kind: 'function' });
    assert.ok(none.results.every((r) => r.kind === 'function'));

    const got = await app.getPattern('spectro-patterns:spectro_patterns.scipy.optimize.curve_fit');
    const f = got.block.pattern!;
    assert.equal(f.repos, 2);
    assert.deepEqual(f.sources.map((s) => s.library).sort(), ['specta', 'spectb']);
    assert.ok(f.members.every((m) => m.path.endsWith('.py') && m.startLine > 0 && m.commit));
    assert.ok(f.members.some((m) => m.block === 'specta:specta.spectrum.fit_decay'));
    assert.equal(f.representative?.run.status, 'passed');
    assert.equal(got.block.validation?.status, 'passed');
    assert.match(got.block.licence, /BSD-3-Clause|MIT/);
    assert.ok(got.usage.length > 0);
  });
});
