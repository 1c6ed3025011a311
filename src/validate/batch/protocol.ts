/**
 * The batch driver's wire format (driver.py writes it): one JSON object per line on its result channel, each
 * prefixed with the chunk's random token. Lines without the token are not the driver's and are ignored; a
 * line with the token that does not parse is a reason to kill the driver (supervise.ts).
 */
import { renderCapped, signalName } from '../../kernel/proc.js';
import type { Outcome, RunTrace } from '../types.js';

/** One stream as the driver captured it: the head, the total byte count and, for stderr, the tail (base64). */
interface Captured {
  head: string;
  total: number;
  tail?: string;
}

export type ResultMessage = {
  t: 'result';
  i: number;
  ms: number;
  maxrssKb: number;
  timedOut: boolean;
  outputLimit: boolean;
  exit: number | null;
  sig: number | null;
  out: Captured;
  err: Captured;
  /** What the snippet executed (driver.py _read_trace), when a trace was asked for and could be taken. */
  trace?: { files: Record<string, number[]> } | null;
};

export type DriverMessage =
  | { t: 'ready'; preload: Array<{ name: string; ok: boolean; ms?: number; error?: string }> }
  | ResultMessage
  | { t: 'fatal'; message: string }
  | { t: 'done' };

function isCaptured(x: unknown): x is Captured {
  const c = x as Captured;
  return !!c && typeof c.head === 'string' && typeof c.total === 'number' && (c.tail === undefined || typeof c.tail === 'string');
}

export function parseMessage(json: string): DriverMessage | null {
  let m: unknown;
  try {
    m = JSON.parse(json);
  } catch {
    return null;
  }
  const o = m as Record<string, unknown>;
  if (!o || typeof o !== 'object') return null;
  switch (o.t) {
    case 'ready':
      return Array.isArray(o.preload) ? (o as DriverMessage) : null;
    case 'result':
      return typeof o.i === 'number' && typeof o.ms === 'number' && isCaptured(o.out) && isCaptured(o.err)
        ? (o as DriverMessage)
        : null;
    case 'fatal':
      return typeof o.message === 'string' ? (o as DriverMessage) : null;
    case 'done':
      return o as DriverMessage;
    default:
      return null;
  }
}

/** A result line as the same Outcome a single run's capture gives, capped the same way. */
export function outcomeOf(m: ResultMessage, caps: { outputCapBytes: number; stderrTailBytes: number }, snippetPath: string): Outcome {
  const cap = caps.outputCapBytes;
  const outHead = Buffer.from(m.out.head, 'base64');
  const errHead = Buffer.from(m.err.head, 'base64');
  const errTail = m.err.tail !== undefined ? Buffer.from(m.err.tail, 'base64') : null;
  const stderrTail = m.err.total <= cap ? errHead.subarray(Math.max(0, errHead.length - caps.stderrTailBytes)) : (errTail ?? Buffer.alloc(0));
  return {
    spawnError: null,
    sandboxFailure: null,
    timedOut: m.timedOut === true,
    outputLimitHit: m.outputLimit === true,
    exitCode: typeof m.exit === 'number' ? m.exit : null,
    signal: typeof m.sig === 'number' ? signalName(m.sig) : null,
    stdout: outHead.subarray(0, cap).toString('utf8'),
    stderr: renderCapped(errHead, errTail, m.err.total, cap).toString('utf8'),
    stderrTail: stderrTail.toString('utf8'),
    stdoutTruncated: m.out.total > cap,
    stderrTruncated: m.err.total > cap,
    durationMs: m.ms,
    peakKb: typeof m.maxrssKb === 'number' && m.maxrssKb > 0 ? m.maxrssKb : null,
    snippetPath,
  };
}

/** A result's trace, if it is well formed; paths the snippet's own scratch folder held are mapped by `place`. */
export function traceOf(m: ResultMessage, place: (file: string) => string | null): RunTrace | null {
  const files = m.trace?.files;
  if (!files || typeof files !== 'object') return null;
  const out: Record<string, number[]> = {};
  for (const [file, lines] of Object.entries(files)) {
    if (!Array.isArray(lines) || !lines.every((n) => Number.isInteger(n))) return null;
    const at = place(file);
    if (at !== null) out[at] = [...new Set([...(out[at] ?? []), ...lines])];
  }
  return { files: out };
}
