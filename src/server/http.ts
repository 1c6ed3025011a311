/**
 * `codedistill serve --http`: MCP over Streamable HTTP (the SDK's transport) on node:http. One McpServer per
 * client session, all sharing one App (the same tools, resources and prompts as stdio, one index, one catalogue).
 * Before a request reaches the transport: the path, the Host and Origin headers and the bearer token
 * (http-guard.ts), and the body's size (the stdio limit; 413 with a JSON-RPC error). Each session may run a
 * bounded number of long jobs at once (job-slots.ts); idle sessions are closed; SIGTERM closes everything.
 */
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { HttpConfig } from '../config.js';
import { CodedistillError, errorMessage } from '../kernel/errors.js';
import { judge, loopbackHosts, ownOrigins, type GuardOptions } from './http-guard.js';
import { loadToken } from './http-token.js';
import { JobSlots } from './job-slots.js';
import { createServer } from './server.js';
import type { ToolServices } from './services.js';
import { MAX_REQUEST_BYTES } from './stdio-transport.js';

export const MCP_PATH = '/mcp';
/** A session nobody has used for this long, with no request open, is closed (its client can initialize again). */
const IDLE_MS = 60 * 60 * 1000;
const SWEEP_MS = 60 * 1000;
/** On SIGTERM, how long cancelled jobs get to answer before the sessions are closed. */
const SHUTDOWN_GRACE_MS = 10_000;

export interface HttpServeOptions {
  host: string;
  port: number;
  /** Listen on an address other computers reach: only when the user says so (--allow-remote). */
  allowRemote: boolean;
  maxBodyBytes?: number;
}

interface Session {
  transport: StreamableHTTPServerTransport;
  server: McpServer;
  jobs: JobSlots;
  lastSeen: number;
  open: number;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function sendError(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

/** A declared body up to this size is read to its end (and discarded) before the 413 answers it. */
const DRAIN_LIMIT_BYTES = 64 * 2 ** 20;

type Body = { ok: true; value: unknown } | { ok: false; status: 400 | 413; code: number; message: string };

/** The request's JSON body, read up to `max` bytes: past it, the rest is discarded as it streams in, never kept. */
function readBody(req: IncomingMessage, max: number): Promise<Body> {
  const tooLarge = (bytes: number | string): Body => ({
    ok: false,
    status: 413,
    code: -32600,
    message: `Request too large: ${bytes} bytes, over the limit of ${max} bytes. Send smaller inputs: run a shorter snippet, pass files by folder (distill_repo with a local path) rather than inline, or split the work into several calls.`,
  });
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    req.resume();
    // Answered before the client has sent it all, the 413 races the upload and the client's fetch fails on a reset
    // connection instead of reading it: the body is drained (discarded) first, unless it is beyond reason.
    if (declared > DRAIN_LIMIT_BYTES) return Promise.resolve(tooLarge(declared));
    return new Promise((resolve) => {
      req.on('end', () => resolve(tooLarge(declared)));
      req.on('error', () => resolve(tooLarge(declared)));
    });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.on('error', () => resolve({ ok: false, status: 400, code: -32700, message: 'The request body could not be read.' }));
    req.on('end', () => {
      if (size > max) return resolve(tooLarge(size));
      try {
        resolve({ ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      } catch {
        resolve({ ok: false, status: 400, code: -32700, message: 'Parse error: the request body is not valid JSON. Send one JSON-RPC message (or a batch) per POST.' });
      }
    });
  });
}

const initializes = (body: unknown) => (Array.isArray(body) ? body.some((m) => isInitializeRequest(m)) : isInitializeRequest(body));

/** Serve until SIGTERM or SIGINT (or `stop`, for tests that run it in-process). */
export async function serveHttp(
  services: ToolServices,
  version: string,
  http: HttpConfig,
  home: string,
  opts: HttpServeOptions,
  stop?: AbortSignal,
): Promise<void> {
  if (!isLoopback(opts.host) && !opts.allowRemote) {
    throw new CodedistillError(
      'invalid_input',
      `Refusing to listen on ${opts.host}: other computers could reach it.`,
      'Leave --host at 127.0.0.1, or add --allow-remote if you mean it (every client then needs the bearer token; put TLS in front).',
    );
  }
  const maxBody = opts.maxBodyBytes ?? MAX_REQUEST_BYTES;
  const token = loadToken(http, home);
  const sessions = new Map<string, Session>();
  const guard: GuardOptions = { token: token.token, allowedHosts: [], allowedOrigins: [...http.allowedOrigins] };

  async function newSession(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    if (sessions.size >= http.maxSessions) {
      return sendError(res, 503, -32000, `This server already holds ${sessions.size} client sessions, its limit. Close an unused client (or raise CODEDISTILL_HTTP_MAX_SESSIONS), then connect again.`);
    }
    const jobs = new JobSlots(http.maxJobsPerSession);
    const server = createServer({ ...services, jobs }, version);
    const session: Session = { transport: undefined as unknown as StreamableHTTPServerTransport, server, jobs, lastSeen: Date.now(), open: 0 };
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => void sessions.set(id, session),
    });
    session.transport = transport;
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    transport.onerror = (e) => services.logger.debug(`http session: ${e.message}`);
    await server.connect(transport);
    await handle(session, req, res, body);
    // An initialize that failed leaves no session id: nothing else will close its server.
    if (!transport.sessionId) await server.close().catch(() => undefined);
  }

