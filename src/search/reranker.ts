/**
 * The optional cross-encoder: a transformers.js sequence-classification model (ms-marco MiniLM, bge-reranker)
 * that reads (query, block text) pairs and says how relevant each block is. Off unless configured; a model
 * that cannot be loaded leaves search without one, with one warning.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../kernel/log.js';
import { loadFailure, transformers, withTimeout } from './model-load.js';
import type { Reranker } from './types.js';

export interface CreateRerankerOptions {
  /** A model id, looked up as the embedding model is (local folder, cache, hub), or a local model folder. */
  model: string;
  /** Local folder holding models as <org>/<name>/ (CODEDISTILL_MODEL_DIR). */
  modelDir: string | null;
  cacheDir: string;
  allowRemote: boolean;
  logger: Logger;
  /** Upper bound on loading the model, download included. Default 60 s. */
  loadTimeoutMs?: number;
  /** Word pieces read of each pair; the rest of a long block is cut. Default 256. */
  maxLength?: number;
}

const DEFAULT_LOAD_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_LENGTH = 256;

interface Logits {
  data: ArrayLike<number>;
  dims: number[];
}
type Tokenize = (texts: string[], opts: { text_pair: string[]; padding: boolean; truncation: boolean; max_length: number }) => unknown;
type Classify = ((inputs: unknown) => Promise<{ logits: Logits }>) & { dispose?: () => Promise<unknown> };

export async function createReranker(opts: CreateRerankerOptions): Promise<Reranker | null> {
  try {
    const loaded = await withTimeout(load(opts), opts.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS);
    const reranker = new CrossEncoder(opts.model, loaded.tokenize, loaded.classify, opts.maxLength ?? DEFAULT_MAX_LENGTH);
    // A model whose head is not a relevance score (a token classifier, say) fails here rather than on a search.
    await reranker.score('probe', ['probe']);
    opts.logger.info(`reranker ${opts.model} loaded`);
    return reranker;
  } catch (e) {
    opts.logger.warn(
      `reranker ${opts.model} could not be loaded (${loadFailure(e)}); searching without it. ` +
        'Set CODEDISTILL_RERANKER to a local folder holding a sequence-classification model ' +
        '(config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx), or unset it.',
    );
    return null;
  }
}

/** A value naming a folder that exists is a local model; anything else is a model id. */
function localFolder(model: string): string | null {
  const looksLikePath = path.isAbsolute(model) || model.startsWith('.') || model.startsWith('~');
  const abs = path.resolve(model);
  if (existsSync(path.join(abs, 'config.json'))) return abs;
  if (looksLikePath) throw new Error(`${abs} holds no config.json`);
  return null;
}

async function load(opts: CreateRerankerOptions): Promise<{ tokenize: Tokenize; classify: Classify }> {
  const folder = localFolder(opts.model);
  // transformers.js finds local models as <localModelPath>/<id>: a folder is its parent and its own name.
  const id = folder ? path.basename(folder) : opts.model;
  const allowRemote = folder ? false : opts.allowRemote;
  const tf = await transformers({ cacheDir: opts.cacheDir, localModelPath: folder ? path.dirname(folder) : opts.modelDir, allowRemote });
  const tokenizer = await tf.AutoTokenizer.from_pretrained(id, { local_files_only: !allowRemote });
  const model = await tf.AutoModelForSequenceClassification.from_pretrained(id, { dtype: 'fp32', device: 'cpu', local_files_only: !allowRemote });
  return { tokenize: tokenizer as unknown as Tokenize, classify: model as unknown as Classify };
}

class CrossEncoder implements Reranker {
  /** One forward pass at a time, as for the embedder: onnxruntime already uses every core. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly id: string,
    private readonly tokenize: Tokenize,
    private readonly classify: Classify,
    private readonly maxLength: number,
  ) {}

  score(query: string, texts: string[]): Promise<number[]> {
    if (texts.length === 0) return Promise.resolve([]);
    const job = this.queue.then(async () => {
      const inputs = this.tokenize(
        texts.map(() => query),
        { text_pair: texts, padding: true, truncation: true, max_length: this.maxLength },
      );
      const { logits } = await this.classify(inputs);
      return relevance(logits, texts.length);
    });
    this.queue = job.catch(() => {});
    return job;
  }
}

/**
 * Each pair's logits as a relevance in [0, 1]: the sigmoid of a single logit (ms-marco cross-encoders,
 * bge-reranker), or the softmax share of the last class of several (relevant is the last label by convention).
 */
export function relevance(logits: Logits, n: number): number[] {
  const width = logits.dims[logits.dims.length - 1] ?? 1;
  if (logits.dims.length !== 2 || logits.dims[0] !== n || width < 1) {
    throw new Error(`the model returned logits of shape [${logits.dims.join(', ')}], not [${n}, classes]`);
  }
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    if (width === 1) {
      out.push(1 / (1 + Math.exp(-Number(logits.data[i]))));
      continue;
    }
    const row = Array.from({ length: width }, (_, j) => Number(logits.data[i * width + j]));
    const max = Math.max(...row);
    const exps = row.map((x) => Math.exp(x - max));
    out.push(exps[width - 1]! / exps.reduce((a, b) => a + b, 0));
  }
  return out;
}
