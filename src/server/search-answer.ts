/**
 * search_library's answer: compact hits (ten well under a thousand tokens) and a resource link to each block,
 * so a client can open one without another search.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { CompactHit, SearchAnswer, SearchHit, SearchResult } from '../domain/search.js';
import { plainText } from '../distill/prose/text.js';
import { blockUri } from './uris.js';

const SIGNATURE_CAP = 90;
const SUMMARY_CAP = 90;

const cap = (s: string, n: number) => {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
};

export function compactHit(h: SearchHit): CompactHit {
  const hit: CompactHit = {
    id: h.id,
    kind: h.kind,
    signature: cap(h.signature, SIGNATURE_CAP),
    // Citation marks and roles ([2]_, :py:func:`x`) cost tokens and say nothing in a one-line summary.
    summary: cap(plainText(h.summary), SUMMARY_CAP),
    score: Math.round(h.score * 100) / 100,
    confidence: h.confidence,
    level: h.level ?? 'not_run',
  };
  if (h.demo) hit.demo = true;
  return hit;
}

export function searchAnswer(res: SearchResult): SearchAnswer {
  // The libraries searched matter when nothing was found; beside hits they only cost tokens.
  const answer: SearchAnswer = { results: res.results.map(compactHit), mode: res.mode };
  if (!res.results.length) answer.libraries = res.libraries;
  return answer;
}

/** The text copy and the links to the blocks. */
export function searchContent(a: SearchAnswer): CallToolResult['content'] {
  if (!a.results.length) {
    return [
      {
        type: 'text',
        text:
          `No blocks match in ${a.libraries?.join(', ') || 'any library'}. ` +
          'Rephrase the task, drop filters, or distill a repository that has this code with distill_repo.',
      },
    ];
  }
  const lines = a.results.map((r, i) => `${i + 1}. ${r.id} [${r.level}, ${r.confidence} ${r.score.toFixed(2)}${r.demo ? ', demo' : ''}] ${r.summary}`);
  return [
    { type: 'text', text: `${a.results.length} results (${a.mode}); open one with get_pattern:\n${lines.join('\n')}` },
    ...a.results.map((r) => ({ type: 'resource_link' as const, uri: blockUri(r.id), name: r.id.slice(r.id.lastIndexOf('.') + 1) })),
  ];
}
