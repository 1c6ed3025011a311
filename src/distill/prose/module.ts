/**
 * What a block's module says of itself: the first paragraph of its module docstring that reads as prose
 * ("Conversions involving temperature, salinity..."), for every block defined in that module, methods too.
 * Authorship lines, licence headers and encoding cookies are not what a module is about.
 */
import { PRIORITY, type ProseCollector, type ProseFinding } from './collector.js';
import { headingChain, paragraphs, plainText } from './text.js';
import { readDocPage } from '../examples/doc-fences.js';
import { clip } from '../summary.js';

const NOISE = /copyright|licen[cs]ed?\b|SPDX|all rights reserved|permission is hereby granted|without (any )?warranty|provided "as is"|redistribution and use|free software|GNU (general|lesser)|^\s*@?author|^created (on|by)|^\s*-\*-|coding[:=]|^\s*:?(date|version|maintainer|email)\s*:|^\s*(\w+\s*){0,2}\.py\s*$|@\w+\.\w+/i;
const MAX_TEXT = 500;

export const moduleProse: ProseCollector = {
  source: 'module',
  async collect(ctx) {
    const out: ProseFinding[] = [];
    const leads = new Map<string, string | null>();
    for (const f of ctx.mining.libraryFiles) leads.set(f.path, f.moduleDocstring ? moduleLead(f.moduleDocstring) : null);
    for (const b of ctx.blocks) {
      const text = leads.get(b.provenance.path);
      if (text) out.push({ qualifiedName: b.qualifiedName, note: { source: 'module', text, path: b.provenance.path }, priority: PRIORITY.module, line: 0, shared: 1 });
    }
    return out;
  },
};

/** "Title: first paragraph" of a module docstring (a reStructuredText title over it), or null. */
export function moduleLead(docstring: string): string | null {
  const doc = readDocPage(docstring, 'rst');
  for (const p of paragraphs(docstring, 'rst', doc.headings)) {
    if (NOISE.test(p.raw)) continue;
    // "term.py : Framework to create fuzzy terms." - the file's name is not what it is about.
    const text = plainText(p.raw).replace(/^[\w.]+\.py\s*[:-]+\s*/, '');
    if (!/[A-Za-z]{2,}\s+[A-Za-z]{2,}/.test(text)) continue;
    // A title that is the module's dotted name (`pint.facets.plain` over a row of tildes) says no more than the path.
    const chain = headingChain(doc.headings, p.section).filter((t) => !NOISE.test(t) && !/^\w+(\.\w+)+$|^\w*_\w*$/.test(t));
    return clip(chain.length ? `${chain.join(' > ')}: ${text}` : text, MAX_TEXT);
  }
  return null;
}
