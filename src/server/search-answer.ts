/**
 * search_library's answer: compact hits (ten well under a thousand tokens, the whole result: text copy, links and
 * structured answer together) and a resource link to each block, so a client can open one without another search.
 * Each fact goes out once per representation: the library in the id (or once in the text when all hits share it),
 * the demo label once per answer, no kind or score (the signature and the order say them).
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { CompactHit, SearchAnswer, SearchHit, SearchResult } from '../domain/search.js';
import { plainText } from '../distill/prose/text.js';
import { blockUri } from './uris.js';

/** A signature longer than this is left to get_pattern: a long one costs more than it helps choosing. */
const SIGNATURE_CAP = 40;
const SUMMARY_CAP = 64;
/** The text copy's summaries are shorter: the structured answer has the longer one. */
const TEXT_SUMMARY_CAP = 56;

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * "Calculates the Darcy friction factor…" as "Darcy friction factor…": the opening verb of most docstrings says
 * nothing that tells one hit from another, and ten of them are a tenth of the answer.
 */
const OPENING_VERB = /^(?:this (?:function|method|class) )?(?:calculates?|computes?|returns?|gets?|determines?|estimates?|evaluates?)(?: (?:the|an?))? (?=\S)/i;
export function trimSummary(summary: string): string {
  // Literal marks plainText leaves when a docstring's ``code`` is cut across the summary's end.
  const line = oneLine(plainText(summary).replace(/``/g, ''));
  const rest = line.replace(OPENING_VERB, '');
  return rest === line || rest.length < 12 ? line : rest.charAt(0).toUpperCase() + rest.slice(1);
}
const cap = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1).trimEnd()}…` : s);

/** "def f(a, b=1) -> float:" as the call "f(a, b=1) -> float"; undefined when it is long. */
function shortSignature(signature: string): string | undefined {
  const call = oneLine(signature)
    .replace(/^(async\s+)?(def|class)\s+/, '')
    .replace(/:$/, '');
  return call && call.length <= SIGNATURE_CAP ? call : undefined;
}

export function compactHit(h: SearchHit): CompactHit {
  // Citation marks and roles ([2]_, :py:func:`x`) cost tokens and say nothing in a one-line summary.
  // A class line names its bases, not how to call it: only functions and methods say their call.
  const signature = h.kind === 'function' || h.kind === 'method' ? shortSignature(h.signature) : undefined;
  return {
    id: h.id,
    summary: cap(trimSummary(h.summary), SUMMARY_CAP),
    ...(signature ? { signature } : {}),
    confidence: h.confidence,
    ...(h.level ? { level: h.level } : {}),
  };
}

export function searchAnswer(res: SearchResult): SearchAnswer {
  // The confidence most hits share is said once; a hit states its own only where it differs.
  const counts = new Map<string, number>();
  for (const h of res.results) counts.set(h.confidence, (counts.get(h.confidence) ?? 0) + 1);
  const common = [...counts].sort((x, y) => y[1] - x[1])[0]?.[0] as SearchHit['confidence'] | undefined;
  const results = res.results.map(compactHit).map(({ confidence, ...h }) => (confidence === common ? h : { ...h, confidence }));
  const answer: SearchAnswer = { results, mode: res.mode, ...(common ? { confidence: common } : {}) };
  const demo = [...new Set(res.results.filter((h) => h.demo).map((h) => h.library))];
  if (demo.length) answer.demo = demo;
  // The libraries searched matter when nothing was found; beside hits they only cost tokens.
  if (!res.results.length) answer.libraries = res.libraries;
  return answer;
}

/** A block's short name, as its link and the text line show it: the last part, or the last two ("Inventory.decay") when another hit ends the same. */
function linkNames(ids: string[]): string[] {
  const last = (id: string, n: number) => id.slice(id.indexOf(':') + 1).split('.').slice(-n).join('.');
  const count = new Map<string, number>();
  for (const id of ids) count.set(last(id, 1), (count.get(last(id, 1)) ?? 0) + 1);
  return ids.map((id) => ((count.get(last(id, 1)) ?? 0) > 1 ? last(id, 2) : last(id, 1)));
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
  // The link carries the block's address: the line names the block as the link does, and says the rest.
  const names = linkNames(a.results.map((r) => r.id));
  const lines = a.results.map((r, i) => {
    const facts = [r.level, r.confidence].filter(Boolean).join(', ');
    return `${i + 1}. ${names[i]}${facts ? ` [${facts}]` : ''} ${cap(r.summary, TEXT_SUMMARY_CAP)}`;
  });
  const demo = a.demo?.length ? ` DEMO (made-up code): ${a.demo.join(', ')}.` : '';
  const header =
    `${a.results.length} results (${a.mode}${a.confidence ? `, confidence ${a.confidence} unless marked` : ''}), best first, each with a link.${demo} ` +
    'Open one with get_pattern, id = the link\'s uri or <library>:<qualified name>:';
  return [
    { type: 'text', text: `${header}\n${lines.join('\n')}` },
    ...a.results.map((r, i) => ({ type: 'resource_link' as const, uri: blockUri(r.id), name: names[i] ?? r.id })),
  ];
}
