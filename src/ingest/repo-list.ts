/**
 * The repository list a batch reads and discovery writes: plain text the user edits, one source per line,
 * `owner/name[@commit]` (or a GitHub URL or folder, as distill takes it), `#` starting a comment (discovery puts
 * stars, licence and description there). Blank lines and comments are ignored; a repeated source is kept once.
 */
import { CodedistillError } from '../kernel/errors.js';
import type { DiscoveredRepo, RepoListEntry } from '../domain/batch.js';
import { isSafeRef } from './github-ids.js';

/** The first word of a line is the source; `@ref` on an owner/name (not on a URL or path with @ elsewhere). */
export function parseRepoList(text: string, file = 'the repository list'): RepoListEntry[] {
  const out: RepoListEntry[] = [];
  const seen = new Set<string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/(^|\s)#.*$/, '').trim();
    if (!line) continue;
    const word = line.split(/\s+/)[0]!;
    if (line.split(/\s+/).length > 1) {
      throw new CodedistillError(
        'invalid_input',
        `${file}, line ${i + 1}: one source per line, got "${line.slice(0, 80)}".`,
        'Write one owner/name[@commit] per line; put remarks after a #.',
      );
    }
    const m = /^([A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9._-]+)@(.+)$/.exec(word);
    const entry: RepoListEntry = m ? { source: m[1]!, ref: m[2]! } : { source: word, ref: null };
    if (entry.ref !== null && !isSafeRef(entry.ref)) {
      throw new CodedistillError('invalid_input', `${file}, line ${i + 1}: "${entry.ref}" is not a valid ref.`, 'After @ give a commit, tag or branch name.');
    }
    const key = `${entry.source.toLowerCase()}@${entry.ref ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(entry);
  }
  return out;
}

/** A discovery as a list file: a header saying what produced it, then one commented line per repository. */
export function formatRepoList(repos: DiscoveredRepo[], header: string[]): string {
  const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();
  const lines = header.map((h) => `# ${oneLine(h)}`);
  for (const r of repos) {
    const facts = [`★${r.stars}`, r.licence ?? 'no licence', r.description ? oneLine(r.description).slice(0, 120) : null].filter(Boolean);
    lines.push(`${r.repo}${r.commit ? `@${r.commit}` : ''}  # ${facts.join(' · ')}`);
  }
  return lines.join('\n') + '\n';
}
