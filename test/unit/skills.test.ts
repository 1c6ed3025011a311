import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import type { Block } from '../../src/domain/block.js';
import { exportSkills, SKILL_LIMITS, SKILL_NAME, skillName, type SkillFolder } from '../../src/report/skills.js';
import { testBlock } from '../helpers/block.js';
import { reportLibrary } from '../helpers/report-library.js';

/** A SKILL.md as a loader reads it: YAML front matter between the first two "---" lines, then the body. */
function read(skill: SkillFolder): { front: Record<string, unknown>; body: string } {
  const text = skill.files.get('SKILL.md');
  assert.ok(text, `${skill.name} has a SKILL.md`);
  const m = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text);
  assert.ok(m, `${skill.name}: front matter between --- lines`);
  return { front: parse(m[1] ?? '') as Record<string, unknown>, body: m[2] ?? '' };
}

function checkFormat(skill: SkillFolder): void {
  const { front, body } = read(skill);
  const name = front.name;
  assert.equal(typeof name, 'string');
  assert.equal(name, skill.name, 'the name is the folder name');
  assert.ok((name as string).length >= 1 && (name as string).length <= SKILL_LIMITS.nameChars);
  assert.match(name as string, SKILL_NAME);
  assert.ok(!(name as string).includes('--'));
  const description = front.description as string;
  assert.equal(typeof description, 'string');
  assert.ok(description.length >= 1 && description.length <= SKILL_LIMITS.descriptionChars, `${description.length} characters`);
  assert.ok(!/[<>]/.test(description));
  assert.ok(typeof front.compatibility === 'string' && front.compatibility.length <= SKILL_LIMITS.compatibilityChars);
  const meta = front.metadata as Record<string, unknown>;
  for (const v of Object.values(meta)) assert.equal(typeof v, 'string', 'metadata maps strings to strings');
  assert.ok(Object.keys(front).every((k) => ['name', 'description', 'license', 'compatibility', 'metadata', 'allowed-tools'].includes(k)));
  assert.ok(body.split('\n').length <= SKILL_LIMITS.bodyLines, `${body.split('\n').length} lines`);
  assert.ok(body.length <= SKILL_LIMITS.bodyChars, `${body.length} characters`);
  // Every file the body links to is in the folder.
  for (const [, target] of body.matchAll(/\]\(([^)]+)\)/g)) assert.ok(skill.files.has(target ?? ''), `${skill.name} links ${target}`);
}

test('the validated blocks become skills in the Agent Skills format, their examples beside them', () => {
  const lib = reportLibrary();
  const out = exportSkills(lib, { generator: 'test' });
  assert.equal(out.exported, 3, 'checked and ran blocks only');
  assert.equal(out.notValidated, 3);
  assert.deepEqual(out.skills.map((s) => s.name), ['demo-lib-demolib-core']);
  for (const s of out.skills) checkFormat(s);
  const skill = out.skills[0]!;
  const { front, body } = read(skill);
  assert.equal(front.license, 'MIT');
  assert.match(front.description as string, /^Validated Python from example\/demolib \(MIT\), module demolib\.core: Pressure drop/);
  assert.ok(!(front.description as string).includes('derived from the name'));
  assert.match(body, /### `demolib\.core\.pressure_drop`/);
  assert.ok(!body.includes('friction_factor') && !body.includes('spline_fit') && !body.includes('drag_coefficient'), 'failed, skipped and not run blocks stay out');
  const example = skill.files.get('examples/pressure_drop.py') ?? '';
  assert.match(example, /^# Example for demolib\.core\.pressure_drop/);
  assert.match(example, /from demolib\.core import pressure_drop\nprint\(pressure_drop\(6 \* 7\)\)/);
  assert.match(example, /checked: it ran and matched/);
  assert.match(example, /#   42/);
});

test('a module with many blocks keeps SKILL.md within the size guidance and puts the rest in references/', () => {
  const lib = reportLibrary();
  const ran = lib.blocks.find((b) => b.qualifiedName === 'demolib.core.reynolds_number')!;
  const many: Block[] = Array.from({ length: 120 }, (_, i) =>
    testBlock(
      { name: `f${i}`, library: lib.name, module: 'demolib.big', summary: `Function number ${i} with a long summary about things.`, docstring: `${'word '.repeat(80)}` },
      { rank: 1000 - i, examples: ran.examples, validation: ran.validation },
    ),
  );
  const out = exportSkills({ ...lib, blocks: [...lib.blocks, ...many] }, { generator: 'test' });
  const big = out.skills.find((s) => s.name === 'demo-lib-demolib-big');
  assert.ok(big);
  checkFormat(big);
  assert.ok(big.files.has('references/MORE.md'));
  assert.match(big.files.get('SKILL.md') ?? '', /more blocks of this module: \[references\/MORE\.md\]/);
  assert.match(big.files.get('references/MORE.md') ?? '', /\]\(\.\.\/examples\/f119\.py\)/);
  assert.equal([...big.files.keys()].filter((f) => f.startsWith('examples/')).length, 120);
  assert.equal(out.skills[0]?.name, 'demo-lib-demolib-big', 'the most central module first');
});

test('skill names follow the format whatever the module is called', () => {
  const taken = new Set<string>();
  assert.equal(skillName('My_Lib-pkg.__init__', taken), 'my-lib-pkg-init');
  assert.equal(skillName('My_Lib-pkg.__init__', taken), 'my-lib-pkg-init-2');
  const long = skillName(`lib-${'very.long.module.name.'.repeat(6)}`, taken);
  assert.ok(long.length <= 64, long);
  assert.match(long, SKILL_NAME);
  assert.equal(skillName('___', taken), 'skill');
});

test("a module under the library's own name is not named twice", () => {
  const lib = reportLibrary();
  const ran = lib.blocks.find((b) => b.qualifiedName === 'demolib.core.reynolds_number')!;
  const b = testBlock({ name: 'g', library: 'demolib', module: 'demolib.sub', summary: 'Gravity of a planet.', docstring: 'Gravity of a planet.' }, { examples: ran.examples, validation: ran.validation });
  const derived = testBlock(
    { name: 'h', library: 'demolib', module: 'demolib.sub', summary: 'H (function) (summary derived from the name; no docstring)' },
    { examples: ran.examples, validation: ran.validation },
  );
  const out = exportSkills({ ...lib, name: 'demolib', blocks: [b, derived] }, { generator: 'test' });
  assert.deepEqual(out.skills.map((s) => s.name), ['demolib-sub']);
  checkFormat(out.skills[0]!);
  const { front } = read(out.skills[0]!);
  assert.match(front.description as string, /module demolib\.sub: Gravity of a planet\. Use when writing code that needs g, h;/);
});
