/**
 * What documentation pages (source 'docs') and READMEs (source 'readme') say about a block:
 * - a section that documents it (autodoc, autosummary, mkdocstrings `:::`): its heading chain, its first
 *   paragraph and the paragraph just before the directive (an API page's "Functions for calculating sunrise...");
 * - a paragraph that names it as code (`:func:`...``, ``name``, `name()`), with its section's headings;
 * - the paragraph just before a snippet that calls it (the example pass decided which blocks a snippet calls).
 */
import type { ProseSource } from '../../domain/block.js';
import type { BlockRef } from '../examples/call-resolver.js';
import { docSourceOf, resolveDocumented } from '../examples/collectors/docs.js';
import { CURRENT_MODULE, readDocPage, type DocPage } from '../examples/doc-fences.js';
import { MAX_BLOCKS_PER_TEXT, PRIORITY, type ProseCollector, type ProseContext, type ProseFinding } from './collector.js';
import { codeMentions, headingChain, joinSentences, paragraphs, plainText, type Paragraph } from './text.js';

const MAX_PAGE_CHARS = 400_000;
/** Pages about the project's history and process, not about what its code does: release notes name what changed, developer notes how names are chosen. */
const NOT_ABOUT_USE = /(^|\/)(whats?[-_]?new|changelog|changes|history|releases?|release[-_]notes|news|contributing|contributors|authors|code[-_]of[-_]conduct|governance|maintainers|develop(?:er|ers|ment)?|dev[-_]?guide)([-_.\/]|$)/i;
const MAX_TEXT = 500;

export const docsProse: ProseCollector = { source: 'docs', collect: (ctx) => collectPages(ctx, 'docs') };
export const readmeProse: ProseCollector = { source: 'readme', collect: (ctx) => collectPages(ctx, 'readme') };

interface Page {
  path: string;
  doc: DocPage;
  paras: Paragraph[];
  /** The current module in force at each line (index = line - 1). */
  moduleAt: (line: number) => string | null;
  lines: string[];
}

async function collectPages(ctx: ProseContext, source: Extract<ProseSource, 'docs' | 'readme'>): Promise<ProseFinding[]> {
  const { mining } = ctx;
  const out: ProseFinding[] = [];
  const files = mining.input.files
    .filter((f) => docSourceOf(f) === source && f.size <= MAX_PAGE_CHARS && !NOT_ABOUT_USE.test(f.path))
    .sort((a, b) => a.path.localeCompare(b.path));
  const snippetsOf = snippetBlocks(ctx, source);
  for (const f of files) {
    await mining.guard(f.path, async () => {
      const text = await mining.read(f.path);
      if (text === null) return;
      const page = readPage(f.path, text);
      out.push(...documentedSections(ctx, page, source), ...moduleSections(ctx, page, source), ...namingParagraphs(ctx, page, source), ...beforeSnippets(ctx, page, snippetsOf.get(f.path) ?? [], source));
    });
  }
  return out;
}

function readPage(p: string, text: string): Page {
  const kind = /\.rst$/i.test(p) ? 'rst' : 'md';
  const doc = readDocPage(text, kind);
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const modules: (string | null)[] = [];
  let mod: string | null = null;
  for (const l of lines) {
    mod = CURRENT_MODULE.exec(l)?.[1] ?? mod;
    modules.push(mod);
  }
  return { path: p, doc, paras: paragraphs(text, kind, doc.headings), moduleAt: (line) => modules[line - 1] ?? null, lines };
}

/** "Heading > Subheading: text", clipped. */
function noteText(page: Page, section: number, texts: string[]): string {
  const chain = headingChain(page.doc.headings, section).join(' > ');
  const body = joinSentences(texts.map(plainText));
  return (chain && body ? `${chain}: ${body}` : chain || body).slice(0, MAX_TEXT * 2);
}

function documentedSections(ctx: ProseContext, page: Page, source: ProseSource): ProseFinding[] {
  const out: ProseFinding[] = [];
  // The entries of one directive (an autosummary's list) share its text.
  const groups = new Map<string, { section: number; line: number; blocks: Set<BlockRef> }>();
  for (const d of page.doc.documented) {
    if (d.role) continue;
    const hit = resolveDocumented(d, ctx.mining.calls);
    if (hit.length !== 1) continue;
    const before = page.paras.filter((p) => p.section === d.section && p.endLine < d.line);
    const key = `${d.section}:${before.length ? before[before.length - 1]!.startLine : 0}`;
    const g = groups.get(key) ?? { section: d.section, line: d.line, blocks: new Set<BlockRef>() };
    g.blocks.add(hit[0]!);
    groups.set(key, g);
  }
  for (const g of groups.values()) {
    const inSection = page.paras.filter((p) => p.section === g.section && p.endLine < g.line);
    // A paragraph that names other blocks, none of these, is about those.
    const about = (p: Paragraph) => {
      const named = mentioned(ctx, page, p);
      return named.size === 0 || [...named].some((b) => g.blocks.has(b));
    };
    const picked = [...new Set([inSection[0], inSection[inSection.length - 1]].filter((p): p is Paragraph => p !== undefined && about(p)))];
    const chain = headingChain(page.doc.headings, g.section);
    // A heading that is only the block's own name ("Location", "pvlib.location") says nothing the name does not.
    if (picked.length === 0 && !chain.some((t) => /\s/.test(t))) continue;
    const text = noteText(page, g.section, picked.map((p) => p.raw));
    // Headings alone say less than a paragraph that names the block.
    const priority = picked.length ? PRIORITY.documented : PRIORITY.headingOnly;
    for (const b of g.blocks) out.push({ qualifiedName: b.qualifiedName, note: { source, text, path: page.path }, priority, line: g.line, shared: g.blocks.size });
  }
  return out;
}

