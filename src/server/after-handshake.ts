/**
 * When a server's warm-up (App.start) may begin. Loading the index (LanceDB's native module, the first read of the
 * full-text index) holds the event loop for half a second or more; begun on connect, it lands in the middle of the
 * client's handshake (initialize, tools/list, prompts/list, resources/list, sent back to back) and delays those
 * answers. So it begins once the client has gone quiet for a moment after connecting, or after a bound either way;
 * a tool call meanwhile loads what it needs itself.
 */
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';

export interface AfterHandshakeOptions {
  /** Quiet after the last message that counts as the handshake (ms). */
  quietMs?: number;
  /** Latest start after connecting, however chatty the client (ms). */
  maxMs?: number;
}

/** Call `fn` once, when `transport` (already connected: its onmessage set) has been quiet for quietMs, or after maxMs. */
export function afterHandshake(transport: Transport, fn: () => void, opts: AfterHandshakeOptions = {}): () => void {
  const quietMs = opts.quietMs ?? 150;
  const maxMs = opts.maxMs ?? 2_000;
  let done = false;
  let quiet: NodeJS.Timeout | null = null;
  const fire = () => {
    if (done) return;
    done = true;
    if (quiet) clearTimeout(quiet);
    clearTimeout(bound);
    transport.onmessage = inner;
    fn();
  };
  const bound = setTimeout(fire, maxMs);
  const inner = transport.onmessage;
  transport.onmessage = (message, extra) => {
    inner?.(message, extra);
    if (done) return;
    if (quiet) clearTimeout(quiet);
    quiet = setTimeout(fire, quietMs);
  };
  quiet = setTimeout(fire, quietMs);
  return () => {
    done = true;
    if (quiet) clearTimeout(quiet);
    clearTimeout(bound);
  };
}
