/**
 * A client for OpenAI-compatible chat completion endpoints (OpenAI, vLLM, llama.cpp's server, Ollama's /v1,
 * LiteLLM, ...). It is optional: nothing in codedistill needs it, so every failure is a typed error whose
 * hint says which CODEDISTILL_LLM_* setting to look at, and callers decide whether to carry on without it.
 *
 * The API key goes into the Authorization header and nowhere else: it is never logged, and any echo of it in
 * a provider's error text is masked before that text reaches a log line or an error message.
 */
import { cancelled, CodedistillError, type ErrorCode, errorMessage } from '../kernel/errors.js';
import type { Logger } from '../kernel/log.js';
import { createLimiter } from '../kernel/pool.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Tokens of one answered request, as the provider's `usage` reports them. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export interface CompleteOptions {
  maxTokens?: number;
  temperature?: number;
  signal?: AbortSignal;
  /** Called once per answered request with its `usage`, or null when the provider sent none. */
  onUsage?: (usage: Usage | null) => void;
}

export interface LlmClient {
  readonly model: string;
  /** The text of the first choice. Throws LlmError (a CodedistillError) or CodedistillError('cancelled'). */
  complete(messages: ChatMessage[], opts?: CompleteOptions): Promise<string>;
}

export interface LlmConfig {
  /** API root, e.g. http://127.0.0.1:8080/v1; requests go to {baseUrl}/chat/completions. */
  baseUrl: string;
  apiKey: string | null;
  model: string;
}

export interface LlmClientOptions {
  logger: Logger;
  /** Per attempt, including reading the answer. Default 120 s: local models on a CPU are slow. */
  timeoutMs?: number;
  /** Retries after the first attempt for 429, 5xx, timeouts and dropped connections. Default 3. */
  maxRetries?: number;
  fetchImpl?: typeof fetch;
  /** Requests in flight at once; the rest wait their turn. Default 2. */
  concurrency?: number;
  /** First backoff delay when the server gives no Retry-After; doubles each retry. Default 1000 ms. */
  retryBaseDelayMs?: number;
  /** Longest wait before a retry. A Retry-After beyond it ends the retries at once. Default 30 s. */
  maxRetryDelayMs?: number;
}

/** What went wrong, coarsely: callers stop asking after a fatal one since every later call would fail too. */
export type LlmFailure = 'invalid_config' | 'unreachable' | 'auth' | 'model' | 'rate_limited' | 'timeout' | 'server' | 'rejected' | 'malformed';

export class LlmError extends CodedistillError {
  readonly failure: LlmFailure;
  /** HTTP status, when the server answered. */
  readonly status: number | null;
  /** True when the configuration is wrong (address, key, model): retrying or asking again cannot help. */
  readonly fatal: boolean;
  /** Worth another attempt after a pause (used by the retry loop). */
  readonly retryable: boolean;
  /** Milliseconds the server asked us to wait (Retry-After), when it said. */
  readonly retryAfterMs: number | null;
  constructor(
    code: ErrorCode,
    init: { failure: LlmFailure; status?: number | null; fatal?: boolean; retryable?: boolean; retryAfterMs?: number | null },
    message: string,
    hint: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, hint, options);
    this.name = 'LlmError';
    this.failure = init.failure;
    this.status = init.status ?? null;
    this.fatal = init.fatal ?? false;
    this.retryable = init.retryable ?? false;
    this.retryAfterMs = init.retryAfterMs ?? null;
  }
}

export function isLlmError(e: unknown): e is LlmError {
  return e instanceof LlmError;
}

const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_MAX_RETRIES = 3;
const DEFAULT_CONCURRENCY = 2;
const DEFAULT_RETRY_BASE_MS = 1_000;
const DEFAULT_MAX_RETRY_DELAY_MS = 30_000;
const MAX_PROVIDER_TEXT = 300;


function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled());
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Retry-After as milliseconds: OpenAI's retry-after-ms, else seconds or an HTTP date. */
export function parseRetryAfter(headers: Headers, now = Date.now()): number | null {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return Math.round(Number(ms));
  const v = headers.get('retry-after');
  if (v === null || v.trim() === '') return null;
  if (/^\s*\d+(\.\d+)?\s*$/.test(v)) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : Math.max(0, t - now);
}

