/**
 * What is missing when code cannot import something, and how to say so once for a whole library: the package an
 * error message names, and the one warning that lists every missing module with one install command.
 *
 * Packages that announce a missing optional dependency in words instead of letting ModuleNotFoundError
 * through: `raise ImportError("The unit handling in fluids requires the installation of the package pint")`.
 * Only phrasings that name the package unambiguously count; anything else stays an ordinary failure, because
 * calling a real bug "skipped" would hide it.
 */
import path from 'node:path';
import type { PythonError, RunRecord } from '../domain/validation.js';
import { installNameFor, normaliseDistName } from '../python/distributions.js';

const NAME = String.raw`[A-Za-z][A-Za-z0-9_.-]*[A-Za-z0-9]`;
const Q = String.raw`['"\x60\u2018\u2019\u201c\u201d]?`;
const KIND = String.raw`(?:python |optional |third[- ]party )?(?:package|module|library|dependency|distribution)`;

// Each pattern captures the package in group 1. Order: the most explicit phrasings first.
const PATTERNS: RegExp[] = [
  // "requires the installation of the package pint", "requires installation of pint"
  new RegExp(String.raw`\brequires? (?:the )?install(?:ation)? of (?:the )?(?:${KIND} )?${Q}(${NAME})${Q}`, 'i'),
  // "requires the package pint", "requires the optional dependency pint"
  new RegExp(String.raw`\brequires? (?:the )?${KIND} ${Q}(${NAME})${Q}`, 'i'),
  // "requires pint to be installed", "requires that pint be installed"
  new RegExp(String.raw`\brequires? (?:that )?${Q}(${NAME})${Q} (?:to )?be installed`, 'i'),
  // "pint must be installed", "the package pint needs to be installed"
  new RegExp(String.raw`(?:^|[\s(:,])${Q}(${NAME})${Q} (?:must|needs to|has to|should) be installed`, 'i'),
  // "package 'pint' is required", "'pint' is not installed"
  new RegExp(String.raw`\b${KIND} ${Q}(${NAME})${Q} (?:is|was) (?:required|needed|not installed|missing|not available|not found)`, 'i'),
  new RegExp(String.raw`['"\x60\u2018\u201c](${NAME})['"\x60\u2019\u201d] (?:is|was) (?:required|needed|not installed|missing|not available)`, 'i'),
  // "please install pint", "pip install pint", "conda install -c conda-forge pint"
  new RegExp(String.raw`\b(?:please|you (?:must|need to|should)|pip|pip3|conda(?: install -c \S+)?|mamba) install (?:the )?(?:${KIND} )?${Q}(${NAME})${Q}`, 'i'),
  // pandas: "Missing optional dependency 'openpyxl'.  Use pip or conda to install openpyxl."
  new RegExp(String.raw`\bmissing (?:optional |required )?(?:dependency|package|module) ${Q}(${NAME})${Q}`, 'i'),
  // "cvxopt required for passivity module", "cvxopt is required" (the message starts with the name)
  new RegExp(String.raw`^${Q}(${NAME})${Q} (?:is )?(?:required|needed)\b`, 'i'),
  // "can't find slycot module 'sb03md'", "could not find the package pint"
  new RegExp(String.raw`\b(?:can'?t|cannot|could ?n[o']t|unable to) (?:find|load|locate) (?:the )?(?:${KIND} )?${Q}(${NAME})${Q}(?= ${KIND}|[\s.,;:!)]|$)`, 'i'),
  // "method='slycot' requires slycot", "plotting requires matplotlib."
  new RegExp(String.raw`\brequires? ${Q}(${NAME})${Q}(?=[.,;:!)]?(?:\s|$))`, 'i'),
];

