/**
 * The search thread's entry (threaded.ts starts it): it opens the index as configured and warms it at once, then
 * answers the main thread's searches. Nothing here writes the index.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isCodedistillError, errorMessage } from '../kernel/errors.js';
import { createLogger } from '../kernel/log.js';
import { indexSettings, loadConfig, prepareProcessEnv, type IndexSettings } from '../config.js';
import { openConfiguredIndex } from './open.js';
import type { ThreadReply, ThreadRequest } from './threaded.js';
import type { SearchIndex } from './types.js';

const port = parentPort;
if (!port) throw new Error('search/worker.ts is a worker thread entry; start it through ThreadedSearchIndex');
const given = (workerData as { settings: IndexSettings | null }).settings;
// Started before the main thread read the configuration (cli/main.ts): read from the same environment, shared with it.
if (!given) prepareProcessEnv();
const settings = given ?? indexSettings(loadConfig());
const logger = createLogger(settings.logLevel);

let opening: Promise<SearchIndex> | null = null;
const index = (): Promise<SearchIndex> => {
  if (!opening) {
    opening = openConfiguredIndex(settings, logger);
    // A failed open (no index yet, a model folder missing) may succeed on the next call.
    opening.catch(() => (opening = null));
  }
  return opening;
};
// What this thread is for: the reads and compilation a first search needs, done while the main thread starts.
const warmed = index()
  .then((i) => i.warm?.())
  .catch((e) => logger.debug(`warming the search index: ${errorMessage(e)}`));

async function answer(req: ThreadRequest): Promise<unknown> {
  switch (req.op) {
    case 'search':
      return (await index()).search(req.query);
    case 'synced':
      return (await index()).synced();
    case 'warm':
      return warmed;
    case 'close':
      if (opening) await (await opening.catch(() => null))?.close();
      opening = null;
      return undefined;
  }
}

port.on('message', (req: ThreadRequest) => {
  answer(req).then(
    (value) => port.postMessage({ id: req.id, ok: true, value } satisfies ThreadReply),
    (e: unknown) =>
      port.postMessage({
        id: req.id,
        ok: false,
        error: isCodedistillError(e)
          ? { code: e.code, message: e.message, hint: e.hint }
          : { code: 'internal', message: `The search failed: ${errorMessage(e).slice(0, 300)}`, hint: 'Call again; if it keeps failing, run `codedistill doctor`.' },
      } satisfies ThreadReply),
  );
});
