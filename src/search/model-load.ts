/**
 * What loading a transformers.js model takes, for the embedder and the reranker alike: the library imported
 * lazily and pointed at the local folder and cache, a deadline on the load, and a one-line reason for a failure.
 * The server must start offline and never hang on a download, so a load that fails or overruns ends in a
 * fallback with one warning (the callers decide which).
 */

export interface TransformersSetup {
  /** Where transformers.js may cache downloads (never its default inside node_modules). */
  cacheDir: string;
  /** Folder holding models as <org>/<name>/...; null to use only the hub (and the cache). */
  localModelPath: string | null;
  allowRemote: boolean;
}

export type Transformers = typeof import('@huggingface/transformers');

/**
 * The library, configured. Imported lazily: it pulls in onnxruntime, which a server running on the fallbacks never
 * needs. Its settings are process-wide, so each load sets all of them before it starts.
 */
export async function transformers(setup: TransformersSetup): Promise<Transformers> {
  const tf = await import('@huggingface/transformers');
  const env = tf.env;
  env.cacheDir = setup.cacheDir;
  env.allowLocalModels = true;
  if (setup.localModelPath) env.localModelPath = setup.localModelPath.endsWith('/') ? setup.localModelPath : `${setup.localModelPath}/`;
  env.allowRemoteModels = setup.allowRemote;
  // stdout belongs to the MCP protocol; the library's warnings are not worth a line on stderr either.
  env.logLevel = tf.LogLevel.ERROR;
  return tf;
}

export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(new Error(`loading took longer than ${Math.round(ms / 1000)} s`));
    }, ms);
  });
  // A load that finishes after the deadline must not surface as an unhandled rejection or keep a session alive.
  p.then(
    (v) => {
      if (timedOut) void (v as { dispose?: () => Promise<void> }).dispose?.().catch(() => {});
    },
    () => {},
  );
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** The first line of an error, with the network causes offline machines produce spelled out. */
export function loadFailure(e: unknown): string {
  const err = e as { message?: string; cause?: { code?: string; message?: string } };
  let msg = (err?.message ?? String(e)).split('\n')[0]!.trim();
  const code = err?.cause?.code;
  if (code && !msg.includes(code)) msg += ` (${code})`;
  if (/fetch failed|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT/.test(msg)) msg += ': the model hub is unreachable';
  return msg.length > 300 ? `${msg.slice(0, 297)}...` : msg;
}
