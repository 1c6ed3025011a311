/**
 * GitHub sources without GitHub: recorded GraphQL answers replayed by a loopback server, and bare
 * repositories on disk reached through file:// URLs by the same git commands used in production.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { CodedistillError } from '../../src/kernel/errors.js';
import { fetchRepoTree, treeCachePath } from '../../src/ingest/checkout.js';
import { GitCommandError, runGit } from '../../src/ingest/git.js';
import { resolveRefWithGit } from '../../src/ingest/git-remote.js';
import { fetchRepoMeta } from '../../src/ingest/github-api.js';
import { resolveGithubSource } from '../../src/ingest/github.js';
import { contentHash } from '../../src/ingest/content-hash.js';
import { parseSourceSpec, resolveSource } from '../../src/ingest/source.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'github');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'cd-gh-'));
// Tests may read the environment; git needs PATH and HOME. The global config is kept out so a
// developer's signing or hook settings cannot change the commits made here.
const env: Record<string, string> = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: tmp,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
};
const gitEnv = {
  ...env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.org',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.org',
};
function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: gitEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

async function rejectsWith(p: Promise<unknown>, code: string, check?: (e: CodedistillError) => void): Promise<CodedistillError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof CodedistillError, `expected CodedistillError(${code}), got ${e instanceof Error ? e.stack : String(e)}`);
    assert.equal(e.code, code, `${e.message} ${e.hint}`);
    check?.(e);
    return e;
  }
  assert.fail(`expected an error with code ${code}`);
}

// ---------------------------------------------------------------------------------------------
// scripted GraphQL server

interface Recorded {
  headers: http.IncomingHttpHeaders;
  body: { query: string; variables: Record<string, unknown> };
}
const queue: Array<{ fixture: string; vars: Record<string, string> }> = [];
const requests: Recorded[] = [];
let server: http.Server;
let apiUrl = '';

function serve(fixture: string, vars: Record<string, string> = {}): void {
  queue.push({ fixture, vars });
}

before(async () => {
  server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      requests.push({ headers: req.headers, body: JSON.parse(raw) as Recorded['body'] });
      const next = queue.shift();
      if (!next) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'test server: no response queued' }));
        return;
      }
      let text = readFileSync(path.join(FIXTURES, `${next.fixture}.json`), 'utf8');
      for (const [k, v] of Object.entries(next.vars)) text = text.replaceAll(`{{${k}}}`, v);
      const rec = JSON.parse(text) as { status: number; headers: Record<string, string>; body: unknown };
      res.writeHead(rec.status, rec.headers);
      res.end(JSON.stringify(rec.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
after(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// a repository to fetch: two commits, an annotated tag on the first, a bare clone as "the server"

const work = path.join(tmp, 'work');
const gitBase = path.join(tmp, 'server');
let first = '';
let head = '';
before(() => {
  mkdirSync(work, { recursive: true });
  git(work, 'init', '-q', '-b', 'main');
  mkdirSync(path.join(work, 'flowcalc'));
  writeFileSync(path.join(work, 'flowcalc', '__init__.py'), 'def gate(x):\n    return x\n');
  writeFileSync(path.join(work, 'README.md'), '# flowcalc\n');
  git(work, 'add', '.');
  git(work, 'commit', '-q', '-m', 'first');
  first = git(work, 'rev-parse', 'HEAD');
  git(work, 'tag', '-a', 'v1.0', '-m', 'release 1.0');
  writeFileSync(path.join(work, 'flowcalc', 'stats.py'), 'def mean(xs):\n    return sum(xs) / len(xs)\n');
  git(work, 'add', '.');
  git(work, 'commit', '-q', '-m', 'second');
  head = git(work, 'rev-parse', 'HEAD');
  mkdirSync(path.join(gitBase, 'acme'), { recursive: true });
  git(tmp, 'clone', '-q', '--bare', work, path.join(gitBase, 'acme', 'flowcalc.git'));
});
const gitBaseUrl = () => pathToFileURL(gitBase).href;

// ---------------------------------------------------------------------------------------------

describe('fetchRepoMeta against recorded GraphQL responses', () => {
  test('success: facts, commit of the default branch, token sent as a header', async () => {
    serve('repo-ok', { COMMIT: head });
    const meta = await fetchRepoMeta({ owner: 'acme', name: 'flowcalc', ref: null }, { token: 'ghp_test', apiUrl });
    assert.deepEqual(meta, {
      owner: 'Acme',
      name: 'FlowCalc',
      url: 'https://github.com/Acme/FlowCalc',
      description: 'Fast flow cytometry calculations.',
      isPrivate: false,
      licence: 'BSD-3-Clause',
      topics: ['cytometry', 'bioinformatics'],
      defaultBranch: 'main',
      ref: 'main',
      commit: head,
    });
    const req = requests.at(-1)!;
    assert.equal(req.headers.authorization, 'bearer ghp_test');
    assert.deepEqual(req.body.variables, { owner: 'acme', name: 'flowcalc', expression: 'HEAD', hasRef: false });
    assert.match(req.body.query, /object\(expression: \$expression\)/);
  });

  test('an annotated tag is peeled to its commit; NOASSERTION is no licence', async () => {
    serve('repo-annotated-tag', { COMMIT: first, HEAD: head });
    const meta = await fetchRepoMeta({ owner: 'acme', name: 'flowcalc', ref: 'v1.0' }, { token: 'ghp_test', apiUrl });
    assert.equal(meta.commit, first);
    assert.equal(meta.ref, 'v1.0');
    assert.equal(meta.licence, null);
    assert.deepEqual(requests.at(-1)!.body.variables, { owner: 'acme', name: 'flowcalc', expression: 'v1.0', hasRef: true });
  });

  test('a ref that does not exist', async () => {
    serve('repo-ref-missing', { HEAD: head });
    await rejectsWith(fetchRepoMeta({ owner: 'acme', name: 'flowcalc', ref: 'nope' }, { token: 't', apiUrl }), 'source_not_found', (e) => {
      assert.match(e.message, /"nope" was not found/);
      assert.match(e.hint, /default branch is main/);
    });
  });

  test('NOT_FOUND is a private or missing repository', async () => {
    serve('not-found');
    await rejectsWith(fetchRepoMeta({ owner: 'acme', name: 'nope', ref: null }, { token: 't', apiUrl }), 'private_or_missing_repo', (e) => {
      assert.match(e.hint, /check owner\/name; if private, set GITHUB_TOKEN with repo read access/i);
    });
  });

  test('rate limited (GraphQL RATE_LIMITED): the message gives the reset time', async () => {
    serve('rate-limited-graphql');
    await rejectsWith(fetchRepoMeta({ owner: 'acme', name: 'flowcalc', ref: null }, { token: 't', apiUrl }), 'rate_limited', (e) => {
      // x-ratelimit-reset: 1767225600
      assert.match(e.message, /2026-01-01T00:00:00\.000Z/);
    });
  });

  test('rate limited (HTTP 403, remaining 0)', async () => {
    serve('rate-limited-403');
    await rejectsWith(fetchRepoMeta({ owner: 'acme', name: 'flowcalc', ref: null }, { token: 't', apiUrl }), 'rate_limited', (e) => {
      assert.match(e.message, /resets at 2026-01-01T00:00:00\.000Z/);
    });
  });

  test('HTTP 401 with a token: the token is bad', async () => {
    serve('bad-credentials');
    await rejectsWith(fetchRepoMeta({ owner: 'acme', name: 'flowcalc', ref: null }, { token: 'ghp_bad', apiUrl }), 'invalid_input', (e) => {
      assert.match(e.message, /rejected the token/);
      assert.match(e.hint, /GITHUB_TOKEN/);
      assert.doesNotMatch(`${e.message} ${e.hint}`, /ghp_bad/);
    });
  });

  test('HTTP 401 without a token: set GITHUB_TOKEN or use a local clone', async () => {
    serve('requires-auth');
    await rejectsWith(fetchRepoMeta({ owner: 'acme', name: 'flowcalc', ref: null }, { token: null, apiUrl }), 'invalid_input', (e) => {
      assert.match(e.hint, /Set GITHUB_TOKEN/);
      assert.match(e.hint, /local clone path works without one/);
    });
    assert.equal(requests.at(-1)!.headers.authorization, undefined);
  });

  test('nothing listening: a network error that says to use a local folder', async () => {
    const s = http.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    await rejectsWith(fetchRepoMeta({ owner: 'acme', name: 'flowcalc', ref: null }, { token: 't', apiUrl: `http://127.0.0.1:${port}/graphql` }), 'network', (e) => {
      assert.match(e.message, /ECONNREFUSED/);
      assert.match(e.hint, /clone the repository yourself and pass the folder path/);
    });
  });

  test('an aborted job is cancelled, not a network error', async () => {
    const ac = new AbortController();
    ac.abort();
    await rejectsWith(fetchRepoMeta({ owner: 'acme', name: 'flowcalc', ref: null }, { token: 't', apiUrl, signal: ac.signal }), 'cancelled');
  });
});

describe('git: refs and trees from a local bare repository', () => {
  const cacheDir = path.join(tmp, 'cache');
  const opts = () => ({ gitBin: 'git', env, gitBaseUrl: gitBaseUrl(), cacheDir });

  test('ls-remote resolves the default branch, a branch and an annotated tag', async () => {
    assert.deepEqual(await resolveRefWithGit({ owner: 'acme', name: 'flowcalc', ref: null }, opts()), { commit: head, ref: 'main' });
    assert.deepEqual(await resolveRefWithGit({ owner: 'acme', name: 'flowcalc', ref: 'main' }, opts()), { commit: head, ref: 'main' });
    // The tag object's own id would not check out as the tagged tree: it must be peeled.
    assert.deepEqual(await resolveRefWithGit({ owner: 'acme', name: 'flowcalc', ref: 'v1.0' }, opts()), { commit: first, ref: 'v1.0' });
    await rejectsWith(resolveRefWithGit({ owner: 'acme', name: 'flowcalc', ref: 'no-such-branch' }, opts()), 'source_not_found');
    await rejectsWith(resolveRefWithGit({ owner: 'acme', name: 'nope', ref: null }, opts()), 'private_or_missing_repo', (e) => {
      assert.match(e.hint, /GITHUB_TOKEN/);
    });
  });

  test('fetchRepoTree checks out the commit, then reuses the cache', async () => {
    const one = await fetchRepoTree({ owner: 'acme', name: 'flowcalc' }, first, opts());
    assert.equal(one.reused, false);
    assert.equal(one.root, treeCachePath(cacheDir, 'acme', 'flowcalc', first));
    assert.ok(existsSync(path.join(one.root, 'flowcalc', '__init__.py')));
    // The first commit has no stats.py: the tree really is that commit's.
    assert.ok(!existsSync(path.join(one.root, 'flowcalc', 'stats.py')));
    assert.equal(git(one.root, 'rev-parse', 'HEAD'), first);

    // A file that a refetch would wipe out: still there means the folder was reused.
    writeFileSync(path.join(one.root, 'SENTINEL'), 'kept');
    const two = await fetchRepoTree({ owner: 'acme', name: 'flowcalc' }, first, opts());
    assert.equal(two.reused, true);
    assert.equal(two.root, one.root);
    assert.equal(readFileSync(path.join(two.root, 'SENTINEL'), 'utf8'), 'kept');

    // Another commit is another folder.
    const three = await fetchRepoTree({ owner: 'acme', name: 'flowcalc' }, head, opts());
    assert.equal(three.reused, false);
    assert.ok(existsSync(path.join(three.root, 'flowcalc', 'stats.py')));
  });

  test('an unknown commit is a clear error and leaves no half-made folder', async () => {
    const missing = 'deadbeef'.repeat(5);
    await rejectsWith(fetchRepoTree({ owner: 'acme', name: 'flowcalc' }, missing, opts()), 'source_not_found', (e) => {
      assert.match(e.message, /not in acme\/flowcalc/);
    });
    const parent = path.join(cacheDir, 'repos', 'acme__flowcalc');
    assert.deepEqual(readdirSync(parent).filter((f) => f.startsWith('.tmp-') || f === missing), []);
  });

  test('an abbreviated or malformed commit is refused before git runs', async () => {
    await rejectsWith(fetchRepoTree({ owner: 'acme', name: 'flowcalc' }, 'abc123', opts()), 'invalid_input');
    await rejectsWith(fetchRepoTree({ owner: '../x', name: 'flowcalc' }, head, opts()), 'invalid_input');
  });

  test('resolveGithubSource without a token: git alone, no API call', async () => {
    const before = requests.length;
    const src = await resolveGithubSource(
      { owner: 'acme', name: 'flowcalc', ref: null, location: 'acme/flowcalc' },
      { token: null, apiUrl, gitBaseUrl: gitBaseUrl(), gitBin: 'git', cacheDir, env },
    );
    assert.equal(requests.length, before);
    assert.deepEqual(src, {
      kind: 'github',
      location: 'acme/flowcalc',
      root: treeCachePath(cacheDir, 'acme', 'flowcalc', head),
      repo: 'acme/flowcalc',
      ref: 'main',
      commit: head,
      url: 'https://github.com/acme/flowcalc',
      description: null,
      licenceHint: null,
      topics: [],
    });
  });

  test('resolveSource with a token: facts from the API, tree from git', async () => {
    // The API spells the repository as GitHub does; the bare repo on disk is lower case, like the request.
    serve('repo-annotated-tag', { COMMIT: first, HEAD: head });
    const spec = parseSourceSpec('https://github.com/acme/flowcalc/tree/v1.0');
    const src = await resolveSource(spec, { token: 'ghp_test', apiUrl, gitBaseUrl: gitBaseUrl(), gitBin: 'git', cacheDir, env });
    assert.equal(src.commit, first);
    assert.equal(src.ref, 'v1.0');
    assert.equal(src.location, 'https://github.com/acme/flowcalc/tree/v1.0');
    assert.ok(existsSync(path.join(src.root, 'README.md')));
  });

  /** Options for a resolve that may fall back to git, its warnings collected. */
  const fallbackOptions = (warnings: string[]) => ({
    token: 'ghp_test',
    apiUrl,
    gitBaseUrl: gitBaseUrl(),
    gitBin: 'git',
    cacheDir,
    env,
    logger: { debug() {}, info() {}, warn: (m: string) => warnings.push(m), error() {} },
  });

  test('a rate-limited API falls back to git for a public repository', async () => {
    serve('rate-limited-graphql');
    const warnings: string[] = [];
    const src = await resolveGithubSource({ owner: 'acme', name: 'flowcalc', ref: 'v1.0' }, fallbackOptions(warnings));
    assert.equal(src.commit, first);
    assert.equal(src.description, null);
    assert.match(warnings.join('\n'), /2026-01-01T00:00:00\.000Z/);
  });

  test('metadata unavailable (an answer that holds no repository) falls back to git with a warning; a missing repository stays missing', async () => {
    serve('no-repository');
    const warnings: string[] = [];
    const opts = fallbackOptions(warnings);
    const src = await resolveGithubSource({ owner: 'acme', name: 'flowcalc', ref: first }, opts);
    assert.equal(src.commit, first);
    assert.equal(src.licenceHint, null);
    assert.match(warnings.join('\n'), /GitHub metadata for acme\/flowcalc is unavailable \(internal: .*without a repository\); resolving it with git/);
    serve('not-found');
    await rejectsWith(resolveGithubSource({ owner: 'acme', name: 'nope', ref: null }, opts), 'private_or_missing_repo');
  });

  test('the token reaches git through its environment, only for github.com, never in argv', async () => {
    // A stand-in for git that records what it was given and fails like an offline machine.
    const log = path.join(tmp, 'fake-git.log');
    const fake = path.join(tmp, 'fake-git.sh');
    writeFileSync(
      fake,
      `#!/bin/sh
cfg=""
i=0
while [ $i -lt \${GIT_CONFIG_COUNT:-0} ]; do
  eval "cfg=\\"\$cfg[\\$GIT_CONFIG_KEY_$i=\\$GIT_CONFIG_VALUE_$i]\\""
  i=$((i+1))
done
echo "CALL $* || $cfg || PROMPT=\${GIT_TERMINAL_PROMPT:-unset}" >> "${log}"
case "$*" in
  *https://github.com/*) echo "fatal: unable to access 'https://github.com/acme/flowcalc.git/': Could not resolve host: github.com" >&2; exit 128;;
esac
exec git "$@"
`,
    );
    chmodSync(fake, 0o755);
    const token = 'ghp_SECRET_never_in_argv';
    await rejectsWith(
      fetchRepoTree({ owner: 'acme', name: 'flowcalc' }, head, { gitBin: fake, env, gitBaseUrl: 'https://github.com', cacheDir: path.join(tmp, 'cache2'), token }),
      'network',
      (e) => {
        assert.match(e.hint, /clone the repository yourself and pass the folder path/);
        assert.doesNotMatch(`${e.message} ${e.hint}`, /SECRET/);
      },
    );
    const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    const fetchCall = calls.find((l) => l.startsWith('CALL fetch'));
    assert.ok(fetchCall, calls.join('\n'));
    const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
    assert.ok(fetchCall.includes(`[http.https://github.com/.extraHeader=Authorization: Basic ${basic}]`), fetchCall);
    // Only the fetch talks to the server; init and the rest never see the token.
    assert.equal(calls.filter((l) => l.includes(basic)).length, 1);
    assert.ok(calls.every((l) => !l.split(' || ')[0]!.includes(token) && !l.split(' || ')[0]!.includes(basic)));
    assert.ok(calls.every((l) => l.endsWith('PROMPT=0')));
    // Never on disk either: not in the (discarded) repo's config.
    assert.deepEqual(readdirSync(path.join(tmp, 'cache2', 'repos', 'acme__flowcalc')), []);

    // Any other base (here a local one) never gets the token.
    writeFileSync(log, '');
    await fetchRepoTree({ owner: 'acme', name: 'flowcalc' }, head, { gitBin: fake, env, gitBaseUrl: gitBaseUrl(), cacheDir: path.join(tmp, 'cache3'), token });
    assert.doesNotMatch(readFileSync(log, 'utf8'), /extraHeader|Basic/);
  });

  test('a git that hangs with a grandchild holding its pipes is killed as a group on timeout', { timeout: 30_000 }, async () => {
    const hang = path.join(tmp, 'hang-git.sh');
    writeFileSync(hang, '#!/bin/sh\nsleep 60 &\nsleep 60\n');
    chmodSync(hang, 0o755);
    await assert.rejects(runGit(['fetch'], { gitBin: hang, env, timeoutMs: 300 }), (e: unknown) => e instanceof GitCommandError && e.timedOut);
    const ac = new AbortController();
    const p = runGit(['fetch'], { gitBin: hang, env, timeoutMs: 60_000, signal: ac.signal });
    setImmediate(() => ac.abort());
    await rejectsWith(p, 'cancelled');
  });
});

