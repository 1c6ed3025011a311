/**
 * How a repository asks to be cited: its CITATION.cff rendered as one reference, else the first
 * BibTeX entry in a citation file, the README or docs/. Read from files; nothing is run.
 * CITATION.cff comes from repo-metadata.ts; the prose files are read here, their first 512 KiB.
 */
import { GuardedReader } from './guarded-read.js';
import { isTable as isObj, readYaml, type MetaTable as Obj } from './metadata.js';
import { readRepoMetadata, type RepoMetadata } from './repo-metadata.js';

const READ_LIMIT = 512 * 1024;

/**
 * How the repository asks to be cited: CITATION.cff rendered as "Authors (year). Title. Version.
 * doi:…", else the first BibTeX entry in CITATION.bib, a README or docs/. `meta` is the
 * repository's metadata when the caller has read it already (readRepoMetadata); without, it is read here.
 * Files are read through `reader` (links out of the repository are skipped and recorded there).
 */
export async function detectCitation(root: string, meta?: RepoMetadata, reader: GuardedReader = new GuardedReader(root)): Promise<string | null> {
  const cff = (meta ?? (await readRepoMetadata(root, undefined, reader))).citationCff;
  if (cff) {
    const rendered = renderCffDocument(cff.doc);
    if (rendered) return rendered;
  }
  const top = await reader.names('');
  const ordered = [
    ...top.filter((f) => /^citation(\.bib|\.txt|\.md)?$/i.test(f)),
    ...top.filter((f) => /^readme(\.[a-z]+)?$/i.test(f)).sort(),
  ].map((f) => f);
  const docs = (await reader.names('docs'))
    .filter((f) => /\.(md|rst|txt|bib|tex)$/i.test(f))
    .sort()
    .map((f) => `docs/${f}`);
  for (const rel of [...ordered, ...docs].slice(0, 40)) {
    const text = await reader.text(rel, { limit: READ_LIMIT, head: true });
    if (!text) continue;
    const bib = findBibtex(text);
    if (bib) return bib;
  }
  return null;
}

const BIB_TYPES = 'article|software|misc|inproceedings|proceedings|book|techreport|phdthesis|mastersthesis|manual|incollection|inbook|unpublished|online|dataset|report';

/** The first BibTeX entry in a text, dedented; null when there is none. */
export function findBibtex(text: string): string | null {
  const re = new RegExp(`@(${BIB_TYPES})\\s*\\{`, 'gi');
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const open = m.index + m[0].length - 1;
    let depth = 0;
    let end = -1;
    for (let i = open; i < text.length && i < open + 20_000; i++) {
      const c = text[i];
      if (c === '\\') {
        i++;
        continue;
      }
      if (c === '{') depth++;
      else if (c === '}' && --depth === 0) {
        end = i;
        break;
      }
    }
    if (end < 0) continue;
    const block = text.slice(m.index, end + 1);
    // A real entry has a key and at least one field, not just "@article{" in prose.
    if (!/^@\w+\s*\{\s*[^,\s{}]+\s*,[\s\S]*=/.test(block)) continue;
    const lines = block.split('\n');
    const indents = lines.slice(1).filter((l) => l.trim()).map((l) => /^[ \t]*/.exec(l)![0].length);
    const common = Math.min(...indents, /^[ \t]*/.exec(text.slice(text.lastIndexOf('\n', m.index) + 1, m.index))![0].length);
    const out = [lines[0]!, ...lines.slice(1).map((l) => l.slice(Math.min(common, /^[ \t]*/.exec(l)![0].length)))].join('\n').trim();
    return out.length > 6000 ? null : out;
  }
  return null;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? String(v) : null);

function renderPerson(p: unknown): string | null {
  if (typeof p === 'string') return p.trim() || null;
  if (!isObj(p)) return null;
  const family = str(p['family-names']);
  const particle = str(p['name-particle']);
  const suffix = str(p['name-suffix']);
  const given = str(p['given-names']);
  if (family) {
    const initials = given
      ? given
          .split(/\s+/)
          .filter(Boolean)
          .map((g) => g.split('-').map((x) => `${x[0]!.toUpperCase()}.`).join('-'))
          .join(' ')
      : '';
    const fam = [particle, family].filter(Boolean).join(' ');
    return [fam + (suffix ? ` ${suffix}` : ''), initials].filter(Boolean).join(', ');
  }
  return str(p.name) ?? given;
}

/** "Authors (year). Title. Version v. Journal. doi:…" from the text of a CITATION.cff. */
export function renderCff(text: string): string | null {
  return renderCffDocument(readYaml(text));
}

/** renderCff for a CITATION.cff already read as YAML. */
export function renderCffDocument(doc: unknown): string | null {
  if (!isObj(doc)) return null;
  const pref = isObj(doc['preferred-citation']) ? doc['preferred-citation'] : null;
  const src: Obj = pref ?? doc;
  const title = str(src.title) ?? str(doc.title);
  if (!title) return null;
  const authorsRaw = Array.isArray(src.authors) ? src.authors : Array.isArray(doc.authors) ? doc.authors : [];
  const names = authorsRaw.map(renderPerson).filter((x): x is string => !!x);
  const authors = names.length > 8 ? `${names.slice(0, 8).join(', ')}, et al.` : names.join(', ');
  const yearOf = (v: unknown) => /\b(\d{4})\b/.exec(str(v) ?? '')?.[1] ?? null;
  const year = str(src.year) ?? yearOf(src['date-published']) ?? yearOf(src['date-released']) ?? yearOf(doc['date-released']);
  const version = pref ? null : str(doc.version);
  const journal = pref ? (str(pref.journal) ?? (isObj(pref.conference) ? str(pref.conference.name) : null)) : null;
  const idDoi = (ids: unknown) =>
    Array.isArray(ids) ? (ids.filter(isObj).find((i) => str(i.type)?.toLowerCase() === 'doi')?.value as string | undefined) ?? null : null;
  const doi = str(src.doi) ?? idDoi(src.identifiers) ?? str(doc.doi) ?? idDoi(doc.identifiers);
  const head = authors ? `${authors}${year ? ` (${year})` : ''}. ` : year ? `(${year}). ` : '';
  const parts = [`${head}${title.replace(/\.$/, '')}.`];
  if (version) parts.push(`Version ${version}.`);
  if (journal) parts.push(`${journal.replace(/\.$/, '')}.`);
  if (doi) parts.push(`doi:${str(doi)!.replace(/^https?:\/\/(dx\.)?doi\.org\//i, '')}`);
  return parts.join(' ');
}

