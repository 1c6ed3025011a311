/**
 * The offline fallback embedder: feature hashing of code-aware tokens, token bigrams and character trigrams.
 *
 * It has no notion of meaning, but it makes the vector half of hybrid search still useful without a model:
 * trigrams catch spelling variants and partial identifiers ("interp" ~ "interpolate") that exact-token BM25
 * misses, and it is deterministic, so indexes built on different machines agree.
 */
import type { Embedder } from './types.js';
import { splitWords, stem, STOP_WORDS } from './tokens.js';

export const HASHING_DIM = 384;
export const HASHING_ID = `hashing-v1-${HASHING_DIM}`;

const W_TOKEN = 1.0;
const W_BIGRAM = 0.6;
const W_TRIGRAM = 0.35;

/** FNV-1a, 32-bit: fast, well spread for short strings, and the same everywhere. */
function fnv1a(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export class HashingEmbedder implements Embedder {
  readonly id: string;
  readonly dim: number;
  readonly neural = false;

  constructor(dim = HASHING_DIM) {
    this.dim = dim;
    this.id = dim === HASHING_DIM ? HASHING_ID : `hashing-v1-${dim}`;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    return texts.map((t) => this.embedOne(t));
  }

  embedOne(text: string): Float32Array {
    const counts = new Map<string, { w: number; n: number }>();
    const add = (feature: string, w: number) => {
      const c = counts.get(feature);
      if (c) c.n++;
      else counts.set(feature, { w, n: 1 });
    };

    const words = splitWords(text);
    let prev: string | null = null;
    for (const raw of words) {
      if (STOP_WORDS.has(raw)) {
        // A stop word breaks the phrase: "rate of change" should not yield the bigram rate_change.
        prev = null;
        continue;
      }
      const tok = stem(raw);
      add(`t:${tok}`, W_TOKEN);
      if (prev !== null) add(`b:${prev} ${tok}`, W_BIGRAM);
      prev = tok;
      // Trigrams of the unstemmed word, with boundary marks so prefixes and suffixes are distinct features.
      const padded = `^${raw}$`;
      for (let i = 0; i + 3 <= padded.length; i++) add(`c:${padded.slice(i, i + 3)}`, W_TRIGRAM);
    }

    const v = new Float32Array(this.dim);
    for (const [feature, { w, n }] of counts) {
      const h = fnv1a(feature);
      const idx = h % this.dim;
      // The sign from an independent hash makes collisions cancel on average instead of piling up.
      const sign = fnv1a(feature, 0x9747b28c) & 1 ? 1 : -1;
      // Sublinear term frequency: a word repeated ten times is not ten times as telling.
      v[idx]! += sign * w * (1 + Math.log(n));
    }
    let norm = 0;
    for (let i = 0; i < v.length; i++) norm += v[i]! * v[i]!;
    if (norm === 0) {
      // Cosine search rejects zero vectors; an empty text gets a fixed direction that matches nothing in particular.
      v[fnv1a('<empty>') % this.dim] = 1;
      return v;
    }
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < v.length; i++) v[i]! *= inv;
    return v;
  }
}
