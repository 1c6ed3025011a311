/**
 * Libraries and blocks as MCP resources: `library://<name>` (summary, contents, what was skipped and why) and
 * `block://<library>/<qualified name>` (the block whole, as get_pattern's detail full), listed, readable and
 * completable, so a client can browse and attach them without a tool call.
 */
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import { CodedistillError } from '../kernel/errors.js';
import type { ToolServices } from './services.js';
import { patternAnswer } from './pattern-answer.js';
import { blockUri, libraryUri } from './uris.js';

const JSON_TYPE = 'application/json';
const COMPLETIONS = 100;

const one = (v: string | string[] | undefined): string => (Array.isArray(v) ? (v[0] ?? '') : (v ?? ''));

/** Fails the read with the message and hint a tool would give, as a JSON-RPC error the client shows. */
const readable = async (uri: URL, read: () => Promise<unknown>): Promise<ReadResourceResult> => {
  try {
    return { contents: [{ uri: uri.href, mimeType: JSON_TYPE, text: JSON.stringify(await read()) }] };
  } catch (e) {
    if (e instanceof CodedistillError) throw new Error(`${e.message} ${e.hint}`);
    throw e;
  }
};

export function registerResources(server: McpServer, services: ToolServices): void {
  const { app } = services;
  const libraryNames = async () => (await app.listLibraries()).map((l) => l.name);

  server.registerResource(
    'library',
    new ResourceTemplate('library://{name}', {
      list: async () => ({
        resources: (await app.listLibraries()).map((l) => ({
          uri: libraryUri(l.name),
          name: l.name,
          title: `${l.repository}${l.demo ? ' (demo)' : ''}`,
          description: `${l.blocks} blocks, ${Math.round(l.validatedShare * 100)}% validated, ${l.licence}`,
          mimeType: JSON_TYPE,
        })),
      }),
      complete: { name: async (value) => (await libraryNames()).filter((n) => n.startsWith(value)).slice(0, COMPLETIONS) },
    }),
    { title: 'A library', description: 'Summary, contents (every block with its level) and the files skipped, with why.', mimeType: JSON_TYPE },
    (uri, vars) => readable(uri, () => app.describeLibrary(one(vars.name))),
  );

  server.registerResource(
    'block',
    new ResourceTemplate('block://{library}/{name}', {
      list: async () => {
        const resources = [];
        for (const name of await libraryNames()) {
          for (const b of (await app.describeLibrary(name)).contents) resources.push({ uri: blockUri(b.id), name: b.id, mimeType: JSON_TYPE });
        }
        return { resources };
      },
      complete: {
        library: async (value) => (await libraryNames()).filter((n) => n.startsWith(value)).slice(0, COMPLETIONS),
        name: async (value, context) => {
          const library = context?.arguments?.library;
          if (!library) return [];
          const lib = await app.describeLibrary(library).catch(() => null);
          const prefix = `${library}:`;
          return (lib?.contents ?? [])
            .map((b) => b.id.slice(prefix.length))
            .filter((q) => q.startsWith(value) || q.slice(q.lastIndexOf('.') + 1).startsWith(value))
            .slice(0, COMPLETIONS);
        },
      },
    }),
    { title: 'A building block', description: "The block whole: what get_pattern gives with detail full.", mimeType: JSON_TYPE },
    (uri, vars) =>
      readable(uri, async () => {
        const res = await app.getPattern(`${one(vars.library)}:${decodeURIComponent(one(vars.name))}`);
        return patternAnswer(res, 'full', res.library.demo === true);
      }),
  );
}
