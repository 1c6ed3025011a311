/**
 * The short names a repository writes for its own packages (`import control as ct`, `import radioactivedecay as
 * rd`): docstrings often say "examples assume `import radioactivedecay as rd`" and then use `rd.` with no import,
 * which runs only with that import in front. Read from the repository's own text (docstrings, docs, tests,
 * examples, README); nothing of it runs.
 */
import type { RepoFile } from '../../ingest/types.js';

const MAX_FILE_CHARS = 400_000;
const READ_ROLES: ReadonlySet<RepoFile['role']> = new Set(['library', 'test', 'example', 'notebook', 'docs']);

/** `import pkg[.sub] as alias` anywhere on a line, but not `from x import y as z`. */
const ALIAS_IMPORT = /(?:^|[^\w.])import\s+([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s+as\s+([A-Za-z_]\w*)/gm;

/**
 * alias → the import line that binds it, for the aliases the repository writes for its own top-level packages
 * (or their modules); when one alias stands for several targets, the one written most often wins.
 */
export async function packageAliases(
  files: readonly RepoFile[],
  read: (p: string) => Promise<string | null>,
  packageNames: readonly string[],
): Promise<Map<string, string>> {
  const counts = new Map<string, Map<string, number>>();
  for (const f of files) {
    if (f.size > MAX_FILE_CHARS || !/\.(py|pyi|rst|md|txt|ipynb)$/i.test(f.path)) continue;
    if (!READ_ROLES.has(f.role) && !/(^|\/)readme\.[^/]+$/i.test(f.path)) continue;
    const text = await read(f.path);
    if (!text) continue;
    for (const line of text.split('\n')) {
      if (/\bfrom\s+[\w.]+\s+import\b/.test(line)) continue;
      for (const m of line.matchAll(ALIAS_IMPORT)) {
        const [, target, alias] = m;
        if (!packageNames.includes(target!.split('.')[0]!) || alias === target) continue;
        const per = counts.get(alias!) ?? new Map<string, number>();
        per.set(target!, (per.get(target!) ?? 0) + 1);
        counts.set(alias!, per);
      }
    }
  }
  const out = new Map<string, string>();
  for (const [alias, per] of counts) {
    const [target] = [...per].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]!;
    out.set(alias, `import ${target} as ${alias}`);
  }
  return out;
}
