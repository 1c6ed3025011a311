/**
 * The only module that reads process.env. Everything else receives a Config.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { LogLevel } from './kernel/log.js';

/**
 * gte-small: of the small encoders with ONNX weights transformers.js runs on a CPU, the best on the code
 * retrieval tasks of MTEB (CodeSearchNet python, CosQA) at MiniLM's 384 dimensions; see the README's search
 * section for the figures and their sources.
 */
export const DEFAULT_MODEL = 'Xenova/gte-small';
/** See Config.indexCacheMb; measured in README.md ("Measured", a million blocks). */
export const DEFAULT_INDEX_CACHE_MB = 256;

/** Candidates a cross-encoder reranks when one is configured (CODEDISTILL_RERANK_TOP). */
export const DEFAULT_RERANK_TOP = 20;

export interface Config {
  /** Root of the user's data: libraries/, index/, models/, cache/. */
  home: string;
  /** The user's own libraries: $CODEDISTILL_HOME/libraries. New libraries are written here. */
  userLibrariesDir: string;
  /** Libraries shipped with codedistill (the repo's libraries/), read-only. */
  shippedLibrariesDir: string;
  /** Extra read-only library folders (CODEDISTILL_LIBRARY_PATH, colon-separated). */
  extraLibraryDirs: string[];
  indexDir: string;
  /**
   * What LanceDB may keep of the search index in memory, in MB (CODEDISTILL_INDEX_CACHE_MB): its index cache
   * (full-text posting lists, vector partitions) and its metadata cache get this between them, per open index (a
   * server opens two: its search thread's and the one it syncs with, search/threaded.ts). LanceDB's own
   * default is 6 GB plus 1 GB, which nothing bounded on a long-running server; what falls out of the cache is read
   * again from the files, which the operating system's page cache holds.
   */
  indexCacheMb: number;
  modelCacheDir: string;
  /** Local folder of models laid out as <org>/<name>/...; when set, no remote download is tried. */
  modelDir: string | null;
  /** Sentence-embedding model id; "none" disables neural embeddings. */
  model: string;
  /** Search the shipped demo libraries even when the user has libraries of their own (CODEDISTILL_DEMO=1). */
  showDemos: boolean;
  /**
   * Which tool sets the MCP server offers (CODEDISTILL_TOOLSETS, comma-separated): `core` (a coding agent's: search,
   * get, validate, the libraries and their environments) always; `mining` (mine_patterns, discover_repos,
   * batch_distill, batch_status: building a field's libraries) when asked, since every tool listed costs every
   * client's context on every turn.
   */
  toolsets: Toolset[];
  /** Allow downloading models from the hub. */
  allowRemoteModels: boolean;
  /**
   * A cross-encoder that reorders the best `top` hits of every search (CODEDISTILL_RERANKER: a model id, found
   * like the embedding model, or a local folder); null, the default, for none.
   */
  reranker: { model: string; top: number } | null;
  cacheDir: string;
  /**
   * The distill cache under $CODEDISTILL_HOME/cache/distill (parsed files, mined examples) and cache/runs (run
   * records), keyed by content and code version: a re-distill redoes only what changed. CODEDISTILL_DISTILL_CACHE=0
   * turns it off.
   */
  distillCache: boolean;
  /** Libraries' Python environments: $CODEDISTILL_HOME/envs/<key>/. */
  envsDir: string;
  /** Make an environment per library (CODEDISTILL_ENVIRONMENTS=0: runs use the base interpreter and the snapshot). */
  environments: boolean;
  python: string;
  /** auto: bubblewrap when present, else refuse to run repository code unless allowUnsandboxed. */
  sandbox: 'auto' | 'bwrap' | 'none';
  allowUnsandboxed: boolean;
  timeoutMs: number;
  maxTimeoutMs: number;
  memoryLimitMb: number;
  outputCapBytes: number;
  workers: number;
  /**
   * Whether example runs record which of the repository's code they execute, so a re-distill runs again only the
   * examples whose executed code changed (CODEDISTILL_RUN_TRACE): 'auto' (default) where that costs nothing (Python
   * 3.12+, sys.monitoring), 'always' also through sys.settrace on older Pythons, 'never' to judge by names alone.
   */
  runTrace: 'auto' | 'always' | 'never';
  /**
   * Worker threads that parse a repository's files beside the main thread (CODEDISTILL_PARSE_WORKERS; 0, the
   * default, parses on the main thread alone). Off by default: on the 2-core build machine, shared, a worker did not
   * make fluids' distill faster (README, Measured). Small repositories never start one.
   */
  parseWorkers: number;
  maxFileBytes: number;
  /** The library's source snapshot: largest file kept (Python modules excepted), and total of non-Python files. */
  snapshotMaxFileBytes: number;
  snapshotMaxDataBytes: number;
  githubToken: string | null;
  githubApiUrl: string;
  /** Base of git clone URLs (https://github.com); a file:// folder in tests. */
  githubGitUrl: string;
  gitBin: string;
  llm: { baseUrl: string; apiKey: string | null; model: string } | null;
  /** The default budget of examples the language model writes (distill_repo's `generate` overrides it per call). */
  generation: {
    blocks: number;
    tokens: number | null;
    usd: number | null;
    repairs: number;
    /** Dollars per million tokens, prompt and answer; null when unknown (then costs are not counted). */
    price: { input: number; output: number } | null;
  };
  logLevel: LogLevel;
  /** `serve --http`: where the bearer token comes from, the browser origins allowed, per-session bounds. */
  http: HttpConfig;
  /** Bounds on one run as a whole (every process a sandbox launch starts), over the per-process rlimits. */
  runLimits: RunLimitsConfig;
  /** Environment passed to child processes: the parent's, less secrets. */
  childEnv: Record<string, string>;
  /**
   * The whole environment, for children that are codedistill itself (a batch's `codedistill distill` workers), not
   * repository code: they need the token, the model settings and the home as this process has them.
   */
  selfEnv: Record<string, string>;
  /**
   * The command a batch runs per repository before its own arguments (`distill <source> [--ref R] --json`), in
   * place of codedistill's own CLI (CODEDISTILL_BATCH_COMMAND, a JSON array: a wrapper such as nice, or a test's
   * fake); null: this codedistill.
   */
  batchCommand: string[] | null;
  /**
   * Set by a batch for its child distills (CODEDISTILL_BATCH_PARENT): the batch's pid. A child whose batch is gone
   * (killed with SIGKILL, which its own process group does not see) stops instead of distilling on as an orphan.
   */
  batchParentPid: number | null;
  /** How long a Redis queue worker's job lock lasts (CODEDISTILL_QUEUE_LOCK_MS): a killed worker's job is retried after it. */
  queueLockMs: number;
  version: string;
}

