/**
 * A repository's metadata files, each read and parsed once for everything that asks about them:
 * the licence (licence.ts), the citation (citation.ts) and the declared dependencies (declared.ts). Every read
 * goes through the guarded reader (guarded-read.ts): a link out of the repository is skipped, never followed.
 *
 * Size policy, one for all of them: a metadata file is read whole when it is at most
 * METADATA_READ_LIMIT (1 MiB, the walk's default file limit) and not read at all when larger, since
 * a truncated TOML or YAML document would be read as something the file does not say. A file that
 * cannot be read counts as absent. Names are matched case-insensitively at the repository's top,
 * as pip and setuptools find them, except CITATION.cff, whose name the CFF format fixes.
 *
 * Licence texts, READMEs and docs are prose, not metadata: their readers stay with them.
 */
import { GuardedReader } from './guarded-read.js';
import { readDcf, readIni, readToml, readYaml, type MetaTable } from './metadata.js';
import { readSetupPy, type SetupPy } from './setup-py.js';

export const METADATA_READ_LIMIT = 1024 * 1024;

export interface RepoMetadata {
  /** Each piece names the repo-relative file it came from. */
  pyproject: { file: string; doc: MetaTable } | null;
  setupCfg: { file: string; sections: Record<string, Record<string, string>> } | null;
  setupPy: ({ file: string } & SetupPy) | null;
  description: { file: string; fields: Record<string, string> } | null;
  /** CITATION.cff as its YAML document (null when it holds none). */
  citationCff: { file: string; doc: unknown } | null;
  /** requirements*.txt / *.in at the top, then those in requirements/, reqs/, requirements.d/ folders. */
  requirements: Array<{ file: string; text: string }>;
  /** environment.yml and the like, as YAML documents. */
  environments: Array<{ file: string; doc: unknown }>;
}

const REQUIREMENT_DIRS = ['requirements', 'reqs', 'requirements.d'];

/**
 * Reads the metadata files of the repository at `root`. With `files` (repo-relative paths, such as
 * the walk's), only those are considered; without, the folders are listed. `reader` collects what was refused.
 */
export async function readRepoMetadata(root: string, files?: readonly string[], reader: GuardedReader = new GuardedReader(root)): Promise<RepoMetadata> {
  const list = async (dir: string): Promise<string[]> => {
    if (files) {
      const prefix = dir ? `${dir}/` : '';
      return files.filter((f) => f.startsWith(prefix) && !f.slice(prefix.length).includes('/')).map((f) => f.slice(prefix.length));
    }
    return reader.names(dir);
  };
  const read = (rel: string) => reader.text(rel, { limit: METADATA_READ_LIMIT });
  const top = await list('');
  const has = (n: string) => top.find((f) => f.toLowerCase() === n.toLowerCase()) ?? null;
  const readOne = async <T>(rel: string | null, parse: (text: string) => T): Promise<({ file: string } & T) | null> => {
    const text = rel ? await read(rel) : null;
    return rel && text ? { file: rel, ...parse(text) } : null;
  };

  // The plain requirements.txt first: it is the runtime list the others usually extend.
  const reqFiles = top
    .filter((f) => /^requirements.*\.(txt|in)$/i.test(f))
    .sort((a, b) => Number(!/^requirements\.txt$/i.test(a)) - Number(!/^requirements\.txt$/i.test(b)) || a.localeCompare(b));
  // A listed folder is the first part of a listed path; readdir names folders itself.
  const dirs = files ? [...new Set(files.filter((f) => f.includes('/')).map((f) => f.slice(0, f.indexOf('/'))))] : top;
  for (const dir of REQUIREMENT_DIRS) {
    const d = dirs.find((f) => f.toLowerCase() === dir) ?? null;
    if (!d) continue;
    const inner = await list(d);
    reqFiles.push(...inner.filter((f) => /\.(txt|in)$/i.test(f)).sort().map((f) => `${d}/${f}`));
  }
  const requirements: RepoMetadata['requirements'] = [];
  for (const file of reqFiles) {
    const text = await read(file);
    if (text) requirements.push({ file, text });
  }
  const environments: RepoMetadata['environments'] = [];
  for (const file of top.filter((x) => /^(environment|conda[-_]?env(ironment)?)([-_.][\w.-]*)?\.ya?ml$/i.test(x)).sort()) {
    const text = await read(file);
    if (text) environments.push({ file, doc: readYaml(text) });
  }

  return {
    pyproject: await readOne(has('pyproject.toml'), (t) => ({ doc: readToml(t) })),
    setupCfg: await readOne(has('setup.cfg'), (t) => ({ sections: readIni(t) })),
    setupPy: await readOne(has('setup.py'), readSetupPy),
    description: await readOne(has('DESCRIPTION'), (t) => ({ fields: readDcf(t) })),
    citationCff: await readOne(top.includes('CITATION.cff') ? 'CITATION.cff' : null, (t) => ({ doc: readYaml(t) })),
    requirements,
    environments,
  };
}