  async function handle(session: Session, req: IncomingMessage, res: ServerResponse, body?: unknown): Promise<void> {
    session.lastSeen = Date.now();
    session.open++;
    try {
      await session.transport.handleRequest(req, res, body);
    } finally {
      session.open--;
      session.lastSeen = Date.now();
    }
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== MCP_PATH) {
      req.resume();
      return sendError(res, 404, -32601, `Not found: the MCP endpoint is ${MCP_PATH}.`);
    }
    const verdict = judge(req.headers, guard);
    if (!verdict.ok) {
      req.resume();
      return sendError(res, verdict.status, -32001, verdict.message, verdict.status === 401 ? { 'www-authenticate': 'Bearer realm="codedistill"', connection: 'close' } : { connection: 'close' });
    }
    const sid = req.headers['mcp-session-id'];
    const session = typeof sid === 'string' ? sessions.get(sid) : undefined;
    if (typeof sid === 'string' && !session) {
      req.resume();
      return sendError(res, 404, -32001, 'Session not found (the server restarted or closed it as idle). Initialize a new session.');
    }
    if (req.method === 'POST') {
      const body = await readBody(req, maxBody);
      if (!body.ok) return sendError(res, body.status, body.code, body.message, { connection: 'close' });
      if (session) return handle(session, req, res, body.value);
      if (initializes(body.value)) return newSession(req, res, body.value);
      return sendError(res, 400, -32000, 'No session: send initialize first, then the Mcp-Session-Id header it returns with every request.');
    }
    if (req.method === 'GET' || req.method === 'DELETE') {
      if (!session) return sendError(res, 400, -32000, 'No session: send the Mcp-Session-Id header that initialize returned.');
      return handle(session, req, res);
    }
    req.resume();
    return sendError(res, 405, -32000, `Method ${req.method} is not used: POST JSON-RPC messages, GET for the notification stream, DELETE to end the session.`, { allow: 'GET, POST, DELETE' });
  }

  const httpServer = createHttpServer((req, res) => {
    onRequest(req, res).catch((e) => {
      services.logger.warn(`http: ${errorMessage(e)}`);
      sendError(res, 500, -32603, 'Internal error while handling the request.');
    });
  });
  // Requests are bounded by the body limit; an upload that trickles in must not hold a socket for ever.
  httpServer.requestTimeout = 120_000;

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(opts.port, opts.host, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  if (isLoopback(opts.host)) guard.allowedHosts = loopbackHosts(port);
  guard.allowedOrigins.push(...ownOrigins(isLoopback(opts.host) ? loopbackHosts(port) : [`${opts.host}:${port}`]));
  const shownHost = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  // Always said, whatever the log level: a client needs the address and where the token is (never the token).
  process.stderr.write(
    `codedistill: MCP over HTTP at http://${shownHost}:${port}${MCP_PATH}; bearer token ${token.generated ? 'written to' : 'from'} ${token.from}\n`,
  );
  if (token.openToOthers) services.logger.warn(`the token file ${token.from} can be read by other users: chmod 600 it`);
  void services.app.start().catch((e) => services.logger.warn(`warm-up failed: ${errorMessage(e)}`));

  const sweep = setInterval(() => {
    const now = Date.now();
    for (const s of sessions.values()) if (s.open === 0 && now - s.lastSeen > IDLE_MS) void s.server.close().catch(() => undefined);
  }, SWEEP_MS);
  sweep.unref();

  await new Promise<void>((resolve) => {
    const done = () => resolve();
    process.once('SIGTERM', done);
    process.once('SIGINT', done);
    stop?.addEventListener('abort', done, { once: true });
  });
  clearInterval(sweep);
  const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
  // Running jobs are cancelled first, with the transports still open, so their clients get a cancelled answer
  // rather than a stream that ends without one.
  for (const s of sessions.values()) s.jobs.cancelAll();
  const deadline = Date.now() + SHUTDOWN_GRACE_MS;
  while ([...sessions.values()].some((s) => s.jobs.busy > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 200));
  await Promise.all([...sessions.values()].map((s) => s.server.close().catch(() => undefined)));
  httpServer.closeAllConnections();
  await closed;
  await services.app.close();
}
