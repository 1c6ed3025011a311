import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import tar from 'tar-stream';
import { scratchArchive } from '../../src/validate/sandbox/scratch.js';
import { namespaceFilter } from '../../src/validate/sandbox/seccomp.js';
import { UidPool } from '../../src/validate/sandbox/uid-pool.js';

async function entries(archive: Buffer): Promise<Array<{ name: string; mode: number; uid: number; gid: number; type: string; body: string }>> {
  const out: Array<{ name: string; mode: number; uid: number; gid: number; type: string; body: string }> = [];
  const extract = tar.extract();
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      const h = entry.header;
      // tar-stream reads pax path records itself and leaves the others (uid, gid) in header.pax.
      const pax = (h.pax ?? {}) as Record<string, string>;
      const uid = pax.uid !== undefined ? Number(pax.uid) : h.uid;
      const gid = pax.gid !== undefined ? Number(pax.gid) : h.gid;
      out.push({ name: h.name, mode: h.mode, uid, gid, type: h.type, body: Buffer.concat(chunks).toString('utf8') });
    }
  })();
  Readable.from([archive]).pipe(extract as unknown as NodeJS.WritableStream);
  await done;
  return out;
}

test('the scratch archive: the folder itself 0700, the folders files need 0755, files 0644, all owned by the given uid', async () => {
  const uid = 1_800_000_123; // above the ustar range: carried by pax records
  const long = `${'d'.repeat(120)}/é${'f'.repeat(150)}.txt`;
  const archive = await scratchArchive(
    [
      ['snippet.py', 'print(1)\n'],
      ['a/b/c.csv', 'x,y\n'],
      [long, 'long'],
    ],
    { owner: uid, mtime: 1_700_000_000 },
  );
  const got = await entries(archive);
  assert.deepEqual(
    got.map((e) => [e.name, e.type, e.mode.toString(8), e.body]),
    [
      ['./', 'directory', '700', ''],
      ['snippet.py', 'file', '644', 'print(1)\n'],
      ['a/', 'directory', '755', ''],
      ['a/b/', 'directory', '755', ''],
      ['a/b/c.csv', 'file', '644', 'x,y\n'],
      [`${'d'.repeat(120)}/`, 'directory', '755', ''],
      [long, 'file', '644', 'long'],
    ],
  );
  assert.ok(got.every((e) => e.uid === uid && e.gid === uid));
  // GNU tar, which unpacks it in the sandbox, reads the same owners and names.
  const listed = spawnSync('tar', ['-tv', '--numeric-owner', '-f', '-'], { input: archive, encoding: 'utf8' });
  assert.equal(listed.status, 0, listed.stderr);
  const lines = listed.stdout.trim().split('\n');
  assert.equal(lines.length, 7);
  assert.ok(lines.every((l) => l.includes(` ${uid}/${uid} `)), listed.stdout);
  assert.ok(lines[6]!.endsWith(long), lines[6]);
});

test('the scratch archive without an owner records uid 0', async () => {
  const got = await entries(await scratchArchive([['x.py', '']], { owner: null, mtime: 0 }));
  assert.deepEqual(
    got.map((e) => [e.name, e.uid, e.gid]),
    [
      ['./', 0, 0],
      ['x.py', 0, 0],
    ],
  );
});

test('uid pool: distinct uids for concurrent leases, a released uid is handed out again, pools of different processes differ', () => {
  const pool = new UidPool(4242);
  const leases = Array.from({ length: 64 }, () => pool.acquire());
  assert.equal(new Set(leases.map((l) => l.uid)).size, 64);
  // Past 64 concurrent runs uids are shared rather than refused.
  const shared = pool.acquire();
  assert.ok(leases.some((l) => l.uid === shared.uid));
  const freed = leases[10]!;
  freed.release();
  freed.release();
  assert.equal(pool.acquire().uid, freed.uid);
  const other = new UidPool(4243).acquire();
  assert.ok(!leases.some((l) => l.uid === other.uid));
});

test('seccomp filter: whole sock_filter instructions for the known architectures, none for others', () => {
  for (const arch of ['x64', 'arm64']) {
    const f = namespaceFilter(arch);
    assert.ok(f && f.length > 0 && f.length % 8 === 0, arch);
  }
  assert.equal(namespaceFilter('ia32'), null);
});
