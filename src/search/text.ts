/**
 * Code-aware tokenisation and the text indexed for each block.
 *
 * Agents search in the words of their task while code is named in identifiers, so both sides go through the
 * same pipeline: identifiers are split into words (snake_case, camelCase, dotted paths, digits), lowercased,
 * stop words dropped and words lightly stemmed. The full-text index is built over these tokens with a plain
 * whitespace tokenizer, so LanceDB never has to parse the raw query.
 */
import type { Block } from '../domain/block.js';

/** Words to add to a query, how much they are worth, and which query word they stand in for. */
export interface Expansion {
  /**
   * Stems of one alternative. A phrase ("moving average") is one expansion whose words must all occur in a block
   * for it to count: "average" alone is not "moving average", and "loss" alone (from "minor loss") is not a valve.
   */
  words: string[];
  /** The lexicon's credit (lexicon.ts: SAME_WEIGHT or RELATED_WEIGHT). */
  weight: number;
  /** Which kind of group it came from (the strongest, when several groups lead to it). */
  relation: 'same' | 'related';
  /** The query's own stem this stands in for (a matched phrase yields one expansion per stem of it). */
  source: string;
}

/** Bump when tokenisation or the indexed text changes: the index must then be rebuilt. */
export const TEXT_VERSION = 2;

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
  purpose: 96,
};

