/**
 * Who may talk to `serve --http`, decided before a request reaches the MCP transport: the Host header (a web
 * page that rebinds its DNS name to 127.0.0.1 still sends its own name), the Origin a browser sends (a page on
 * another site may not drive the tools), and the bearer token, compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface GuardOptions {
  /** The bearer token. */
  token: string;
  /** Host header values accepted; empty: any (a server bound to a routable address by the user's choice). */
  allowedHosts: string[];
  /** Origin header values accepted; a request without an Origin (not from a browser) is not refused for it. */
  allowedOrigins: string[];
}

export type Verdict = { ok: true } | { ok: false; status: 401 | 403; message: string };

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Equal-length digests, so neither the token's length nor its first differing byte shows in the timing. */
export function tokenMatches(given: string, token: string): boolean {
  return timingSafeEqual(digest(given), digest(token));
}

/** The names a loopback server is reached by, with its port. */
export function loopbackHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
}

/** The server's own origins (a page it served itself), whatever else is allowed. */
export function ownOrigins(hosts: string[]): string[] {
  return hosts.map((h) => `http://${h}`);
}

export function judge(headers: IncomingHttpHeaders, opts: GuardOptions): Verdict {
  const host = headers.host?.toLowerCase();
  if (opts.allowedHosts.length && (!host || !opts.allowedHosts.includes(host))) {
    return { ok: false, status: 403, message: `Host ${JSON.stringify((host ?? '').slice(0, 100))} is not this server's. Connect to http://${opts.allowedHosts[0]}/mcp.` };
  }
  const origin = headers.origin;
  if (origin !== undefined && !opts.allowedOrigins.includes(origin)) {
    return {
      ok: false,
      status: 403,
      message: `Origin ${JSON.stringify(origin.slice(0, 100))} is not allowed. A browser page may call this server only from an origin listed in CODEDISTILL_HTTP_ORIGINS.`,
    };
  }
  const auth = headers.authorization;
  const m = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
  if (!m) return { ok: false, status: 401, message: 'Missing bearer token. Send "Authorization: Bearer <token>"; the server printed where its token is when it started.' };
  if (!tokenMatches(m[1]!, opts.token)) return { ok: false, status: 401, message: 'Wrong bearer token. Use the token in the file the server named when it started (or CODEDISTILL_HTTP_TOKEN).' };
  return { ok: true };
}
