/**
 * What the enrichment passes (enrich.ts: summaries and examples; repair.ts: repairs) share when they talk to
 * a language model: prompt-sized code, the code in an answer, which name a usage example must mention, the
 * order examples keep, and when to stop asking.
 */
import type { Block, Example } from '../domain/block.js';
import { CodedistillError, describeError } from '../kernel/errors.js';
import { escapeRegExp } from '../kernel/text.js';
import { dedent, mask } from '../python/syntax.js';
import { isLlmError } from './client.js';

const MAX_PROMPT_CODE = 4_000;
/** Give up on the model after this many failures in a row, even when none says the setup is wrong. */
const MAX_CONSECUTIVE_FAILURES = 3;

/** Source cut to a prompt-sized head, saying how much was left out. */
export function truncateCode(code: string, max = MAX_PROMPT_CODE): string {
  if (code.length <= max) return code;
  const head = code.slice(0, max);
  const cut = head.lastIndexOf('\n');
  const kept = cut > max * 0.5 ? head.slice(0, cut) : head;
  const rest = code.slice(kept.length).split('\n').length;
  return `${kept}\n# ... (${rest} more lines not shown)`;
}

/**
 * The code of the first Python fence in a model's answer (```python, ```py or ```python3); an untagged fence
 * when there is no tagged one. Null when the answer holds no closed fence: a fence cut off by the token
 * limit is not runnable code.
 */
export function extractPythonCode(answer: string): string | null {
  const fence = /(^|\n)([ \t]*)(`{3,}|~{3,})[ \t]*([\w+.-]*)[^\n]*\n([\s\S]*?)\n[ \t]*\3[ \t]*(?=\n|$)/g;
  let untagged: string | null = null;
  for (const m of answer.replace(/\r\n?/g, '\n').matchAll(fence)) {
    const lang = (m[4] ?? '').toLowerCase();
    const body = dedent(m[5] ?? '').replace(/\s+$/, '');
    if (!body.trim()) continue;
    if (lang === 'python' || lang === 'py' || lang === 'python3') return body + '\n';
    if (lang === '' && untagged === null) untagged = body + '\n';
  }
  return untagged;
}

/**
 * Mined examples keep their order and come first; generated ones follow, those that passed before the rest;
 * import smoke checks stay last.
 */
export function orderExamples(examples: Example[]): Example[] {
  const mined = examples.filter((e) => e.source !== 'generated' && e.source !== 'import');
  const generated = examples.filter((e) => e.source === 'generated');
  const imports = examples.filter((e) => e.source === 'import');
  const passedFirst = [...generated.filter((e) => e.run?.status === 'passed'), ...generated.filter((e) => e.run?.status !== 'passed')];
  return [...mined, ...passedFirst, ...imports];
}

/** The name a user's code mentions to use the block: the class for a method. */
export function userFacingName(block: Block): string {
  if (block.kind === 'method') {
    const cls = block.qualifiedName.slice(0, block.qualifiedName.lastIndexOf('.'));
    return cls.slice(cls.lastIndexOf('.') + 1);
  }
  return block.name;
}

/** True when the code imports the block's package and names the block, as a usage example must. */
export function usesBlock(code: string, block: Block): boolean {
  const top = block.module.split('.')[0];
  if (!top) return false;
  const imports = new RegExp(`^\\s*(from\\s+${escapeRegExp(top)}(\\.|\\s)|import\\s+${escapeRegExp(top)}\\b)`, 'm').test(code);
  const names = [userFacingName(block), ...(block.kind === 'method' ? [block.name] : [])];
  return imports && names.every((n) => new RegExp(`\\b${escapeRegExp(n)}\\b`).test(code));
}

/** Stop asking after a fatal error (wrong address, key or model) or too many failures in a row. */
export class FailureGate {
  private consecutive = 0;
  stoppedBy: string | null = null;
  ok(): void {
    this.consecutive = 0;
  }
  /** Records a failure; returns the warning for it. Rethrows cancellation. */
  fail(e: unknown, what: string): string {
    if (e instanceof CodedistillError && e.code === 'cancelled') throw e;
    this.consecutive++;
    const text = describeError(e);
    if (!this.stoppedBy && ((isLlmError(e) && e.fatal) || this.consecutive >= MAX_CONSECUTIVE_FAILURES)) {
      this.stoppedBy = text;
      return `language model stopped after an error (${what}): ${text}`;
    }
    return `language model failed for ${what}: ${text}`;
  }
  get stopped(): boolean {
    return this.stoppedBy !== null;
  }
}

/**
 * Whether the code calls the block (a method through an attribute, `x.name(`), outside strings and comments: code
 * that only imports or prints it runs, and shows nothing about it.
 */
export function callsBlock(code: string, block: Block): boolean {
  const m = mask(code);
  const name = escapeRegExp(block.kind === 'method' ? block.name : userFacingName(block));
  return new RegExp(block.kind === 'method' ? `\\.\\s*${name}\\s*\\(` : `\\b${name}\\s*\\(`).test(m);
}
