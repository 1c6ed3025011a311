/**
 * How a batch's snippets are split over sandboxes. Each sandbox costs a start and a preload (~0.5 s for a
 * scientific package) and runs its snippets one after another on one core, so:
 * - there are never fewer sandboxes than workers while there are snippets to fill them: a re-distill that runs
 *   again only the two dozen examples a change reached would otherwise run them all on one core;
 * - snippets are spread so that the sandboxes finish together: by how long each took when it last ran where that
 *   is known (the longest first, each to the sandbox with the least work so far), else in turn, since
 *   neighbouring examples (one notebook's cells, one module's doctests) tend to be alike;
 * - the sandbox with the most work is started first, so a long one does not start last and run alone.
 */

export interface Plannable {
  expectedMs?: number;
}

/** Groups of indexes into `items`, each at most `chunkSize` long, in the order they should be started. */
export function planChunks(items: readonly Plannable[], chunkSize: number, workers: number): number[][] {
  const n = items.length;
  if (n === 0) return [];
  const size = Math.max(1, Math.floor(chunkSize));
  const count = Math.max(Math.ceil(n / size), Math.min(Math.max(1, Math.floor(workers)), n));
  const chunks: number[][] = Array.from({ length: count }, () => []);
  const known = items.filter((it) => typeof it.expectedMs === 'number' && Number.isFinite(it.expectedMs));
  if (known.length === 0) {
    for (let i = 0; i < n; i++) chunks[i % count]!.push(i);
    return chunks;
  }
  // A snippet not run before (beside ones that were) is taken to be a typical one of them.
  const guess = median(known.map((it) => it.expectedMs as number));
  const cost = (i: number) => {
    const ms = items[i]!.expectedMs;
    return typeof ms === 'number' && Number.isFinite(ms) ? Math.max(0, ms) : guess;
  };
  const totals = new Array<number>(count).fill(0);
  const order = [...items.keys()].sort((a, b) => cost(b) - cost(a) || a - b);
  for (const i of order) {
    let best = -1;
    for (let c = 0; c < count; c++) {
      if (chunks[c]!.length >= size) continue;
      if (best < 0 || totals[c]! < totals[best]!) best = c;
    }
    chunks[best]!.push(i);
    totals[best]! += cost(i);
  }
  for (const c of chunks) c.sort((a, b) => a - b);
  return [...chunks.keys()].sort((a, b) => totals[b]! - totals[a]! || a - b).map((c) => chunks[c]!);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
