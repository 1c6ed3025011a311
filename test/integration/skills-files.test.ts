/**
 * `codedistill export-skills` as a user runs it: the built CLI writes the folders, and each loads as a valid
 * SKILL.md by the format's own rules (test/helpers/skill-format.ts), with the examples it names beside it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { checkSkillFolder, checkSkillsExport } from '../helpers/skill-format.js';
import { repoRoot, tempDir, testEnv } from '../helpers/tmp.js';

test('an exported library loads as valid Agent Skills folders', { timeout: 120_000 }, () => {
  const out = path.join(tempDir(), 'skills');
  const cli = path.join(repoRoot, 'dist', 'cli', 'main.js');
  const said = execFileSync(process.execPath, [cli, 'export-skills', 'flowcalc', '--out', out], { env: testEnv(tempDir(), { CODEDISTILL_DEMO: '1' }), encoding: 'utf8' });
  assert.match(said, /wrote \d+ skills/);
  const checks = checkSkillsExport(out);
  assert.ok(checks.length >= 1, 'at least one skill');
  for (const c of checks) assert.deepEqual(c.problems, [], `${c.name}: ${c.problems.join('; ')}`);
});

test('the checker itself refuses what the format forbids', () => {
  const root = tempDir();
  const skill = (folder: string, text: string) => {
    mkdirSync(path.join(root, folder), { recursive: true });
    writeFileSync(path.join(root, folder, 'SKILL.md'), text);
    return checkSkillFolder(path.join(root, folder)).problems.join('; ');
  };
  assert.equal(skill('ok', '---\nname: ok\ndescription: Does a thing. Use when a thing is needed.\n---\n# Ok\n'), '');
  assert.match(skill('Bad_Name', '---\nname: Bad_Name\ndescription: x\n---\n'), /characters other than/);
  assert.match(skill('a--b', '---\nname: a--b\ndescription: x\n---\n'), /double hyphen/);
  assert.match(skill('other', '---\nname: ok\ndescription: x\n---\n'), /not the folder's name/);
  assert.match(skill('nodesc', '---\nname: nodesc\n---\n'), /description missing/);
  assert.match(skill('long', `---\nname: long\ndescription: ${'x'.repeat(1025)}\n---\n`), /description is 1025 characters/);
  assert.match(skill('tags', '---\nname: tags\ndescription: uses <b>tags</b>\n---\n'), /angle brackets/);
  assert.match(skill('extra', '---\nname: extra\ndescription: x\nversion: 1\n---\n'), /unknown field version/);
  assert.match(skill('meta', '---\nname: meta\ndescription: x\nmetadata:\n  n: 3\n---\n'), /metadata n is not a string/);
  assert.match(skill('big', `---\nname: big\ndescription: x\n---\n${'line\n'.repeat(600)}`), /body is 601 lines/);
  assert.match(skill('link', '---\nname: link\ndescription: x\n---\nSee [more](references/MORE.md).\n'), /links references\/MORE.md/);
  assert.match(skill('nofront', '# no front matter\n'), /no front matter/);
});