export interface HttpConfig {
  /** CODEDISTILL_HTTP_TOKEN; never logged, never passed to children (its name is a secret's). */
  token: string | null;
  /** CODEDISTILL_HTTP_TOKEN_FILE: a file holding the token; else <home>/http.token, made on first serve. */
  tokenFile: string | null;
  /** CODEDISTILL_HTTP_ORIGINS (comma-separated): browser Origins allowed besides the server's own. */
  allowedOrigins: string[];
  /** CODEDISTILL_HTTP_PORT (default 8765). */
  port: number;
  /** CODEDISTILL_HTTP_MAX_DISTILLS: distill_repo and revalidate calls running at once per client session. */
  maxJobsPerSession: number;
  /** CODEDISTILL_HTTP_MAX_SESSIONS: client sessions held at once; one more is refused with 503. */
  maxSessions: number;
}

export interface RunLimitsConfig {
  /** CODEDISTILL_RUN_MEMORY_MB: summed resident memory of all a run's processes; 0 for no bound. */
  memoryMb: number;
  /** CODEDISTILL_RUN_NICE: the niceness runs get (0-19; 0 leaves them at ours). */
  nice: number;
}

const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|AUTH|SESSION|COOKIE)/i;

/** Drop anything that looks like a secret (GitHub token, provider keys) before handing env to a child. */
export function scrubEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    if (SECRET_NAME.test(k)) continue;
    if (k.startsWith('CODEDISTILL_LLM')) continue;
    out[k] = v;
  }
  return out;
}

const intFrom = (v: string | undefined, dflt: number, name: string, min = 1): number => {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number >= ${min}, got "${v}"`);
  return Math.floor(n);
};

const numberFrom = (v: string | undefined, name: string): number | null => {
  if (v === undefined || v === '') return null;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number >= 0, got "${v}"`);
  return n;
};

