import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { renderChecks, runDoctor } from '../../src/cli/doctor.js';
import { loadConfig } from '../../src/config.js';
import { detectBubblewrap } from '../../src/validate/sandbox/detect.js';
import { tempDir } from '../helpers/tmp.js';

test('doctor checks the machine as runs see it and names leftovers with the command that removes them', { timeout: 120_000 }, async () => {
  const home = tempDir();
  mkdirSync(path.join(home, 'libraries', '.fluids.tmp-1234'), { recursive: true });
  const config = loadConfig({ PATH: process.env.PATH, HOME: process.env.HOME, CODEDISTILL_HOME: home, CODEDISTILL_MODEL: 'none', CODEDISTILL_PYTHON: process.env.CODEDISTILL_PYTHON });
  const checks = await runDoctor(config);
  const by = Object.fromEntries(checks.map((c) => [c.name, c]));
  assert.equal(by.node?.status, 'ok');
  assert.equal(by.home?.status, 'ok');
  assert.equal(by['embedding model']?.status, 'warn');
  assert.equal(by.leftovers?.status, 'warn');
  assert.match(by.leftovers?.fix ?? '', /rm -rf .*\.fluids\.tmp-1234/);
  if ((await detectBubblewrap()).available) {
    assert.equal(by.bubblewrap?.status === 'fail', false);
    assert.equal(by['sandbox limits']?.status, 'ok', by['sandbox limits']?.detail);
    assert.match(by['sandbox limits']!.detail, /network blocked/);
    // The allow-listed environment: CODEDISTILL_HOME is not among the variables a run sees.
    assert.doesNotMatch(by['sandbox limits']!.detail, /CODEDISTILL/);
  }
  for (const c of checks) if (c.status !== 'ok') assert.ok(c.fix, `${c.name} says what to fix`);
  assert.match(renderChecks(checks), /^ok {3}node: Node /m);
});
