/**
 * `codedistill export-skills`: a library's validated blocks as Agent Skills folders, so agents that load
 * skills natively can use it without the server. One skill per module (an agent's prompt lists every skill's
 * name and description, so one per block would crowd it): `<skill>/SKILL.md` with the format's front matter
 * and a body of the module's blocks (signature, what it does, how it was validated), and `examples/` beside it
 * with each block's validated example as a runnable file.
 *
 * The format's rules (agentskills.io specification): `name` 1-64 characters of a-z, 0-9 and "-", not starting
 * or ending with "-", no "--", equal to the folder's name; `description` 1-1024 characters saying what the skill
 * does and when to use it (angle brackets left out: some loaders refuse them); optional `license`,
 * `compatibility` (at most 500 characters) and `metadata` (strings to strings). The body is loaded whole when
 * the skill is used: kept under 500 lines and about 5000 tokens; the blocks past that go to
 * references/MORE.md, which an agent reads only when it needs them.
 */
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import type { Block, Example } from '../domain/block.js';
import { shortCommit, type LoadedLibrary } from '../domain/library.js';
import { levelOf } from '../domain/validation.js';

export const SKILL_LIMITS = {
  nameChars: 64,
  descriptionChars: 1024,
  compatibilityChars: 500,
  bodyLines: 500,
  /** ~5000 tokens at ~4 characters a token. */
  bodyChars: 20_000,
} as const;

export const SKILL_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export interface SkillFolder {
  /** The skill's name, which is its folder's name. */
  name: string;
  /** Paths inside the folder -> content. */
  files: Map<string, string>;
  blocks: number;
}

export interface SkillsExport {
  skills: SkillFolder[];
  /** Validated blocks exported, and blocks left out because no example of theirs ran. */
  exported: number;
  notValidated: number;
}

/** The budget of the body (SKILL.md after the front matter) the blocks may fill; the rest is the header. */
const BODY_BLOCK_CHARS = SKILL_LIMITS.bodyChars - 3000;
const BODY_BLOCK_LINES = SKILL_LIMITS.bodyLines - 60;
const MAX_DOC_PARAGRAPH = 600;

function validated(b: Block): boolean {
  const l = levelOf(b.validation);
  return l === 'checked' || l === 'ran';
}

/** The example that shows the block runs: one that was checked, else one that ran. */
function validatedExample(b: Block): Example | null {
  const level = (e: Example) => levelOf(e.run);
  return b.examples.find((e) => level(e) === 'checked') ?? b.examples.find((e) => level(e) === 'ran') ?? null;
}

/** A name the format accepts, from any text: lowercase, runs of other characters as one "-", within 64. */
export function skillName(text: string, taken: Set<string>): string {
  let base = text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'skill';
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 8);
  if (base.length > SKILL_LIMITS.nameChars) base = `${base.slice(0, SKILL_LIMITS.nameChars - 9).replace(/-+$/, '')}-${hash}`;
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base.slice(0, SKILL_LIMITS.nameChars - String(i).length - 1).replace(/-+$/, '')}-${i}`;
  taken.add(name);
  return name;
}

/** Plain text for the front matter: one line, no angle brackets, within `max` characters (cut at a word). */
function plain(text: string, max: number): string {
  const one = text.replace(/[<>]/g, '').replace(/\s+/g, ' ').trim();
  if (one.length <= max) return one;
  const cut = one.slice(0, max - 1);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), max / 2)).trim()}…`;
}

function firstParagraph(doc: string | null): string {
  if (!doc) return '';
  const p = doc.trim().split(/\n\s*\n/)[0] ?? '';
  return p.length > MAX_DOC_PARAGRAPH ? `${p.slice(0, MAX_DOC_PARAGRAPH)}…` : p;
}

/** A file name for a block's example: its name inside the module, safe on every file system. */
function exampleFile(b: Block, taken: Set<string>): string {
  const local = b.qualifiedName.startsWith(`${b.module}.`) ? b.qualifiedName.slice(b.module.length + 1) : b.name;
  const base = local.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 100) || 'example';
  let name = `${base}.py`;
  for (let i = 2; taken.has(name.toLowerCase()); i++) name = `${base}_${i}.py`;
  taken.add(name.toLowerCase());
  return `examples/${name}`;
}

