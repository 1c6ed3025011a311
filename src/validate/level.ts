/**
 * Whether an example's run counts as checked: it passed and matched what the repository states the result is.
 * Only code mined from the repository can state that (a doctest's output, a test's asserts); code made for a block
 * (an import check, a model's example, a synthesized call) only shows that the block runs, whatever it prints or
 * asserts, so its runs are `ran` at best.
 */
import type { Example } from '../domain/block.js';
import { levelOf, type RunRecord, type ValidationLevel } from '../domain/validation.js';
import { mask } from '../python/syntax.js';

/**
 * Sources whose code is the repository's own, so their expected output and asserts are the repository's word.
 * An allowlist: a source not named here (import, generated, synthesized, any added later) never claims checked.
 */
const STATED_BY_REPOSITORY: ReadonlySet<string> = new Set(['doctest', 'test', 'script', 'notebook', 'readme', 'docs']);

/** Whether examples from this source may be `checked`. */
export function mayClaimChecked(source: string): boolean {
  return STATED_BY_REPOSITORY.has(source);
}

/**
 * Whether the code asserts something about its results: an `assert` statement or a testing helper's assert call
 * (numpy.testing.assert_allclose, self.assert* rewritten to assert), outside strings and comments. A mined test
 * keeps its asserts (distill/examples/test-example.ts), and snippets run without -O, so a passed run held them.
 * An assert of a constant (`assert True`, `assert "message"`: always true) checks nothing and does not count.
 */
export function assertsResults(code: string): boolean {
  const m = mask(code);
  return /^\s*assert\b(?!\s*(?:\(?\s*(?:True|[1-9]\d*(?:\.\d*)?|[rRbBuUfF]{0,2}(?:"[^"\n]*"|'[^'\n]*'))\s*\)?)\s*(?:,|$))/m.test(m) || /\bassert_\w*\s*\(|\btesting\.assert/.test(m);
}

/**
 * The level of a run of `code` that the `examples` share (identical code runs once): checked when it passed and
 * either matched a stated output or held the asserts it makes, and every example sharing it may claim checked.
 */
export function exampleRunLevel(run: RunRecord, code: string, examples: readonly Pick<Example, 'source' | 'repairedFrom'>[]): ValidationLevel | null {
  const level = levelOf(run);
  if (level !== 'checked' && level !== 'ran') return level;
  // A model-repaired example is the model's code now, whatever source it was mined from.
  const stated = examples.length > 0 && examples.every((e) => mayClaimChecked(e.source) && !e.repairedFrom);
  if (!stated) return 'ran';
  return level === 'checked' || assertsResults(code) ? 'checked' : 'ran';
}