// Words the patterns can catch that are not package names ("please install a newer version", "must be installed").
const NOT_A_NAME = new Set([
  'a', 'an', 'the', 'it', 'this', 'that', 'these', 'those', 'one', 'either', 'both', 'all', 'any', 'some',
  'version', 'newer', 'older', 'latest', 'package', 'packages', 'module', 'modules', 'library', 'libraries',
  'dependency', 'dependencies', 'optional', 'extra', 'extras', 'requirements', 'with', 'from', 'via', 'using',
  'support', 'backend', 'plugin', 'them', 'and', 'or', 'to', 'be', 'is', 'are', 'was', 'should', 'must',
  'install', 'installed', 'installation', 'name', 'upgrade', 'update', 'pip', 'conda', 'python', 'e', 'g', 'i', 'ie', 'eg',
]);

/**
 * The package an ImportError's message says must be installed, or null when the message does not name one
 * with confidence: a version constraint ("numpy>=2"), an extra ("pkg[units]") or a vague phrasing all give null.
 * Also reads "No module named 'x'" carried by a plain ImportError.
 */
export function requiredPackageOf(err: PythonError | null): string | null {
  if (!err || !IMPORT_ERROR.test(err.type)) return null;
  const msg = err.message.replace(/\s+/g, ' ');
  const named = /No module named '([^']+)'/.exec(msg);
  if (named?.[1]) return named[1].split('.')[0] ?? null;
  return packageNamedIn(msg);
}

const IMPORT_ERROR = /^(?:[\w.]+\.)?(?:ImportError|ModuleNotFoundError)$/;

/**
 * The optional package a guard of the code names when it raises its own error instead of letting the import
 * fail: an ImportError as requiredPackageOf reads it, or an exception of another class (python-control's
 * ControlSlycot, a ValueError "method='slycot' requires slycot") when the class is named after the package or
 * the import of that package failed earlier in the same traceback. Null otherwise.
 */
export function guardedPackageOf(err: PythonError | null, stderr: string): string | null {
  if (!err) return null;
  if (IMPORT_ERROR.test(err.type)) return requiredPackageOf(err);
  const name = packageNamedIn(err.message.replace(/\s+/g, ' '));
  if (!name) return null;
  const top = name.split('.')[0] ?? name;
  const cls = err.type.split('.').pop() ?? err.type;
  if (cls.toLowerCase().includes(top.toLowerCase()) || stderr.includes(`No module named '${top}'`) || stderr.includes(`No module named '${top}.`)) {
    return name;
  }
  return null;
}

