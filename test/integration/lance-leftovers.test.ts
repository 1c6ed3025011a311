/**
 * LanceDB's IVF shuffle folders: a real vector-index build leaves one in the temp folder, and the sweep removes
 * it once it is old enough and nobody has it open; what is not LanceDB's, is young or is open stays.
 */
import assert from 'node:assert/strict';
import { mkdirSync, openSync, closeSync, readdirSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import * as lancedb from '@lancedb/lancedb';
import { silentLogger } from '../../src/kernel/log.js';
import { findLanceLeftovers, sweepLanceLeftovers, LANCE_LEFTOVER_MIN_AGE_MS } from '../../src/search/leftovers.js';
import { tempDir } from '../helpers/tmp.js';

test('a real IVF index build leaves a shuffle folder in the temp folder, which the sweep finds', async () => {
  const tmp = tempDir();
  const saved = process.env.TMPDIR;
  // LanceDB (Rust's tempfile) reads TMPDIR when it makes the folder.
  process.env.TMPDIR = tmp;
  try {
    const db = await lancedb.connect(tempDir());
    const rows = Array.from({ length: 3000 }, (_, i) => ({ id: i, vector: Array.from({ length: 32 }, (_, j) => Math.sin(i * 31 + j)) }));
    const table = await db.createTable('t', rows);
    await table.createIndex('vector', { config: lancedb.Index.ivfPq({ distanceType: 'cosine', numPartitions: 16, numSubVectors: 2 }) });
    table.close();
    db.close();
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
  const left = readdirSync(tmp).filter((n) => n.startsWith('.tmp'));
  console.log(`# LanceDB folders left in the temp folder after one IVF build: ${left.length}`);
  assert.ok(left.length >= 1, 'LanceDB no longer leaves its shuffle folder: this sweep may be unneeded');
  const found = await findLanceLeftovers(tmp, Date.now() + LANCE_LEFTOVER_MIN_AGE_MS + 1000);
  assert.deepEqual(found.map((l) => path.basename(l.path)).sort(), left.sort());
  assert.ok(found.every((l) => l.bytes > 0));
});

test('the sweep removes old unused shuffle folders and keeps young, open or foreign ones', async () => {
  const tmp = tempDir();
  const folder = (name: string, files: string[], ageMs: number) => {
    const dir = path.join(tmp, name);
    mkdirSync(dir);
    const t = (Date.now() - ageMs) / 1000;
    for (const f of files) {
      writeFileSync(path.join(dir, f), 'x');
      utimesSync(path.join(dir, f), t, t);
    }
    utimesSync(dir, t, t);
    return dir;
  };
  const shuffle = ['shuffle_data.lance', 'shuffle_data.spill', 'shuffle_offsets.lance', 'shuffle_offsets.spill'];
  const hour = 60 * 60 * 1000;
  const old = folder('.tmpAbc123', shuffle, 2 * hour);
  const young = folder('.tmpYoung1', shuffle, 60_000);
  const foreign = folder('.tmpOther1', [...shuffle, 'notes.txt'], 2 * hour);
  const misnamed = folder('lance-tmp', shuffle, 2 * hour);
  const open = folder('.tmpOpen12', shuffle, 2 * hour);
  const fd = openSync(path.join(open, 'shuffle_data.lance'), 'r');
  try {
    const r = await sweepLanceLeftovers(silentLogger, tmp);
    assert.equal(r.removed, 1);
    assert.equal(existsSync(old), false);
    for (const kept of [young, foreign, misnamed, open]) assert.ok(existsSync(kept), `${kept} was removed`);
  } finally {
    closeSync(fd);
  }
});
