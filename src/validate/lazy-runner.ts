/**
 * A runner whose module loads on its first use. The sandbox, its batch driver and the isolation probes are a
 * tenth of a second of a server's start, and a server that only searches never runs anything.
 */
import type { EnvironmentRef } from '../domain/environment.js';
import type { RunRecord } from '../domain/validation.js';
import type { BuildSandbox, Runner } from './types.js';

export function lazyRunner(load: () => Promise<Runner & BuildSandbox>): Runner & BuildSandbox {
  let loaded: (Runner & BuildSandbox) | null = null;
  let loading: Promise<Runner & BuildSandbox> | null = null;
  // Environments registered before the runner loaded reach it as it loads, before any run (every run awaits that load).
  const registered: EnvironmentRef[] = [];
  const real = (): Promise<Runner & BuildSandbox> => {
    if (!loading) {
      loading = load().then((r) => {
        for (const ref of registered.splice(0)) r.registerEnvironment(ref);
        return (loaded = r);
      });
      // A failed load (a module missing) is tried again on the next call, not remembered.
      loading.catch(() => (loading = null));
    }
    return loading;
  };
  return {
    run: async (req) => (await real()).run(req),
    async runBatch(reqs, opts) {
      const r = await real();
      if (r.runBatch) return r.runBatch(reqs, opts);
      const records: RunRecord[] = [];
      for (const req of reqs) {
        const { outputs: _outputs, ...record } = await r.run(req);
        records.push(record);
      }
      return records;
    },
    info: async (python) => (await real()).info(python),
    registerEnvironment(ref) {
      if (loaded) loaded.registerEnvironment(ref);
      else registered.push(ref);
    },
    describe: async (python) => (await real()).describe(python),
    exec: async (req) => (await real()).exec(req),
  };
}