/** The blocks a paragraph names as code. */
function mentioned(ctx: ProseContext, page: Page, p: Paragraph): Set<BlockRef> {
  const found = new Set<BlockRef>();
  for (const m of codeMentions(p.raw)) for (const b of ctx.names.resolve(m.name, page.moduleAt(p.startLine), m.call)) found.add(b);
  return found;
}

const AUTOMODULE = /^\s*\.\.\s+(?:auto|py:)module::\s*([A-Za-z_][\w.]*)\s*$/;
const META_DESCRIPTION = /^\s+:description:\s*(.+)$/;

/**
 * A section that documents a whole module (`.. automodule:: fluids.friction`, its members listed by the docs
 * build): its headings, first paragraph and page description, for every block of that module, after what
 * names a block itself.
 */
function moduleSections(ctx: ProseContext, page: Page, source: ProseSource): ProseFinding[] {
  const out: ProseFinding[] = [];
  const sorted = [...page.doc.headings].sort((a, b) => a.line - b.line);
  page.lines.forEach((l, i) => {
    const m = AUTOMODULE.exec(l);
    if (!m) return;
    const line = i + 1;
    const section = sorted.filter((h) => h.line < line).pop()?.section ?? 0;
    const start = sorted.find((h) => h.section === section)?.line ?? 0;
    const description = page.lines.slice(start, i).flatMap((x) => META_DESCRIPTION.exec(x)?.[1] ?? []);
    const first = page.paras.find((p) => p.section === section && p.endLine < line);
    const chain = headingChain(page.doc.headings, section);
    if (!first && description.length === 0 && !chain.some((t) => /\s/.test(t))) return;
    const text = noteText(page, section, [...(first ? [first.raw] : []), ...description]);
    const blocks = ctx.mining.input.blocks.filter((b) => b.kind !== 'workflow' && (b.module === m[1] || b.publicImport === m[1]));
    for (const b of blocks) out.push({ qualifiedName: b.qualifiedName, note: { source, text, path: page.path }, priority: PRIORITY.documentedModule, line, shared: 1 });
  });
  return out;
}

function namingParagraphs(ctx: ProseContext, page: Page, source: ProseSource): ProseFinding[] {
  const out: ProseFinding[] = [];
  for (const p of page.paras) {
    const found = mentioned(ctx, page, p);
    if (found.size === 0 || found.size > MAX_BLOCKS_PER_TEXT) continue;
    const text = noteText(page, p.section, [p.raw]);
    // Under a heading that is another block's name ("Frequency"), a paragraph is about that block, whatever else it names.
    const owner = headingBlock(ctx, page, p);
    for (const b of found) if (!owner || owner === b) out.push({ qualifiedName: b.qualifiedName, note: { source, text, path: page.path }, priority: PRIORITY.named, line: p.startLine, shared: found.size });
  }
  return out;
}

/** The block a paragraph's own heading names, when that heading is a name ("Frequency", ":class:`UniformTime`"). */
function headingBlock(ctx: ProseContext, page: Page, p: Paragraph): BlockRef | null {
  const h = page.doc.headings.find((x) => x.section === p.section);
  const title = h ? plainText(h.title).replace(/\(\)$/, '') : '';
  if (!/^[A-Za-z_][\w.]*$/.test(title)) return null;
  const hit = ctx.names.resolve(title, page.moduleAt(p.startLine), true);
  return hit.length === 1 ? hit[0]! : null;
}

/** The blocks each docs or README snippet calls, by page: the example pass's own decision. */
function snippetBlocks(ctx: ProseContext, source: ProseSource): Map<string, { line: number; blocks: BlockRef[] }[]> {
  const out = new Map<string, { line: number; blocks: BlockRef[] }[]>();
  for (const c of ctx.mined) {
    if (c.kind !== 'example' || c.example.source !== source || c.example.path === null || c.example.startLine === null) continue;
    const list = out.get(c.example.path) ?? [];
    list.push({ line: c.example.startLine, blocks: c.blocks });
    out.set(c.example.path, list);
  }
  return out;
}

function beforeSnippets(ctx: ProseContext, page: Page, snippets: { line: number; blocks: BlockRef[] }[], source: ProseSource): ProseFinding[] {
  const out: ProseFinding[] = [];
  const starts = [...new Set(page.doc.snippets.map((s) => s.line))].sort((a, b) => a - b);
  for (const s of snippets) {
    if (s.blocks.length === 0 || s.blocks.length > MAX_BLOCKS_PER_TEXT) continue;
    const before = page.paras.filter((p) => p.endLine < s.line);
    const p = before[before.length - 1];
    const section = page.doc.snippets.find((x) => x.line === s.line)?.section;
    if (!p || p.section !== section) continue;
    // The paragraph introduces this snippet only when no other snippet comes between them.
    const prevSnippet = starts.filter((l) => l < s.line).pop();
    if (prevSnippet !== undefined && prevSnippet > p.endLine) continue;
    const text = noteText(page, p.section, [p.raw]);
    // A paragraph that names other blocks introduces them, not the others the snippet happens to call.
    const named = mentioned(ctx, page, p);
    for (const b of s.blocks) {
      if (named.size > 0 && !named.has(b)) continue;
      out.push({ qualifiedName: b.qualifiedName, note: { source, text, path: page.path }, priority: PRIORITY.beforeSnippet, line: p.startLine, shared: s.blocks.length });
    }
  }
  return out;
}
