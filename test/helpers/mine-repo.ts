/**
 * An in-memory repository for the miners' tests: its Python files parsed, its blocks selected as the pipeline
 * selects them, and everything handed over as the MineInput one mining pass takes.
 */
import type { MineInput } from '../../src/distill/examples/context.js';
import { selectSymbols } from '../../src/distill/select.js';
import type { FileRole, RepoFile } from '../../src/ingest/types.js';
import type { CodeParser } from '../../src/parse/types.js';

export function memoryRepo(parser: CodeParser, files: Record<string, [FileRole, string]>, packageNames: string[], importRoots = ['']): MineInput {
  const repoFiles: RepoFile[] = Object.entries(files).map(([p, [role, text]]) => ({
    path: p,
    absPath: `/nowhere/${p}`,
    size: text.length,
    role,
    roleReason: 'test',
    language: p.endsWith('.py') ? 'python' : null,
  }));
  const parsed = repoFiles.filter((f) => f.language).map((f) => parser.parse(f.path, files[f.path]![1], importRoots));
  const sel = selectSymbols(parsed, new Map(repoFiles.map((f) => [f.path, f.role])));
  return {
    blocks: sel.map((s) => ({ qualifiedName: s.qualifiedName, name: s.name, module: s.module, publicImport: s.publicImport, kind: s.kind, parent: s.parent })),
    parsedFiles: parsed,
    files: repoFiles,
    readText: async (p) => {
      const f = files[p];
      if (!f) throw new Error(`no such file ${p}`);
      return f[1];
    },
    packageNames,
  };
}
