/**
 * What an eval measures of a ranked answer: hit@1/5/10, MRR, and how well the top hit's score and confidence
 * separate questions with an answer from questions nothing answers. Shared by the fixture and the real eval.
 */

export interface Query {
  query: string;
  expected: string[];
  note?: string;
  /** The repository the question is about (real eval), null for a question nothing answers. */
  repo?: string | null;
}

export interface Ranked {
  /** qualified names, best first */
  names: string[];
  /** the top hit's score and confidence: what an agent would read to decide "no good match" */
  topScore: number;
  /** 'high' or 'medium': an agent would use the top hit; 'low' tells it nothing fits. */
  topAccepted: boolean;
  /** 'high': the strongest claim search makes; a no-answer query must never get it. */
  topHigh: boolean;
  topConfidence: string;
}

export interface Metrics {
  system: string;
  answerable: number;
  noAnswer: number;
  hit1: number;
  hit5: number;
  hit10: number;
  mrr: number;
  /** Probability a random answerable query's top score beats a random no-answer query's (1 = perfect). */
  auc: number;
  /** Share of no-answer queries whose top hit is rejected (confidence 'low', or no hit at all). */
  noAnswerRejected: number;
  /** Share of no-answer queries whose top hit claims 'high' confidence: the worst kind of false positive. */
  noAnswerHigh: number;
  /** Share of correct top-1 hits that are accepted (confidence 'high' or 'medium'). */
  answerableAccepted: number;
}

export function metrics(system: string, queries: readonly Query[], ranked: readonly Ranked[]): Metrics {
  let h1 = 0, h5 = 0, h10 = 0, rr = 0, acc = 0, rej = 0, high = 0;
  const pos: number[] = [];
  const neg: number[] = [];
  queries.forEach((q, i) => {
    const r = ranked[i]!;
    if (q.expected.length === 0) {
      neg.push(r.topScore);
      if (!r.topAccepted) rej++;
      if (r.topHigh) high++;
      return;
    }
    pos.push(r.topScore);
    const rank = r.names.findIndex((n) => q.expected.includes(n));
    if (rank === 0) h1++;
    if (rank >= 0 && rank < 5) h5++;
    if (rank >= 0 && rank < 10) h10++;
    if (rank >= 0) rr += 1 / (rank + 1);
    if (rank === 0 && r.topAccepted) acc++;
  });
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  const n = pos.length;
  return {
    system,
    answerable: n,
    noAnswer: neg.length,
    hit1: h1 / n,
    hit5: h5 / n,
    hit10: h10 / n,
    mrr: rr / n,
    auc: pos.length && neg.length ? wins / (pos.length * neg.length) : NaN,
    noAnswerRejected: neg.length ? rej / neg.length : NaN,
    noAnswerHigh: neg.length ? high / neg.length : NaN,
    answerableAccepted: h1 ? acc / h1 : NaN,
  };
}

export function table(rows: Metrics[]): string {
  const pct = (x: number) => (Number.isNaN(x) ? '  n/a' : `${(100 * x).toFixed(1).padStart(5)}`);
  const head = '| system | hit@1 | hit@5 | hit@10 | MRR | no-answer AUC | no-answer rejected | no-answer high | correct top-1 accepted |';
  const sep = '|---|---:|---:|---:|---:|---:|---:|---:|---:|';
  const lines = rows.map(
    (m) =>
      `| ${m.system} | ${pct(m.hit1)} | ${pct(m.hit5)} | ${pct(m.hit10)} | ${m.mrr.toFixed(3)} | ${m.auc.toFixed(3)} | ${pct(m.noAnswerRejected)} | ${pct(m.noAnswerHigh)} | ${pct(m.answerableAccepted)} |`,
  );
  return [head, sep, ...lines].join('\n');
}

export function misses(label: string, queries: readonly Query[], ranked: readonly Ranked[]): string[] {
  const out: string[] = [];
  queries.forEach((q, i) => {
    const r = ranked[i]!;
    const rank = r.names.findIndex((n) => q.expected.includes(n));
    const top = `${r.names[0] ?? '(nothing)'} [${r.topConfidence} ${r.topScore.toFixed(3)}]`;
    if (q.expected.length === 0) {
      if (r.topAccepted) out.push(`  ${label} no-answer accepted: "${q.query}" -> ${top}`);
    } else if (rank !== 0) {
      out.push(`  ${label} rank ${rank < 0 ? '>10' : rank + 1}: "${q.query}" -> ${top}; want ${q.expected[0]}`);
    } else if (!r.topAccepted) {
      out.push(`  ${label} correct but rejected: "${q.query}" -> ${top}`);
    }
  });
  return out;
}

