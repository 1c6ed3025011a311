import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface IndexRequest {
  method: string;
  path: string;
}

export interface LoopbackIndex {
  /** The simple index root, e.g. http://127.0.0.1:40123/simple/ (what --index-url / PIP_INDEX_URL take). */
  url: string;
  /** Every request seen, in order. */
  readonly requests: readonly IndexRequest[];
  /** How many times the project page of `name` (any spelling) was asked for. */
  projectHits(name: string): number;
  /** How many times a file of the index was downloaded. */
  fileHits(filename: string): number;
  close(): Promise<void>;
}

/** PEP 503 name normalisation. */
export const normalizeProject = (name: string) => name.toLowerCase().replace(/[-_.]+/g, '-');

/** The project a wheel belongs to: the first field of its file name (PEP 427, where "-" in names is "_"). */
const projectOfWheel = (file: string) => normalizeProject(file.split('-')[0]!);

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * A PEP 503 simple index on 127.0.0.1 (a random port) serving the wheels of wheelDir: /simple/ lists the
 * projects, /simple/<project>/ links each file with its sha256, /files/<name> serves it. The folder is read on
 * every request, so wheels added later are served too.
 */
export async function serveIndex(wheelDir: string): Promise<LoopbackIndex> {
  const requests: IndexRequest[] = [];
  const hashes = new Map<string, string>();
  const sha256 = (file: string) => {
    const st = statSync(file);
    const key = `${file}:${st.size}:${st.mtimeMs}`;
    let h = hashes.get(key);
    if (!h) {
      h = createHash('sha256').update(readFileSync(file)).digest('hex');
      hashes.set(key, h);
    }
    return h;
  };
  const wheels = () => readdirSync(wheelDir).filter((f) => f.endsWith('.whl') || f.endsWith('.tar.gz'));

  const page = (title: string, links: string[]) =>
    `<!DOCTYPE html>\n<html><head><meta name="pypi:repository-version" content="1.0"><title>${escapeHtml(title)}</title></head><body>\n${links.join('<br>\n')}\n</body></html>\n`;

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const p = decodeURIComponent(url.pathname);
    requests.push({ method: req.method ?? 'GET', path: p });
    const send = (status: number, body: string | Buffer, type = 'text/html; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    try {
      if (p === '/simple' || p === '/simple/') {
        const projects = [...new Set(wheels().map(projectOfWheel))].sort();
        return send(200, page('Simple index', projects.map((n) => `<a href="/simple/${n}/">${n}</a>`)));
      }
      const proj = /^\/simple\/([^/]+)\/?$/.exec(p);
      if (proj) {
        const name = normalizeProject(proj[1]!);
        if (!p.endsWith('/') || name !== proj[1]) {
          res.writeHead(301, { location: `/simple/${name}/` });
          return res.end();
        }
        const files = wheels().filter((f) => projectOfWheel(f) === name).sort();
        if (files.length === 0) return send(404, 'not found', 'text/plain');
        const links = files.map((f) => `<a href="/files/${encodeURIComponent(f)}#sha256=${sha256(path.join(wheelDir, f))}">${escapeHtml(f)}</a>`);
        return send(200, page(`Links for ${name}`, links));
      }
      const file = /^\/files\/([^/]+)$/.exec(p);
      if (file && wheels().includes(file[1]!)) {
        return send(200, readFileSync(path.join(wheelDir, file[1]!)), 'application/octet-stream');
      }
      return send(404, 'not found', 'text/plain');
    } catch (e) {
      return send(500, String(e), 'text/plain');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/simple/`,
    requests,
    projectHits: (name) => {
      const n = normalizeProject(name);
      return requests.filter((r) => {
        const m = /^\/simple\/([^/]+)\/?$/.exec(r.path);
        return m !== null && normalizeProject(m[1]!) === n;
      }).length;
    },
    fileHits: (filename) => requests.filter((r) => r.path === `/files/${filename}`).length,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
