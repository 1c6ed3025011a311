import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixture = (name: string) => path.join(repoRoot, 'test', 'fixtures', name);

/** A temp folder removed when the process exits, so failed tests leave nothing behind either. */
export function tempDir(prefix = 'codedistill-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Copy a fixture repository out of this checkout: distilling it in place would pick up this repo's git HEAD
 * as its commit and make results depend on our own history.
 */
export function copyFixture(name: string, dest = tempDir()): string {
  const target = path.join(dest, name);
  cpSync(fixture(name), target, {
    recursive: true,
    filter: (src) => !src.includes(`${path.sep}__pycache__`),
  });
  return target;
}

/**
 * Environment for a spawned server or CLI: isolated home, no model download attempts, and no package index: the
 * libraries' environments are built from what the base interpreter has, never from this machine's pip settings.
 */
export function testEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(PIP|UV)_/.test(k)) env[k] = v;
  return {
    ...env,
    PIP_CONFIG_FILE: '/dev/null',
    PIP_NO_INDEX: '1',
    UV_OFFLINE: '1',
    CODEDISTILL_HOME: home,
    CODEDISTILL_ALLOW_REMOTE_MODELS: '0',
    CODEDISTILL_LOG_LEVEL: 'warn',
    LANCEDB_LOG: 'error',
    ...extra,
  };
}

/** A folder holding these files (relative path → text), under a fresh temp folder unless `dir` is given. */
export function writeTree(files: Record<string, string>, dir = tempDir()): string {
  mkdirSync(dir, { recursive: true });
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}