const commandFrom = (v: string | undefined): string[] | null => {
  if (v === undefined || v === '') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    parsed = null;
  }
  if (!Array.isArray(parsed) || !parsed.length || !parsed.every((x) => typeof x === 'string' && x)) {
    throw new Error(`CODEDISTILL_BATCH_COMMAND must be a JSON array of strings, e.g. ["nice","codedistill"], got "${v.slice(0, 80)}"`);
  }
  return parsed as string[];
};

const boolFrom = (v: string | undefined, dflt: boolean): boolean => {
  if (v === undefined || v === '') return dflt;
  return /^(1|true|yes|on)$/i.test(v);
};

function defaultHome(env: NodeJS.ProcessEnv): string {
  if (env.XDG_DATA_HOME) return path.join(env.XDG_DATA_HOME, 'codedistill');
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Application Support', 'codedistill');
  if (process.platform === 'win32' && env.LOCALAPPDATA) return path.join(env.LOCALAPPDATA, 'codedistill');
  return path.join(os.homedir(), '.local', 'share', 'codedistill');
}

/** The folder codedistill is installed in (holds package.json and libraries/). */
export function packageRoot(): string {
  // dist/config.js or src/config.ts: one level below the root either way.
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
}

const LogLevelSchema = z.enum(['debug', 'info', 'warn', 'error', 'silent']);

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const home = path.resolve(env.CODEDISTILL_HOME || defaultHome(env));
  const root = packageRoot();
  const sandbox = (env.CODEDISTILL_SANDBOX || 'auto').toLowerCase();
  if (!['auto', 'bwrap', 'none'].includes(sandbox)) {
    throw new Error(`CODEDISTILL_SANDBOX must be auto, bwrap or none, got "${sandbox}"`);
  }
  const runTrace = (env.CODEDISTILL_RUN_TRACE || 'auto').toLowerCase();
  if (!['auto', 'always', 'never'].includes(runTrace)) {
    throw new Error(`CODEDISTILL_RUN_TRACE must be auto, always or never, got "${runTrace.slice(0, 40)}"`);
  }
  const logLevel = LogLevelSchema.safeParse(env.CODEDISTILL_LOG_LEVEL || 'info');
  const llmBase = env.CODEDISTILL_LLM_BASE_URL || null;
  return {
    home,
    userLibrariesDir: path.join(home, 'libraries'),
    shippedLibrariesDir: path.join(root, 'libraries'),
    extraLibraryDirs: (env.CODEDISTILL_LIBRARY_PATH || '').split(path.delimiter).filter(Boolean).map((p) => path.resolve(p)),
    indexDir: path.join(home, 'index'),
    indexCacheMb: intFrom(env.CODEDISTILL_INDEX_CACHE_MB, DEFAULT_INDEX_CACHE_MB, 'CODEDISTILL_INDEX_CACHE_MB', 16),
    modelCacheDir: path.join(home, 'models'),
    modelDir: env.CODEDISTILL_MODEL_DIR ? path.resolve(env.CODEDISTILL_MODEL_DIR) : null,
    model: env.CODEDISTILL_MODEL || DEFAULT_MODEL,
    showDemos: env.CODEDISTILL_DEMO === '1',
    toolsets: toolsetsFrom(env.CODEDISTILL_TOOLSETS),
    allowRemoteModels: boolFrom(env.CODEDISTILL_ALLOW_REMOTE_MODELS, !env.CODEDISTILL_MODEL_DIR),
    reranker: env.CODEDISTILL_RERANKER
      ? { model: env.CODEDISTILL_RERANKER, top: intFrom(env.CODEDISTILL_RERANK_TOP, DEFAULT_RERANK_TOP, 'CODEDISTILL_RERANK_TOP', 1) }
      : null,
    cacheDir: path.join(home, 'cache'),
    distillCache: boolFrom(env.CODEDISTILL_DISTILL_CACHE, true),
    envsDir: path.join(home, 'envs'),
    python: env.CODEDISTILL_PYTHON || 'python3',
    sandbox: sandbox as Config['sandbox'],
    allowUnsandboxed: boolFrom(env.CODEDISTILL_ALLOW_UNSANDBOXED, false),
    environments: boolFrom(env.CODEDISTILL_ENVIRONMENTS, true),
    timeoutMs: intFrom(env.CODEDISTILL_TIMEOUT_MS, 20_000, 'CODEDISTILL_TIMEOUT_MS', 100),
    maxTimeoutMs: intFrom(env.CODEDISTILL_MAX_TIMEOUT_MS, 120_000, 'CODEDISTILL_MAX_TIMEOUT_MS', 100),
    memoryLimitMb: intFrom(env.CODEDISTILL_MEMORY_MB, 2048, 'CODEDISTILL_MEMORY_MB', 64),
    outputCapBytes: intFrom(env.CODEDISTILL_OUTPUT_CAP, 64 * 1024, 'CODEDISTILL_OUTPUT_CAP', 256),
    workers: intFrom(env.CODEDISTILL_WORKERS, Math.max(1, Math.min(4, os.availableParallelism())), 'CODEDISTILL_WORKERS'),
    runTrace: runTrace as Config['runTrace'],
    parseWorkers: intFrom(env.CODEDISTILL_PARSE_WORKERS, 0, 'CODEDISTILL_PARSE_WORKERS', 0),
    maxFileBytes: intFrom(env.CODEDISTILL_MAX_FILE_BYTES, 1024 * 1024, 'CODEDISTILL_MAX_FILE_BYTES', 1024),
    snapshotMaxFileBytes: intFrom(env.CODEDISTILL_SNAPSHOT_MAX_FILE_BYTES, 50 * 1024 * 1024, 'CODEDISTILL_SNAPSHOT_MAX_FILE_BYTES', 0),
    snapshotMaxDataBytes: intFrom(env.CODEDISTILL_SNAPSHOT_MAX_DATA_BYTES, 500 * 1024 * 1024, 'CODEDISTILL_SNAPSHOT_MAX_DATA_BYTES', 0),
    githubToken: env.GITHUB_TOKEN || env.GH_TOKEN || null,
    githubApiUrl: env.CODEDISTILL_GITHUB_API_URL || 'https://api.github.com/graphql',
    githubGitUrl: (env.CODEDISTILL_GITHUB_GIT_URL || 'https://github.com').replace(/\/+$/, ''),
    gitBin: env.CODEDISTILL_GIT || 'git',
    llm: llmBase
      ? { baseUrl: llmBase, apiKey: env.CODEDISTILL_LLM_API_KEY || null, model: env.CODEDISTILL_LLM_MODEL || 'gpt-4o-mini' }
      : null,
    generation: generationFrom(env),
    logLevel: logLevel.success ? logLevel.data : 'info',
    http: httpFrom(env),
    runLimits: runLimitsFrom(env),
    childEnv: scrubEnv(env),
    batchCommand: commandFrom(env.CODEDISTILL_BATCH_COMMAND),
    batchParentPid: env.CODEDISTILL_BATCH_PARENT ? intFrom(env.CODEDISTILL_BATCH_PARENT, 0, 'CODEDISTILL_BATCH_PARENT') : null,
    queueLockMs: intFrom(env.CODEDISTILL_QUEUE_LOCK_MS, 30_000, 'CODEDISTILL_QUEUE_LOCK_MS', 1000),
    selfEnv: Object.fromEntries(Object.entries(env).filter((kv): kv is [string, string] => kv[1] !== undefined)),
    version: readVersion(root),
  };
}

