/**
 * The MCP transport over stdin/stdout, bounded. The SDK's StdioServerTransport closes itself (and with it the
 * server, which then exits 0) when a single line outgrows its buffer, and reports a line that is not JSON-RPC
 * only to its own onerror. Here a line over the cap is dropped as it streams in (never buffered whole) and
 * answered with a JSON-RPC error that says the limit, under the request's id when its first bytes name one; a
 * line that is not JSON or not a JSON-RPC message gets a parse or invalid-request error; and the server keeps
 * serving either way.
 */
import process from 'node:process';
import type { Readable, Writable } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** Largest request line read (bytes). The largest legitimate input, validate_snippet's code and files, is under 1 MB. */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
/** How much of each end of a dropped line is kept to find its id (clients write it first or last). */
const ID_PREFIX_BYTES = 4096;

type Id = string | number | null;

const ID_VALUE = String.raw`(-?\d{1,15}|"((?:[^"\\]|\\.){0,200})")`;
/** "id" as the object's first key (after "jsonrpc", maybe): how most clients write it. */
const ID_FIRST = new RegExp(String.raw`^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*` + ID_VALUE);
/** "id" as the object's last key: how the SDK's client writes it. */
const ID_LAST = new RegExp(String.raw`"id"\s*:\s*` + ID_VALUE + String.raw`\s*\}\s*$`);

/**
 * The top-level id of a request from the two ends of its line. Only where a top-level key must be: an "id"
 * inside the params (get_pattern's argument) must never be mistaken for it.
 */
function idOf(head: string, tail: string): Id {
  const m = ID_FIRST.exec(head) ?? ID_LAST.exec(tail);
  if (!m) return null;
  return m[2] !== undefined ? (JSON.parse(`"${m[2]}"`) as string) : Number(m[1]);
}

export class BoundedStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private chunks: Buffer[] = [];
  private size = 0;
  /** Bytes of the line being dropped (over the cap); 0 when reading normally. */
  private dropping = 0;
  private dropPrefix = '';
  private dropTail: Buffer = Buffer.alloc(0);
  private started = false;
  private closed = false;

  constructor(
    private readonly stdin: Readable = process.stdin,
    private readonly stdout: Writable = process.stdout,
    private readonly maxBytes: number = MAX_REQUEST_BYTES,
  ) {}

  private readonly ondata = (chunk: Buffer): void => {
    let rest = chunk;
    while (rest.length) {
      const nl = rest.indexOf(0x0a);
      const piece = nl === -1 ? rest : rest.subarray(0, nl);
      if (this.dropping) {
        this.dropping += piece.length;
        this.dropTail = Buffer.concat([this.dropTail, piece.subarray(-ID_PREFIX_BYTES)]).subarray(-ID_PREFIX_BYTES);
      } else if (this.size + piece.length > this.maxBytes) {
        // Keep only what finds the id; the rest of the line is counted and let go.
        const all = Buffer.concat([...this.chunks, piece]);
        this.dropPrefix = all.subarray(0, ID_PREFIX_BYTES).toString('utf8');
        this.dropTail = all.subarray(-ID_PREFIX_BYTES);
        this.dropping = this.size + piece.length;
        this.chunks = [];
        this.size = 0;
      } else {
        this.chunks.push(piece);
        this.size += piece.length;
      }
      if (nl === -1) break;
      this.endOfLine();
      rest = rest.subarray(nl + 1);
    }
  };

  private readonly onStdinError = (error: Error): void => {
    this.onerror?.(error);
  };

  private endOfLine(): void {
    if (this.dropping) {
      const bytes = this.dropping;
      this.dropping = 0;
      const id = idOf(this.dropPrefix, this.dropTail.toString('utf8').replace(/\r$/, ''));
      this.dropPrefix = '';
      this.dropTail = Buffer.alloc(0);
      this.reply(id, -32600, `Request too large: ${bytes} bytes, over the limit of ${this.maxBytes} bytes. Send smaller inputs: run a shorter snippet, pass files by folder (distill_repo with a local path) rather than inline, or split the work into several calls.`);
      return;
    }
    const line = Buffer.concat(this.chunks).toString('utf8').replace(/\r$/, '');
    this.chunks = [];
    this.size = 0;
    if (!line.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      this.reply(idOf(line.slice(0, ID_PREFIX_BYTES), line.slice(-ID_PREFIX_BYTES)), -32700, 'Parse error: the request is not valid JSON. Send one JSON-RPC message per line.');
      return;
    }
    const parsed = JSONRPCMessageSchema.safeParse(json);
    if (!parsed.success) {
      const id = typeof json === 'object' && json !== null && 'id' in json ? ((json as { id: unknown }).id as Id) : null;
      this.reply(typeof id === 'string' || typeof id === 'number' ? id : null, -32600, 'Invalid request: not a JSON-RPC 2.0 message (jsonrpc "2.0", method, optional id and params).');
      return;
    }
    this.onmessage?.(parsed.data);
  }

  private reply(id: Id, code: number, message: string): void {
    // A response needs the request's id; without one (a notification or an unreadable line) the error is logged.
    if (id === null) {
      this.onerror?.(new Error(message));
      return;
    }
    void this.write({ jsonrpc: '2.0', id, error: { code, message } });
  }

  private write(message: unknown): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) return resolve();
      if (this.stdout.write(`${JSON.stringify(message)}\n`)) resolve();
      else this.stdout.once('drain', resolve);
    });
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('BoundedStdioTransport already started');
    this.started = true;
    this.stdin.on('data', this.ondata);
    this.stdin.on('error', this.onStdinError);
  }

  send(message: JSONRPCMessage): Promise<void> {
    return this.write(message);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stdin.off('data', this.ondata);
    this.stdin.off('error', this.onStdinError);
    if (this.stdin.listenerCount('data') === 0) this.stdin.pause();
    this.chunks = [];
    this.onclose?.();
  }
}