describe('local folder sources', () => {
  test('a git work tree: HEAD, a dirty marker that depends on the change, origin as owner/name', async () => {
    const dir = path.join(tmp, 'clone');
    git(tmp, 'clone', '-q', path.join(gitBase, 'acme', 'flowcalc.git'), dir);
    git(dir, 'remote', 'set-url', 'origin', 'git@github.com:acme/flowcalc.git');
    const deps = { token: null, apiUrl, gitBaseUrl: gitBaseUrl(), gitBin: 'git', cacheDir: path.join(tmp, 'c'), env };
    const clean = await resolveSource(parseSourceSpec(dir), deps);
    assert.equal(clean.kind, 'local');
    assert.equal(clean.commit, head);
    assert.equal(clean.repo, 'acme/flowcalc');
    assert.equal(clean.url, 'https://github.com/acme/flowcalc');
    assert.equal(clean.ref, 'main');

    // Untracked files do not count (only changes to tracked files do).
    writeFileSync(path.join(dir, 'scratch.txt'), 'notes');
    assert.equal((await resolveSource(parseSourceSpec(dir), deps)).commit, head);

    writeFileSync(path.join(dir, 'README.md'), '# changed\n');
    const dirty1 = (await resolveSource(parseSourceSpec(dir), deps)).commit;
    assert.match(dirty1, new RegExp(`^${head}\\+dirty-[0-9a-f]{12}$`));
    writeFileSync(path.join(dir, 'README.md'), '# changed again\n');
    const dirty2 = (await resolveSource(parseSourceSpec(dir), deps)).commit;
    assert.notEqual(dirty2, dirty1);
  });

  test("the folder's own git config cannot make git run a command", async () => {
    const dir = path.join(tmp, 'hostile');
    git(tmp, 'clone', '-q', path.join(gitBase, 'acme', 'flowcalc.git'), dir);
    const marker = path.join(tmp, 'FSMONITOR_RAN');
    const hook = path.join(tmp, 'fsmonitor.sh');
    writeFileSync(hook, `#!/bin/sh\ntouch "${marker}"\nexit 1\n`);
    chmodSync(hook, 0o755);
    git(dir, 'config', 'core.fsmonitor', hook);
    // A clean filter on every file, as a copied-in .git/config could set.
    git(dir, 'config', 'filter.evil.clean', `${hook} %f`);
    writeFileSync(path.join(dir, '.git', 'info', 'attributes'), '* filter=evil\n');
    writeFileSync(path.join(dir, 'README.md'), '# edited\n');
    const src = await resolveSource(parseSourceSpec(dir), { token: null, apiUrl, gitBaseUrl: gitBaseUrl(), gitBin: 'git', cacheDir: path.join(tmp, 'c'), env });
    assert.match(src.commit, /\+dirty-/);
    assert.equal(existsSync(marker), false);
  });

  test('a folder without git: a content hash that follows the content', async () => {
    const dir = path.join(tmp, 'plain');
    mkdirSync(path.join(dir, 'pkg'), { recursive: true });
    mkdirSync(path.join(dir, 'node_modules', 'x'), { recursive: true });
    writeFileSync(path.join(dir, 'pkg', 'a.py'), 'x = 1\n');
    writeFileSync(path.join(dir, 'node_modules', 'x', 'i.js'), '1');
    const deps = { token: null, apiUrl, gitBaseUrl: gitBaseUrl(), gitBin: 'git', cacheDir: path.join(tmp, 'c'), env };
    const one = await resolveSource(parseSourceSpec(dir), deps);
    assert.match(one.commit, /^sha256:[0-9a-f]{64}$/);
    assert.equal(one.repo, 'plain');
    assert.equal(one.url, null);
    assert.equal((await resolveSource(parseSourceSpec(dir), deps)).commit, one.commit);

    // Installed packages are not the source.
    writeFileSync(path.join(dir, 'node_modules', 'x', 'i.js'), '2');
    assert.equal((await resolveSource(parseSourceSpec(dir), deps)).commit, one.commit);

    writeFileSync(path.join(dir, 'pkg', 'a.py'), 'x = 2\n');
    const changed = await resolveSource(parseSourceSpec(dir), deps);
    assert.notEqual(changed.commit, one.commit);
    // A rename with the same content is a change too.
    rmSync(path.join(dir, 'pkg', 'a.py'));
    writeFileSync(path.join(dir, 'pkg', 'b.py'), 'x = 2\n');
    assert.notEqual(await contentHash(dir), changed.commit);
  });

  test('a folder inside a repository that does not track it is hashed, not given that HEAD', async () => {
    const outer = path.join(tmp, 'outer');
    mkdirSync(path.join(outer, 'vendor', 'lib'), { recursive: true });
    git(outer, 'init', '-q', '-b', 'main');
    writeFileSync(path.join(outer, 'x.txt'), 'x');
    git(outer, 'add', 'x.txt');
    git(outer, 'commit', '-q', '-m', 'x');
    writeFileSync(path.join(outer, 'vendor', 'lib', 'm.py'), 'pass\n');
    const src = await resolveSource(parseSourceSpec(path.join(outer, 'vendor', 'lib')), {
      token: null,
      apiUrl,
      gitBaseUrl: gitBaseUrl(),
      gitBin: 'git',
      cacheDir: path.join(tmp, 'c'),
      env,
    });
    assert.match(src.commit, /^sha256:/);
    assert.equal(src.repo, 'lib');
  });

  test('git missing altogether still gives a content hash', async () => {
    const dir = path.join(tmp, 'plain2');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'a.py'), 'pass\n');
    const src = await resolveSource(parseSourceSpec(dir), {
      token: null,
      apiUrl,
      gitBaseUrl: gitBaseUrl(),
      gitBin: path.join(tmp, 'no-such-git'),
      cacheDir: path.join(tmp, 'c'),
      env,
    });
    assert.match(src.commit, /^sha256:/);
  });
});
