import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { contentHash } from '../../src/ingest/content-hash.js';

const tmp = await mkdtemp(path.join(os.tmpdir(), 'cd-gitignore-'));
after(() => rm(tmp, { recursive: true, force: true }));

async function write(rel: string, text: string): Promise<void> {
  await mkdir(path.dirname(path.join(tmp, rel)), { recursive: true });
  await writeFile(path.join(tmp, rel), text);
}

test('the content hash of a folder leaves out what .gitignore excludes, as the walk does', async () => {
  await write('.gitignore', '*.log\nout/\n');
  await write('pkg/core.py', 'x = 1\n');
  await write('pkg/run.log', 'first run\n');
  const before = await contentHash(tmp);
  await write('pkg/run.log', 'second run\n');
  await write('out/result.csv', 'a\n');
  assert.equal(await contentHash(tmp), before);
  await write('pkg/core.py', 'x = 2\n');
  assert.notEqual(await contentHash(tmp), before);
});
