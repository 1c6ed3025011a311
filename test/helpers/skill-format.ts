/**
 * An Agent Skills loader's checks, written from the format's specification (agentskills.io) and kept apart from
 * src/report/skills.ts, so an export is judged by the rules and not by the constants of the code that wrote it.
 * A skill is a folder whose SKILL.md starts with YAML front matter between two "---" lines:
 * - name: required, 1-64 characters, lowercase letters, digits and hyphens, no leading, trailing or double
 *   hyphen, equal to the folder's name;
 * - description: required, 1-1024 characters, no XML tags (angle brackets);
 * - license (string), compatibility (string, at most 500 characters), metadata (string keys to string values),
 *   allowed-tools (string): optional; nothing else;
 * - the body: under 500 lines and about 5000 tokens (characters / 4) is the guidance, since it is loaded whole;
 * - files the body links to by relative path exist in the folder.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const FIELDS = new Set(['name', 'description', 'license', 'compatibility', 'metadata', 'allowed-tools']);

export interface SkillCheck {
  name: string;
  problems: string[];
  bodyLines: number;
  bodyTokens: number;
  descriptionChars: number;
}

export function checkSkillFolder(dir: string): SkillCheck {
  const problems: string[] = [];
  const folder = path.basename(dir);
  const file = path.join(dir, 'SKILL.md');
  const out: SkillCheck = { name: folder, problems, bodyLines: 0, bodyTokens: 0, descriptionChars: 0 };
  if (!existsSync(file)) return { ...out, problems: ['no SKILL.md'] };
  const text = readFileSync(file, 'utf8');
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text);
  if (!m) return { ...out, problems: ['no front matter between --- lines at the top'] };
  let front: unknown;
  try {
    front = parse(m[1] ?? '');
  } catch (e) {
    return { ...out, problems: [`front matter is not YAML: ${(e as Error).message}`] };
  }
  if (!front || typeof front !== 'object' || Array.isArray(front)) return { ...out, problems: ['front matter is not a mapping'] };
  const f = front as Record<string, unknown>;
  for (const k of Object.keys(f)) if (!FIELDS.has(k)) problems.push(`unknown field ${k}`);
  const name = f.name;
  if (typeof name !== 'string') problems.push('name missing or not a string');
  else {
    if (name.length < 1 || name.length > 64) problems.push(`name is ${name.length} characters`);
    if (!/^[a-z0-9-]+$/.test(name)) problems.push(`name ${name} has characters other than a-z, 0-9 and -`);
    if (name.startsWith('-') || name.endsWith('-') || name.includes('--')) problems.push(`name ${name} has a leading, trailing or double hyphen`);
    if (name !== folder) problems.push(`name ${name} is not the folder's name ${folder}`);
  }
  const description = f.description;
  if (typeof description !== 'string' || !description.trim()) problems.push('description missing or empty');
  else {
    out.descriptionChars = description.length;
    if (description.length > 1024) problems.push(`description is ${description.length} characters`);
    if (/[<>]/.test(description)) problems.push('description has angle brackets');
  }
  if (f.license !== undefined && typeof f.license !== 'string') problems.push('license is not a string');
  if (f.compatibility !== undefined && (typeof f.compatibility !== 'string' || f.compatibility.length > 500)) problems.push('compatibility is not a string of at most 500 characters');
  if (f['allowed-tools'] !== undefined && typeof f['allowed-tools'] !== 'string') problems.push('allowed-tools is not a string');
  if (f.metadata !== undefined) {
    if (!f.metadata || typeof f.metadata !== 'object' || Array.isArray(f.metadata)) problems.push('metadata is not a mapping');
    else for (const [k, v] of Object.entries(f.metadata)) if (typeof v !== 'string') problems.push(`metadata ${k} is not a string`);
  }
  const body = m[2] ?? '';
  out.bodyLines = body.split('\n').length;
  out.bodyTokens = Math.ceil(body.length / 4);
  if (out.bodyLines >= 500) problems.push(`body is ${out.bodyLines} lines`);
  if (out.bodyTokens > 5000) problems.push(`body is about ${out.bodyTokens} tokens`);
  for (const [, target] of body.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (!target || /^[a-z]+:/i.test(target) || target.startsWith('#')) continue;
    const at = path.resolve(dir, target);
    if (!at.startsWith(path.resolve(dir) + path.sep) || !existsSync(at)) problems.push(`links ${target}, which is not in the folder`);
  }
  return out;
}

/** Every skill folder under an export folder. */
export function checkSkillsExport(root: string): SkillCheck[] {
  return readdirSync(root)
    .filter((n) => statSync(path.join(root, n)).isDirectory())
    .sort()
    .map((n) => checkSkillFolder(path.join(root, n)));
}
