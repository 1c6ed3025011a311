/**
 * Discovery against a loopback GraphQL server answering with pages written in GitHub's shape
 * (test/fixtures/discover): the query sent, pagination, filters, de-duplication, ranking, the list file, and
 * each failure as the typed error a user can act on.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DiscoverRequest } from '../../src/domain/batch.js';
import { discoverRepos, searchQuery } from '../../src/ingest/discover.js';
import { formatRepoList, parseRepoList } from '../../src/ingest/repo-list.js';
import { CodedistillError } from '../../src/kernel/errors.js';
import { startFakeGithub, type SearchPage } from '../helpers/fake-github.js';
import { fixture } from '../helpers/tmp.js';

const pages = (JSON.parse(readFileSync(fixture('discover/signal-processing.json'), 'utf8')) as { pages: SearchPage[] }).pages;
const req = (over: DiscoverRequest = {}) => DiscoverRequest.parse({ keywords: ['kalman'], topics: ['signal-processing'], ...over });

test('the query names keywords, topics, language, stars, pushed-since, one licence, and excludes archived and forks', () => {
  const q = searchQuery(req({ keywords: ['time series', 'kalman'], topics: ['Signal-Processing'], minStars: 20, pushedSince: '2023-01-01', licences: ['BSD-3-Clause'] }));
  assert.equal(q, '"time series" kalman topic:signal-processing language:Python stars:>=20 pushed:>=2023-01-01 license:bsd-3-clause archived:false fork:false sort:stars');
  assert.doesNotMatch(searchQuery(req({ licences: ['MIT', 'BSD-3-Clause'] })), /license:/, 'several licences are filtered after the search');
});

test('pages are read to the end; archived, forks and repeats are left out and counted; ranked by stars', async () => {
  const gh = await startFakeGithub(pages);
  try {
    const r = await discoverRepos(req(), { token: 't0ken', apiUrl: gh.url });
    assert.equal(gh.requests.length, 2);
    assert.equal(gh.requests[0]!.variables.after, null);
    assert.equal(gh.requests[1]!.variables.after, 'Y3Vyc29yOjY=');
    assert.equal(gh.requests[0]!.authorization, 'bearer t0ken');
    assert.equal(r.pages, 2);
    assert.equal(r.repositoryCount, 10);
    assert.deepEqual(r.dropped, { archived: 1, fork: 1, duplicate: 1 });
    assert.equal(r.repos.length, 8);
    assert.deepEqual(r.repos.slice(0, 3).map((x) => x.repo), ['rlabbe/filterpy', 'pykalman/pykalman', 'python-acoustics/python-acoustics']);
    const stars = r.repos.map((x) => x.stars);
    assert.deepEqual(stars, [...stars].sort((a, b) => b - a));
    const mcr = r.repos.find((x) => x.repo === 'usnistgov/pyMCR')!;
    assert.equal(mcr.licence, null, "GitHub's NOASSERTION is no licence");
    assert.equal(r.repos[0]!.commit, '3b51149ebcff0401ff1e10bf08ffca7b6bbc4a33');
  } finally {
    await gh.close();
  }
});

test('several licences filter the answer by SPDX id; the limit stops the pages', async () => {
  const gh = await startFakeGithub(pages);
  try {
    const r = await discoverRepos(req({ licences: ['mit', 'GPL-3.0'] }), { token: 't', apiUrl: gh.url });
    assert.deepEqual(r.repos.map((x) => x.repo).sort(), ['CSchoel/nolds', 'ThibHlln/hydroeval', 'rlabbe/filterpy']);
    assert.ok((r.dropped.licence ?? 0) >= 4);
    const few = await discoverRepos(req({ limit: 3 }), { token: 't', apiUrl: gh.url });
    assert.equal(few.repos.length, 3);
    assert.equal(few.pages, 1, 'the first page held enough');
  } finally {
    await gh.close();
  }
});

test('the list file discovery writes is read back by the batch: commits pinned, comments ignored', async () => {
  const gh = await startFakeGithub(pages);
  try {
    const r = await discoverRepos(req(), { token: 't', apiUrl: gh.url });
    const text = formatRepoList(r.repos, ['a header']);
    assert.match(text, /^# a header\nrlabbe\/filterpy@3b51149ebcff0401ff1e10bf08ffca7b6bbc4a33 {2}# ★3400 · MIT · Python Kalman/);
    const back = parseRepoList(text);
    assert.deepEqual(back.map((e) => `${e.source}@${e.ref}`), r.repos.map((x) => `${x.repo}@${x.commit}`));
  } finally {
    await gh.close();
  }
});

async function failure(answer: Parameters<typeof startFakeGithub>[1], token: string | null = 't'): Promise<CodedistillError> {
  const gh = await startFakeGithub(pages, answer);
  try {
    await discoverRepos(req(), { token, apiUrl: gh.url });
  } catch (e) {
    assert.ok(e instanceof CodedistillError, String(e));
    return e;
  } finally {
    await gh.close();
  }
  assert.fail('discovery should have failed');
}

test('no token: said before any request, with how to set GITHUB_TOKEN', async () => {
  const gh = await startFakeGithub(pages);
  try {
    await assert.rejects(discoverRepos(req(), { token: null, apiUrl: gh.url }), (e: CodedistillError) => e.code === 'invalid_input' && /GITHUB_TOKEN/.test(e.message + e.hint) && /export GITHUB_TOKEN/.test(e.hint));
    assert.equal(gh.requests.length, 0);
  } finally {
    await gh.close();
  }
});

test('rate limits give the reset time: a GraphQL RATE_LIMITED answer and an HTTP 403 with the limit used up', async () => {
  const reset = 1_900_000_000;
  const gql = await failure({
    status: 200,
    headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
    body: { data: null, errors: [{ type: 'RATE_LIMITED', message: 'API rate limit exceeded for user ID 1.' }] },
  });
  assert.equal(gql.code, 'rate_limited');
  assert.match(gql.message, new RegExp(new Date(reset * 1000).toISOString().replace(/\./g, '\\.')));
  const http = await failure({ status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) }, body: { message: 'API rate limit exceeded' } });
  assert.equal(http.code, 'rate_limited');
  assert.match(http.hint, /2030-03-17T17:46:40\.000Z/);
});

test('a bad query is invalid input naming GitHub’s complaint; a refused token is said as such', async () => {
  const bad = await failure({ status: 200, body: { data: null, errors: [{ type: 'INVALID', message: 'Invalid search query: topic:' }] } });
  assert.equal(bad.code, 'invalid_input');
  assert.match(bad.message, /Invalid search query/);
  const denied = await failure({ status: 401, body: { message: 'Bad credentials' } });
  assert.equal(denied.code, 'invalid_input');
  assert.match(denied.message, /rejected the token/);
});

test('no network: a refused connection is a network error that says what to do without GitHub', async () => {
  const gh = await startFakeGithub(pages);
  const url = gh.url;
  await gh.close();
  await assert.rejects(discoverRepos(req(), { token: 't', apiUrl: url }), (e: CodedistillError) => e.code === 'network' && /ECONNREFUSED/.test(e.message) && /repository list yourself/.test(e.hint));
});
