/**
 * The whole slice as an MCP client sees it: the built server spawned over stdio, a fixture repository
 * distilled into a temporary home, then searched, fetched and used from a validated snippet.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { copyFixture, repoRoot, tempDir, testEnv } from '../helpers/tmp.js';

const serverJs = path.join(repoRoot, 'dist', 'cli', 'main.js');

type Structured = Record<string, any>;
const text = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

describe('MCP server over stdio', { timeout: 300_000 }, () => {
  let client: Client;
  let stderr = '';
  const home = tempDir();
  const repo = copyFixture('flowcalc');

  before(async () => {
    assert.ok(existsSync(serverJs), 'dist/ is missing: npm test builds it first (pretest)');
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [serverJs, 'serve'],
      env: testEnv(home),
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (d) => (stderr += String(d)));
    client = new Client({ name: 'codedistill-e2e', version: '0.0.0' });
    await client.connect(transport);
  });

  after(async () => {
    await client?.close();
  });

  const call = async (name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;

  it('lists the tools with schemas, titles and all annotation hints', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name).sort();
    assert.deepEqual(names, ['build_environment', 'distill_repo', 'get_pattern', 'revalidate', 'search_library', 'validate_snippet']);
    for (const t of tools) {
      assert.ok(t.title, `${t.name} has a title`);
      assert.ok((t.description ?? '').length > 100, `${t.name} has a description written for a model`);
      assert.ok(t.outputSchema, `${t.name} has an outputSchema`);
      for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const) {
        assert.equal(typeof t.annotations?.[hint], 'boolean', `${t.name} sets ${hint}`);
      }
      const props = (t.inputSchema as { properties?: Record<string, { description?: string }> }).properties ?? {};
      for (const [field, schema] of Object.entries(props)) {
        assert.ok(schema.description, `${t.name}.${field} is described`);
      }
    }
  });

  let distilled: Structured;
  it('a repository that is already a shipped library at the same content is reported unchanged', async () => {
    const res = await call('distill_repo', { source: repo });
    assert.ok(!res.isError, text(res));
    const s = res.structuredContent as Structured;
    assert.equal(s.unchanged, true);
    assert.match(s.libraryPath, /libraries[\\/]flowcalc$/);
  });

  it('distills a local Python repository with progress (forced: into the user\'s own libraries)', async () => {
    const progress: string[] = [];
    const res = (await client.callTool({ name: 'distill_repo', arguments: { source: repo, force: true } }, undefined, {
      onprogress: (p) => progress.push(p.message ?? ''),
      timeout: 240_000,
    })) as CallToolResult;
    assert.ok(!res.isError, text(res));
    distilled = res.structuredContent as Structured;
    assert.equal(distilled.library, 'flowcalc');
    assert.equal(distilled.unchanged, false);
    assert.match(distilled.commit, /^sha256:[0-9a-f]{16,}/);
    assert.ok(distilled.counts.blocks >= 12, `blocks: ${distilled.counts.blocks}`);
    assert.ok(distilled.counts.examples >= 5, `examples: ${distilled.counts.examples}`);
    assert.ok(distilled.counts.validated >= 3, `validated: ${distilled.counts.validated}\n${stderr}`);
    assert.equal(distilled.licence, 'MIT');
    assert.ok(progress.length >= 3, `progress notifications: ${progress.join(' | ')}`);
    assert.ok(existsSync(path.join(home, 'libraries', 'flowcalc', 'blocks.jsonl')));
  });

  it('says a second distill of the same commit is unchanged, and points at the user\'s copy', async () => {
    const res = await call('distill_repo', { source: repo });
    assert.ok(!res.isError, text(res));
    const s = res.structuredContent as Structured;
    assert.equal(s.unchanged, true);
    assert.equal(s.libraryPath, path.join(home, 'libraries', 'flowcalc'));
  });

  let hitId = '';
  it('finds a function described in other words than its name', async () => {
    const res = await call('search_library', { query: 'pressure loss of fluid flowing through a column filled with spheres', limit: 5 });
    assert.ok(!res.isError, text(res));
    const s = res.structuredContent as Structured;
    const ids: string[] = s.results.map((r: Structured) => r.id);
    hitId = ids.find((i) => i.endsWith('ergun_pressure_drop')) ?? '';
    assert.ok(hitId, `ergun_pressure_drop in the top 5: ${ids.join(', ')}`);
    assert.ok(s.libraries.includes('flowcalc'));
  });

  it('gets the block whole with its provenance and a ready usage', async () => {
    const res = await call('get_pattern', { id: hitId });
    assert.ok(!res.isError, text(res));
    const { block, usage, library } = res.structuredContent as Structured;
    assert.equal(block.provenance.path, 'flowcalc/beds.py');
    assert.ok(block.provenance.startLine > 0 && block.provenance.endLine > block.provenance.startLine);
    assert.match(block.code, /def ergun_pressure_drop/);
    assert.ok(block.parameters.some((p: Structured) => p.name === 'porosity' && /void fraction/i.test(p.description ?? '')));
    assert.ok(block.requirements.includes('numpy'));
    assert.equal(block.licence, 'MIT');
    assert.match(usage, /ergun_pressure_drop/);
    assert.equal(library.name, 'flowcalc');
  });

  it('runs a snippet that imports the distilled package', async () => {
    const code = 'from flowcalc.beds import ergun_pressure_drop\nprint(round(ergun_pressure_drop(0.01, 0.002, 0.4, 1.0, 1000.0, 1e-3), 1))\n';
    const res = await call('validate_snippet', { code, library: 'flowcalc' });
    const r = res.structuredContent as Structured;
    assert.equal(r.status, 'passed', text(res));
    assert.equal(r.stdout.trim(), '2929.7');
    assert.equal(r.library, 'flowcalc');
  });

  it('re-validates a library and keeps its run records current', async () => {
    const res = await call('revalidate', { library: 'flowcalc' });
    assert.ok(!res.isError, text(res));
    const r = res.structuredContent as Structured;
    assert.ok(r.counts.runs > 5 && r.counts.passed > 5, JSON.stringify(r.counts));
    assert.deepEqual(r.changed.filter((c: Structured) => c.before === 'passed'), []);
    assert.equal(r.libraryPath, path.join(home, 'libraries', 'flowcalc'));
  });

  describe('bad input gets a clear error and the server keeps serving', () => {
    it('a missing path', async () => {
      const res = await call('distill_repo', { source: path.join(home, 'no', 'such', 'folder') });
      assert.equal(res.isError, true);
      assert.match(text(res), /folder|path|GitHub/i);
    });
    it('an empty query', async () => {
      const res = await call('search_library', { query: '   ' });
      assert.equal(res.isError, true);
      assert.match(text(res), /query/i);
    });
    it('an unknown id', async () => {
      const res = await call('get_pattern', { id: 'flowcalc:flowcalc.beds.no_such_function' });
      assert.equal(res.isError, true);
      assert.match(text(res), /search_library/);
    });
    it('an unknown library', async () => {
      const res = await call('validate_snippet', { code: 'print(1)', library: 'nope' });
      assert.equal(res.isError, true);
      assert.match(text(res), /flowcalc/);
    });
    it('a snippet with a syntax error', async () => {
      const res = await call('validate_snippet', { code: 'x = 1\ndef broken(:\n    pass\n' });
      const r = res.structuredContent as Structured;
      assert.equal(r.status, 'failed');
      assert.equal(r.error.type, 'SyntaxError');
      assert.equal(r.error.line, 2);
    });
    it('an endless loop', async () => {
      const res = await call('validate_snippet', { code: 'while True:\n    pass\n', timeoutMs: 1500 });
      const r = res.structuredContent as Structured;
      assert.equal(r.status, 'timeout');
      assert.match(r.message, /time/i);
    });
    it('still answers afterwards', async () => {
      const res = await call('search_library', { query: 'Reynolds number', limit: 3 });
      assert.ok(!res.isError, text(res));
      assert.ok((res.structuredContent as Structured).results.length > 0);
    });
  });
});
