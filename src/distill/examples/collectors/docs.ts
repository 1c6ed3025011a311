/**
 * Code in the README and the docs: each Python fence that imports the package and calls a block, joined
 * with the preceding fences it needs to run alone (a tutorial's later fences use names its first ones bind).
 */
import { callsIn, freeNames } from '../../../python/syntax.js';
import { scopeOf } from '../call-resolver.js';
import { makeExample, TIER, type Candidate, type Collector } from '../collector.js';
import { docCodeBlocks, type DocSnippet } from '../doc-fences.js';
import { importsPackage, normaliseImports } from '../import-rewrite.js';

const MAX_DOC_FILE_CHARS = 400_000;

const CONVENTIONAL_ALIASES: Record<string, string> = {
  np: 'import numpy as np',
  pd: 'import pandas as pd',
  plt: 'import matplotlib.pyplot as plt',
};

export const docCollector: Collector = {
  source: 'readme',
  async collect(ctx) {
    const { calls, input } = ctx;
    const candidates: Candidate[] = [];
    const docFiles = input.files.filter(
      (f) => /\.(md|markdown|rst)$/i.test(f.path) && (f.role === 'docs' || /(^|\/)readme\.[^/]+$/i.test(f.path)) && f.size <= MAX_DOC_FILE_CHARS,
    );
    docFiles.sort((a, b) => Number(!/readme/i.test(a.path)) - Number(!/readme/i.test(b.path)) || a.path.localeCompare(b.path));
    for (const f of docFiles) {
      await ctx.guard(f.path, async () => {
        const text = await ctx.read(f.path);
        if (text === null) return;
        const snippets = docCodeBlocks(text, /\.rst$/i.test(f.path) ? 'rst' : 'md');
        for (let k = 0; k < snippets.length; k++) {
          const s = snippets[k]!;
          const code = standaloneDocCode(snippets, k);
          if (code === null) continue;
          const normalised = normaliseImports(code.code, '', false, calls);
          if (normalised === null || !importsPackage(normalised, input.packageNames)) continue;
          // Blocks the snippet itself calls; earlier snippets only provide its context.
          const own = new Set(callsIn(s.code).map((c) => c.split('.').pop()!));
          const called = calls.calledBy(normalised, scopeOf(normalised, '', false)).filter((b) => own.has(b.name));
          if (called.length === 0) continue;
          candidates.push({ kind: 'example', example: makeExample(normalised, 'readme', f.path, s.line, code.expectedOutput), tier: TIER.readme, needsPytest: false, blocks: called });
        }
      });
    }
    return candidates;
  },
};

/**
 * Code for doc snippet k that runs alone: the snippet itself when every name it reads is bound there (or
 * by a conventional alias such as np), else the shortest run of preceding snippets that binds them.
 */
function standaloneDocCode(snippets: DocSnippet[], k: number): { code: string; expectedOutput: string | null } | null {
  for (let j = k; j >= 0; j--) {
    const run = snippets.slice(j, k + 1);
    const joined = run.map((s) => s.code).join('\n');
    const free = [...freeNames(joined)];
    const missing = free.filter((n) => !CONVENTIONAL_ALIASES[n]);
    if (missing.length > 0) continue;
    const extra = free.map((n) => CONVENTIONAL_ALIASES[n]!);
    // Expected output is known only when every part is a doctest (plain code may print too).
    const expected = run.every((s) => s.doctest) && run.some((s) => s.expectedOutput) ? run.map((s) => s.expectedOutput ?? '').join('') : null;
    return { code: [...extra, joined].join('\n'), expectedOutput: expected };
  }
  return null;
}
