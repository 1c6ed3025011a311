/**
 * A parse worker thread (started by pool.ts): a parser of its own, every grammar loaded, then one reply per file
 * asked for, the file's symbols or the error parsing it threw. Repository code is only read, never run.
 */
import { parentPort } from 'node:worker_threads';
import { createParser } from './parser.js';
import { errorForReply, type WorkerReply, type WorkerRequest } from './pool.js';

const port = parentPort;
if (!port) throw new Error('parse-worker runs as a worker thread of pool.ts');
createParser().then(
  (parser) => {
    port.on('message', (m: WorkerRequest) => {
      let reply: WorkerReply;
      try {
        reply = { id: m.id, parsed: parser.parse(m.relPath, m.source, m.importRoots) };
      } catch (e) {
        reply = { id: m.id, error: errorForReply(e) };
      }
      port.postMessage(reply);
    });
    port.postMessage({ ready: true } satisfies WorkerReply);
  },
  (e: unknown) => port.postMessage({ ready: false, message: e instanceof Error ? e.message : String(e) } satisfies WorkerReply),
);
