/**
 * Code-aware tokenisation: one pipeline for queries and for the indexed text of blocks.
 *
 * Agents search in the words of their task while code is named in identifiers, so both sides go through the
 * same steps: identifiers are split into words (snake_case, camelCase, dotted paths, digits), lowercased, stop
 * words dropped and words lightly stemmed. The full-text index is built over these tokens with a plain
 * whitespace tokenizer, so LanceDB never has to parse the raw query. Changing anything here changes the indexed
 * text: bump TEXT_VERSION in fields.ts.
 */

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
    const known = chunkWords.get(chunk);
    if (known) {
      for (const w of known) out.push(w);
      continue;
    }
    const start = out.length;
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
    remember(chunkWords, chunk, out.slice(start));
  }
  return out;
}

/**
 * Splitting and stemming are pure and a corpus repeats its words: indexing a million blocks called them for every
 * word of every field (40% of a first index build). What they gave is kept, up to a bound, and forgotten whole.
 */
const MEMO_MAX = 200_000;
const chunkWords = new Map<string, readonly string[]>();
const stems = new Map<string, string>();
function remember<V>(memo: Map<string, V>, key: string, value: V): V {
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(key, value);
  return value;
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
  return stems.get(word) ?? remember(stems, word, stemNow(word));
}

function stemNow(word: string): string {
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
  // "speed", "bleed", "need": the -ed of -eed is the word's own.
  else if (w.endsWith('ed') && !w.endsWith('eed') && w.length > 4 && VOWEL.test(w.slice(0, -2))) w = undouble(w.slice(0, -2));
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
  if (opts.compounds) for (const c of compounds(text)) out.push(c);
  return out;
}

/** Each multi-word identifier of `text` joined into one token, in order (see TokenizeOptions.compounds). */
export function compounds(text: string): string[] {
  const out: string[] = [];
  for (const ident of identifiers(text)) {
    const words = splitWords(ident);
    // camelCase and snake_case spellings of the same name meet in one compound.
    if (words.length > 1) out.push(words.join(''));
  }
  return out;
}

/** The identifiers of `text` (runs of letters, digits and underscores not starting with a digit), in order. */
export function identifiers(text: string): string[] {
  return text.match(IDENT) ?? [];
}
