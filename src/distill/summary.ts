/**
 * One-line summaries for blocks and a short statement of what a repository is for.
 */

const MAX_SUMMARY = 160;
const MAX_PURPOSE = 300;

/** Words ending a sentence that are not its end: "e.g.", "i.e.", "et al.", "approx.", "Fig. 2", ... */
const ABBREVIATIONS = /(?:\b(?:e\.g|i\.e|et al|etc|vs|cf|approx|resp|Fig|Eq|Eqs|Ref|Refs|No|Dr|Mr|Ms|Prof|Sec|Ch|vol|pp|al)\.|\b[A-Z]\.)$/;

/** Cut at a word boundary and add an ellipsis when longer than max. */
export function clip(text: string, max: number): string {
  const t = text.trim();
  if (t.length <= max) return t;
  const cut = t.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return (space > max * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,;:.-]+$/, '') + '…';
}

/**
 * The first sentence of a paragraph: up to the first ". ", "! " or "? " (or the end) that is not an
 * abbreviation or a decimal number.
 */
export function firstSentence(paragraph: string): string {
  const text = paragraph.replace(/\s+/g, ' ').trim();
  const re = /[.!?](?=\s+|$)/g;
  for (const m of text.matchAll(re)) {
    const end = m.index! + 1;
    const before = text.slice(0, end);
    if (ABBREVIATIONS.test(before)) continue;
    const next = text.slice(end).trimStart();
    // A sentence ends before a capital, a digit, a quote or the end; "ratio. of" is not an ending.
    if (next && !/^[A-Z0-9"'(`[*]/.test(next)) continue;
    return before;
  }
  return text;
}

/** The first paragraph of a docstring that reads as prose (not a signature line or a section header). */
function docstringLead(docstring: string): string {
  const lines = docstring.replace(/\r\n?/g, '\n').split('\n');
  const paragraphs: string[] = [];
  let cur: string[] = [];
  for (const raw of lines) {
    const l = raw.trim();
    if (l === '') {
      if (cur.length) paragraphs.push(cur.join(' '));
      cur = [];
      continue;
    }
    cur.push(l);
  }
  if (cur.length) paragraphs.push(cur.join(' '));
  for (const p of paragraphs) {
    // "f(x, y) -> float" signature lines from C extensions, ":param x:" field lists, numpydoc headers.
    if (/^[\w.]+\(.*\)(\s*->.*)?$/.test(p)) continue;
    if (/^(:param|:returns?:|:rtype:|@param|Parameters\s*-{3,}|Returns\s*-{3,}|Args:|Arguments:)/i.test(p)) continue;
    if (/^>>>/.test(p)) continue;
    if (!/[A-Za-z]/.test(p)) continue;
    return p;
  }
  return '';
}

/** "ergun_pressure_drop" -> "Ergun pressure drop"; "FFTFilter" -> "FFT filter"; "solveODE2" -> "Solve ODE 2". */
export function wordsFromName(name: string): string {
  const words = name
    .replace(/^_+|_+$/g, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([A-Za-z])([0-9])/g, '$1 $2')
    .split(/[_\s]+/)
    .filter(Boolean)
    .map((w) => (/^[A-Z0-9]{2,}$/.test(w) ? w : w.toLowerCase()));
  if (words.length === 0) return name;
  const first = words[0]!;
  words[0] = first.charAt(0).toUpperCase() + first.slice(1);
  return words.join(' ');
}

export interface Summary {
  text: string;
  /** True when there was no usable docstring and the text was made from the name. */
  derived: boolean;
}

/** Summary with a flag saying whether it came from the docstring or was derived from the name. */
export function summarizeDetailed(docstring: string | null, name: string, kind: string): Summary {
  const lead = docstring ? docstringLead(docstring) : '';
  if (lead) {
    const sentence = firstSentence(lead).replace(/^[`*_]+|[`*_]+$/g, '');
    if (sentence) return { text: clip(sentence, MAX_SUMMARY), derived: false };
  }
  const words = wordsFromName(name);
  const what = kind === 'class' ? `${words} (class)` : kind === 'workflow' ? `${words} (workflow)` : words;
  return { text: clip(what, MAX_SUMMARY), derived: true };
}

/**
 * One line saying what a block does: the docstring's first sentence (at most 160 characters); without a
 * docstring, the words of the name, marked as derived so nobody mistakes them for the author's words.
 */
export function summarize(docstring: string | null, name: string, kind: string): string {
  const s = summarizeDetailed(docstring, name, kind);
  return s.derived ? `${s.text} (summary derived from the name; no docstring)` : s.text;
}

/** Markdown/rST inline markup to plain text. */
function plain(text: string): string {
  return text
    .replace(/<[^>]+>/g, ' ')
    .replace(/!\[[^\]]*\]\([^)]*\)/g, ' ')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1')
    .replace(/`([^`<]+?)\s*<[^>]+>`_+/g, '$1')
    .replace(/:[a-z]+:`([^`]+)`/g, '$1')
    .replace(/`{1,2}([^`]+)`{1,2}_?/g, '$1')
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/__([^_]+)__/g, '$1')
    .replace(/(^|[\s(])\*([^*\s][^*]*)\*/g, '$1$2')
    .replace(/\s+/g, ' ')
    .trim();
}

function isNoise(paragraph: string): boolean {
  const p = paragraph.trim();
  if (p === '') return true;
  if (/^#{1,6}\s/.test(p)) return true; // markdown heading
  if (/^(\[!\[|!\[|<img|<a\s|<p\b|<div\b|<h\d|<\/|<!--|<picture|<br)/i.test(p)) return true; // badges, HTML
  if (/^\.\.\s/.test(p)) return true; // rST directive (image, badges, toctree)
  if (/^\|[^|]+\|/.test(p) && /\|\s*$/.test(p.split('\n')[0]!)) return true; // table or rST substitution
  if (/^(```|~~~|>>>|\$ |pip install|conda install)/.test(p)) return true;
  if (/^[-*+]\s/.test(p) && p.split('\n').every((l) => /^\s*[-*+]\s/.test(l) || /^\s/.test(l))) return true; // a bare list
  const lines = p.split('\n');
  // rST heading: text underlined (and maybe overlined) by one repeated punctuation character.
  if (lines.length <= 3 && lines.some((l) => /^([=\-~^"'`#*+_:.])\1{2,}\s*$/.test(l.trim()))) return true;
  const text = plain(p);
  if (text.length < 25 || text.split(' ').length < 5) return true;
  return false;
}

/**
 * What the repository is for, at most 300 characters: the first meaningful paragraph of the README
 * (badges, headings, HTML and code skipped), else the repository description, else the package
 * docstring. Null when none says anything.
 */
export function repoPurpose(readme: string | null, description: string | null, packageDocstring: string | null): string | null {
  if (readme) {
    const text = readme.replace(/\r\n?/g, '\n').replace(/<!--[\s\S]*?-->/g, '');
    // Fenced code is never the purpose; drop it before splitting into paragraphs.
    const noFences = text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
    for (const para of noFences.split(/\n\s*\n/)) {
      if (isNoise(para)) continue;
      return clip(plain(para), MAX_PURPOSE);
    }
  }
  if (description && description.trim()) return clip(plain(description), MAX_PURPOSE);
  if (packageDocstring && packageDocstring.trim()) {
    const lead = docstringLead(packageDocstring);
    if (lead) return clip(plain(lead), MAX_PURPOSE);
  }
  return null;
}
