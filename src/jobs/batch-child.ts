/**
 * One repository of a batch distilled by a child `codedistill distill <source> --json`: a process of its own
 * (its memory, its crash), on the same home, whose locks keep it apart from the other workers. Its JSON answer
 * is the result; a failure's JSON (`{"error": {code, message}}`) gives the cause, and a child that ends without
 * one was killed, timed out or crashed.
 */
import type { RepoListEntry } from '../domain/batch.js';
import { runCaptured } from '../kernel/proc.js';
import { RepoFailure, type RepoResult, type RepoRunner } from './batch.js';

export interface ChildDistillOptions {
  /** The command that runs the CLI: [node, ...its flags, path of cli/main.js]. */
  command: string[];
  /** The child's environment: codedistill's own (not repository code), so the token and home go with it. */
  env: Record<string, string>;
  validate: boolean;
  /** Wall-clock limit of one repository. */
  timeoutMs: number;
}

interface ChildAnswer {
  library?: string;
  commit?: string;
  unchanged?: boolean;
  counts?: { blocks?: number; validated?: number };
  error?: { code?: string; message?: string };
}

/** The last line of stdout that is a JSON object (the answer is printed last). */
function lastJson(stdout: string): ChildAnswer | null {
  const start = stdout.lastIndexOf('\n{');
  const text = start >= 0 ? stdout.slice(start + 1) : stdout.trimStart().startsWith('{') ? stdout : '';
  try {
    return text ? (JSON.parse(text) as ChildAnswer) : null;
  } catch {
    return null;
  }
}

export function childDistill(opts: ChildDistillOptions): RepoRunner {
  const [file, ...pre] = opts.command;
  if (!file) throw new Error('childDistill needs a command');
  return async (entry: RepoListEntry, signal: AbortSignal): Promise<RepoResult> => {
    const args = [...pre, 'distill', entry.source, ...(entry.ref ? ['--ref', entry.ref] : []), ...(opts.validate ? [] : ['--no-validate']), '--json'];
    const env = { ...opts.env, CODEDISTILL_BATCH_PARENT: String(process.pid) };
    const res = await runCaptured(file, args, { env, signal, timeoutMs: opts.timeoutMs, capBytes: 4 * 1024 * 1024, stderrTailBytes: 4096 });
    const answer = lastJson(res.stdout.toString('utf8'));
    const tail = res.stderrTail.toString('utf8').trim().split('\n').slice(-3).join(' ').slice(-400);
    if (res.spawnError) throw new RepoFailure('internal', `could not start ${file}: ${res.spawnError.message}`);
    if (res.timedOut) throw new RepoFailure('timeout', `no answer within ${Math.round(opts.timeoutMs / 1000)} s`);
    if (res.exitCode === 0 && answer?.library && answer.commit) {
      return {
        library: answer.library,
        commit: answer.commit,
        blocks: answer.counts?.blocks ?? 0,
        validated: answer.counts?.validated ?? 0,
        unchanged: answer.unchanged === true,
      };
    }
    if (answer?.error) throw new RepoFailure(answer.error.code ?? 'internal', answer.error.message ?? tail);
    if (res.signal) throw new RepoFailure('killed', `the distill process was killed (${res.signal})${tail ? `: ${tail}` : ''}`);
    throw new RepoFailure('crashed', `the distill process exited with ${res.exitCode}${tail ? `: ${tail}` : ''}`);
  };
}
