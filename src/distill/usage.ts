import type { Block } from '../domain/block.js';

/** The import a user writes for this block: methods come through their class. */
export function importLineFor(block: Block): string {
  if (block.language !== 'python') return '';
  if (block.kind === 'method') {
    const cls = block.qualifiedName.slice(0, block.qualifiedName.lastIndexOf('.'));
    const clsName = cls.slice(cls.lastIndexOf('.') + 1);
    return `from ${block.module} import ${clsName}`;
  }
  if (block.kind === 'workflow' || block.kind === 'pattern') return '';
  return `from ${block.module} import ${block.name}`;
}

/**
 * Ready-to-run code for get_pattern: the best example that passed, else the best example, else the import
 * and a call skeleton built from the signature.
 */
export function usageFor(block: Block): string {
  const passed = block.examples.find((e) => e.run?.status === 'passed' && e.source !== 'import');
  // A pattern's own code is its template: better than a member example that never ran.
  if (block.kind === 'pattern' && !passed) return block.code.trimEnd();
  const any = passed ?? block.examples.find((e) => e.source !== 'import');
  if (any) return any.code.trimEnd();
  if (block.kind === 'workflow') return block.code.trimEnd();
  const imp = importLineFor(block);
  const args = block.parameters
    .filter((p) => p.default === null && (p.kind === 'positional' || p.kind === 'positional_only' || p.kind === 'keyword_only'))
    .map((p) => (p.kind === 'keyword_only' ? `${p.name}=...` : '...'));
  if (block.language !== 'python') return block.signature;
  if (block.kind === 'method') {
    const cls = block.qualifiedName.split('.').slice(-2, -1)[0] ?? 'obj';
    return `${imp}\n\nobj = ${cls}(...)  # see the class's own entry for its arguments\nresult = obj.${block.name}(${args.join(', ')})`;
  }
  if (block.kind === 'class') return `${imp}\n\nobj = ${block.name}(${args.join(', ')})`;
  return `${imp}\n\nresult = ${block.name}(${args.join(', ')})`;
}

/**
 * The usage an answer of limited size shows: `usage` when it fits in `maxChars`, else the best example that
 * passed and fits (a shorter validated example runs as it is; a cut one may not), else `usage` itself, for the
 * caller to cut.
 */
export function usageWithin(block: Block, usage: string, maxChars: number): string {
  if (usage.length <= maxChars) return usage;
  const fits = block.examples.find((e) => e.run?.status === 'passed' && e.source !== 'import' && e.code.trimEnd().length <= maxChars);
  return fits ? fits.code.trimEnd() : usage;
}
