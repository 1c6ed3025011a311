/**
 * Optional enrichment of distilled blocks by a language model: one-line summaries for blocks whose docstring
 * says nothing, labelled as the model's (tag summary:llm). Examples the model writes are generate.ts's.
 */
import type { Block } from '../domain/block.js';
import type { Progress } from '../domain/job.js';
import { throwIfAborted } from '../kernel/errors.js';
import { pool } from '../kernel/pool.js';
import { clip, firstSentence, summarizeDetailed } from '../distill/summary.js';
import type { ChatMessage, LlmClient } from './client.js';
import { FailureGate, truncateCode } from './common.js';

export const SUMMARY_TAG = 'summary:llm';

const MAX_SUMMARY = 160;
const DEFAULT_MAX_SUMMARIES = 50;
const DEFAULT_CONCURRENCY = 2;

export interface EnrichOptions {
  /** Blocks to summarise at most, most central first. Default 50; 0 turns summaries off. */
  maxSummaries?: number;
  /** Questions to the model in flight at once (the client limits HTTP requests on its own too). Default 2. */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export interface EnrichResult {
  summarized: number;
  warnings: string[];
}

// ---------------------------------------------------------------------------------------------
// summaries

/** True for blocks whose summary was made from their name because the docstring had nothing to offer. */
export function needsSummary(block: Block): boolean {
  if (block.tags.includes(SUMMARY_TAG)) return false;
  return summarizeDetailed(block.docstring, block.name, block.kind).derived;
}

export function summaryPrompt(block: Block): ChatMessage[] {
  return [
    {
      role: 'system',
      content:
        'You write one-line summaries of functions and classes from scientific code, for a searchable catalogue. ' +
        'Reply with one plain sentence of at most 25 words saying what the code computes or does, in the present tense ' +
        '(e.g. "Computes the pressure drop across a packed bed with the Ergun equation."). ' +
        'No preamble, no markdown, no mention of the name itself unless it is needed.',
    },
    {
      role: 'user',
      content: [
        `Language: ${block.language}`,
        `Kind: ${block.kind}`,
        `Name: ${block.qualifiedName}`,
        'Signature:',
        block.signature,
        'Code:',
        '```' + block.language,
        truncateCode(block.code),
        '```',
      ].join('\n'),
    },
  ];
}

/** The model's answer as a summary line, or null when it is not one (empty, a refusal, code). */
export function cleanSummary(answer: string): string | null {
  const lines = answer
    .replace(/\r\n?/g, '\n')
    .replace(/^(```|~~~)[\s\S]*?^\1\s*$/gm, '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  let line = lines[0] ?? '';
  line = line
    .replace(/^(summary|one-line summary|answer)\s*:\s*/i, '')
    .replace(/^[-*>•]\s+/, '')
    .replace(/^["'`*_]+|["'`*_]+$/g, '')
    .trim();
  if (!line || !/[A-Za-z]/.test(line)) return null;
  if (/^(I\s|I'm\s|Sorry|As an AI|Unfortunately)/i.test(line)) return null;
  if (/^(def|class|import|from)\s/.test(line)) return null;
  const sentence = firstSentence(line);
  const text = clip(sentence.charAt(0).toUpperCase() + sentence.slice(1), MAX_SUMMARY);
  return text.split(/\s+/).length >= 2 ? text : null;
}

export async function enrichBlocks(blocks: Block[], client: LlmClient, opts: EnrichOptions = {}): Promise<EnrichResult> {
  const { signal } = opts;
  const progress = opts.onProgress ?? (() => {});
  const warnings: string[] = [];
  const gate = new FailureGate();
  const result: EnrichResult = { summarized: 0, warnings };
  const byRank = [...blocks].sort((a, b) => b.rank - a.rank || a.qualifiedName.localeCompare(b.qualifiedName));

  const summaryTargets = byRank.filter(needsSummary).slice(0, Math.max(0, opts.maxSummaries ?? DEFAULT_MAX_SUMMARIES));
  const total = summaryTargets.length;
  if (total === 0) return result;

  let done = 0;
  progress({ stage: 'enrich', done: 0, total });

  const summaryTask = (b: Block) => async () => {
    if (gate.stopped) return;
    try {
      const answer = await client.complete(summaryPrompt(b), { maxTokens: 120, temperature: 0, signal });
      gate.ok();
      const text = cleanSummary(answer);
      if (!text) {
        warnings.push(`language model gave no usable summary for ${b.qualifiedName}`);
      } else {
        b.summary = text;
        if (!b.tags.includes(SUMMARY_TAG)) b.tags.push(SUMMARY_TAG);
        result.summarized++;
      }
    } catch (e) {
      warnings.push(gate.fail(e, `the summary of ${b.qualifiedName}`));
    }
    progress({ stage: 'enrich', done: ++done, total, message: b.qualifiedName });
  };

  // The first failure stops the rest (tasks only let a cancel through); unstarted tasks are cancelled, and come last.
  const settled = await pool(summaryTargets.map(summaryTask), opts.concurrency ?? DEFAULT_CONCURRENCY, { signal, stopOnFailure: true });
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) throw failure.reason;
  throwIfAborted(signal);
  return result;
}
