import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { CodedistillError } from '../../src/kernel/errors.js';
import { describeRemote } from '../../src/ingest/local.js';
import { parseSourceSpec } from '../../src/ingest/source.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'cd-spec-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof CodedistillError, `expected a CodedistillError, got ${String(e)}`);
    return e.code;
  }
  assert.fail('expected an error');
}

describe('parseSourceSpec: GitHub forms', () => {
  const cases: Array<[string, { owner: string; name: string; ref: string | null }]> = [
    ['numpy/numpy', { owner: 'numpy', name: 'numpy', ref: null }],
    ['https://github.com/scipy/scipy', { owner: 'scipy', name: 'scipy', ref: null }],
    ['https://github.com/scipy/scipy.git', { owner: 'scipy', name: 'scipy', ref: null }],
    ['https://github.com/scipy/scipy/', { owner: 'scipy', name: 'scipy', ref: null }],
    ['http://www.github.com/scipy/scipy', { owner: 'scipy', name: 'scipy', ref: null }],
    ['github.com/scipy/scipy', { owner: 'scipy', name: 'scipy', ref: null }],
    ['https://github.com/o/n/tree/v1.2.0', { owner: 'o', name: 'n', ref: 'v1.2.0' }],
    // Branch names may hold slashes; everything after tree/ is the ref.
    ['https://github.com/o/n/tree/feature/fast-path', { owner: 'o', name: 'n', ref: 'feature/fast-path' }],
    ['https://github.com/o/n/commit/0123456789abcdef0123456789abcdef01234567', { owner: 'o', name: 'n', ref: '0123456789abcdef0123456789abcdef01234567' }],
    ['https://github.com/o/n/releases/tag/v2', { owner: 'o', name: 'n', ref: 'v2' }],
    ['https://github.com/o/n?tab=readme#top', { owner: 'o', name: 'n', ref: null }],
    ['git@github.com:owner-x/my.repo.git', { owner: 'owner-x', name: 'my.repo', ref: null }],
    ['ssh://git@github.com/owner/name.git', { owner: 'owner', name: 'name', ref: null }],
  ];
  for (const [input, want] of cases) {
    test(input, () => {
      const spec = parseSourceSpec(input, undefined, { cwd: tmp });
      assert.equal(spec.kind, 'github');
      if (spec.kind !== 'github') return;
      assert.deepEqual({ owner: spec.owner, name: spec.name, ref: spec.ref }, want);
      assert.equal(spec.location, input);
    });
  }

  test('ref argument applies to owner/name', () => {
    const spec = parseSourceSpec('o/n', 'dev', { cwd: tmp });
    assert.equal(spec.kind === 'github' && spec.ref, 'dev');
  });

  test('a ref in the URL and a different ref argument conflict', () => {
    assert.equal(codeOf(() => parseSourceSpec('https://github.com/o/n/tree/a', 'b', { cwd: tmp })), 'invalid_input');
    // The same ref twice is not a conflict.
    const spec = parseSourceSpec('https://github.com/o/n/tree/a', 'a', { cwd: tmp });
    assert.equal(spec.kind === 'github' && spec.ref, 'a');
  });

  test('a ref that could read as a git option is refused', () => {
    assert.equal(codeOf(() => parseSourceSpec('o/n', '--upload-pack=evil', { cwd: tmp })), 'invalid_input');
    assert.equal(codeOf(() => parseSourceSpec('https://github.com/o/n/tree/a..b', undefined, { cwd: tmp })), 'invalid_input');
  });

  test('other hosts are not GitHub', () => {
    assert.equal(codeOf(() => parseSourceSpec('https://gitlab.com/o/n', undefined, { cwd: tmp })), 'source_not_found');
  });

  test('a GitHub URL without a repository name', () => {
    assert.equal(codeOf(() => parseSourceSpec('https://github.com/onlyowner', undefined, { cwd: tmp })), 'invalid_input');
  });
});

