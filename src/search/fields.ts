/**
 * What of a block is indexed: its text per field (for BM25F), the one weighted full-text column (for
 * candidates), the text the embedding model reads, and what the rest of its library says about it.
 */
import type { Block } from '../domain/block.js';
import type { LoadedLibrary } from '../domain/library.js';
import { identifiers, splitWords, tokenize } from './tokens.js';

/** Bump when tokenisation or the indexed text changes: the index must then be rebuilt. */
export const TEXT_VERSION = 3;

/** The parts of a block a query can match; the names are reported back in SearchHit.matched. */
export const FIELD_NAMES = [
  'name',
  'qualifiedName',
  'signature',
  'summary',
  'docstring',
  'parameters',
  'tags',
  'examples',
  'context',
  'prose',
  'purpose',
] as const;
export type FieldName = (typeof FIELD_NAMES)[number];
export type FieldTokens = Record<FieldName, string[]>;

/**
 * How many times each field is repeated in the full-text column, which only picks candidates (the ranking is
 * BM25F over the separate fields, see scoreFields). BM25 saturates term frequency, so repetition is a gentle
 * boost: a word in the name counts more than the same word deep in a docstring. The library's purpose is not part
 * of a block's own text (see purposeTokens).
 */
const FTS_REPEAT: Record<FieldName, number> = {
  name: 3,
  qualifiedName: 1,
  signature: 1,
  summary: 2,
  docstring: 1,
  parameters: 1,
  tags: 1,
  examples: 1,
  context: 1,
  prose: 1,
  purpose: 0,
};

/** Long docstrings and examples would otherwise drown the name and summary in BM25's length normalisation. */
const FIELD_CAP: Record<FieldName, number> = {
  name: 32,
  qualifiedName: 64,
  signature: 96,
  summary: 96,
  docstring: 400,
  parameters: 200,
  tags: 64,
  examples: 160,
  context: 160,
  prose: 240,
  purpose: 96,
};

