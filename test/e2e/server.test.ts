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
import { copyFixture, repoRoot, tempDir, testEnv } from '../helpers/tmp.js';
import { PatternAnswer } from '../../src/domain/pattern.js';
import { SearchAnswer } from '../../src/domain/search.js';
import { LibraryDescription, LibraryList } from '../../src/domain/libraries.js';
import { ElicitRequestSchema, ResourceListChangedNotificationSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';

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

  const checkTools = (tools: Awaited<ReturnType<Client['listTools']>>['tools']) => {
    assert.equal(tools.find((t) => t.name === 'remove_library')?.annotations?.destructiveHint, true);
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
  };

  it('lists the core tools with schemas, titles and all annotation hints, within 3k tokens (characters / 4)', async () => {
    const { tools } = await client.listTools();
    const size = JSON.stringify({ tools }).length;
    assert.ok(size < 12_000, `tools/list is ${size} characters`);
    const names = tools.map((t) => t.name).sort();
    assert.deepEqual(names, ['build_environment', 'distill_repo', 'get_pattern', 'list_libraries', 'remove_library', 'revalidate', 'search_library', 'validate_snippet']);
    checkTools(tools);
  });

  it('offers the mining tools only when asked (CODEDISTILL_TOOLSETS=mining), to the same standard', async () => {
    const miner = new Client({ name: 'codedistill-e2e-mining', version: '0.0.0' });
    await miner.connect(new StdioClientTransport({ command: process.execPath, args: [serverJs, 'serve'], env: testEnv(home, { CODEDISTILL_TOOLSETS: 'mining' }), stderr: 'ignore' }));
    try {
      const { tools } = await miner.listTools();
      const names = tools.map((t) => t.name).sort();
      for (const n of ['batch_distill', 'batch_status', 'discover_repos', 'mine_patterns']) assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
      assert.equal(names.length, 12);
      checkTools(tools);
    } finally {
      await miner.close();
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
    const totals: boolean[] = [];
    const res = (await client.callTool({ name: 'distill_repo', arguments: { source: repo, force: true } }, undefined, {
      onprogress: (p) => {
        progress.push(p.message ?? '');
        totals.push(p.total !== undefined && p.progress < p.total);
      },
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
    assert.ok(totals.every(Boolean), 'every progress notification has a total it is below');
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
    assert.ok(ids.every((i) => i.startsWith('flowcalc:')), 'the demo libraries are not searched beside the user\'s own');
    SearchAnswer.parse(s);
    const links = res.content.filter((c) => c.type === 'resource_link');
    assert.equal(links.length, ids.length, 'one resource link per hit');
    assert.ok(links.some((l) => l.type === 'resource_link' && l.uri === 'block://flowcalc/flowcalc.beds.ergun_pressure_drop'));
  });

  it('gets the block for use by default: provenance, a ready usage, no source', async () => {
    const res = await call('get_pattern', { id: hitId });
    assert.ok(!res.isError, text(res));
    const a = PatternAnswer.parse(res.structuredContent);
    assert.equal(a.provenance.path, 'flowcalc/beds.py');
    assert.ok(a.provenance.startLine > 0 && a.provenance.endLine > a.provenance.startLine);
    assert.ok(a.requirements.includes('numpy'));
    assert.equal(a.licence, 'MIT');
    assert.match(a.usage, /ergun_pressure_drop/);
    assert.match(a.doc, /\w/);
    assert.equal(a.library.name, 'flowcalc');
    assert.equal(a.full, undefined);
    assert.equal(a.usageFrom?.run?.status, 'passed');
  });

  it('gets the block whole with detail full, the docstring sent once (inside the code)', async () => {
    const res = await call('get_pattern', { id: hitId, detail: 'full' });
    assert.ok(!res.isError, text(res));
    const a = PatternAnswer.parse(res.structuredContent);
    assert.match(a.full?.code ?? '', /def ergun_pressure_drop[\s\S]*void fraction/i);
    assert.ok(a.full?.parameters.some((p) => p.name === 'porosity' && !('description' in p)));
    assert.ok(!JSON.stringify(a.full?.examples).includes(JSON.stringify(a.usage)), 'the usage example is not repeated among the examples');
  });

  it('runs a snippet that imports the distilled package', async () => {
    const code = 'from flowcalc.beds import ergun_pressure_drop\nprint(round(ergun_pressure_drop(0.01, 0.002, 0.4, 1.0, 1000.0, 1e-3), 1))\n';
    const res = await call('validate_snippet', { code, library: 'flowcalc' });
    const r = res.structuredContent as Structured;
    assert.equal(r.status, 'passed', text(res));
    assert.equal(r.stdout.trim(), '2929.7');
    assert.equal(r.library, 'flowcalc');
  });

  it('a snippet\'s plot and table come back as an image and an embedded resource, named once in the structured answer', async () => {
    // A 1x1 PNG written by hand (zlib + struct), as matplotlib's Agg backend would save a plot.
    const code = [
      'import struct, zlib',
      'def chunk(k, d): return struct.pack(">I", len(d)) + k + d + struct.pack(">I", zlib.crc32(k + d) & 0xffffffff)',
      'png = b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(b"\\x00\\xff\\x00\\x00")) + chunk(b"IEND", b"")',
      'open("plot.png", "wb").write(png)',
      'open("data.csv", "w").write("x,y\\n1,2\\n")',
    ].join('\n');
    const res = await call('validate_snippet', { code });
    assert.ok(!res.isError, text(res));
    const image = res.content.find((c) => c.type === 'image');
    assert.ok(image && image.type === 'image' && image.mimeType === 'image/png', JSON.stringify(res.content.map((c) => c.type)));
    assert.equal(Buffer.from(image.data, 'base64').subarray(1, 4).toString('latin1'), 'PNG');
    const csv = res.content.find((c) => c.type === 'resource');
    assert.ok(csv && csv.type === 'resource' && 'text' in csv.resource, JSON.stringify(csv));
    assert.equal(csv.resource.text, 'x,y\n1,2\n');
    assert.equal(csv.resource.uri, 'file:///sandbox/data.csv');
    const s = res.structuredContent as Structured;
    assert.deepEqual(s.outputs.files, [
      { name: 'data.csv', mimeType: 'text/csv', bytes: 8 },
      { name: 'plot.png', mimeType: 'image/png', bytes: Buffer.from(image.data, 'base64').length },
    ]);
    assert.match(text(res), /files: data\.csv \(8 bytes\), plot\.png/);
  });

  it('re-validates a library and keeps its run records current', async () => {
    const res = await call('revalidate', { library: 'flowcalc' });
    assert.ok(!res.isError, text(res));
    const r = res.structuredContent as Structured;
    assert.ok(r.counts.runs > 5 && r.counts.passed > 5, JSON.stringify(r.counts));
    assert.deepEqual(r.changed.filter((c: Structured) => c.before === 'passed'), []);
    assert.equal(r.libraryPath, path.join(home, 'libraries', 'flowcalc'));
  });

  it('lists the libraries, the user\'s own beside the demos, labelled', async () => {
    const res = await call('list_libraries', {});
    assert.ok(!res.isError, text(res));
    const { libraries } = LibraryList.parse(res.structuredContent);
    const own = libraries.find((l) => l.name === 'flowcalc');
    assert.ok(own && !own.demo && !own.readOnly, JSON.stringify(own));
    assert.ok(own.validated > 0 && own.validatedShare > 0 && own.validatedShare <= 1);
    assert.ok(libraries.some((l) => l.name === 'kinetix' && l.demo && l.readOnly));
    assert.ok(res.content.some((c) => c.type === 'resource_link' && c.uri === 'library://flowcalc'));
  });

  it('serves libraries and blocks as resources: listed, read, completed', async () => {
    const { resources } = await client.listResources();
    assert.ok(resources.some((r) => r.uri === 'library://flowcalc'));
    assert.ok(resources.some((r) => r.uri === 'block://flowcalc/flowcalc.beds.ergun_pressure_drop'));
    const lib = await client.readResource({ uri: 'library://flowcalc' });
    const d = LibraryDescription.parse(JSON.parse(String((lib.contents[0] as { text: string }).text)));
    assert.ok(d.contents.some((b) => b.id === 'flowcalc:flowcalc.beds.ergun_pressure_drop'));
    assert.equal(typeof d.skippedByReason, 'object');
    const block = await client.readResource({ uri: 'block://flowcalc/flowcalc.beds.ergun_pressure_drop' });
    const a = PatternAnswer.parse(JSON.parse(String((block.contents[0] as { text: string }).text)));
    assert.match(a.full?.code ?? '', /def ergun_pressure_drop/);
    const names = await client.complete({ ref: { type: 'ref/resource', uri: 'block://{library}/{name}' }, argument: { name: 'name', value: 'flowcalc.beds.erg' }, context: { arguments: { library: 'flowcalc' } } });
    assert.ok(names.completion.values.includes('flowcalc.beds.ergun_pressure_drop'), names.completion.values.join(', '));
    const libs = await client.complete({ ref: { type: 'ref/resource', uri: 'library://{name}' }, argument: { name: 'name', value: 'flow' } });
    assert.deepEqual(libs.completion.values, ['flowcalc']);
    await assert.rejects(client.readResource({ uri: 'library://nope' }), /No library named "nope"/);
  });

  it('offers a prompt that walks a task through search, get, validate and compose', async () => {
    const { prompts } = await client.listPrompts();
    assert.ok(prompts.some((p) => p.name === 'use_library_for_task'));
    const p = await client.getPrompt({ name: 'use_library_for_task', arguments: { task: 'pressure drop of a packed bed', library: 'flowcalc' } });
    const body = p.messages.map((m) => (m.content.type === 'text' ? m.content.text : '')).join('\n');
    assert.match(body, /pressure drop of a packed bed/);
    for (const tool of ['search_library', 'get_pattern', 'validate_snippet']) assert.match(body, new RegExp(tool));
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
    it('removing a shipped library is refused, and removing without confirmation is asked for', async () => {
      const shipped = await call('remove_library', { library: 'kinetix', confirm: true });
      assert.equal(shipped.isError, true);
      assert.match(text(shipped), /cannot be removed/);
      const unasked = await call('remove_library', { library: 'flowcalc' });
      assert.equal(unasked.isError, true);
      assert.match(text(unasked), /confirm: true/);
    });
    it('still answers afterwards', async () => {
      const res = await call('search_library', { query: 'Reynolds number', limit: 3 });
      assert.ok(!res.isError, text(res));
      assert.ok((res.structuredContent as Structured).results.length > 0);
    });
  });

  it('asks the user through elicitation when the client can: declined keeps the library, accepted removes it, and another connected server notices', async () => {
    const asker = new Client({ name: 'codedistill-e2e-elicit', version: '0.0.0' }, { capabilities: { elicitation: { form: {} } } });
    const asked: string[] = [];
    asker.setRequestHandler(ElicitRequestSchema, async (req) => {
      asked.push(String(req.params.message));
      return { action: 'decline' };
    });
    await asker.connect(new StdioClientTransport({ command: process.execPath, args: [serverJs, 'serve'], env: testEnv(home), stderr: 'ignore' }));
    try {
      const declined = (await asker.callTool({ name: 'remove_library', arguments: { library: 'flowcalc' } })) as CallToolResult;
      assert.ok(!declined.isError, text(declined));
      assert.equal((declined.structuredContent as Structured).removed, false);
      assert.match(asked[0] ?? '', /flowcalc/);
      assert.ok(existsSync(path.join(home, 'libraries', 'flowcalc')));
    } finally {
      await asker.close();
    }
    let listChanged = 0;
    client.setNotificationHandler(ResourceListChangedNotificationSchema, () => {
      listChanged++;
    });
    // A client that declares elicitation the older way (an empty object: form only) and whose user says yes; the
    // removal is its server's, and this client's server notices it.
    const accepter = new Client({ name: 'codedistill-e2e-accept', version: '0.0.0' }, { capabilities: { elicitation: {} } });
    let asks = 0;
    accepter.setRequestHandler(ElicitRequestSchema, async () => {
      asks++;
      return { action: 'accept', content: { confirm: true } };
    });
    await accepter.connect(new StdioClientTransport({ command: process.execPath, args: [serverJs, 'serve'], env: testEnv(home), stderr: 'ignore' }));
    try {
      const res = (await accepter.callTool({ name: 'remove_library', arguments: { library: 'flowcalc' } })) as CallToolResult;
      assert.ok(!res.isError, text(res));
      assert.equal(asks, 1, 'the user was asked once');
      assert.equal((res.structuredContent as Structured).removed, true);
    } finally {
      await accepter.close();
    }
    assert.ok(!existsSync(path.join(home, 'libraries', 'flowcalc')));
    const { libraries } = LibraryList.parse((await call('list_libraries', {})).structuredContent);
    assert.ok(libraries.filter((l) => l.name === 'flowcalc').every((l) => l.demo), 'only the shipped demo flowcalc is left');
    // Checked after a later request: the notification goes out before that answer, not necessarily before the removal's.
    assert.ok(listChanged >= 1, 'the client is told the resource list changed');
  });
});
