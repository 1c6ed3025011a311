/**
 * The code version a cache keys on: the whole program's, or the modules some entry points import (run records are
 * the runner's work alone, so a change to search keeps them). On a small tree laid out as dist/ is.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { codeVersion, codeVersionOf } from '../../src/kernel/code-version.js';
import { tempDir } from '../helpers/tmp.js';

function tree() {
  const root = tempDir('cd-codeversion-');
  const dist = path.join(root, 'dist');
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(dist, rel)), { recursive: true });
    writeFileSync(path.join(dist, rel), text);
  };
  write('validate/runner.js', "import { run } from './batch/run.js';\nexport * from '../kernel/errors.js';\nexport const r = run;\n");
  write('validate/batch/run.js', "export const run = () => import('./later.js');\n");
  write('validate/batch/later.js', 'export const later = 1;\n');
  write('validate/batch/driver.py', 'print(1)\n');
  write('kernel/errors.js', 'export class E {}\n');
  write('search/rank.js', "import { E } from '../kernel/errors.js';\nexport const rank = E;\n");
  writeFileSync(path.join(root, 'package-lock.json'), '{"v":1}');
  return { root, dist, write };
}

test('a change outside what the entries import keeps their version; the whole program\'s changes', async () => {
  const { dist, write } = tree();
  const runs = await codeVersionOf(['validate/runner.js'], dist);
  const whole = await codeVersion(dist);
  write('search/rank.js', "import { E } from '../kernel/errors.js';\nexport const rank = [E];\n");
  assert.equal(await codeVersionOf(['validate/runner.js'], dist), runs);
  assert.notEqual(await codeVersion(dist), whole);
});

test('a change to an imported module, a dynamically imported one, a re-export or a file beside them changes the version', async () => {
  for (const [rel, text] of [
    ['validate/batch/run.js', "export const run = () => import('./later.js'); // edited\n"],
    ['validate/batch/later.js', 'export const later = 2;\n'],
    ['kernel/errors.js', 'export class E { x = 1 }\n'],
    ['validate/batch/driver.py', 'print(2)\n'],
  ] as const) {
    const { dist, write } = tree();
    const before = await codeVersionOf(['validate/runner.js'], dist);
    write(rel, text);
    assert.notEqual(await codeVersionOf(['validate/runner.js'], dist), before, rel);
  }
  const { root, dist } = tree();
  const before = await codeVersionOf(['validate/runner.js'], dist);
  writeFileSync(path.join(root, 'package-lock.json'), '{"v":2}');
  assert.notEqual(await codeVersionOf(['validate/runner.js'], dist), before, 'the dependencies changed');
});

test('run from the TypeScript sources, "./x.js" is read as x.ts; a missing entry is an error', async () => {
  const root = tempDir('cd-codeversion-ts-');
  const src = path.join(root, 'src');
  mkdirSync(src);
  writeFileSync(path.join(src, 'a.ts'), "import { b } from './b.js';\nexport const a = b;\n");
  writeFileSync(path.join(src, 'b.ts'), 'export const b = 1;\n');
  const before = await codeVersionOf(['a.js'], src);
  writeFileSync(path.join(src, 'b.ts'), 'export const b = 2;\n');
  assert.notEqual(await codeVersionOf(['a.js'], src), before);
  await assert.rejects(codeVersionOf(['nope.js'], src), /not under/);
});
