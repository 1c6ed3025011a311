import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareVersions, parseVersion, satisfies } from '../../src/python/versions.js';

describe('python/versions: parsing', () => {
  test('every part of a version is read, in its normalised spelling', () => {
    assert.deepEqual(parseVersion('2!1.4.2rc3.post1.dev4+ubuntu.2'), {
      epoch: 2,
      release: [1, 4, 2],
      pre: { phase: 'rc', n: 3 },
      post: 1,
      dev: 4,
      local: ['ubuntu', 2],
    });
    assert.deepEqual(parseVersion('v1.0-Alpha'), { epoch: 0, release: [1, 0], pre: { phase: 'a', n: 0 }, post: null, dev: null, local: null });
    assert.equal(parseVersion('1.0-1')?.post, 1);
    assert.equal(parseVersion('1.0.rev2')?.post, 2);
    assert.equal(parseVersion('1.0c1')?.pre?.phase, 'rc');
    assert.equal(parseVersion('1.0preview2')?.pre?.n, 2);
    assert.equal(parseVersion('1.0.dev')?.dev, 0);
  });
  test('text that is not a version gives null', () => {
    for (const s of ['', 'abc', '1.0.x', '1..2', 'latest', '1.0+', '>=1.0']) assert.equal(parseVersion(s), null, s);
  });
});

describe('python/versions: order', () => {
  test('the PEP ordering of a release, its dev, pre and post releases', () => {
    const sorted = ['1.0.dev0', '1.0a1.dev1', '1.0a1', '1.0a2', '1.0b1', '1.0rc1', '1.0', '1.0+local', '1.0.post1.dev0', '1.0.post1', '1.0.1', '1.1', '2!0.1'];
    for (let i = 0; i < sorted.length - 1; i++) {
      assert.equal(compareVersions(sorted[i]!, sorted[i + 1]!), -1, `${sorted[i]} < ${sorted[i + 1]}`);
      assert.equal(compareVersions(sorted[i + 1]!, sorted[i]!), 1, `${sorted[i + 1]} > ${sorted[i]}`);
    }
  });
  test('numbers compare as numbers, trailing zeros do not count, spellings are one version', () => {
    assert.equal(compareVersions('1.10', '1.9'), 1);
    assert.equal(compareVersions('1.0', '1.0.0'), 0);
    assert.equal(compareVersions('1.0RC1', '1.0rc1'), 0);
    assert.equal(compareVersions('1.0-alpha-1', '1.0a1'), 0);
    assert.equal(compareVersions('1.0+abc.5', '1.0+abc.10'), -1);
    assert.equal(compareVersions('1.0+abc', '1.0+5'), -1);
    assert.equal(compareVersions('1.0', 'nope'), null);
  });
});

describe('python/versions: satisfies', () => {
  const cases: Array<[string, string, boolean | null]> = [
    ['1.10.1', '>=1.15', false],
    ['1.15.0', '>=1.15', true],
    ['1.16', '>=1.15,<2', true],
    ['2.0', '>=1.15,<2', false],
    ['1.26.4', '>=1.15, <2', true],
    ['2.0rc1', '<2', false],
    ['2.0rc1', '<2.0rc2', true],
    ['1.9', '<2', true],
    ['1.4.5', '~=1.4.2', true],
    ['1.4.1', '~=1.4.2', false],
    ['1.5.0', '~=1.4.2', false],
    ['2.3', '~=2.2', true],
    ['3.0', '~=2.2', false],
    ['1', '~=1', null],
    ['1.2.3', '==1.2.*', true],
    ['1.2', '==1.2.*', true],
    ['1.2rc1', '==1.2.*', true],
    ['1.3', '==1.2.*', false],
    ['1.3', '!=1.2.*', true],
    ['1.3', '!=1.3', false],
    ['1.3.0', '!=1.3', false],
    ['1.3.1', '!=1.3', true],
    ['1.0', '==1.0.0', true],
    ['1.0+local.1', '==1.0', true],
    ['1.0+local.1', '==1.0+local.2', false],
    ['1.0+local.1', '==1.0+local.1', true],
    ['1.0.1', '>1', true],
    ['1.0', '>1', false],
    ['1.0.post1', '>1.0', false],
    ['1.0.post2', '>1.0.post1', true],
    ['1.0+local', '>1.0', false],
    ['2.0', '<=2.0', true],
    ['2.0.1', '<=2.0', false],
    ['2.0+local', '<=2.0', true],
    ['foo-bar', '===foo-bar', true],
    ['1.0', '===1.0.0', false],
    ['1.0', '', true],
    ['1.0', '(>=0.9)', true],
    ['1!1.0', '>=2.0', true],
    ['1.0', '>=1.*', null],
    ['1.0', '>=1.0+local', null],
    ['1.0', 'latest', null],
    ['not-a-version', '>=1.0', null],
    // A false clause decides even beside one that cannot be read.
    ['0.5', '>=1.0,@@', false],
    ['1.5', '>=1.0,@@', null],
    // An installed pre-release is tested like any version.
    ['2.1.0rc1', '>=2.0', true],
    ['1.15.0.dev0', '>=1.15', false],
  ];
  for (const [version, spec, want] of cases) {
    test(`${version} against "${spec}" is ${want}`, () => assert.equal(satisfies(version, spec), want));
  }
});
