/**
 * Code-aware tokenisation and the text indexed for each block.
 *
 * Agents search in the words of their task while code is named in identifiers, so both sides go through the
 * same pipeline: identifiers are split into words (snake_case, camelCase, dotted paths, digits), lowercased,
 * stop words dropped and words lightly stemmed. The full-text index is built over these tokens with a plain
 * whitespace tokenizer, so LanceDB never has to parse the raw query.
 */
import type { Block } from '../domain/block.js';

/** Bump when tokenisation or the indexed text changes: the index must then be rebuilt. */
export const TEXT_VERSION = 1;

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
] as const;
export type FieldName = (typeof FIELD_NAMES)[number];
export type FieldTokens = Record<FieldName, string[]>;

/**
 * How many times each field is repeated in the indexed text. BM25 saturates term frequency, so repetition is a
 * gentle boost: a word in the name counts more than the same word deep in a docstring.
 */
const FIELD_WEIGHT: Record<FieldName, number> = {
  name: 3,
  qualifiedName: 1,
  signature: 1,
  summary: 2,
  docstring: 1,
  parameters: 1,
  tags: 1,
  examples: 1,
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
};

const ENGLISH_STOP = [
  'a', 'an', 'and', 'are', 'as', 'at', 'be', 'been', 'being', 'but', 'by', 'can', 'could', 'do', 'does', 'for',
  'from', 'had', 'has', 'have', 'how', 'i', 'if', 'in', 'into', 'is', 'it', 'its', 'may', 'me', 'my', 'of', 'on',
  'or', 'our', 'should', 'so', 'some', 'such', 'than', 'that', 'the', 'their', 'them', 'then', 'there', 'these',
  'they', 'this', 'those', 'to', 'us', 'was', 'we', 'were', 'what', 'when', 'where', 'which', 'while', 'who',
  'will', 'with', 'would', 'you', 'your', 'want', 'need', 'needs', 'something', 'thing', 'things',
  'function', 'code', 'given',
];
/** Words every Python block is full of; they say nothing about what the block does. */
const CODE_STOP = ['def', 'self', 'cls', 'return', 'none', 'true', 'false', 'import', 'lambda', 'args', 'kwargs', 'pass'];

export const STOP_WORDS: ReadonlySet<string> = new Set([...ENGLISH_STOP, ...CODE_STOP]);

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/g;
/** Runs of letters and digits; anything else (dots, underscores, brackets, operators) separates words. */
const CHUNK = /[A-Za-z0-9]+/g;
/** Within a chunk: an acronym not followed by lowercase, a capitalised or lowercase word, or a number. */
const PART = /[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/g;

/**
 * Split an identifier or any text into lowercase words, keeping order.
 * `dP_packedBed2` → ["dp", "packed", "bed", "2"]; `HTTPServer` → ["http", "server"]; `np.linalg.norm` →
 * ["np", "linalg", "norm"].
 */
export function splitWords(text: string): string[] {
  const out: string[] = [];
  for (const chunk of text.match(CHUNK) ?? []) {
    const parts = chunk.match(PART) ?? [];
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      const next = parts[i + 1];
      // Physics notation (dP, dT, dX) is one symbol, not the word "d" followed by the acronym "P".
      if (p.length === 1 && /[a-z]/.test(p) && next !== undefined && next.length === 1 && /[A-Z]/.test(next)) {
        out.push((p + next).toLowerCase());
        i++;
        continue;
      }
      out.push(p.toLowerCase());
    }
  }
  return out;
}

const VOWEL = /[aeiouy]/;
const DOUBLE_END = /([bdfgmnprt])\1$/;

/**
 * A light suffix stemmer: plural, -ing, -ed, -ly, -ation/-ization/-ator and a final -e, so that "computes",
 * "computed", "computing", "computation" and "compute" meet. Deliberately conservative: it only has to map
 * query and document words to the same key, not produce linguistic roots.
 */
export function stem(word: string): string {
  let w = word;
  if (w.length < 4 || /[0-9]/.test(w)) return w;
  if (w.endsWith('ies') && w.length > 4) w = w.slice(0, -3) + 'y';
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('s') && !/(ss|us|is|as)$/.test(w)) w = w.slice(0, -1);

  if (w.endsWith('ied') && w.length > 4) w = w.slice(0, -3) + 'y';
  else if (w.endsWith('ing') && w.length > 5 && VOWEL.test(w.slice(0, -3))) w = undouble(w.slice(0, -3));
  else if (w.endsWith('ed') && w.length > 4 && VOWEL.test(w.slice(0, -2))) w = undouble(w.slice(0, -2));
  else if (w.endsWith('ly') && w.length > 5) w = w.slice(0, -2);

  if (w.endsWith('ization')) w = w.slice(0, -5) + 'e';
  else if (w.endsWith('ational')) w = w.slice(0, -5) + 'e';
  else if (w.endsWith('ation') && w.length > 6) w = w.slice(0, -3) + 'e';
  else if (w.endsWith('ator') && w.length > 5) w = w.slice(0, -2) + 'e';

  if (w.endsWith('e') && w.length > 4) w = w.slice(0, -1);
  // -ate verbs and their -ation/-ator/-ated forms all end here in "-at"; the root before it must stay long
  // enough that "format" or "update" are not cut down to another word.
  if (w.endsWith('at') && w.length >= 7) w = w.slice(0, -2);
  return w;
}

