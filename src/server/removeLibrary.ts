import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { RemoveReport, RemoveRequest } from '../domain/libraries.js';
import { CodedistillError } from '../kernel/errors.js';
import type { ToolServices } from './services.js';
import { guarded } from './errors.js';
import { leanOutput } from './schema.js';

/** Ask the user through the client, when it can ask; null when it cannot. */
async function askUser(server: McpServer, message: string): Promise<boolean | null> {
  if (!server.server.getClientCapabilities()?.elicitation) return null;
  try {
    const r = await server.server.elicitInput({
      mode: 'form',
      message,
      requestedSchema: { type: 'object', properties: { confirm: { type: 'boolean', title: 'Remove it', description: 'Remove the library and its files.' } }, required: ['confirm'] },
    });
    return r.action === 'accept' && r.content?.confirm === true;
  } catch {
    // The client announced elicitation but not the form kind: fall back to the explicit confirm.
    return null;
  }
}

export function registerRemoveLibraryTool(server: McpServer, services: ToolServices): void {
  server.registerTool(
    'remove_library',
    {
      title: 'Remove a library',
      description:
        "Delete one of the user's libraries and stop serving it (not shipped or read-only ones). The user confirms " +
        'when the client can ask; else pass confirm: true only if the user asked. Next: list_libraries.',
      inputSchema: RemoveRequest,
      outputSchema: leanOutput(RemoveReport),
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    guarded(services.logger, async ({ library, confirm }) => {
      const lib = await services.app.describeLibrary(library);
      if (lib.readOnly) await services.app.removeLibrary(library); // throws the read-only error, with its hint
      if (confirm !== true) {
        const yes = await askUser(server, `Remove the library "${library}" (${lib.blocks} blocks from ${lib.repository}@${lib.commit})? Its files are deleted.`);
        if (yes === null) {
          throw new CodedistillError('invalid_input', `Removing "${library}" needs confirmation.`, 'Ask the user, then call remove_library again with confirm: true.');
        }
        if (!yes) {
          const report: RemoveReport = { library, removed: false, path: null, blocks: lib.blocks };
          return { content: [{ type: 'text', text: `Not removed: the user declined. "${library}" is still served.` }], structuredContent: report };
        }
      }
      const report = await services.app.removeLibrary(library);
      return { content: [{ type: 'text', text: `Removed "${library}" (${report.blocks} blocks) from ${report.path}.` }], structuredContent: report };
    }),
  );
}