export const TOOLSETS = ['core', 'mining'] as const;
export type Toolset = (typeof TOOLSETS)[number];

function toolsetsFrom(raw: string | undefined): Toolset[] {
  const asked = (raw || 'core').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const sets = new Set<Toolset>(['core']);
  for (const a of asked) {
    if (a === 'all') TOOLSETS.forEach((t) => sets.add(t));
    else if ((TOOLSETS as readonly string[]).includes(a)) sets.add(a as Toolset);
    else throw new Error(`CODEDISTILL_TOOLSETS: unknown tool set "${a.slice(0, 40)}"; use ${TOOLSETS.join(', ')} or all, comma-separated`);
  }
  return TOOLSETS.filter((t) => sets.has(t));
}

function generationFrom(env: NodeJS.ProcessEnv): Config['generation'] {
  const input = numberFrom(env.CODEDISTILL_LLM_PRICE_INPUT, 'CODEDISTILL_LLM_PRICE_INPUT');
  const output = numberFrom(env.CODEDISTILL_LLM_PRICE_OUTPUT, 'CODEDISTILL_LLM_PRICE_OUTPUT');
  return {
    blocks: intFrom(env.CODEDISTILL_LLM_BUDGET_BLOCKS, 10, 'CODEDISTILL_LLM_BUDGET_BLOCKS', 0),
    tokens: env.CODEDISTILL_LLM_BUDGET_TOKENS ? intFrom(env.CODEDISTILL_LLM_BUDGET_TOKENS, 0, 'CODEDISTILL_LLM_BUDGET_TOKENS') : null,
    usd: numberFrom(env.CODEDISTILL_LLM_BUDGET_USD, 'CODEDISTILL_LLM_BUDGET_USD'),
    repairs: Math.min(5, intFrom(env.CODEDISTILL_LLM_REPAIRS, 2, 'CODEDISTILL_LLM_REPAIRS', 0)),
    // One price given is enough: the other side is then taken as free rather than the cost left uncounted.
    price: input === null && output === null ? null : { input: input ?? 0, output: output ?? 0 },
  };
}

