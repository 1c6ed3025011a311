/**
 * What a repository's .gitignore files leave out, so that the walk and the content hash of a local
 * folder see the files git would: rules read with the ignore package, one scope per .gitignore.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';

/** The rules of one .gitignore file, which apply to paths under its folder. */
export interface GitignoreScope {
  dir: string;
  rules: Ignore;
}

/** A .gitignore larger than this is not a list of patterns anyone wrote; it is left unread. */
const GITIGNORE_BYTES = 256 * 1024;

export async function readGitignore(absDir: string, relDir: string): Promise<GitignoreScope | null> {
  try {
    const abs = path.join(absDir, '.gitignore');
    if ((await fs.stat(abs)).size > GITIGNORE_BYTES) return null;
    return { dir: relDir, rules: ignore().add(await fs.readFile(abs, 'utf8')) };
  } catch {
    return null;
  }
}

/**
 * Why git would leave this path out ("ignored by .gitignore (*.log)"), or null. As in git, a deeper
 * .gitignore overrides the ones above it, and a "!pattern" there takes a path back in.
 */
export function gitignored(scopes: GitignoreScope[], rel: string, isDir: boolean): string | null {
  let verdict: string | null = null;
  for (const scope of scopes) {
    const sub = scope.dir === '' ? rel : rel.slice(scope.dir.length + 1);
    const r = scope.rules.test(isDir ? `${sub}/` : sub);
    if (r.ignored) verdict = `ignored by ${scope.dir ? `${scope.dir}/` : ''}.gitignore (${r.rule?.pattern ?? 'a rule'})`;
    else if (r.unignored) verdict = null;
  }
  return verdict;
}

/**
 * A Python module inside a package is read even when git ignores it: build steps write modules the package
 * imports (setuptools_scm's `_version.py`, a generated `version.py`) and keep them out of git, so leaving them
 * out would make the library's snapshot of a built checkout unimportable.
 */
export function keptDespiteIgnore(name: string, dirEntries: ReadonlyArray<{ name: string; isFile(): boolean }>): boolean {
  return name.endsWith('.py') && dirEntries.some((e) => e.name === '__init__.py' && e.isFile());
}