describe('parseSourceSpec: folders', () => {
  const repo = path.join(tmp, 'proj');
  mkdirSync(repo);
  writeFileSync(path.join(tmp, 'afile.txt'), 'x');

  test('absolute folder', () => {
    assert.deepEqual(parseSourceSpec(repo), { kind: 'local', path: repo, location: repo });
  });

  test('file:// URL of a folder', () => {
    const url = `file://${repo}`;
    assert.deepEqual(parseSourceSpec(url), { kind: 'local', path: repo, location: url });
  });

  test('relative folder against cwd', () => {
    const spec = parseSourceSpec('./proj', undefined, { cwd: tmp });
    assert.equal(spec.kind, 'local');
    assert.equal(spec.kind === 'local' && spec.path, repo);
  });

  test('~ expands to the home folder', () => {
    const spec = parseSourceSpec('~/proj', undefined, { home: tmp, cwd: '/' });
    assert.equal(spec.kind === 'local' && spec.path, repo);
    const bare = parseSourceSpec('~', undefined, { home: tmp, cwd: '/' });
    assert.equal(bare.kind === 'local' && bare.path, tmp);
  });

  test('owner/name that is also an existing folder is the folder', () => {
    mkdirSync(path.join(tmp, 'acme', 'tool'), { recursive: true });
    const spec = parseSourceSpec('acme/tool', undefined, { cwd: tmp });
    assert.equal(spec.kind, 'local');
    // From another folder the same text is a GitHub repository.
    const elsewhere = parseSourceSpec('acme/tool', undefined, { cwd: repo });
    assert.equal(elsewhere.kind, 'github');
  });

  test('a file is refused with a clear message', () => {
    try {
      parseSourceSpec(path.join(tmp, 'afile.txt'));
      assert.fail('expected an error');
    } catch (e) {
      assert.ok(e instanceof CodedistillError);
      assert.equal(e.code, 'invalid_input');
      assert.match(e.message, /is a file/);
    }
  });

  test('a missing path says so and how to fix it', () => {
    try {
      parseSourceSpec('./does-not-exist', undefined, { cwd: tmp });
      assert.fail('expected an error');
    } catch (e) {
      assert.ok(e instanceof CodedistillError);
      assert.equal(e.code, 'source_not_found');
      assert.match(e.message, /No folder at/);
      assert.match(e.hint, /existing folder, a GitHub URL or owner\/name/);
    }
  });

  test('a word that is neither a folder nor owner/name', () => {
    assert.equal(codeOf(() => parseSourceSpec('justaword', undefined, { cwd: tmp })), 'source_not_found');
    assert.equal(codeOf(() => parseSourceSpec('a/b/c', undefined, { cwd: tmp })), 'source_not_found');
  });

  test('empty source', () => {
    assert.equal(codeOf(() => parseSourceSpec('   ')), 'invalid_input');
  });

  test('a ref with a local folder is refused rather than ignored', () => {
    assert.equal(codeOf(() => parseSourceSpec(repo, 'main')), 'invalid_input');
  });
});

describe('describeRemote', () => {
  test('GitHub remotes give owner/name and the web address', () => {
    for (const r of ['https://github.com/o/n.git', 'git@github.com:o/n.git', 'ssh://git@github.com/o/n', 'https://x-access-token:SECRET@github.com/o/n.git']) {
      assert.deepEqual(describeRemote(r), { repo: 'o/n', url: 'https://github.com/o/n' }, r);
    }
  });
  test('credentials in another host remote never reach the url', () => {
    const d = describeRemote('https://user:SECRET@gitlab.example.org/g/p.git');
    assert.equal(d.repo, null);
    assert.equal(d.url, 'https://gitlab.example.org/g/p');
    assert.equal(describeRemote('git@gitlab.com:g/p.git').url, 'https://gitlab.com/g/p');
    assert.deepEqual(describeRemote('/srv/git/p.git'), { repo: null, url: null });
  });
});

describe('parseSourceSpec: addresses that are not GitHub', () => {
  test('another host says to clone it yourself', () => {
    try {
      parseSourceSpec('https://gitlab.com/group/project.git');
      assert.fail('expected an error');
    } catch (e) {
      assert.ok(e instanceof CodedistillError);
      assert.equal(e.code, 'source_not_found');
      assert.match(e.hint, /clone the repository yourself and pass the folder path/);
    }
  });
  test('a folder called github.com/o/n is the folder', () => {
    const base = mkdtempSync(path.join(os.tmpdir(), 'cd-spec2-'));
    try {
      mkdirSync(path.join(base, 'github.com', 'o', 'n'), { recursive: true });
      assert.equal(parseSourceSpec('github.com/o/n', undefined, { cwd: base }).kind, 'local');
      assert.equal(parseSourceSpec('https://github.com/o/n', undefined, { cwd: base }).kind, 'github');
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