function packageNamedIn(msg: string): string | null {
  for (const re of PATTERNS) {
    const m = re.exec(msg);
    if (!m || m[1] === undefined || m.index === undefined) continue;
    const name = m[1].replace(/[.]+$/, '');
    const after = msg.slice(m.index + m[0].length);
    // A version or an extra means the package may well be there, just not in the wanted form.
    if (/^\s*(?:[<>=!~]=?|\[|\(?\s*(?:version\b|v?\d))/i.test(after)) return null;
    if (NOT_A_NAME.has(name.toLowerCase()) || name.length < 2) return null;
    return name;
  }
  return null;
}

/** Sources of a module: a Python file, a package's __init__.py, or a compiled extension's source. */
const MODULE_FILE = /(?:^|\/)([A-Za-z_]\w*)(?:\.py|\/__init__\.py|\.pyx|\.pxd|\.c|\.cpp|\.f90|\.rs)$/;

/**
 * The repository file that is the module `module` (its top-level name): `examples/pvtol.py` for `pvtol`, or
 * `src/pkg/__init__.py` for `pkg`. Shortest path first; null when no file of the repository is that module.
 */
export function repositoryFileOf(module: string, filePaths: readonly string[]): string | null {
  const top = module.split('.')[0] ?? module;
  const packages = new Set(filePaths.filter((p) => p === '__init__.py' || p.endsWith('/__init__.py')).map((p) => path.posix.dirname(p)));
  let best: string | null = null;
  for (const p of filePaths) {
    const m = MODULE_FILE.exec(p);
    if (!m || m[1] !== top) continue;
    // Only a module in a folder that is not a package is top-level when its folder is on the path: pint/matplotlib.py
    // is pint.matplotlib, never the matplotlib an example imports.
    const folder = path.posix.dirname(p.endsWith('/__init__.py') ? path.posix.dirname(p) : p);
    if (packages.has(folder)) continue;
    if (best === null || p.length < best.length) best = p;
  }
  return best;
}

export interface MissingModulesOptions {
  /** The repository's files (relative paths): a missing module that is one of them is not installed from an index. */
  filePaths?: readonly string[];
  /** Distribution (normalised) → why installing it failed, from the environment stage. */
  attempted?: ReadonlyMap<string, string>;
}

/**
 * One warning for every module the runs found missing (missing dependencies and optional extras), with one
 * install command for all of them. A module that is a file of the repository (a helper of the examples) is said
 * to be so, never offered for installation. Null when no run was skipped for a missing module.
 */
export function missingModulesWarning(records: Iterable<RunRecord>, opts: MissingModulesOptions = {}): string | null {
  const runsOf = new Map<string, { runs: number; optional: boolean }>();
  for (const r of new Set(records)) {
    if (r.status !== 'skipped' || !r.missingModule) continue;
    if (r.skipReason !== 'missing_dependency' && r.skipReason !== 'optional_extra') continue;
    const top = r.missingModule.split('.')[0] ?? r.missingModule;
    const seen = runsOf.get(top) ?? { runs: 0, optional: true };
    seen.runs++;
    seen.optional &&= r.skipReason === 'optional_extra';
    runsOf.set(top, seen);
  }
  if (!runsOf.size) return null;
  const files = opts.filePaths ?? [];
  const ranked = [...runsOf].sort((a, b) => b[1].runs - a[1].runs || (a[0] < b[0] ? -1 : 1));
  const runs = (n: number) => `${n} run${n === 1 ? '' : 's'}`;
  const install: string[] = [];
  const listed: string[] = [];
  const helpers: string[] = [];
  const extensions: string[] = [];
  const ownPackage: string[] = [];
  const tried: string[] = [];
  for (const [mod, seen] of ranked) {
    const own = repositoryFileOf(mod, files);
    if (own) {
      (own.endsWith('__init__.py') ? ownPackage : own.endsWith('.py') ? helpers : extensions).push(`${mod} (${own}, ${runs(seen.runs)})`);
      continue;
    }
    const name = installNameFor(mod);
    if (!install.includes(name)) install.push(name);
    listed.push(`${mod} (${runs(seen.runs)}${seen.optional ? ', optional' : ''}${name !== mod ? `, install name ${name}` : ''})`);
    const why = opts.attempted?.get(normaliseDistName(name));
    if (why) tried.push(`${name}: installing it was tried: ${why}`);
  }
  const parts: string[] = [];
  if (install.length) {
    parts.push(`examples were skipped for ${listed.length} missing module${listed.length === 1 ? '' : 's'}: ${listed.join(', ')}; install ${listed.length === 1 ? 'it' : 'them'} with: pip install ${install.join(' ')}`);
  }
  parts.push(...tried);
  if (helpers.length) {
    const one = helpers.length === 1;
    parts.push(
      `${helpers.join(', ')} ${one ? 'is a helper module' : 'are helper modules'} of the repository, not importable from the example: ` +
        `run the example from ${one ? 'its' : 'their'} folder or put that folder on the import path`,
    );
  }
  if (ownPackage.length) {
    parts.push(
      `${ownPackage.join(', ')}: the repository's own package did not import whole, a module its build makes is missing ` +
        '(a generated version file, a compiled extension): it imports once the package is built and installed in the library environment (see its outcome in the report)',
    );
  }
  if (extensions.length) {
    parts.push(`${extensions.join(', ')} ${extensions.length === 1 ? 'is a compiled extension' : 'are compiled extensions'} of the repository: build and install the package (pip install .)`);
  }
  return `${parts.join('. ')}.`;
}
