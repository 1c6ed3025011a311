/**
 * A loopback stand-in for GitHub's GraphQL endpoint answering repository searches from pages written in the
 * shape GitHub answers them (test/fixtures/discover): the page after the cursor the request gives, or a
 * scripted failure (HTTP status, headers, body) for the error paths.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeAnswer {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}
export interface SearchPage {
  data: { search: { pageInfo: { endCursor: string | null } } };
}

export interface FakeGithub {
  url: string;
  /** Every request's variables and authorization header, in order. */
  requests: Array<{ variables: Record<string, unknown>; authorization: string | undefined; query: string }>;
  close(): Promise<void>;
}

const body = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let s = '';
    req.on('data', (c: Buffer) => (s += c.toString('utf8')));
    req.on('end', () => resolve(s));
  });

/** Serve `pages` (by cursor), or `answer` for every request when given. */
export async function startFakeGithub(pages: SearchPage[], answer?: FakeAnswer): Promise<FakeGithub> {
  const requests: FakeGithub['requests'] = [];
  const server = createServer(async (req, res) => {
    const parsed = JSON.parse(await body(req)) as { query: string; variables: Record<string, unknown> };
    requests.push({ variables: parsed.variables, authorization: req.headers.authorization, query: parsed.query });
    if (answer) {
      res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers });
      res.end(JSON.stringify(answer.body));
      return;
    }
    const after = parsed.variables.after ?? null;
    const i = after === null ? 0 : pages.findIndex((p) => p.data.search.pageInfo.endCursor === after) + 1;
    const page = pages[i];
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(page ?? { data: null, errors: [{ type: 'INVALID_CURSOR_ARGUMENTS', message: `bad cursor ${String(after)}` }] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
