/**
 * The blocks of a library, assembled from what the earlier stages found: each selected symbol with its
 * imports, requirements, provenance, mined examples and rank; then each example script or notebook as a
 * workflow block linked to the blocks it calls.
 */
import path from 'node:path';
import { blockId, type Block, type Example } from '../domain/block.js';
import type { DeclaredDependency } from '../ingest/declared.js';
import type { FileRole, ResolvedSource } from '../ingest/types.js';
import { detectCompute } from './compute.js';
import type { WorkflowCandidate } from './examples/collector.js';
import { blockRequirements, workflowRequirements } from './requirements.js';
import type { SelectedSymbol } from './select.js';
import { summarize } from './summary.js';

/** What every block of one library shares. */
export interface BlockContext {
  library: string;
  source: ResolvedSource;
  licence: string;
  citation: string | null;
  declared: DeclaredDependency[];
  /** The repository's own top-level packages (never a requirement). */
  packages: string[];
  roles: ReadonlyMap<string, FileRole>;
}

export function provenanceFor(src: ResolvedSource, file: string, startLine: number, endLine: number): Block['provenance'] {
  const url =
    src.kind === 'github' && src.url && !src.commit.startsWith('sha256:')
      ? `${src.url.replace(/\/$/, '')}/blob/${src.commit}/${file}#L${startLine}-L${endLine}`
      : null;
  return { repo: src.repo, url, commit: src.commit, path: file, startLine, endLine };
}

/** `base`, or `base~2`, `base~3`... whichever is not taken yet; the name returned is then taken. */
function uniqueName(base: string, taken: Set<string>): string {
  let qn = base;
  for (let n = 2; taken.has(qn); n++) qn = `${base}~${n}`;
  taken.add(qn);
  return qn;
}

/** One block per selected symbol, in selection order; a qualified name met twice gets a `~2` suffix. */
export function symbolBlocks(
  selected: readonly SelectedSymbol[],
  examples: ReadonlyMap<string, Example[]>,
  ranks: ReadonlyMap<string, number>,
  ctx: BlockContext,
): Block[] {
  const taken = new Set<string>();
  return selected.map((s) => {
    const sym = s.symbol;
    const file = s.file;
    const qn = uniqueName(s.qualifiedName, taken);
    const used = new Set(sym.identifiers);
    const usedImports = file.imports.filter((im) => im.names.some((n) => n === '*' || used.has(n)));
    const imports = usedImports.map((im) => im.text);
    // Module-level imports the block uses, and imports inside its own body (optional dependencies often are).
    const requirements = file.language === 'python' ? blockRequirements(usedImports.map((im) => im.module), sym.code, ctx.declared, ctx.packages) : [];
    return {
      id: blockId(ctx.library, qn),
      library: ctx.library,
      language: file.language,
      kind: sym.kind,
      name: sym.name,
      qualifiedName: qn,
      module: s.publicImport ?? s.module,
      signature: sym.signature,
      docstring: sym.docstring,
      summary: summarize(sym.docstring, sym.name, sym.kind),
      code: sym.code,
      decorators: sym.decorators,
      parameters: sym.parameters,
      returns: sym.returns,
      imports,
      calls: sym.calls,
      requirements,
      licence: ctx.licence,
      citation: ctx.citation,
      provenance: provenanceFor(ctx.source, file.path, sym.startLine, sym.endLine),
      examples: examples.get(s.qualifiedName) ?? [],
      validation: null,
      compute: detectCompute(sym.code, imports, sym.calls),
      rank: ranks.get(s.qualifiedName) ?? 0,
      tags: [ctx.roles.get(file.path) ?? 'library', ...(sym.parent ? [sym.parent] : []), ...(s.tags ?? [])],
      prose: [],
    };
  });
}

/**
 * One block per workflow candidate (the repository's own example scripts and notebooks), its one example
 * the whole file, tagged with the names of the blocks it calls. Qualified names stay unique across `blocks`.
 */
export function workflowBlocks(workflows: readonly WorkflowCandidate[], blocks: readonly Block[], ctx: BlockContext): Block[] {
  const taken = new Set(blocks.map((b) => b.qualifiedName));
  const byQn = new Map(blocks.map((b) => [b.qualifiedName, b]));
  return workflows.map((w) => {
    const qn = uniqueName(`workflow.${w.path.replace(/\.[^.]+$/, '').replace(/[^A-Za-z0-9]+/g, '_')}`, taken);
    const lines = w.code.split('\n').length;
    return {
      id: blockId(ctx.library, qn),
      library: ctx.library,
      language: 'python',
      kind: 'workflow',
      name: path.posix.basename(w.path),
      qualifiedName: qn,
      module: '',
      signature: `# workflow: ${w.path}`,
      docstring: w.summary,
      summary: w.summary ?? `Example workflow ${w.path}`,
      code: w.code,
      decorators: [],
      parameters: [],
      returns: null,
      imports: [],
      calls: w.callsBlocks,
      requirements: workflowRequirements(w.code, ctx.declared, ctx.packages),
      licence: ctx.licence,
      citation: ctx.citation,
      provenance: provenanceFor(ctx.source, w.path, 1, lines),
      examples: [{ code: w.code, source: w.path.endsWith('.ipynb') ? 'notebook' : 'script', path: w.path, startLine: 1, expectedOutput: null, run: null }],
      validation: null,
      compute: detectCompute(w.code, [], []),
      rank: 0,
      tags: ['workflow', ...w.callsBlocks.map((c) => byQn.get(c)?.name ?? c)],
      prose: [],
    };
  });
}
