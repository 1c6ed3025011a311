import path from 'node:path';
import { scrubEnv } from '../../src/config.js';
import { createRunnerServices, type PythonRunnerConfig } from '../../src/validate/runner.js';

/** The uid pool and sandbox detector of this test process, as the app makes one of each per process. */
export const runnerServices = createRunnerServices();

/**
 * A runner configuration for tests: the sandbox when bubblewrap works here (else unsandboxed, which only a test may
 * allow), short limits, the test's own cache folder under `dir`.
 */
export function testRunnerConfig(bwrapAvailable: boolean, dir: string, over: Partial<PythonRunnerConfig> = {}): PythonRunnerConfig {
  return {
    python: process.env.CODEDISTILL_PYTHON || 'python3',
    sandbox: bwrapAvailable ? 'auto' : 'none',
    allowUnsandboxed: !bwrapAvailable,
    timeoutMs: 20_000,
    maxTimeoutMs: 60_000,
    memoryLimitMb: 1024,
    outputCapBytes: 64 * 1024,
    childEnv: scrubEnv(process.env),
    cacheDir: path.join(dir, 'cache'),
    ...over,
  };
}
