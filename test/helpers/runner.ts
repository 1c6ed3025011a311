import { createRunnerServices } from '../../src/validate/runner.js';

/** The uid pool and sandbox detector of this test process, as the app makes one of each per process. */
export const runnerServices = createRunnerServices();
