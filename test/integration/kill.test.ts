/**
 * A real distill (with validation: environment, sandbox runs, write, index) killed with SIGKILL at points spread
 * over its run, ten times. After each kill, the next command must find the previous or the new library whole, no
 * leftover folders, and an index that holds exactly the blocks the files hold.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as lancedb from '@lancedb/lancedb';
import { tempDir, testEnv } from '../helpers/tmp.js';
import { CHANGE_MARK_FILE } from '../../src/library/files.js';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');
const sources = [path.join(root, 'test', 'fixtures', 'flowcalc'), path.join(root, 'test', 'fixtures', 'kinetix')];

test('ten distills killed at points spread over their run: the library and the index survive every one', { timeout: 900_000 }, async () => {
  const home = tempDir();
  const env = testEnv(home);
  const t0 = Date.now();
  await run(process.execPath, [cli, 'distill', sources[0]!, '--name', 'victim'], { env });
  const full = Date.now() - t0;
  const packages = sources.map((s) => path.basename(s));
  // How many blocks each source makes, from an uninterrupted distill of each.
  const counts = new Map<string, number>();
  for (const s of sources) {
    const r = JSON.parse((await run(process.execPath, [cli, 'distill', s, '--name', `whole-${path.basename(s)}`, '--no-validate', '--json'], { env })).stdout) as { counts: { blocks: number } };
    counts.set(path.basename(s), r.counts.blocks);
  }
  for (let i = 0; i < 10; i++) {
    const delay = Math.round(200 + ((full - 200) * (i + 0.5)) / 10);
    const child = spawn(process.execPath, [cli, 'distill', sources[(i + 1) % 2]!, '--name', 'victim', '--force'], { env, detached: true, stdio: 'ignore' });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    await new Promise((r) => setTimeout(r, delay));
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // It finished before the kill: a point after the end, which must hold too.
    }
    await exited;
    const at = `kill ${i + 1} at ${delay} ms of ${full}`;

    const listed = JSON.parse((await run(process.execPath, [cli, 'libraries', '--json'], { env })).stdout) as { name: string; source: { location: string } }[];
    const victim = listed.find((l) => l.name === 'victim');
    assert.ok(victim, `${at}: the library is there`);
    const blocks = readFileSync(path.join(home, 'libraries', 'victim', 'blocks.jsonl'), 'utf8').trim().split('\n');
    const pkg = path.basename(victim.source.location);
    assert.ok(packages.includes(pkg), `${at}: from one of the two sources`);
    const kinds = blocks.map((l) => JSON.parse(l) as { kind: string; qualifiedName: string });
    assert.ok(kinds.every((b) => b.kind === 'workflow' || b.qualifiedName.startsWith(`${pkg}.`)), `${at}: whole, of one source`);
    assert.equal(blocks.length, counts.get(pkg), `${at}: every block of that source`);
    assert.deepEqual(readdirSync(path.join(home, 'libraries')).filter((n) => n.startsWith('.') && n !== CHANGE_MARK_FILE), [], `${at}: no leftovers`);

    await run(process.execPath, [cli, 'search', 'pressure drop', '--json'], { env });
    const db = await lancedb.connect(path.join(home, 'index'));
    const table = await db.openTable('blocks');
    const ids = ((await table.query().where(`library = 'victim'`).select(['id']).toArray()) as { id: string }[]).map((r) => r.id);
    table.close();
    db.close();
    assert.equal(new Set(ids).size, ids.length, `${at}: no duplicate rows`);
    assert.equal(ids.length, blocks.length, `${at}: the index holds the library's blocks`);
    assert.deepEqual(readdirSync(os.tmpdir()).filter((n) => n.startsWith(`codedistill-run-${child.pid}-`)), [], `${at}: no run folder left`);
  }
});
