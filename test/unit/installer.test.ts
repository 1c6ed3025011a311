/**
 * The installer is chosen from the user's PATH (uv when there is one, else pip) and is called with the
 * arguments that keep installs to wheels and fail fast. uv itself is not on CI: a stand-in records its argv.
 */
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { chooseInstaller } from '../../src/environment/installer.js';
import { tempDir } from '../helpers/tmp.js';

function standIn(name: string): { dir: string; log: string } {
  const dir = tempDir();
  const log = path.join(dir, 'argv.log');
  writeFileSync(path.join(dir, name), `#!/bin/sh\nprintf '%s\\n' "$@" >> ${log}\nprintf 'UV_HTTP_TIMEOUT=%s\\n' "$UV_HTTP_TIMEOUT" >> ${log}\n`);
  chmodSync(path.join(dir, name), 0o755);
  return { dir, log };
}

test('uv on PATH is used, with wheels only, and a short timeout unless the user set one', async () => {
  const { dir, log } = standIn('uv');
  const uv = chooseInstaller({ env: { PATH: `/nonexistent:${dir}` }, cwd: dir });
  assert.equal(uv.name, 'uv');
  const r = await uv.install('/env/bin/python', ['scipy>=1.15'], { upgrade: true });
  assert.equal(r.ok, true);
  const argv = readFileSync(log, 'utf8').trim().split('\n');
  assert.deepEqual(argv, ['pip', 'install', '--python', '/env/bin/python', '--only-binary', ':all:', '--upgrade', '--', 'scipy>=1.15', 'UV_HTTP_TIMEOUT=15']);

  const mine = chooseInstaller({ env: { PATH: dir, UV_HTTP_TIMEOUT: '120' }, cwd: dir });
  await mine.createVenv('/usr/bin/python3', '/envs/k/venv');
  const again = readFileSync(log, 'utf8').trim().split('\n').slice(argv.length);
  assert.deepEqual(again, ['venv', '--system-site-packages', '--python', '/usr/bin/python3', '--quiet', '/envs/k/venv', 'UV_HTTP_TIMEOUT=120']);
});

test('without uv, pip installs wheels only, with no retries and a short timeout', async () => {
  const dir = tempDir();
  const pip = chooseInstaller({ env: { PATH: dir }, cwd: dir });
  assert.equal(pip.name, 'pip');
  // A python that only echoes its arguments shows what pip would be asked.
  const py = path.join(dir, 'python');
  writeFileSync(py, `#!/bin/sh\nprintf '%s\\n' "$@"\nexit 1\n`);
  chmodSync(py, 0o755);
  const r = await pip.install(py, ['helperdep>=1.0'], { target: '/envs/k/build-deps' });
  assert.equal(r.ok, false);
  const argv = r.output.split('\n');
  assert.deepEqual(argv.slice(0, 3), ['-m', 'pip', 'install']);
  for (const a of ['--only-binary', ':all:', '--retries', '0', '--no-input', '--target', '/envs/k/build-deps', 'helperdep>=1.0']) assert.ok(argv.includes(a), a);
  assert.equal(argv[argv.indexOf('--retries') + 1], '0');
  // A requirement is never taken for an option, whatever its name.
  assert.equal(argv[argv.indexOf('helperdep>=1.0') - 1], '--');
});

test("the repository's own wheel is installed over a same-version release: pip --force-reinstall, uv --reinstall", async () => {
  const { dir, log } = standIn('uv');
  const uv = chooseInstaller({ env: { PATH: dir }, cwd: dir });
  await uv.install('/env/bin/python', ['/envs/k/pkg-1.0-py3-none-any.whl'], { noDeps: true, offline: true, reinstall: true });
  const argv = readFileSync(log, 'utf8').trim().split('\n');
  assert.ok(argv.includes('--reinstall') && argv.includes('--no-deps'), argv.join(' '));
  assert.ok(argv.indexOf('--reinstall') < argv.indexOf('--'));

  const plain = tempDir();
  const pip = chooseInstaller({ env: { PATH: plain }, cwd: plain });
  const py = path.join(plain, 'python');
  writeFileSync(py, `#!/bin/sh\nprintf '%s\\n' "$@"\nexit 1\n`);
  chmodSync(py, 0o755);
  const r = await pip.install(py, ['/envs/k/pkg-1.0-py3-none-any.whl'], { noDeps: true, offline: true, reinstall: true });
  const args = r.output.split('\n');
  assert.ok(args.includes('--force-reinstall') && args.includes('--no-deps'), args.join(' '));
  assert.ok(args.indexOf('--force-reinstall') < args.indexOf('--'));
  // Requirements are not reinstalled unless asked.
  const reqs = await pip.install(py, ['helperdep>=1.0']);
  assert.ok(!reqs.output.split('\n').includes('--force-reinstall'));
});
