/**
 * Dependencies a repository declares, read statically from its metadata files: requirements*.txt
 * (and requirements/ folders), pyproject.toml (PEP 621, PEP 735, Poetry), setup.cfg, setup.py,
 * environment.yml and R's DESCRIPTION. Nothing is executed: setup.py is read as text. The files
 * themselves are read by repo-metadata.ts; this module turns their parsed contents into lists.
 */
import path from 'node:path';
import { normaliseDistName } from '../python/distributions.js';
import { asStrings, asTable, readDcf, readIni, readToml, readYaml, type MetaTable } from './metadata.js';
import { readRepoMetadata, type RepoMetadata } from './repo-metadata.js';
import { assignedBracket, dictOfLists, readSetupPy, stringsIn, type SetupPy } from './setup-py.js';

export type Ecosystem = 'pypi' | 'conda' | 'cran';

export interface DeclaredDependency {
  /** PEP 503-normalised for pypi and conda; CRAN names keep their case. */
  name: string;
  /** What follows the name: extras, version constraints, markers; "" when none. */
  spec: string;
  /** Repo-relative file it was declared in. */
  source: string;
  ecosystem: Ecosystem;
  /** Extra, group or section: null for the main runtime list; "test", "dev", "Imports", "pip", ... */
  group: string | null;
}

const PEP508_NAME = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)/;

