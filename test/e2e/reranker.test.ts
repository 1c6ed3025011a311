/**
 * The reranker as the built server wires it: CODEDISTILL_RERANKER read by config, loaded by the app beside the
 * embedder and handed to the index; a folder that holds no model costs one warning and search still answers.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { repoRoot, tempDir, testEnv } from '../helpers/tmp.js';

const serverJs = path.join(repoRoot, 'dist', 'cli', 'main.js');
const PYTHON = '/usr/bin/python3';

function onnxUnavailable(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const r = spawnSync(PYTHON, ['-c', 'import onnx, numpy'], { encoding: 'utf8' });
  return r.status === 0 ? null : `${PYTHON} lacks onnx or numpy (apt-get install python3-onnx python3-numpy)`;
}

/** One search of the shipped libraries through a server started with this reranker; its stderr with it. */
async function searchWith(reranker: string): Promise<{ res: CallToolResult; stderr: string }> {
  assert.ok(existsSync(serverJs), 'dist/ is missing: npm test builds it first (pretest)');
  let stderr = '';
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [serverJs, 'serve'],
    env: testEnv(tempDir(), { CODEDISTILL_MODEL: 'none', CODEDISTILL_RERANKER: reranker, CODEDISTILL_LOG_LEVEL: 'debug' }),
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (d) => (stderr += String(d)));
  const client = new Client({ name: 'codedistill-e2e-reranker', version: '0.0.0' });
  await client.connect(transport);
  try {
    const res = (await client.callTool({ name: 'search_library', arguments: { query: 'pressure drop through a packed bed' } }, undefined, {
      timeout: 120_000,
    })) as CallToolResult;
    return { res, stderr };
  } finally {
    await client.close();
  }
}

describe('a reranker configured for the server', { timeout: 300_000 }, () => {
  it('is loaded and reranks searches', { skip: onnxUnavailable() ?? false }, async () => {
    const dir = tempDir('codedistill-reranker-');
    execFileSync(PYTHON, [path.join(repoRoot, 'test', 'fixtures', 'models', 'make-tiny-reranker.py'), dir], { stdio: ['ignore', 'ignore', 'inherit'] });
    const folder = path.join(dir, 'codedistill-test', 'tiny-reranker');
    const { res, stderr } = await searchWith(folder);
    assert.ok(!res.isError, JSON.stringify(res.content));
    const hits = (res.structuredContent as { results: { id: string }[] }).results;
    assert.ok(hits.length > 0, stderr);
    assert.ok(stderr.includes(`reranker ${folder} loaded`), stderr);
    assert.match(stderr, /search "pressure drop through a packed bed": top .* reranking [\d.]+ ms\)/);
    assert.doesNotMatch(stderr, /could not be loaded|reranker .* failed/);
  });

  it('that cannot be loaded is skipped with one warning, and search answers without it', async () => {
    const { res, stderr } = await searchWith(path.join(tempDir(), 'no-model-here'));
    assert.ok(!res.isError, JSON.stringify(res.content));
    assert.ok((res.structuredContent as { results: unknown[] }).results.length > 0, stderr);
    assert.equal(stderr.match(/warn: reranker .* could not be loaded/g)?.length, 1, stderr);
  });
});