function undouble(w: string): string {
  return DOUBLE_END.test(w) ? w.slice(0, -1) : w;
}

export interface TokenizeOptions {
  /**
   * Also emit each multi-word identifier joined into one token (`ergun_pressure_drop` → `ergunpressuredrop`), so
   * that a query quoting an exact name gets a rare, high-weight term in BM25.
   */
  compounds?: boolean;
}

/** Words of `text`, split, lowercased, stop words removed and stemmed, in order (duplicates kept). */
export function tokenize(text: string, opts: TokenizeOptions = {}): string[] {
  const out: string[] = [];
  for (const w of splitWords(text)) {
    if (STOP_WORDS.has(w)) continue;
    out.push(stem(w));
  }
  if (opts.compounds) {
    for (const ident of text.match(IDENT) ?? []) {
      const words = splitWords(ident);
      // camelCase and snake_case spellings of the same name meet in one compound.
      if (words.length > 1) out.push(words.join(''));
    }
  }
  return out;
}

/** Distinct content tokens of a query, without compounds: what coverage is measured over. */
export function queryTerms(query: string): string[] {
  return [...new Set(tokenize(query))];
}

/**
 * The tokens sent to the full-text index for a query: content words plus compounds of quoted identifiers,
 * deduplicated and capped so a pasted file does not become a thousand-term OR query.
 */
export function ftsQueryTokens(query: string, max = 64): string[] {
  return [...new Set(tokenize(query, { compounds: true }))].slice(0, max);
}

function identifiersOf(code: string): string {
  // Strings and comments in examples are mostly data; identifiers say which API is exercised.
  const noStrings = code.replace(/(["'])(?:\\.|(?!\1)[^\\\n])*\1/g, ' ').replace(/#[^\n]*/g, ' ');
  return (noStrings.match(IDENT) ?? []).join(' ');
}

function cap(tokens: string[], field: FieldName): string[] {
  const n = FIELD_CAP[field];
  return tokens.length > n ? tokens.slice(0, n) : tokens;
}

/** Per-field tokens of a block (compounds included, so exact identifiers match their field). */
export function blockFieldTokens(block: Block): FieldTokens {
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
  };
  for (const f of FIELD_NAMES) fields[f] = cap(fields[f], f);
  return fields;
}

export interface BlockSearchText {
  /** Whitespace-joined tokens with field weights applied by repetition: the FTS column. */
  text: string;
  /** Distinct tokens per field, for reporting which fields a query matched. */
  fields: FieldTokens;
}

/** The indexed text of a block, and its per-field pieces. */
export function blockSearchText(block: Block): BlockSearchText {
  const fields = blockFieldTokens(block);
  const parts: string[] = [];
  for (const f of FIELD_NAMES) {
    const joined = fields[f].join(' ');
    if (!joined) continue;
    for (let i = 0; i < FIELD_WEIGHT[f]; i++) parts.push(joined);
  }
  const distinct = {} as FieldTokens;
  for (const f of FIELD_NAMES) distinct[f] = [...new Set(fields[f])];
  return { text: parts.join(' '), fields: distinct };
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
  return lines.join('\n');
}

/** Which fields contain any of the query tokens. */
export function matchedFields(fields: Partial<FieldTokens>, queryTokens: readonly string[]): FieldName[] {
  const q = new Set(queryTokens);
  const out: FieldName[] = [];
  for (const f of FIELD_NAMES) {
    const toks = fields[f];
    if (toks && toks.some((t) => q.has(t))) out.push(f);
  }
  return out;
}

/** Share of the query's distinct content terms that occur anywhere in the block (0 when the query has none). */
export function termCoverage(terms: readonly string[], fields: Partial<FieldTokens>): number {
  if (terms.length === 0) return 0;
  const all = new Set<string>();
  for (const f of FIELD_NAMES) for (const t of fields[f] ?? []) all.add(t);
  let hit = 0;
  for (const t of terms) if (all.has(t)) hit++;
  return hit / terms.length;
}