function identifiersOf(code: string): string {
  // Strings and comments in examples are mostly data; identifiers say which API is exercised.
  const noStrings = code.replace(/(["'])(?:\\.|(?!\1)[^\\\n])*\1/g, ' ').replace(/#[^\n]*/g, ' ');
  return identifiers(noStrings).join(' ');
}

function cap(tokens: string[], field: FieldName): string[] {
  const n = FIELD_CAP[field];
  return tokens.length > n ? tokens.slice(0, n) : tokens;
}

/** What a block's own record does not say but its library does; built by the index from the whole library. */
export interface BlockContext {
  /**
   * Words from related blocks: a method's class summary (a method's docstring is often one line that takes the
   * class for granted), a class's method names and summaries (what the object can do).
   */
  context?: string;
}

/**
 * Tokens of a library's description: the `purpose` field of all its blocks, a weak hint of the domain. Kept once
 * per library by the index and joined to a block's fields at search time, not stored with every block.
 */
export function purposeTokens(description: string | null | undefined): string[] {
  return cap(tokenize(description ?? ''), 'purpose');
}

/** Per-field tokens of a block, in order with repeats (compounds included, so exact identifiers match their field). */
export function blockFieldTokens(block: Block, ctx: BlockContext = {}): FieldTokens {
  const t = (s: string | null | undefined) => (s ? tokenize(s, { compounds: true }) : []);
  const paramText = block.parameters
    .map((p) => [p.name, p.annotation ?? '', p.description ?? ''].join(' '))
    .concat(block.returns ? [block.returns] : [])
    .join(' \n ');
  const fields: FieldTokens = {
    name: t(block.name),
    qualifiedName: t(`${block.qualifiedName} ${block.module} ${block.provenance.path.replace(/\.[A-Za-z0-9]+$/, '')}`),
    signature: t(block.signature),
    summary: t(block.summary),
    docstring: t(block.docstring),
    parameters: t(paramText),
    tags: t(block.tags.join(' ')),
    examples: t(block.examples.slice(0, 3).map((e) => identifiersOf(e.code)).join(' ')),
    context: tokenize(ctx.context ?? ''),
    // What the repository's docs, README, notebooks and module docstring say of the block: the words its users read.
    prose: t(block.prose.map((n) => n.text).join(' \n ')),
    // Filled in at search time from the library (see purposeTokens).
    purpose: [],
  };
  for (const f of FIELD_NAMES) fields[f] = cap(fields[f], f);
  return fields;
}

export interface BlockSearchText {
  /** Whitespace-joined tokens with field weights applied by repetition: the FTS column. */
  text: string;
  /** Distinct tokens per field, for reporting which fields a query matched. */
  fields: FieldTokens;
  /** Tokens per field in order with repeats (capped): what BM25F counts term frequencies and lengths over. */
  bag: FieldTokens;
}

/** The indexed text of a block, and its per-field pieces. */
export function blockSearchText(block: Block, ctx: BlockContext = {}): BlockSearchText {
  const bag = blockFieldTokens(block, ctx);
  const parts: string[] = [];
  for (const f of FIELD_NAMES) {
    const joined = bag[f].join(' ');
    if (!joined) continue;
    for (let i = 0; i < FTS_REPEAT[f]; i++) parts.push(joined);
  }
  const distinct = {} as FieldTokens;
  for (const f of FIELD_NAMES) distinct[f] = [...new Set(bag[f])];
  return { text: parts.join(' '), fields: distinct, bag };
}

/**
 * Natural-language text for the embedding model: words rather than stems (a neural model knows "computing"),
 * with the name split into words and the docstring trimmed to what a small encoder reads anyway.
 */
export function blockEmbedText(block: Block): string {
  const lines = [`${splitWords(block.name).join(' ')} (${block.qualifiedName}): ${block.summary}`];
  if (block.docstring) lines.push(block.docstring.slice(0, 1200));
  const params = block.parameters
    .map((p) => (p.description ? `${splitWords(p.name).join(' ')}: ${p.description}` : splitWords(p.name).join(' ')))
    .filter(Boolean);
  if (params.length) lines.push(`Parameters: ${params.join('; ')}`.slice(0, 600));
  if (block.tags.length) lines.push(`Tags: ${block.tags.join(', ')}`);
  if (block.prose.length) lines.push(block.prose.map((n) => n.text).join('\n').slice(0, 800));
  return lines.join('\n');
}

/** Which fields contain any of the query tokens. */
export function matchedFields(fields: FieldBag, queryTokens: readonly string[]): FieldName[] {
  const q = new Set(queryTokens);
  const out: FieldName[] = [];
  for (const f of FIELD_NAMES) {
    const toks = fields[f];
    if (toks && toks.some((t) => q.has(t))) out.push(f);
  }
  return out;
}


/** Some fields' tokens, in order with repeats: what ranking reads of a block (and the library's purpose). */
export type FieldBag = Partial<Record<FieldName, readonly string[]>>;

/** Field tokens as stored in an index row (JSON of space-joined tokens; empty fields left out). */
export function encodeFields(fields: FieldTokens): string {
  const o: Record<string, string> = {};
  for (const f of FIELD_NAMES) if (fields[f].length) o[f] = fields[f].join(' ');
  return JSON.stringify(o);
}

/** The field tokens of a stored row; a damaged value reads as no fields rather than failing the search. */
export function decodeFields(json: string): Partial<FieldTokens> {
  try {
    const o = JSON.parse(json) as Record<string, string>;
    const out: Partial<FieldTokens> = {};
    for (const f of FIELD_NAMES) if (typeof o[f] === 'string') out[f] = o[f].split(' ');
    return out;
  } catch {
    return {};
  }
}

/**
 * What the rest of its library says about each block: a method gets its class's summary, a class the names and
 * summaries of its methods.
 */
export function libraryContexts(lib: Pick<LoadedLibrary, 'blocks'>): Map<string, BlockContext> {
  const byName = new Map(lib.blocks.map((b) => [b.qualifiedName, b]));
  const members = new Map<string, Block[]>();
  for (const b of lib.blocks) {
    if (b.kind !== 'method') continue;
    const owner = b.qualifiedName.slice(0, b.qualifiedName.lastIndexOf('.'));
    const list = members.get(owner) ?? [];
    list.push(b);
    members.set(owner, list);
  }
  const out = new Map<string, BlockContext>();
  for (const b of lib.blocks) {
    let context = '';
    if (b.kind === 'method') {
      const owner = byName.get(b.qualifiedName.slice(0, b.qualifiedName.lastIndexOf('.')));
      if (owner && owner.kind === 'class') context = owner.summary;
    } else if (b.kind === 'class') {
      context = (members.get(b.qualifiedName) ?? []).map((m) => `${m.name} ${m.summary}`).join(' \n ');
    }
    out.set(b.id, { context });
  }
  return out;
}
