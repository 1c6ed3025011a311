/** The prompt that walks an agent through the library before it writes experiment code. */
import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { ToolServices } from './services.js';

export function taskPrompt(task: string, library: string | undefined): string {
  const scope = library ? ` (library: "${library}")` : '';
  return [
    `Task: ${task}`,
    '',
    'Before writing any code for this task from memory, use the codedistill library of validated building blocks:',
    `1. Search: call search_library${scope} with the task in the field's words, one sub-task per query (the quantity, the method, the field). ` +
      'If the best hit is low confidence, rephrase with the method\'s standard name before concluding nothing fits.',
    '2. Get: call get_pattern on the most fitting hits. Prefer blocks whose level is checked or ran. Read the signature, the doc and the usage; ' +
      'note the requirements and the licence.',
    '3. Validate: adapt the usage to the task and run it with validate_snippet, passing the block\'s library. On failure, read the error, fix, run again.',
    '4. Compose: build the experiment code from the validated pieces, importing the packages rather than copying their code, ' +
      'and cite the repositories (provenance and citation) in a comment. Say which parts no block covered and were written from scratch.',
  ].join('\n');
}

export function registerPrompts(server: McpServer, services: ToolServices): void {
  server.registerPrompt(
    'use_library_for_task',
    {
      title: 'Solve a task with validated building blocks',
      description: 'Guides the agent through search → get → validate → compose before it writes experiment code.',
      argsSchema: {
        task: z.string().describe('The experiment or computation to write code for.'),
        library: completable(z.string().optional().describe('Only this library.'), async (value) =>
          (await services.app.listLibraries()).map((l) => l.name).filter((n) => n.startsWith(value ?? '')),
        ),
      },
    },
    ({ task, library }) => ({
      messages: [{ role: 'user', content: { type: 'text', text: taskPrompt(task, library) } }],
    }),
  );
}
