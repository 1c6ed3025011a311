import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { BoundedStdioTransport } from './stdio-transport.js';
import type { ToolServices } from './services.js';
import { registerDistillRepoTool } from './distillRepo.js';
import { registerGetPatternTool } from './getPattern.js';
import { registerSearchLibraryTool } from './searchLibrary.js';
import { registerRevalidateTool } from './revalidate.js';
import { registerValidateSnippetTool } from './validateSnippet.js';
import { registerBuildEnvironmentTool } from './buildEnvironment.js';
import { registerListLibrariesTool } from './listLibraries.js';
import { registerRemoveLibraryTool } from './removeLibrary.js';
import { registerMinePatternsTool } from './minePatterns.js';
import { registerResources } from './resources.js';
import { registerBatchTools } from './batchTools.js';
import { registerPrompts } from './prompts.js';
import { errorMessage } from '../kernel/errors.js';
import { dropSchemaMarkers } from './schema.js';
import { afterHandshake } from './after-handshake.js';

export const SERVER_INSTRUCTIONS =
  'codedistill serves validated building blocks distilled from scientific repositories. Before writing scientific ' +
  'code from memory, call search_library with a description of the task; open a hit with get_pattern; check your ' +
  'adapted code with validate_snippet. list_libraries shows what is covered; a repository that is not yet a ' +
  'library can be added with distill_repo. The prompt use_library_for_task walks through these steps.';

export function createServer(services: ToolServices, version: string): McpServer {
  const server = new McpServer(
    { name: 'codedistill', version },
    { capabilities: { tools: {}, logging: {}, resources: { listChanged: true }, prompts: {}, completions: {} }, instructions: SERVER_INSTRUCTIONS },
  );
  registerDistillRepoTool(server, services);
  registerSearchLibraryTool(server, services);
  registerGetPatternTool(server, services);
  registerValidateSnippetTool(server, services);
  registerRevalidateTool(server, services);
  registerBuildEnvironmentTool(server, services);
  registerListLibrariesTool(server, services);
  registerRemoveLibraryTool(server, services);
  if (services.app.config.toolsets.includes('mining')) {
    registerMinePatternsTool(server, services);
    registerBatchTools(server, services);
  }
  registerResources(server, services);
  registerPrompts(server, services);
  dropSchemaMarkers(server.server);
  // Whoever changed them (a tool here, the CLI, another server on the same home), clients re-list the resources.
  const unsubscribe = services.app.onLibrariesChanged(() => server.sendResourceListChanged());
  // Over HTTP a server lives as long as its session: a closed one must stop listening to the shared App.
  const onclose = server.server.onclose;
  server.server.onclose = () => {
    unsubscribe();
    onclose?.();
  };
  return server;
}

/** Serve over stdio until the client goes away. */
export async function serveStdio(services: ToolServices, version: string): Promise<void> {
  const server = createServer(services, version);
  // Bounded: an oversized or malformed line gets an error answer, and the server keeps serving.
  const transport = new BoundedStdioTransport();
  transport.onerror = (e) => services.logger.warn(`stdio: ${e.message}`);
  await server.connect(transport);
  // Load libraries, model and index after the handshake so the client is not kept waiting.
  const cancelStart = afterHandshake(transport, () => void services.app.start().catch((e) => services.logger.warn(`warm-up failed: ${errorMessage(e)}`)));
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    transport.onclose = done;
    process.stdin.once('end', done);
    process.stdin.once('close', done);
  });
  cancelStart();
  await services.app.close();
}
