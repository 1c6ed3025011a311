/**
 * The repository's own prose about each block, outside its docstring: documentation sections that document or
 * name it, README sections, the markdown before notebook cells that call it, its module's docstring and its
 * body's comments. One collector per kind of source (prose/), all with one signature; this file runs them and
 * keeps, per block, the most specific notes first within a budget: a note that repeats the docstring, or that
 * an earlier note already holds, is left out.
 */
import type { Block, ProseNote, ProseSource } from '../domain/block.js';
import type { Candidate } from './examples/collector.js';
import type { MiningContext } from './examples/context.js';
import type { ProseCollector, ProseFinding } from './prose/collector.js';
import { commentsProse } from './prose/comments.js';
import { docsProse, readmeProse } from './prose/docs.js';
import { moduleProse } from './prose/module.js';
import { ProseNames } from './prose/names.js';
import { notebookProse } from './prose/notebooks.js';
import { clip } from './summary.js';

export const MAX_NOTES = 6;
export const MAX_NOTE_CHARS = 500;
export const MAX_PROSE_CHARS = 1500;
/** A note shorter than this is not worth the room a clipped one would take. */
const MIN_CLIPPED = 80;
/** Per source, so one chatty source leaves room for the others. */
const PER_SOURCE: Record<ProseSource, number> = { docs: 3, readme: 2, notebook: 2, comments: 1, module: 1 };

const COLLECTORS: readonly ProseCollector[] = [docsProse, readmeProse, notebookProse, commentsProse, moduleProse];

/** A block's qualified name as the miners know it: without the `~2` that tells apart a name defined twice. */
export function baseName(qualifiedName: string): string {
  return qualifiedName.replace(/~\d+$/, '');
}

/** The notes of every block (by qualified name, see baseName) that has any, most specific first. */
export async function proseByBlock(mining: MiningContext, blocks: readonly Block[], mined: readonly Candidate[]): Promise<Map<string, ProseNote[]>> {
  const symbols = blocks.filter((b) => b.kind !== 'workflow');
  const ctx = { mining, blocks: symbols, mined, names: new ProseNames(mining.calls) };
  const per = new Map<string, ProseFinding[]>();
  for (const c of COLLECTORS) {
    let found: ProseFinding[] = [];
    await mining.guard(`prose from ${c.source}`, async () => {
      found = await c.collect(ctx);
    });
    for (const f of found) {
      const qn = baseName(f.qualifiedName);
      const list = per.get(qn) ?? [];
      list.push(f);
      per.set(qn, list);
    }
  }
  const docstrings = new Map(symbols.map((b) => [baseName(b.qualifiedName), b.docstring]));
  const out = new Map<string, ProseNote[]>();
  for (const [qn, list] of per) {
    const notes = pickNotes(list, docstrings.get(qn) ?? null);
    if (notes.length) out.set(qn, notes);
  }
  return out;
}

/** The notes kept of a block's findings: most specific first, none repeating its docstring or an earlier note, within the caps. */
export function pickNotes(findings: readonly ProseFinding[], docstring: string | null): ProseNote[] {
  const sorted = [...findings].sort(
    (a, b) =>
      a.priority - b.priority ||
      a.shared - b.shared ||
      (a.note.path ?? '').localeCompare(b.note.path ?? '') ||
      a.line - b.line,
  );
  const doc = docstring ? normal(docstring) : '';
  const kept: ProseNote[] = [];
  const keptNormal: string[] = [];
  const perSource = new Map<ProseSource, number>();
  let total = 0;
  for (const f of sorted) {
    if (kept.length >= MAX_NOTES) break;
    if ((perSource.get(f.note.source) ?? 0) >= PER_SOURCE[f.note.source]) continue;
    const n = normal(bodyOf(f.note.text));
    if (!n || repeats(doc, n) || keptNormal.some((k) => k.includes(n) || similar(k, n))) continue;
    const room = Math.min(MAX_NOTE_CHARS, MAX_PROSE_CHARS - total);
    if (room < MIN_CLIPPED) break;
    const text = clip(f.note.text, room);
    kept.push({ ...f.note, text });
    keptNormal.push(normal(f.note.text));
    perSource.set(f.note.source, (perSource.get(f.note.source) ?? 0) + 1);
    total += text.length;
  }
  return kept;
}

/** The note without its heading chain ("Solar Position: ..."), which the docstring never holds. */
function bodyOf(text: string): string {
  const i = text.indexOf(': ');
  return i > 0 && i < 120 ? text.slice(i + 2) : text;
}

/** Lower case words and numbers only: markup, punctuation and line breaks differ between a page and a docstring. */
function normal(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** Mostly the same words: one page's paragraph copied to another and edited ("will contain" / "contains"). */
function similar(a: string, b: string): boolean {
  const wa = new Set(a.split(' '));
  const wb = new Set(b.split(' '));
  let common = 0;
  for (const w of wb) if (wa.has(w)) common++;
  return common >= 0.8 * Math.min(wa.size, wb.size) && Math.min(wa.size, wb.size) >= 0.6 * Math.max(wa.size, wb.size);
}

/** Whether a note says what the docstring says: it is inside it, or the docstring's opening is inside the note. */
function repeats(doc: string, note: string): boolean {
  if (!doc) return false;
  if (doc.includes(note)) return true;
  const lead = doc.slice(0, 120);
  return lead.length >= 40 && note.includes(lead);
}