function httpFrom(env: NodeJS.ProcessEnv): HttpConfig {
  return {
    token: env.CODEDISTILL_HTTP_TOKEN || null,
    tokenFile: env.CODEDISTILL_HTTP_TOKEN_FILE ? path.resolve(env.CODEDISTILL_HTTP_TOKEN_FILE) : null,
    allowedOrigins: (env.CODEDISTILL_HTTP_ORIGINS || '').split(',').map((o) => o.trim()).filter(Boolean),
    port: intFrom(env.CODEDISTILL_HTTP_PORT, 8765, 'CODEDISTILL_HTTP_PORT', 0),
    maxJobsPerSession: intFrom(env.CODEDISTILL_HTTP_MAX_DISTILLS, 1, 'CODEDISTILL_HTTP_MAX_DISTILLS', 1),
    maxSessions: intFrom(env.CODEDISTILL_HTTP_MAX_SESSIONS, 64, 'CODEDISTILL_HTTP_MAX_SESSIONS', 1),
  };
}

function runLimitsFrom(env: NodeJS.ProcessEnv): RunLimitsConfig {
  return {
    // Twice the per-process address-space limit by default: a run may fork, but not without end (8.5 GB was seen).
    memoryMb: intFrom(env.CODEDISTILL_RUN_MEMORY_MB, 4096, 'CODEDISTILL_RUN_MEMORY_MB', 0),
    nice: Math.min(19, intFrom(env.CODEDISTILL_RUN_NICE, 10, 'CODEDISTILL_RUN_NICE', 0)),
  };
}

function readVersion(root: string): string {
  try {
    return (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/**
 * Process-wide settings of native dependencies that must be in place before they load: LanceDB logs
 * deprecation warnings unless told otherwise, and they would clutter the server's stderr.
 */
export function prepareProcessEnv(env: NodeJS.ProcessEnv = process.env): void {
  env.LANCEDB_LOG ??= 'error';
  ensureLanceComputeThreads(env);
}

/** What opening the search index needs of the configuration: plain data, so that a worker thread can be handed it. */
export type IndexSettings = Pick<
  Config,
  'indexDir' | 'indexCacheMb' | 'model' | 'modelDir' | 'modelCacheDir' | 'allowRemoteModels' | 'reranker' | 'showDemos' | 'logLevel'
>;

export function indexSettings(config: Config): IndexSettings {
  const { indexDir, indexCacheMb, model, modelDir, modelCacheDir, allowRemoteModels, reranker, showDemos, logLevel } = config;
  return { indexDir, indexCacheMb, model, modelDir, modelCacheDir, allowRemoteModels, reranker, showDemos, logLevel };
}

/**
 * LanceDB keeps 2 cores for I/O, so on a 2-core machine it has one compute thread, and building the full-text
 * index (or optimize()) then deadlocks at 0% CPU from about 60k rows. Two compute threads avoid it; LanceDB
 * reads the variable lazily, so setting it before the first index operation is enough. openIndex (search/store.ts)
 * calls this before it connects, so every entry point that searches (server, CLI, tests, bench) is covered.
 */
export function ensureLanceComputeThreads(env: NodeJS.ProcessEnv = process.env): void {
  if (env.LANCE_CPU_THREADS) return;
  if (os.availableParallelism() - 2 < 2) env.LANCE_CPU_THREADS = '2';
}
