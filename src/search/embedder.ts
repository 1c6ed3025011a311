/**
 * Sentence embeddings for blocks and queries: a transformers.js model when one can be loaded (with the prefixes
 * and pooling search/models.ts gives for it), else the hashing fallback. Every failure to load ends in the
 * fallback with one warning line that says what to do for neural search.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../kernel/log.js';
import { HashingEmbedder } from './hashing.js';
import { loadFailure, transformers, withTimeout } from './model-load.js';
import { modelProfile, type ModelProfile, type Pooling } from './models.js';
import type { CosineThresholds } from './ranking/fusion.js';
import type { EmbedRole, Embedder } from './types.js';

export interface CreateEmbedderOptions {
  /** Model id, e.g. Xenova/all-MiniLM-L6-v2; "none" selects the hashing fallback. */
  model: string;
  /** Local folder holding <org>/<name>/{config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx}. */
  modelDir: string | null;
  /** Where transformers.js may cache downloads (never its default inside node_modules). */
  cacheDir: string;
  allowRemote: boolean;
  logger: Logger;
  /** Upper bound on loading the model, download included; past it the fallback is used. Default 60 s. */
  loadTimeoutMs?: number;
  /** Texts per forward pass. Default 32. */
  batchSize?: number;
  /** Vectors remembered by content hash. Default 4096 (about 6 MB at 384 dims). */
  cacheSize?: number;
  /** Prefixes, pooling and cosine thresholds; default: the model's entry in search/models.ts. */
  profile?: ModelProfile;
}

const DEFAULT_LOAD_TIMEOUT_MS = 60_000;
const DEFAULT_BATCH = 32;
const DEFAULT_CACHE = 4096;
/** A small encoder reads at most a few hundred word pieces; tokenising megabytes first would only cost time. */
const MAX_CHARS = 4000;

type Extractor = ((texts: string[], opts: { pooling: Pooling; normalize: boolean }) => Promise<{ data: ArrayLike<number>; dims: number[] }>) & {
  dispose?: () => Promise<void>;
};

export async function createEmbedder(opts: CreateEmbedderOptions): Promise<Embedder> {
  const fallback = new HashingEmbedder();
  const fallbackWhat =
    `${fallback.id}: lexical vectors over code-aware tokens and character trigrams`;
  if (opts.model === 'none') {
    // Asked for by the user (CODEDISTILL_MODEL=none): said at debug level only, as the README promises.
    opts.logger.debug(`neural embeddings are off (model "none"); search uses ${fallbackWhat}.`);
    return fallback;
  }
  const profile = opts.profile ?? modelProfile(opts.model);
  try {
    const extractor = await withTimeout(loadExtractor(opts), opts.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS);
    const probe = await extractor(['probe'], { pooling: profile.pooling, normalize: true });
    const dim = probe.dims[probe.dims.length - 1];
    if (probe.dims.length !== 2 || !dim || dim < 2) {
      throw new Error(`it returned a tensor of shape [${probe.dims.join(', ')}], not [batch, dim]`);
    }
    opts.logger.info(`embedding model ${opts.model} loaded (${dim} dims, ${profile.pooling} pooling)`);
    return new NeuralEmbedder(opts.model, dim, extractor, profile, opts.batchSize ?? DEFAULT_BATCH, opts.cacheSize ?? DEFAULT_CACHE);
  } catch (e) {
    const where = opts.modelDir
      ? `put a copy of ${opts.model} in ${opts.modelDir}/${opts.model}/ (config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx)`
      : `set CODEDISTILL_MODEL_DIR to a folder holding a local copy of ${opts.model} as <org>/<name>/`;
    opts.logger.warn(
      `embedding model ${opts.model} could not be loaded (${loadFailure(e)}); falling back to ${fallbackWhat}. ` +
        `For neural search, ${where}.`,
    );
    return fallback;
  }
}

async function loadExtractor(opts: CreateEmbedderOptions): Promise<Extractor> {
  const tf = await transformers({ cacheDir: opts.cacheDir, localModelPath: opts.modelDir, allowRemote: opts.allowRemote });
  const pipe = await tf.pipeline('feature-extraction', opts.model, {
    dtype: 'fp32',
    device: 'cpu',
    local_files_only: !opts.allowRemote,
  });
  return pipe as unknown as Extractor;
}

class NeuralEmbedder implements Embedder {
  readonly neural = true;
  readonly cosineThresholds: CosineThresholds;
  private readonly cache: LRUCache<string, Float32Array>;
  /** One forward pass at a time: onnxruntime already uses every core, and interleaving only adds memory. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly id: string,
    readonly dim: number,
    private readonly extractor: Extractor,
    private readonly profile: ModelProfile,
    private readonly batchSize: number,
    cacheSize: number,
  ) {
    this.cosineThresholds = profile.cosineThresholds;
    this.cache = new LRUCache({ max: Math.max(1, cacheSize) });
  }

  async embed(raw: string[], role: EmbedRole = 'document'): Promise<Float32Array[]> {
    // The prefix is part of the text: a query and a block with the same words get different vectors, and the
    // cache keeps them apart.
    const prefix = role === 'query' ? this.profile.queryPrefix : this.profile.documentPrefix;
    const texts = prefix ? raw.map((t) => prefix + t) : raw;
    const out: (Float32Array | undefined)[] = new Array(texts.length);
    const keys = texts.map((t) => contentKey(t));
    const todo: number[] = [];
    for (let i = 0; i < texts.length; i++) {
      const hit = this.cache.get(keys[i]!);
      if (hit) out[i] = hit;
      else todo.push(i);
    }
    // Identical texts (overloads, re-exports) are embedded once.
    const unique = new Map<string, number[]>();
    for (const i of todo) {
      const k = keys[i]!;
      const list = unique.get(k);
      if (list) list.push(i);
      else unique.set(k, [i]);
    }
    const pending = [...unique.values()];
    for (let s = 0; s < pending.length; s += this.batchSize) {
      const group = pending.slice(s, s + this.batchSize);
      const batch = group.map((idxs) => texts[idxs[0]!]!.slice(0, MAX_CHARS));
      const vectors = await this.run(batch);
      group.forEach((idxs, j) => {
        const v = vectors[j]!;
        this.cache.set(keys[idxs[0]!]!, v);
        for (const i of idxs) out[i] = v;
      });
    }
    return out as Float32Array[];
  }

  private run(batch: string[]): Promise<Float32Array[]> {
    const job = this.queue.then(async () => {
      const t = await this.extractor(batch, { pooling: this.profile.pooling, normalize: true });
      const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
      const res: Float32Array[] = [];
      // Copy out of the shared tensor buffer so cached vectors do not pin it.
      for (let i = 0; i < batch.length; i++) res.push(data.slice(i * this.dim, (i + 1) * this.dim));
      return res;
    });
    this.queue = job.catch(() => {});
    return job;
  }
}

function contentKey(text: string): string {
  return createHash('sha1').update(text).digest('base64');
}