function fence(code: string, lang = 'python'): string {
  const longest = Math.max(2, ...[...code.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = '`'.repeat(longest + 1);
  return `${ticks}${lang}\n${code.replace(/\n+$/, '')}\n${ticks}`;
}

function exampleText(lib: LoadedLibrary, b: Block, ex: Example): string {
  const level = levelOf(ex.run);
  const how =
    level === 'checked'
      ? 'checked: it ran and matched what the repository states'
      : ex.source === 'synthesized'
        ? 'ran: a call built from the signature that ran cleanly (how to call it, not that the result is right)'
        : 'ran: it ran cleanly; nothing stated to compare with';
  const from = ex.path ? ` from ${ex.path}${ex.startLine ? `:${ex.startLine}` : ''}` : '';
  const out = ex.run?.stdout?.trim() ? `\n# Its output when validated:\n${ex.run.stdout.trim().split('\n').slice(0, 30).map((l) => `#   ${l}`).join('\n')}\n` : '';
  return (
    `# Example for ${b.qualifiedName} (${lib.manifest.source.repo} @ ${shortCommit(lib.manifest.source.commit)}, ${lib.manifest.licence}).\n` +
    `# Source: ${ex.source}${from}; ${how}.\n` +
    (ex.run?.environmentHash ? `# Validated by codedistill in an environment with sha256 ${ex.run.environmentHash.slice(0, 16)}…\n` : '') +
    `\n${ex.code.replace(/\n+$/, '')}\n${out}`
  );
}

function blockSection(b: Block, examplePath: string | null, ex: Example | null): string {
  const level = levelOf(ex?.run) ?? levelOf(b.validation);
  const lines = [`### \`${b.qualifiedName}\``, '', fence(b.signature.trim())];
  const doc = firstParagraph(b.docstring) || b.summary;
  if (doc) lines.push('', doc);
  const needs = b.requirements.length ? ` Needs: ${b.requirements.join(', ')}.` : '';
  const where = `${b.provenance.path}:${b.provenance.startLine}-${b.provenance.endLine}`;
  lines.push('', `Validated: ${level ?? 'ran'}${ex ? ` (${ex.source} example)` : ''}. Source: ${where}.${needs}`);
  if (examplePath) lines.push(`Example: [${examplePath}](${examplePath})`);
  return lines.join('\n');
}

/** Modules in the order of their most central validated block; blocks within a module by centrality. */
function groups(blocks: Block[]): Array<[string, Block[]]> {
  const by = new Map<string, Block[]>();
  for (const b of blocks) {
    const key = b.kind === 'workflow' ? '(workflows)' : b.module;
    by.set(key, [...(by.get(key) ?? []), b]);
  }
  for (const list of by.values()) list.sort((a, b) => b.rank - a.rank || a.qualifiedName.localeCompare(b.qualifiedName));
  return [...by.entries()].sort((a, b) => (b[1][0]?.rank ?? 0) - (a[1][0]?.rank ?? 0) || a[0].localeCompare(b[0]));
}

export function exportSkills(lib: LoadedLibrary, opts: { generator: string }): SkillsExport {
  const m = lib.manifest;
  const good = lib.blocks.filter(validated);
  const taken = new Set<string>();
  const skills: SkillFolder[] = [];
  for (const [module, blocks] of groups(good)) {
    // A module named after the library is its own name ("pint.errors" -> pint-errors, not pint-pint-errors).
    const own = module === lib.name || module.startsWith(`${lib.name}.`);
    const name = skillName(module === '(workflows)' ? `${lib.name}-workflows` : own ? module : `${lib.name}-${module}`, taken);
    const files = new Map<string, string>();
    const exampleNames = new Set<string>();
    const sections: string[] = [];
    const more: string[] = [];
    let chars = 0;
    let lines = 0;
    for (const b of blocks) {
      const ex = validatedExample(b);
      const examplePath = ex ? exampleFile(b, exampleNames) : null;
      if (ex && examplePath) files.set(examplePath, exampleText(lib, b, ex));
      const section = blockSection(b, examplePath, ex);
      const sectionLines = section.split('\n').length + 1;
      if (more.length === 0 && chars + section.length <= BODY_BLOCK_CHARS && lines + sectionLines <= BODY_BLOCK_LINES) {
        sections.push(section);
        chars += section.length + 2;
        lines += sectionLines;
      } else {
        more.push(section.replace(/\]\(examples\//g, '](../examples/'));
      }
    }
    const top = blocks.slice(0, 6).map((b) => b.name);
    // Summaries made up from a name say nothing the names do not (distill/summary.ts marks them).
    const topics = blocks
      .filter((b) => b.docstring && !b.summary.includes('(summary derived from the name'))
      .slice(0, 4)
      .map((b) => b.summary.replace(/\.$/, ''))
      .filter(Boolean)
      .join('; ');
    const description = plain(
      `Validated Python from ${m.source.repo} (${m.licence}), module ${module}: ${topics || top.join(', ')}. ` +
        `Use when writing code that needs ${top.join(', ')}${blocks.length > top.length ? ` or the ${blocks.length - top.length} other blocks here` : ''}; ` +
        'each has an example that ran.',
      SKILL_LIMITS.descriptionChars,
    );
    const requirements = [...new Set(blocks.flatMap((b) => b.requirements))].sort();
    const compatibility = plain(
      `Python with ${m.source.repo} importable (module ${module})${requirements.length ? ` and ${requirements.join(', ')}` : ''}; the examples were validated offline in a sandbox.`,
      SKILL_LIMITS.compatibilityChars,
    );
    const front = stringify(
      {
        name,
        description,
        license: m.licence,
        compatibility,
        metadata: {
          library: lib.name,
          repository: m.source.url ?? m.source.repo,
          commit: m.source.commit,
          module,
          blocks: String(blocks.length),
          generator: `codedistill ${opts.generator}`,
        },
      },
      { lineWidth: 0 },
    );
    const intro = [
      `# ${module} (${m.source.repo})`,
      '',
      `Functions and classes of \`${module}\` from ${m.source.repo} at ${shortCommit(m.source.commit)}, each with an example that codedistill ` +
        'ran in a sandbox. Prefer calling these over writing the same science again: import them as shown, adapt the example, and ' +
        'run it before building on it.',
      '',
      // A demo's citation is as made up as its code: none is given.
      `Licence: ${m.licence}.${m.citation && !lib.demo ? ` Cite: ${plain(m.citation, 400)}` : ''}`,
      ...(requirements.length ? ['', `Requirements: ${requirements.join(', ')}.`] : []),
      '',
      '## Blocks',
    ];
    const tail = more.length ? ['', `${more.length} more blocks of this module: [references/MORE.md](references/MORE.md).`] : [];
    files.set('SKILL.md', `---\n${front}---\n\n${[...intro, '', sections.join('\n\n'), ...tail].join('\n')}\n`);
    if (more.length) files.set('references/MORE.md', `# More blocks of ${module}\n\n${more.join('\n\n')}\n`);
    skills.push({ name, files, blocks: blocks.length });
  }
  return { skills, exported: good.length, notValidated: lib.blocks.length - good.length };
}
