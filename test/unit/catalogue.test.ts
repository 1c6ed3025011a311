import assert from 'node:assert/strict';
import { mkdir, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { LibraryManifest } from '../../src/domain/library.js';
import { silentLogger } from '../../src/kernel/log.js';
import { Catalogue } from '../../src/library/catalogue.js';
import { CHANGE_MARK_FILE, hostTag, MANIFEST_FILE, markChanged, writeLibrary } from '../../src/library/files.js';
import { recoverLibraries } from '../../src/library/recover.js';
import { testBlock } from '../helpers/block.js';
import { testManifest } from '../helpers/manifest.js';
import { tempDir } from '../helpers/tmp.js';

function manifest(name: string, blocks: number, description: string | null = null): LibraryManifest {
  return testManifest(name, {
    source: { kind: 'local', location: '/x', repo: `local/${name}`, ref: null, commit: 'sha256:0', url: null },
    description,
    counts: { filesSeen: 0, filesParsed: 0, filesSkipped: 0, parseErrors: 0, blocks, examples: 0, validated: 0 },
  });
}

async function write(parent: string, name: string, names: string[], description: string | null = null): Promise<string> {
  const blocks = names.map((n) => testBlock({ name: n, library: name, module: `${name}.core`, summary: `${n} of ${name}` }));
  return writeLibrary(parent, manifest(name, blocks.length, description), blocks, []);
}

describe('recovery of killed writes', () => {
  // A tag as writeLibrary makes it, for a process that no longer runs (pids are below 2^22 on Linux).
  const deadTag = `${hostTag()}-${2 ** 22 + 11}-0badc0de`;

  test('a kill between the two renames: the new library is put in place and the old copy removed', async () => {
    const parent = tempDir();
    const dir = await write(parent, 'flow', ['old_fn']);
    const staged = await write(tempDir(), 'flow', ['new_fn']);
    await rename(dir, path.join(parent, `.flow.old-${deadTag}`));
    await rename(staged, path.join(parent, `.flow.tmp-${deadTag}`));
    const r = await recoverLibraries(parent, silentLogger);
    assert.deepEqual(r?.restored, ['flow']);
    assert.match(await readFile(path.join(parent, 'flow', 'blocks.jsonl'), 'utf8'), /new_fn/);
    assert.deepEqual(await leftovers(parent), []);
  });

  test('a kill after the first rename with the new copy incomplete: the previous library is put back', async () => {
    const parent = tempDir();
    const dir = await write(parent, 'flow', ['old_fn']);
    await rename(dir, path.join(parent, `.flow.old-${deadTag}`));
    await mkdir(path.join(parent, `.flow.tmp-${deadTag}`));
    await writeFile(path.join(parent, `.flow.tmp-${deadTag}`, 'blocks.jsonl'), '');
    await recoverLibraries(parent, silentLogger);
    assert.match(await readFile(path.join(parent, 'flow', 'blocks.jsonl'), 'utf8'), /old_fn/);
    assert.deepEqual(await leftovers(parent), []);
  });

  test('a dead writer\'s half-written folder and a finished removal are deleted; a live writer\'s folder is left alone', async () => {
    const parent = tempDir();
    await write(parent, 'flow', ['fn']);
    const liveTag = `${hostTag()}-${process.pid}-0000beef`;
    for (const name of [`.flow.tmp-${deadTag}`, `.gone.removed-${deadTag}`, `.flow.tmp-${liveTag}`]) await mkdir(path.join(parent, name));
    await recoverLibraries(parent, silentLogger);
    assert.deepEqual(await leftovers(parent), [`.flow.tmp-${liveTag}`]);
    assert.ok(await readFile(path.join(parent, 'flow', MANIFEST_FILE), 'utf8'));
  });
});

async function leftovers(parent: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  return (await readdir(parent)).filter((n) => n.startsWith('.') && !n.startsWith('.write') && n !== CHANGE_MARK_FILE).sort();
}

describe('the catalogue', () => {
  test('notices a library another writer adds, rewrites or removes, and tells its listeners', async () => {
    const parent = tempDir();
    await write(parent, 'alpha', ['a1']);
    const cat = new Catalogue([{ dir: parent, readonly: false }], silentLogger, { recheckMs: 60_000 });
    await cat.ready();
    const seen: string[][] = [];
    cat.onChange((libs) => seen.push(libs.map((l) => l.name)));
    assert.equal(await cat.refresh(), false, 'nothing changed yet');
    await write(parent, 'beta', ['b1']);
    assert.equal(await cat.refresh(), true);
    assert.deepEqual(cat.list().map((l) => l.name), ['alpha', 'beta']);
    const before = cat.require('alpha').fingerprint;
    await write(parent, 'alpha', ['a1', 'a2']);
    assert.equal(await cat.refresh(), true);
    assert.notEqual(cat.require('alpha').fingerprint, before);
    assert.equal((await cat.open(cat.require('alpha'))).blocks.length, 2);
    await rm(path.join(parent, 'beta'), { recursive: true });
    assert.equal(await cat.refresh(), true);
    assert.deepEqual(cat.list().map((l) => l.name), ['alpha']);
    assert.deepEqual(seen, [['alpha', 'beta'], ['alpha', 'beta'], ['alpha']]);
  });

  test('a swap whose steps share the folder\'s clock tick is noticed by the writer\'s change mark', async () => {
    const parent = tempDir();
    await write(parent, 'alpha', ['a1']);
    // A filesystem whose mtime moves in ticks (a clock tick on Linux, a second on some): the folder reads the same
    // before and after a swap made within one.
    const tick = new Date(1_700_000_000_000);
    await utimes(parent, tick, tick);
    const cat = new Catalogue([{ dir: parent, readonly: false }], silentLogger, { recheckMs: 60_000 });
    await cat.ready();
    const before = cat.require('alpha').fingerprint;
    await write(parent, 'alpha', ['a1', 'a2']);
    await utimes(parent, tick, tick);
    assert.equal(await cat.refresh(), true);
    assert.notEqual(cat.require('alpha').fingerprint, before);
  });

  test('a library read while a writer is between its two renames keeps its previous entry, and the new one is read after', async () => {
    const parent = tempDir();
    const dir = await write(parent, 'alpha', ['a1']);
    await write(parent, 'beta', ['b1']);
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (m: string) => warnings.push(m) };
    const cat = new Catalogue([{ dir: parent, readonly: false }], logger, { recheckMs: 60_000 });
    await cat.ready();
    const before = cat.require('alpha').fingerprint;
    const staged = await write(tempDir(), 'alpha', ['a1', 'a2']);
    // The first rename of a live writer's swap (writeLibrary's names); beta's rewrite is what makes the reader look.
    await rename(dir, path.join(parent, `.alpha.old-${hostTag()}-${process.pid}-0000cafe`));
    await write(parent, 'beta', ['b1', 'b2']);
    assert.equal(await cat.refresh(), true);
    assert.deepEqual(cat.list().map((l) => l.name), ['alpha', 'beta'], 'alpha is not dropped meanwhile');
    assert.equal(cat.require('alpha').fingerprint, before);
    assert.deepEqual(warnings, []);
    await rename(staged, dir);
    await rm(path.join(parent, `.alpha.old-${hostTag()}-${process.pid}-0000cafe`), { recursive: true });
    await markChanged(parent);
    assert.equal(await cat.refresh(), true);
    assert.notEqual(cat.require('alpha').fingerprint, before);
    assert.equal((await cat.open(cat.require('alpha'))).blocks.length, 2);
  });

  test('an edit in place is found by the periodic recheck, which runs behind the caller and is reported next', async () => {
    const parent = tempDir();
    await write(parent, 'alpha', ['a1']);
    // An unbounded share makes every refresh due for a recheck: with a share of 1 the next one waits as long as the
    // last pass took, which on a loaded machine is longer than this test takes to write the file (it then saw nothing).
    const cat = new Catalogue([{ dir: parent, readonly: false }], silentLogger, { recheckMs: 0, recheckShare: Number.POSITIVE_INFINITY });
    await cat.ready();
    const seen: string[][] = [];
    cat.onChange((libs) => seen.push(libs.map((l) => l.name)));
    const before = cat.require('alpha').fingerprint;
    // Rewritten in place: the location folder keeps its stamp, so only the recheck of each library's files sees it.
    const blocksFile = path.join(parent, 'alpha', 'blocks.jsonl');
    const line = (await readFile(blocksFile, 'utf8')).split('\n')[0]!;
    await writeFile(blocksFile, `${line}\n${line.replace(/a1/g, 'a2')}\n`);
    assert.equal(await cat.refresh(), false, 'the caller does not wait for the recheck');
    await cat.idle();
    assert.deepEqual(seen, [['alpha']], 'the listeners heard it when the recheck found it');
    assert.notEqual(cat.require('alpha').fingerprint, before);
    assert.equal(await cat.refresh(), true, 'the next refresh reports it');
    await cat.idle();
    assert.equal(await cat.refresh(), false, 'reported once');
    await cat.idle();
  });

  test('the recheck runs less often where a pass over the libraries takes long', async () => {
    const parent = tempDir();
    for (const n of ['alpha', 'beta', 'gamma']) await write(parent, n, ['x']);
    let passes = 0;
    const cat = new Catalogue([{ dir: parent, readonly: false }], silentLogger, { recheckMs: 0, recheckShare: 1e-9 });
    await cat.ready();
    cat.onChange(() => passes++);
    const blocksFile = path.join(parent, 'alpha', 'blocks.jsonl');
    const text = await readFile(blocksFile, 'utf8');
    assert.notEqual(text.replace(/"x"/g, '"y"'), text);
    await writeFile(blocksFile, text.replace(/"x"/g, '"y"'));
    // A share this small puts the next pass hours away, whatever the interval says: the edit stays unseen.
    assert.equal(await cat.refresh(), false);
    await cat.idle();
    assert.equal(passes, 0);
  });

  test('reads single blocks by offset and suggests ids that end the same way', async () => {
    const parent = tempDir();
    await write(parent, 'alpha', ['reynolds', 'friction_factor', 'nusselt']);
    const cat = new Catalogue([{ dir: parent, readonly: false }], silentLogger);
    await cat.ready();
    const { block, lib } = await cat.block('alpha:alpha.core.friction_factor');
    assert.equal(block.name, 'friction_factor');
    assert.equal(lib.name, 'alpha');
    await assert.rejects(cat.block('alpha:alpha.other.nusselt'), (e: { hint?: string }) => /alpha:alpha\.core\.nusselt/.test(e.hint ?? ''));
    await assert.rejects(cat.block('nolib:x.y'), (e: { hint?: string }) => /no library "nolib"/.test(e.hint ?? ''));
  });

  test('a start with a facts file takes fingerprints from it while the files are unchanged, and reads them again when not', async () => {
    const parent = tempDir();
    const factsFile = path.join(tempDir(), 'catalogue.json');
    await write(parent, 'alpha', ['a1']);
    const first = new Catalogue([{ dir: parent, readonly: false }], silentLogger, { factsFile });
    await first.ready();
    const real = first.require('alpha').fingerprint;
    // What a second start would read from the facts: if it read the blocks instead, it would not see this value.
    const facts = JSON.parse(await readFile(factsFile, 'utf8')) as { folders: Record<string, { fingerprint: string }> };
    facts.folders[path.join(parent, 'alpha')]!.fingerprint = 'from-the-facts-file';
    await writeFile(factsFile, JSON.stringify(facts));
    const second = new Catalogue([{ dir: parent, readonly: false }], silentLogger, { factsFile });
    await second.ready();
    assert.equal(second.require('alpha').fingerprint, 'from-the-facts-file');
    assert.deepEqual(second.require('alpha').packages, ['alpha']);
    await write(parent, 'alpha', ['a1', 'a2']);
    await second.refresh();
    assert.notEqual(second.require('alpha').fingerprint, 'from-the-facts-file');
    assert.notEqual(second.require('alpha').fingerprint, real);
  });
});
