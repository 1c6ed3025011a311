/**
 * Packages that announce a missing optional dependency in words instead of letting ModuleNotFoundError
 * through: `raise ImportError("The unit handling in fluids requires the installation of the package pint")`.
 * Only phrasings that name the package unambiguously count; anything else stays an ordinary failure, because
 * calling a real bug "skipped" would hide it.
 */
import type { PythonError } from '../domain/validation.js';

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
];

// Words the patterns can catch that are not package names ("please install a newer version", "must be installed").
const NOT_A_NAME = new Set([
  'a', 'an', 'the', 'it', 'this', 'that', 'these', 'those', 'one', 'either', 'both', 'all', 'any', 'some',
  'version', 'newer', 'older', 'latest', 'package', 'packages', 'module', 'modules', 'library', 'libraries',
  'dependency', 'dependencies', 'optional', 'extra', 'extras', 'requirements', 'with', 'from', 'via', 'using',
  'support', 'backend', 'plugin', 'them', 'and', 'or', 'to', 'be', 'is', 'are', 'was', 'should', 'must',
  'install', 'installed', 'installation', 'upgrade', 'update', 'pip', 'conda', 'python', 'e', 'g', 'i', 'ie', 'eg',
]);

/**
 * The package an ImportError's message says must be installed, or null when the message does not name one
 * with confidence: a version constraint ("numpy>=2"), an extra ("pkg[units]") or a vague phrasing all give null.
 * Also reads "No module named 'x'" carried by a plain ImportError.
 */
export function requiredPackageOf(err: PythonError | null): string | null {
  if (!err || !/^(?:[\w.]+\.)?(?:ImportError|ModuleNotFoundError)$/.test(err.type)) return null;
  const msg = err.message.replace(/\s+/g, ' ');
  const named = /No module named '([^']+)'/.exec(msg);
  if (named?.[1]) return named[1].split('.')[0] ?? null;
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