/** Name and the rest of one PEP 508 requirement; null when it is not one (a URL, an option...). */
export function parseRequirement(line: string): { name: string; spec: string } | null {
  let s = line.replace(/(^|\s)#.*$/, '').trim();
  // Per-requirement pip options such as --hash=... are not part of the requirement.
  s = s.replace(/\s+--?[a-z][\w-]*(=\S*)?(\s+|$)/gi, ' ').trim();
  if (!s || s.startsWith('-') || /^[a-z+]+:\/\//i.test(s) || s.startsWith('.') || s.startsWith('/')) return null;
  const m = PEP508_NAME.exec(s);
  if (!m) return null;
  const rest = s.slice(m[1]!.length).trim();
  // "name @ url" is a direct reference: the name still counts.
  if (rest && !/^[[(<>=!~;@,\s]/.test(rest)) return null;
  return { name: normaliseDistName(m[1]!), spec: rest.replace(/\s+/g, ' ') };
}

/**
 * The dependencies declared in the repository at `root`, in the order pyproject.toml, setup.cfg,
 * setup.py, requirements files, conda environments, DESCRIPTION. `meta` is the repository's
 * metadata when the caller has read it already (readRepoMetadata); without, it is read here.
 */
export async function readDeclaredDependencies(root: string, meta?: RepoMetadata): Promise<DeclaredDependency[]> {
  const m = meta ?? (await readRepoMetadata(root));
  const out: DeclaredDependency[] = [];
  const seen = new Set<string>();
  const add = (d: DeclaredDependency) => {
    const key = `${d.ecosystem}\0${d.name}\0${d.source}\0${d.group ?? ''}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(d);
  };
  if (m.pyproject) pyprojectDeps(m.pyproject.doc, m.pyproject.file).forEach(add);
  if (m.setupCfg) setupCfgDeps(m.setupCfg.sections, m.setupCfg.file).forEach(add);
  if (m.setupPy) setupPyDeps(m.setupPy, m.setupPy.file).forEach(add);
  for (const r of m.requirements) fromRequirementsTxt(r.text, r.file).forEach(add);
  for (const e of m.environments) environmentDeps(e.doc, e.file).forEach(add);
  if (m.description) descriptionDeps(m.description.fields, m.description.file).forEach(add);
  return out;
}

/** requirements.txt: one requirement a line; -r/-e/-c, options, URLs and comments are skipped. */
export function fromRequirementsTxt(text: string, source: string): DeclaredDependency[] {
  const joined = text.replace(/\r\n?/g, '\n').replace(/\\\n/g, ' ');
  const out: DeclaredDependency[] = [];
  for (const line of joined.split('\n')) {
    const r = parseRequirement(line);
    if (r) out.push({ ...r, source, ecosystem: 'pypi', group: groupFromFileName(source) });
  }
  return out;
}

function groupFromFileName(rel: string): string | null {
  const base = path.basename(rel).replace(/\.(txt|in)$/i, '');
  const m = /^requirements[-_.]?(.*)$/i.exec(base);
  const g = m ? m[1]! : base;
  return g && !/^(base|main|prod|production|runtime|install|core)$/i.test(g) ? g : null;
}

const fromList = (list: unknown, source: string, group: string | null): DeclaredDependency[] =>
  asStrings(list).flatMap((s) => {
    const r = parseRequirement(s);
    return r ? [{ ...r, source, ecosystem: 'pypi' as const, group }] : [];
  });

/** PEP 621 [project], PEP 735 [dependency-groups] and Poetry's tables. */
export function fromPyproject(text: string, source: string): DeclaredDependency[] {
  return pyprojectDeps(readToml(text), source);
}

function pyprojectDeps(doc: MetaTable, source: string): DeclaredDependency[] {
  const out: DeclaredDependency[] = [];
  const project = asTable(doc.project);
  if (project) {
    out.push(...fromList(project.dependencies, source, null));
    const opt = asTable(project['optional-dependencies']);
    for (const [extra, list] of Object.entries(opt ?? {})) out.push(...fromList(list, source, extra));
  }
  for (const [group, list] of Object.entries(asTable(doc['dependency-groups']) ?? {})) {
    out.push(...fromList(list, source, group));
  }
  const poetry = asTable(asTable(doc.tool)?.poetry);
  if (poetry) {
    out.push(...fromPoetryTable(asTable(poetry.dependencies), source, null));
    out.push(...fromPoetryTable(asTable(poetry['dev-dependencies']), source, 'dev'));
    for (const [group, t] of Object.entries(asTable(poetry.group) ?? {})) {
      out.push(...fromPoetryTable(asTable(asTable(t)?.dependencies), source, group));
    }
  }
  return out;
}

function fromPoetryTable(t: MetaTable | null, source: string, group: string | null): DeclaredDependency[] {
  if (!t) return [];
  const out: DeclaredDependency[] = [];
  for (const [name, v] of Object.entries(t)) {
    if (name.toLowerCase() === 'python') continue;
    let spec = '';
    if (typeof v === 'string') spec = v;
    else if (asTable(v) && typeof asTable(v)!.version === 'string') spec = asTable(v)!.version as string;
    else if (Array.isArray(v)) spec = v.map((x) => (asTable(x) && typeof asTable(x)!.version === 'string' ? asTable(x)!.version : '')).filter(Boolean).join(' | ');
    out.push({ name: normaliseDistName(name), spec: spec === '*' ? '' : spec, source, ecosystem: 'pypi', group });
  }
  return out;
}

const MARKER_VARS = /^(python_version|python_full_version|sys_platform|platform_system|platform_machine|platform_release|platform_version|platform_python_implementation|implementation_name|implementation_version|os_name|extra)\b/;

/** A setup.cfg list: one a line, or on one line separated by ";" (markers rejoined to their requirement). */
function cfgList(value: string | undefined): string[] {
  if (!value) return [];
  if (value.startsWith('file:') || value.startsWith('attr:')) return [];
  if (value.includes('\n')) return value.split('\n').map((s) => s.trim()).filter(Boolean);
  const out: string[] = [];
  for (const piece of value.split(';').map((s) => s.trim()).filter(Boolean)) {
    if (MARKER_VARS.test(piece) && out.length > 0) out[out.length - 1] += `; ${piece}`;
    else out.push(piece);
  }
  return out;
}

export function fromSetupCfg(text: string, source: string): DeclaredDependency[] {
  return setupCfgDeps(readIni(text), source);
}

function setupCfgDeps(ini: Record<string, Record<string, string>>, source: string): DeclaredDependency[] {
  const out: DeclaredDependency[] = [];
  out.push(...fromList(cfgList(ini.options?.install_requires), source, null));
  for (const [extra, v] of Object.entries(ini['options.extras_require'] ?? {})) {
    out.push(...fromList(cfgList(v), source, extra));
  }
  return out;
}

// --- setup.py, read through setup-py.ts (python/syntax's mask) ----------------------------------

export function fromSetupPy(text: string, source: string): DeclaredDependency[] {
  return setupPyDeps(readSetupPy(text), source);
}

function setupPyDeps(sp: SetupPy, source: string): DeclaredDependency[] {
  const out: DeclaredDependency[] = [];
  const install = assignedBracket(sp, 'install_requires');
  if (install && sp.text[install[0]] !== '{') out.push(...fromList(stringsIn(sp, install), source, null));
  const extras = assignedBracket(sp, 'extras_require');
  if (extras) for (const { key, values } of dictOfLists(sp, extras)) out.push(...fromList(values, source, key));
  return out;
}

// --- conda ---------------------------------------------------------------------------------------

export function fromEnvironmentYml(text: string, source: string): DeclaredDependency[] {
  return environmentDeps(readYaml(text), source);
}

function environmentDeps(doc: unknown, source: string): DeclaredDependency[] {
  const deps = doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>).dependencies : null;
  if (!Array.isArray(deps)) return [];
  const out: DeclaredDependency[] = [];
  for (const d of deps) {
    if (typeof d === 'string') {
      // channel::name=version=build, name>=1.2, "name 1.2.*"
      const s = d.replace(/^[^:\s]+::/, '').trim();
      const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)(.*)$/.exec(s);
      if (!m) continue;
      const name = normaliseDistName(m[1]!);
      if (name === 'python' || name === 'pip') continue;
      out.push({ name, spec: m[2]!.trim(), source, ecosystem: 'conda', group: null });
    } else if (d && typeof d === 'object' && !Array.isArray(d)) {
      const pip = (d as Record<string, unknown>).pip;
      if (Array.isArray(pip)) {
        for (const p of pip) {
          const r = typeof p === 'string' ? parseRequirement(p) : null;
          if (r) out.push({ ...r, source, ecosystem: 'pypi', group: 'pip' });
        }
      }
    }
  }
  return out;
}

// --- R -------------------------------------------------------------------------------------------

export function fromDescription(text: string, source: string): DeclaredDependency[] {
  return descriptionDeps(readDcf(text), source);
}

function descriptionDeps(f: Record<string, string>, source: string): DeclaredDependency[] {
  const out: DeclaredDependency[] = [];
  for (const field of ['Depends', 'Imports']) {
    for (const item of (f[field] ?? '').split(',')) {
      const m = /^\s*([A-Za-z][A-Za-z0-9.]*)\s*(\(.*\))?\s*$/.exec(item);
      if (!m || m[1] === 'R') continue;
      out.push({ name: m[1]!, spec: (m[2] ?? '').replace(/\s+/g, ' '), source, ecosystem: 'cran', group: field });
    }
  }
  return out;
}

/**
 * The Python versions the repository says it runs on (PEP 440 specifier): pyproject's `requires-python`, else
 * setup.cfg's `python_requires`, else a literal `python_requires=` in setup.py; null when none says.
 */
export function requiresPythonOf(m: RepoMetadata): string | null {
  const project = asTable(m.pyproject?.doc.project);
  const fromPyproject = project?.['requires-python'];
  if (typeof fromPyproject === 'string' && fromPyproject.trim()) return fromPyproject.trim();
  const fromCfg = m.setupCfg?.sections.options?.python_requires;
  if (typeof fromCfg === 'string' && fromCfg.trim()) return fromCfg.trim();
  const fromPy = m.setupPy ? /python_requires\s*=\s*["']([^"']+)["']/.exec(m.setupPy.text)?.[1] : undefined;
  return fromPy?.trim() || null;
}