/** Error codes of the connection failure behind fetch's generic "fetch failed" TypeError. */
function causeCodes(e: unknown): string[] {
  const out: string[] = [];
  const seen = new Set<unknown>();
  const visit = (x: unknown, depth: number) => {
    if (!x || typeof x !== 'object' || seen.has(x) || depth > 5) return;
    seen.add(x);
    const code = (x as { code?: unknown }).code;
    if (typeof code === 'string') out.push(code);
    visit((x as { cause?: unknown }).cause, depth + 1);
    const errors = (x as { errors?: unknown }).errors;
    if (Array.isArray(errors)) for (const inner of errors) visit(inner, depth + 1);
  };
  visit(e, 0);
  return out;
}

export function createLlmClient(cfg: LlmConfig, opts: LlmClientOptions): LlmClient {
  const { logger } = opts;
  const fetchImpl = opts.fetchImpl ?? fetch;
  const timeoutMs = Math.max(1, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const maxRetries = Math.max(0, Math.floor(opts.maxRetries ?? DEFAULT_MAX_RETRIES));
  const retryBaseMs = Math.max(0, opts.retryBaseDelayMs ?? DEFAULT_RETRY_BASE_MS);
  const maxRetryDelayMs = Math.max(0, opts.maxRetryDelayMs ?? DEFAULT_MAX_RETRY_DELAY_MS);
  const limit = createLimiter(Math.max(1, Math.floor(opts.concurrency ?? DEFAULT_CONCURRENCY)));
  const apiKey = cfg.apiKey && cfg.apiKey.length > 0 ? cfg.apiKey : null;

  /** Mask the key wherever a provider (or a URL) might have echoed it. */
  const redact = (text: string): string => (apiKey ? text.split(apiKey).join('***') : text);

  // A bad address is reported by complete() rather than here, so a misconfigured optional feature turns
  // into warnings on the job instead of failing it outright.
  let endpoint: URL | null = null;
  let display = redact(cfg.baseUrl);
  let configError: LlmError | null = null;
  try {
    const base = new URL(cfg.baseUrl);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error(`unsupported protocol ${base.protocol}`);
    // Keep any query (Azure-style ?api-version=...) on the endpoint; only the path grows.
    endpoint = new URL(base.href);
    endpoint.pathname = base.pathname.replace(/\/+$/, '') + '/chat/completions';
    // Credentials in the URL or a key in the query string must not reach the logs.
    display = `${base.protocol}//${base.host}${base.pathname.replace(/\/+$/, '')}`;
  } catch (e) {
    configError = new LlmError(
      'network',
      { failure: 'invalid_config', fatal: true },
      `CODEDISTILL_LLM_BASE_URL is not a usable http(s) address (${redact((e as Error).message)}).`,
      'Set CODEDISTILL_LLM_BASE_URL to the API root of an OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1, or unset it to run without a language model.',
    );
  }

  const unreachableHint =
    'Start the model server, or set CODEDISTILL_LLM_BASE_URL to its API root (e.g. http://127.0.0.1:8080/v1); unset it to run without a language model.';

  function providerText(body: string): { text: string; code: string | null } {
    let text = '';
    let code: string | null = null;
    try {
      const data = JSON.parse(body) as unknown;
      if (data && typeof data === 'object') {
        const err = (data as { error?: unknown }).error;
        if (typeof err === 'string') text = err;
        else if (err && typeof err === 'object') {
          const m = (err as { message?: unknown }).message;
          if (typeof m === 'string') text = m;
          const c = (err as { code?: unknown; type?: unknown }).code ?? (err as { type?: unknown }).type;
          if (typeof c === 'string') code = c;
        }
        if (!text) {
          const m = (data as { message?: unknown; detail?: unknown }).message ?? (data as { detail?: unknown }).detail;
          if (typeof m === 'string') text = m;
        }
      }
    } catch {
      text = body.replace(/<[^>]+>/g, ' ');
    }
    text = redact(text.replace(/\s+/g, ' ').trim());
    if (text.length > MAX_PROVIDER_TEXT) text = text.slice(0, MAX_PROVIDER_TEXT - 1) + '…';
    return { text, code };
  }

  function httpError(status: number, headers: Headers, body: string): LlmError {
    const { text, code } = providerText(body);
    const said = text ? `: ${text}` : '';
    const where = `The language model server at ${display}`;
    if (status === 401 || status === 403) {
      return new LlmError(
        'network',
        { failure: 'auth', status, fatal: true },
        `${where} refused the request (HTTP ${status}${said}).`,
        apiKey
          ? 'Check CODEDISTILL_LLM_API_KEY: the server did not accept the key (or the key may not use this model).'
          : 'Set CODEDISTILL_LLM_API_KEY: the server wants an API key.',
      );
    }
    const aboutModel = code === 'model_not_found' || /\bmodel\b.*\b(not found|does not exist|not exist|unknown|not available|invalid)\b/i.test(text);
    if (status === 404 || (status === 400 && aboutModel)) {
      return new LlmError(
        'network',
        { failure: 'model', status, fatal: true },
        `${where} answered HTTP ${status} for model "${cfg.model}"${said}.`,
        aboutModel
          ? `Check CODEDISTILL_LLM_MODEL ("${cfg.model}"): set it to a model this server provides.`
          : `Check CODEDISTILL_LLM_MODEL ("${cfg.model}") names a model this server provides, and that CODEDISTILL_LLM_BASE_URL ends at the API root (e.g. http://127.0.0.1:8080/v1) so that /chat/completions exists there.`,
      );
    }
    const retryAfterMs = parseRetryAfter(headers);
    if (status === 429) {
      return new LlmError(
        'rate_limited',
        { failure: 'rate_limited', status, retryable: true, retryAfterMs },
        `${where} is rate limiting requests (HTTP 429${said}).`,
        'Wait and try again, use a provider plan with a higher limit, or enrich fewer blocks.',
      );
    }
    if (status === 408 || status === 409 || status === 425 || status >= 500) {
      return new LlmError(
        'network',
        { failure: 'server', status, retryable: true, retryAfterMs },
        `${where} failed (HTTP ${status}${said}).`,
        'The provider is having trouble; try again later.',
      );
    }
    return new LlmError(
      'network',
      { failure: 'rejected', status },
      `${where} rejected the request (HTTP ${status}${said}).`,
      status === 413 || /context|too long|maximum.*tokens/i.test(text)
        ? 'The prompt is too long for this model; use a model with a larger context window.'
        : 'Check that CODEDISTILL_LLM_BASE_URL points at an OpenAI-compatible /v1 API and that CODEDISTILL_LLM_MODEL is right.',
    );
  }

  function malformed(why: string): LlmError {
    return new LlmError(
      'network',
      { failure: 'malformed' },
      `The language model server at ${display} sent an answer that is not an OpenAI chat completion (${why}).`,
      'Check that CODEDISTILL_LLM_BASE_URL is the API root of an OpenAI-compatible server (e.g. http://127.0.0.1:8080/v1).',
    );
  }

  /** The `usage` of an OpenAI chat completion (prompt_tokens, completion_tokens); null when absent or not numbers. */
  function usageOf(data: object): Usage | null {
    const u = (data as { usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } }).usage;
    if (!u || typeof u !== 'object') return null;
    const inp = u.prompt_tokens;
    const out = u.completion_tokens;
    if (typeof inp !== 'number' || typeof out !== 'number' || !Number.isFinite(inp) || !Number.isFinite(out)) return null;
    return { inputTokens: Math.max(0, Math.round(inp)), outputTokens: Math.max(0, Math.round(out)) };
  }

  function parseCompletion(body: string): { text: string; usage: Usage | null } {
    let data: unknown;
    try {
      data = JSON.parse(body);
    } catch {
      throw malformed(body.trim() ? 'not JSON' : 'empty body');
    }
    if (!data || typeof data !== 'object') throw malformed('not a JSON object');
    // Some proxies report failures with status 200 and an error object.
    if ('error' in data && (data as { error?: unknown }).error) {
      const { text } = providerText(body);
      throw new LlmError('network', { failure: 'rejected', status: 200 }, `The language model server at ${display} reported an error: ${text || 'no details'}.`, 'Check CODEDISTILL_LLM_MODEL and the provider\'s status.');
    }
    const choices = (data as { choices?: unknown }).choices;
    if (!Array.isArray(choices) || choices.length === 0) throw malformed('no choices');
    const first = choices[0] as { message?: { content?: unknown; refusal?: unknown }; finish_reason?: unknown } | null;
    const content = first?.message?.content;
    const usage = usageOf(data);
    if (typeof content === 'string') return { text: content, usage };
    // Some servers send content as a list of typed parts.
    if (Array.isArray(content)) {
      const parts = content.map((p) => (p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : ''));
      if (parts.some(Boolean)) return { text: parts.join(''), usage };
    }
    const finish = typeof first?.finish_reason === 'string' ? `, finish_reason "${first.finish_reason}"` : '';
    const refusal = typeof first?.message?.refusal === 'string' ? ', the model refused' : '';
    throw malformed(`choice 0 has no text content${finish}${refusal}`);
  }

  function transportError(e: unknown, caller: AbortSignal | undefined, timeout: AbortSignal): CodedistillError {
    if (caller?.aborted) return cancelled();
    if (timeout.aborted) {
      return new LlmError(
        'network',
        { failure: 'timeout', retryable: true },
        `The language model server at ${display} did not answer within ${Math.round(timeoutMs / 1000)} s.`,
        'The model may be slow or overloaded: try again later, or use a smaller or faster model (CODEDISTILL_LLM_MODEL).',
        { cause: e },
      );
    }
    const codes = causeCodes(e);
    if (codes.includes('ECONNREFUSED')) {
      return new LlmError('network', { failure: 'unreachable', fatal: true }, `Could not connect to the language model server at ${display} (connection refused).`, unreachableHint, { cause: e });
    }
    if (codes.includes('ENOTFOUND') || codes.includes('EAI_AGAIN')) {
      return new LlmError('network', { failure: 'unreachable', fatal: true }, `The host of the language model server at ${display} was not found.`, unreachableHint, { cause: e });
    }
    if (codes.some((c) => /CERT|SSL|TLS/.test(c))) {
      return new LlmError(
        'network',
        { failure: 'unreachable', fatal: true },
        `The TLS connection to the language model server at ${display} failed (${codes.find((c) => /CERT|SSL|TLS/.test(c))}).`,
        'Check the server\'s certificate, or use its http:// address if it is on this machine.',
        { cause: e },
      );
    }
    const detail = codes[0] ?? errorMessage(e);
    return new LlmError(
      'network',
      { failure: 'unreachable', retryable: true },
      `The connection to the language model server at ${display} failed (${redact(detail)}).`,
      'Check that the server is running and reachable; try again later.',
      { cause: e },
    );
  }

  async function attempt(body: string, caller: AbortSignal | undefined): Promise<{ text: string; usage: Usage | null }> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = caller ? AbortSignal.any([caller, timeout]) : timeout;
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    let status: number;
    let resHeaders: Headers;
    let text: string;
    try {
      const res = await fetchImpl(endpoint!, { method: 'POST', headers, body, signal });
      status = res.status;
      resHeaders = res.headers;
      text = await res.text();
    } catch (e) {
      throw transportError(e, caller, timeout);
    }
    if (status < 200 || status >= 300) throw httpError(status, resHeaders, text);
    return parseCompletion(text);
  }

  function backoff(retry: number): number {
    const base = retryBaseMs * 2 ** retry;
    return Math.min(maxRetryDelayMs, Math.round(base * (1 + Math.random() * 0.25)));
  }

  return {
    model: cfg.model,
    async complete(messages, copts = {}) {
      if (configError) throw configError;
      if (messages.length === 0) throw new CodedistillError('internal', 'complete() needs at least one message.', 'This is a bug in the caller.');
      const payload: Record<string, unknown> = { model: cfg.model, messages };
      if (copts.maxTokens !== undefined) payload.max_tokens = copts.maxTokens;
      if (copts.temperature !== undefined) payload.temperature = copts.temperature;
      const body = JSON.stringify(payload);
      const signal = copts.signal;
      return limit(async () => {
        for (let retry = 0; ; retry++) {
          if (signal?.aborted) throw cancelled();
          const started = Date.now();
          logger.debug(`llm: POST ${display}/chat/completions (model ${cfg.model}, ${messages.length} messages${retry ? `, retry ${retry}` : ''})`);
          try {
            const { text, usage } = await attempt(body, signal);
            logger.debug(`llm: answer of ${text.length} characters in ${Date.now() - started} ms`);
            copts.onUsage?.(usage);
            return text;
          } catch (e) {
            if (!(e instanceof LlmError) || !e.retryable || retry >= maxRetries) throw e;
            const wait = e.retryAfterMs ?? backoff(retry);
            if (wait > maxRetryDelayMs) {
              // Waiting minutes inside a job helps nobody; say how long the provider wants instead.
              throw new LlmError(
                e.code,
                { failure: e.failure, status: e.status, retryAfterMs: e.retryAfterMs },
                `${e.message} It asks to wait ${Math.ceil(wait / 1000)} s before trying again.`,
                e.hint,
                { cause: e },
              );
            }
            logger.warn(`llm: ${e.message} Retrying in ${(wait / 1000).toFixed(1)} s (${retry + 1} of ${maxRetries}).`);
            await sleep(wait, signal);
          }
        }
      }, signal);
    },
  };
}