const ENGLISH_STOP = [
  'a', 'an', 'and', 'are', 'as', 'at', 'be', 'been', 'being', 'but', 'by', 'can', 'could', 'do', 'does', 'for',
  'from', 'had', 'has', 'have', 'how', 'i', 'if', 'in', 'into', 'is', 'it', 'its', 'may', 'me', 'my', 'of', 'on',
  'or', 'our', 'should', 'so', 'some', 'such', 'than', 'that', 'the', 'their', 'them', 'then', 'there', 'these',
  'they', 'this', 'those', 'to', 'us', 'was', 'we', 'were', 'what', 'when', 'where', 'which', 'while', 'who',
  'will', 'with', 'would', 'you', 'your', 'want', 'need', 'needs', 'something', 'thing', 'things',
  'function', 'code', 'given',
  // Task filler: how an agent frames a request, not what it asks for. Left in, an unknown filler word counts
  // as an unmatched query word and drags down the confidence of a right answer.
  'much', 'many', 'get', 'gets', 'getting', 'got', 'tell', 'whether', 'let', 'lets', 'please', 'also', 'just',
  'any', 'all', 'each', 'every', 'very', 'really', 'way', 'ways', 'able', 'know', 'known', 'like', 'using', 'use',
  'used', 'uses', 'compute', 'computes', 'computing', 'calculate', 'calculates', 'calculating', 'calculation',
  'determine', 'determines', 'obtain', 'obtains', 'implement', 'implementation', 'routine', 'helper', 'utility',
  'python', 'numpy', 'library', 'package', 'module', 'am', 'im', 'ive', 'dont', 'does', 'did', 'done', 'doing',
  'make', 'makes', 'made', 'based', 'via', 'out', 'up', 'over', 'about', 'other', 'another', 'same', 'more',
  'most', 'less', 'only', 'own', 'both', 'either', 'neither', 'not', 'no', 'nor', 'too', 'here',
  // The rest of the usual English function words.
  'above', 'after', 'again', 'against', 'because', 'before', 'below', 'between', 'during', 'few', 'further',
  'he', 'her', 'hers', 'herself', 'him', 'himself', 'his', 'itself', 'myself', 'now', 'off', 'once', 'ours',
  'ourselves', 'she', 'theirs', 'themselves', 'under', 'until', 'whom', 'why', 'yours', 'yourself', 'yourselves',
  'available', 'possible', 'certain', 'various', 'several', 'particular', 'etc', 'eg', 'ie',
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
 * Latin and Greek plurals that science keeps, and "lives" (half-lives), which no suffix rule maps back to its
 * singular without breaking other words.
 */
const IRREGULAR: Readonly<Record<string, string>> = {
  maxima: 'maximum', minima: 'minimum', extrema: 'extremum', optima: 'optimum', spectra: 'spectrum',
  matrices: 'matrix', vertices: 'vertex', indices: 'index', radii: 'radius', nuclei: 'nucleus', foci: 'focus',
  loci: 'locus', analyses: 'analysis', hypotheses: 'hypothesis', syntheses: 'synthesis', criteria: 'criterion',
  phenomena: 'phenomenon', formulae: 'formula', media: 'medium', axes: 'axis', lives: 'life', halves: 'half',
  appendices: 'appendix', apices: 'apex', moduli: 'modulus', stimuli: 'stimulus', quanta: 'quantum',
  lemmata: 'lemma', schemata: 'schema', bacteria: 'bacterium', genera: 'genus', corpora: 'corpus',
};

/**
 * British spellings to American, so "fluidisation", "centred", "vapour" and "modelling" meet "fluidization",
 * "centered", "vapor" and "modeling". Applied to both sides, a rule that also rewrites an unrelated word (say
 * "promise" to "promize") costs nothing unless the result collides with another word, which none here does.
 */
function americanize(w: string): string {
  let m = /^(.{3,})is(e|es|ed|ing|er|ers|ation|ations|able)$/.exec(w);
  if (m) return `${m[1]}iz${m[2]}`;
  m = /^(.{2,})ys(e|es|ed|ing|er|ers)$/.exec(w);
  if (m) return `${m[1]}yz${m[2]}`;
  m = /^(.{2,})our(s|ed|ing|able|ably|ful|less|ite|ites|ism)?$/.exec(w);
  if (m) return `${m[1]}or${m[2] ?? ''}`;
  m = /^(.{2,})([tb])re(s|d)?$/.exec(w);
  if (m) return `${m[1]}${m[2]}er${m[3] === 'd' ? 'ed' : (m[3] ?? '')}`;
  return w;
}

/**
 * A light suffix stemmer: plural, -ing, -ed, -ly, -ation/-ization/-ator and a final -e, so that "computes",
 * "computed", "computing", "computation" and "compute" meet; British spellings and Latin plurals are mapped
 * first. Deliberately conservative: it only has to map query and document words to the same key, not produce
 * linguistic roots.
 */
export function stem(word: string): string {
  let w = IRREGULAR[word] ?? word;
  if (w.length < 4 || /[0-9]/.test(w)) return w;
  w = americanize(w);
  if (w.endsWith('ies') && w.length > 4) w = w.slice(0, -3) + 'y';
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('s') && !/(ss|us|is|as)$/.test(w)) w = w.slice(0, -1);
  // "relationship" and "ownership" are about what "related" and "owned" are about.
  if (w.endsWith('ship') && w.length >= 9) w = w.slice(0, -4);

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
  // British "modelled"/"labelling" keep the double l that American spelling drops; short words ("fill",
  // "small") keep theirs.
  if (w.endsWith('ll') && w.length >= 6) w = w.slice(0, -1);
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

/**
 * Distinct content tokens of a query, without compounds: what coverage and ranking are measured over. Bare
 * numbers are left out: in a task ("50 m of pipe", "from 20 to 80 degrees") they are data, not what is asked for.
 */
export function queryTerms(query: string): string[] {
  return [...new Set(tokenize(query).filter((t) => !/^[0-9]+$/.test(t)))];
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

// ---------------------------------------------------------------- ranking: BM25F over query concepts

/** Corpus statistics BM25F needs: document frequencies and average field lengths. */
export interface CorpusStats {
  docs: number;
  df: ReadonlyMap<string, number>;
  avgLength: Readonly<Record<FieldName, number>>;
}

/** Robertson-Sparck Jones idf as in BM25, never negative; a word the corpus has never seen gets the most. */
export function idf(df: number, docs: number): number {
  return Math.log(1 + (docs - df + 0.5) / (df + 0.5));
}

export interface Bm25fParams {
  /** Per-field multiplier of term frequency: a word in the name says more than one in an example. */
  weight: Readonly<Record<FieldName, number>>;
  /** Per-field length normalisation (0: none, 1: full). */
  b: Readonly<Record<FieldName, number>>;
  /** Saturation: how fast repeated evidence for one word stops adding up. */
  k1: number;
}

/**
 * One way a query concept can be matched: the word itself (weight 1), or a synonym or related word or phrase from
 * the lexicon. A phrase counts only where all its words are.
 */
export interface ConceptForm {
  words: string[];
  weight: number;
}

/** A distinct content word of the query and the forms that count as meeting it. */
export interface QueryConcept {
  term: string;
  /** Its importance: the idf of the word, or of its rarest known form when the corpus has never seen it. */
  idf: number;
  /** forms[0] is the word itself. */
  forms: ConceptForm[];
}

export interface FieldScore {
  /**
   * Saturated BM25F evidence per concept, idf-weighted and divided by the total idf of the query: in [0, 1),
   * comparable across queries of any length.
   */
  score: number;
  /**
   * Share of the query (idf-weighted) the block meets at all, a related word counting its weight: what the
   * confidence of a hit is judged on.
   */
  coverage: number;
}

/** How fully a query word found in a field counts as covered (see scoreFields). */
const COVER_STRENGTH: Readonly<Record<FieldName, number>> = {
  name: 1,
  qualifiedName: 1,
  signature: 1,
  summary: 1,
  docstring: 1,
  parameters: 1,
  tags: 0.7,
  context: 0.7,
  examples: 0.5,
  purpose: 0.3,
};

/** Per-field term counts of the needed terms only. */
function termCounts(bag: Partial<FieldTokens>, needed: ReadonlySet<string>): { tf: Map<string, Partial<Record<FieldName, number>>>; len: Partial<Record<FieldName, number>> } {
  const tf = new Map<string, Partial<Record<FieldName, number>>>();
  const len: Partial<Record<FieldName, number>> = {};
  for (const f of FIELD_NAMES) {
    const toks = bag[f];
    if (!toks) continue;
    len[f] = toks.length;
    for (const t of toks) {
      if (!needed.has(t)) continue;
      let row = tf.get(t);
      if (!row) tf.set(t, (row = {}));
      row[f] = (row[f] ?? 0) + 1;
    }
  }
  return { tf, len };
}

/**
 * Score a block's fields against the query concepts. Each concept counts once, through its best form, so a
 * query word and its synonyms cannot add up to more than the word itself, and a related word stands in for a
 * missing one at its (lower) weight. A form rarer in the corpus than the concept is not worth more than it.
 */
export function scoreFields(bag: Partial<FieldTokens>, concepts: readonly QueryConcept[], stats: CorpusStats, p: Bm25fParams): FieldScore {
  let total = 0;
  for (const c of concepts) total += c.idf;
  if (total === 0) return { score: 0, coverage: 0 };
  const needed = new Set<string>();
  for (const c of concepts) for (const f of c.forms) for (const w of f.words) needed.add(w);
  const { tf, len } = termCounts(bag, needed);
  // How well a term found only in this field speaks for the block: a word of the library's description or of an
  // example's code says less about what the block itself does than a word of its name or docstring.
  const strength = (term: string): number => {
    const row = tf.get(term);
    if (!row) return 0;
    let best = 0;
    for (const f of FIELD_NAMES) if (row[f] && p.weight[f] > 0) best = Math.max(best, COVER_STRENGTH[f]);
    return best;
  };
  const sat = (term: string): number => {
    const row = tf.get(term);
    if (!row) return 0;
    let x = 0;
    for (const f of FIELD_NAMES) {
      const n = row[f];
      if (!n) continue;
      const avg = stats.avgLength[f] || 1;
      x += (p.weight[f] * n) / (1 - p.b[f] + (p.b[f] * (len[f] ?? 0)) / avg);
    }
    return x / (p.k1 + x);
  };
  let score = 0;
  let coverage = 0;
  for (const c of concepts) {
    let best = 0;
    let bestCover = 0;
    for (const form of c.forms) {
      // A phrase is as weak as its weakest word, and as telling as its rarest.
      let s = Infinity;
      let cover = Infinity;
      let formIdf = 0;
      for (const w of form.words) {
        s = Math.min(s, sat(w));
        cover = Math.min(cover, strength(w));
        formIdf = Math.max(formIdf, idf(stats.df.get(w) ?? 0, stats.docs));
      }
      if (!(s > 0)) continue;
      const rel = form.weight * Math.min(1, formIdf / c.idf);
      best = Math.max(best, rel * s);
      bestCover = Math.max(bestCover, rel * cover);
    }
    score += c.idf * best;
    coverage += c.idf * bestCover;
  }
  return { score: score / total, coverage: coverage / total };
}


/** Weight from which a form counts as another name for the word (a synonym), not a related idea. */
const SYNONYM_WEIGHT = 0.75;

/**
 * The query's distinct words with their idf and the forms that meet them: the word itself, and the lexicon's
 * related words for it at their weight times `expansionScale` of their relation. A word the corpus has never seen but whose synonyms
 * it has is weighed like the rarest of those: at its own idf (the maximum) a synonym could never make up for it,
 * and a right answer phrased in other words would look like a poor match.
 */
export function queryConcepts(
  terms: readonly string[],
  expansions: readonly Expansion[],
  stats: CorpusStats,
  expansionScale: Readonly<Record<Expansion['relation'], number>> = { same: 1, related: 1 },
): QueryConcept[] {
  const { docs, df } = stats;
  return terms.map((term) => {
    const forms: ConceptForm[] = [{ words: [term], weight: 1 }];
    for (const e of expansions) {
      const weight = Math.min(1, e.weight * expansionScale[e.relation]);
      if (e.source === term && weight > 0) forms.push({ words: e.words, weight });
    }
    let w = idf(df.get(term) ?? 0, docs);
    if (!df.get(term)) {
      // Only a synonym makes an unseen word known under another name; a merely related word does not.
      const known = forms.slice(1).filter((f) => f.weight >= SYNONYM_WEIGHT && f.words.every((x) => df.get(x)));
      if (known.length) w = Math.max(...known.flatMap((f) => f.words.map((x) => idf(df.get(x)!, docs))));
    }
    return { term, idf: w, forms };
  });
}
