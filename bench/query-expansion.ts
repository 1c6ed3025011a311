/**
 * What query expansion costs per query: parseQuery with the hand-written list alone (the default), and the
 * WordNet lexicon's expand() on its own, cold (a fresh reader: files opened, nothing cached; the OS page cache
 * may be warm) and warm (the same queries again, lemmas and synsets cached). The queries are the eval sets'.
 *
 *   node --import tsx bench/query-expansion.ts
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { handwrittenLexicon } from '../src/search/lexicons.js';
import { DEFAULT_QUERY_OPTIONS, parseQuery } from '../src/search/query.js';
import { tokenize } from '../src/search/tokens.js';
import { WordnetLexicon } from '../src/search/wordnet-lexicon.js';
import { bundledWordnetDir, WordNet } from '../src/search/wordnet.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const queries = ['queries.json', 'queries-holdout.json'].flatMap((f) =>
  (JSON.parse(readFileSync(path.join(root, 'eval', f), 'utf8')) as { query: string }[]).map((q) => q.query),
);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const fmt = (x: number) => x.toFixed(2);

function timeEach(fn: (q: string) => number): { ms: number[]; expansions: number } {
  const ms: number[] = [];
  let expansions = 0;
  for (const q of queries) {
    const t = performance.now();
    expansions += fn(q);
    ms.push(performance.now() - t);
  }
  return { ms, expansions: expansions / queries.length };
}

const rows: { label: string; ms: number[]; expansions: number }[] = [];
// The first parse compiles the hand-written list: that is its cold cost.
rows.push({ label: 'hand-written, parseQuery, first pass (compiles the list)', ...timeEach((q) => parseQuery(q).expansions.length) });
rows.push({ label: 'hand-written, parseQuery, warm', ...timeEach((q) => parseQuery(q).expansions.length) });

const wordnet = new WordnetLexicon(new WordNet(bundledWordnetDir()));
const wn = (q: string) => wordnet.expand({ text: q, tokens: tokenize(q) }).length;
rows.push({ label: 'WordNet expand(), cold reader', ...timeEach(wn) });
rows.push({ label: 'WordNet expand(), warm', ...timeEach(wn) });
const both = { ...DEFAULT_QUERY_OPTIONS, expansion: { same: 1, related: 1, sources: { handwritten: 1, wordnet: 1 } } };
rows.push({ label: 'both, parseQuery, warm', ...timeEach((q) => parseQuery(q, undefined, both, [handwrittenLexicon, wordnet]).expansions.length) });

console.log(`${queries.length} queries (eval/queries.json and queries-holdout.json)\n`);
console.log('| expansion | mean ms | p50 ms | p95 ms | max ms | expansions per query |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of rows) {
  const mean = r.ms.reduce((a, b) => a + b, 0) / r.ms.length;
  console.log(`| ${r.label} | ${fmt(mean)} | ${fmt(pct(r.ms, 50))} | ${fmt(pct(r.ms, 95))} | ${fmt(Math.max(...r.ms))} | ${r.expansions.toFixed(0)} |`);
}
