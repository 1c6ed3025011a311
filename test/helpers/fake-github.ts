/**
 * A loopback stand-in for GitHub's GraphQL endpoint. Repository searches are answered from pages written in the
 * shape GitHub answers them (test/fixtures/discover): the page after the cursor the request gives. Repository
 * metadata queries (`repository(owner, name)`, as a distill asks them) are answered from recorded answers by
 * owner/name (status, headers and body, as in test/fixtures/github), a repository not recorded with GitHub's
 * NOT_FOUND answer. Or a scripted failure (HTTP status, headers, body) for every request, for the error paths.
 */
import { readFileSync } from 'node:fs';
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

/** A recorded fixture: search pages and, optionally, repository answers by "owner/name". */
export interface RecordedGithub {
  pages: SearchPage[];
  repositories?: Record<string, FakeAnswer>;
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

/** A recorded fixture file with its {{NAME}} placeholders filled in (commits made by the test). */
export function loadRecorded(file: string, vars: Record<string, string> = {}): RecordedGithub {
  let text = readFileSync(file, 'utf8');
  for (const [k, v] of Object.entries(vars)) text = text.replaceAll(`{{${k}}}`, v);
  const left = /\{\{[A-Z0-9_]+\}\}/.exec(text);
  if (left) throw new Error(`${file}: ${left[0]} is not filled in`);
  return JSON.parse(text) as RecordedGithub;
}

const notFound = (owner: unknown, name: unknown): FakeAnswer => ({
  status: 200,
  body: { data: { repository: null }, errors: [{ type: 'NOT_FOUND', path: ['repository'], message: `Could not resolve to a Repository with the name '${String(owner)}/${String(name)}'.` }] },
});

/** The recorded repository answer for a metadata query; `object` only when the query asks for a ref it holds. */
function repositoryAnswer(repositories: Record<string, FakeAnswer>, v: Record<string, unknown>): FakeAnswer {
  const key = Object.keys(repositories).find((k) => k.toLowerCase() === `${String(v.owner)}/${String(v.name)}`.toLowerCase());
  const rec = key ? repositories[key] : undefined;
  if (!rec) return notFound(v.owner, v.name);
  const b = structuredClone(rec.body) as { data?: { repository?: { object?: { oid?: string } | null; defaultBranchRef?: { name?: string } | null } | null } };
  const repo = b.data?.repository;
  if (repo) {
    if (!v.hasRef) delete repo.object;
    else {
      const known = [repo.object?.oid, repo.defaultBranchRef?.name, 'HEAD'].filter(Boolean);
      if (!known.includes(String(v.expression))) repo.object = null;
    }
  }
  return { ...rec, body: b };
}

/** Serve `pages` (by cursor) and the recorded `repositories`, or `answer` for every request when given. */
export async function startFakeGithub(pages: SearchPage[], answer?: FakeAnswer, repositories: Record<string, FakeAnswer> = {}): Promise<FakeGithub> {
  const requests: FakeGithub['requests'] = [];
  const server = createServer(async (req, res) => {
    const parsed = JSON.parse(await body(req)) as { query: string; variables: Record<string, unknown> };
    requests.push({ variables: parsed.variables, authorization: req.headers.authorization, query: parsed.query });
    const send = (a: FakeAnswer) => {
      res.writeHead(a.status, { 'content-type': 'application/json; charset=utf-8', ...a.headers });
      res.end(JSON.stringify(a.body));
    };
    if (answer) return send(answer);
    if (/\brepository\s*\(/.test(parsed.query) && !/\bsearch\s*\(/.test(parsed.query)) return send(repositoryAnswer(repositories, parsed.variables));
    const after = parsed.variables.after ?? null;
    const i = after === null ? 0 : pages.findIndex((p) => p.data.search.pageInfo.endCursor === after) + 1;
    const page = pages[i];
    send({ status: 200, body: page ?? { data: null, errors: [{ type: 'INVALID_CURSOR_ARGUMENTS', message: `bad cursor ${String(after)}` }] } });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
