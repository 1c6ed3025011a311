/**
 * The repository's example scripts, whole: as workflows and, when short, as examples of the blocks they call.
 */
import { mask } from '../../../python/syntax.js';
import { clip, firstSentence } from '../../summary.js';
import { scopeOf } from '../call-resolver.js';
import type { Candidate, Collector } from '../collector.js';
import { importsPackage, normaliseImports } from '../import-rewrite.js';
import { wholeFileCandidates } from '../workflows.js';

export const scriptCollector: Collector = {
  source: 'script',
  async collect(ctx) {
    const { calls, input } = ctx;
    const candidates: Candidate[] = [];
    for (const f of input.files.filter((x) => x.role === 'example' && /\.py$/.test(x.path))) {
      await ctx.guard(f.path, async () => {
        const text = await ctx.read(f.path);
        if (text === null) return;
        const pf = input.parsedFiles.find((p) => p.path === f.path);
        const normalised = normaliseImports(text, pf?.module ?? '', false, calls);
        if (normalised === null || !importsPackage(normalised, input.packageNames)) return;
        const code = normalised.replace(/^#!.*\n/, '').replace(/^#.*coding[:=].*\n/, '').replace(/\s+$/, '') + '\n';
        const called = calls.calledBy(code, scopeOf(code, '', false));
        if (called.length === 0) return;
        const summary = scriptSummary(pf?.moduleDocstring ?? null, code);
        candidates.push(...wholeFileCandidates({ path: f.path, code, called, summary, source: 'script', startLine: 1, runsBare: !needsCommandLine(code) }));
      });
    }
    return candidates;
  },
};

/** Scripts that need command-line arguments fail when run bare. */
function needsCommandLine(code: string): boolean {
  const m = mask(code);
  if (/\bsys\.argv\s*\[\s*[1-9]/.test(m)) return true;
  for (const am of code.matchAll(/add_argument\s*\(\s*(["'])([^"']*)\1([^)]*)\)/g)) {
    if (!am[2]!.startsWith('-') && !/nargs\s*=\s*["'][?*]["']|default\s*=/.test(am[3]!)) return true;
    if (/required\s*=\s*True/.test(am[3]!)) return true;
  }
  return false;
}

/** The first sentence of the module docstring, else of the comment the script opens with. */
function scriptSummary(docstring: string | null, code: string): string | null {
  if (docstring && docstring.trim()) return clip(firstSentence(docstring.split(/\n\s*\n/)[0]!), 300);
  const lines = code.split('\n');
  const comment: string[] = [];
  for (const l of lines) {
    const t = l.trim();
    if (t.startsWith('#!') || /coding[:=]/.test(t)) continue;
    if (t.startsWith('#')) {
      comment.push(t.replace(/^#+\s?/, ''));
      continue;
    }
    if (t === '' && comment.length === 0) continue;
    break;
  }
  const text = comment.join(' ').trim();
  return text ? clip(firstSentence(text), 300) : null;
}
