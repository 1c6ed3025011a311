import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EnvironmentRef } from '../../src/domain/environment.js';
import { lazyRunner } from '../../src/validate/lazy-runner.js';
import type { BuildSandbox, Runner, RunRequest, RunResult } from '../../src/validate/types.js';

/** A runner that records what it was given, in order. */
function recordingRunner(log: string[]): Runner & BuildSandbox {
  return {
    run: async (req: RunRequest) => {
      log.push(`run ${req.code}`);
      return { status: 'passed' } as unknown as RunResult;
    },
    info: async () => ({ sandbox: 'none', interpreter: null, available: true, reason: null }),
    registerEnvironment: (ref: EnvironmentRef) => void log.push(`register ${ref.python}`),
    describe: async () => ({ error: 'none here' }),
    exec: async () => {
      throw new Error('not used');
    },
  };
}

test('the runner loads on its first use, once, and environments registered before reach it before any run', async () => {
  const log: string[] = [];
  let loads = 0;
  const runner = lazyRunner(async () => {
    loads++;
    return recordingRunner(log);
  });
  assert.equal(loads, 0, 'nothing loads until something is run');
  runner.registerEnvironment({ python: '/envs/a/bin/python' } as EnvironmentRef);
  assert.equal(loads, 0);
  await Promise.all([runner.run({ code: 'one' } as RunRequest), runner.run({ code: 'two' } as RunRequest)]);
  runner.registerEnvironment({ python: '/envs/b/bin/python' } as EnvironmentRef);
  assert.equal(loads, 1);
  assert.deepEqual(log, ['register /envs/a/bin/python', 'run one', 'run two', 'register /envs/b/bin/python']);
});

test('a runner without batches runs a batch one by one, and its records carry no outputs', async () => {
  const log: string[] = [];
  const runner = lazyRunner(async () => {
    const r = recordingRunner(log);
    r.run = async (req) => {
      log.push(`run ${req.code}`);
      return { status: 'passed', outputs: { files: [] } } as unknown as RunResult;
    };
    return r;
  });
  const records = await runner.runBatch!([{ code: 'a' } as RunRequest, { code: 'b' } as RunRequest], {} as never);
  assert.deepEqual(log, ['run a', 'run b']);
  assert.deepEqual(records, [{ status: 'passed' }, { status: 'passed' }]);
});

test('a load that failed is tried again on the next call', async () => {
  let loads = 0;
  const runner = lazyRunner(async () => {
    if (loads++ === 0) throw new Error('module missing');
    return recordingRunner([]);
  });
  await assert.rejects(runner.info(), /module missing/);
  assert.equal((await runner.info()).available, true);
  assert.equal(loads, 2);
});
