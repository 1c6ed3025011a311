/**
 * PEP 440 versions and version specifiers, as far as real requirements need them: is the scipy that is installed
 * one the repository's "scipy>=1.15,<2" accepts? Versions are read in their normalised form (so "1.0-RC1",
 * "v1.0rc1" and "1.0rc1" are one version), compared by the PEP's ordering, and tested against a specifier list.
 * Installed versions are what gets tested, so a pre-release matches a specifier that excludes none of it (as pip
 * treats an installed pre-release).
 */

export interface Version {
  epoch: number;
  release: number[];
  /** Pre-release phase ("a", "b" or "rc") and number. */
  pre: { phase: 'a' | 'b' | 'rc'; n: number } | null;
  post: number | null;
  dev: number | null;
  /** Local label segments ("+ubuntu.1" → ["ubuntu", 1]). */
  local: Array<string | number> | null;
}

// The PEP's own permissive pattern (packaging's VERSION_PATTERN), anchored and case-insensitive.
const VERSION = new RegExp(
  String.raw`^\s*v?(?:(?:(\d+)!)?(\d+(?:\.\d+)*)` +
    String.raw`(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?(\d+)?)?` +
    String.raw`(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d+)?)?` +
    String.raw`(?:[-_.]?(dev)[-_.]?(\d+)?)?)` +
    String.raw`(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$`,
  'i',
);

const PHASES: Readonly<Record<string, 'a' | 'b' | 'rc'>> = { a: 'a', alpha: 'a', b: 'b', beta: 'b', c: 'rc', rc: 'rc', pre: 'rc', preview: 'rc' };

/** A version in PEP 440's normalised sense, or null when the text is not one. */
export function parseVersion(text: string): Version | null {
  const m = VERSION.exec(text);
  if (!m) return null;
  const num = (s: string | undefined) => (s === undefined ? 0 : Number(s));
  const phase = m[3] ? PHASES[m[3].toLowerCase()] : undefined;
  const postNumber = m[5] ?? (m[6] ? (m[7] ?? '0') : undefined);
  return {
    epoch: num(m[1]),
    release: (m[2] ?? '0').split('.').map(Number),
    pre: phase ? { phase, n: num(m[4]) } : null,
    post: postNumber === undefined ? null : Number(postNumber),
    dev: m[8] ? num(m[9]) : null,
    local: m[10] ? m[10].toLowerCase().split(/[-_.]/).map((s) => (/^\d+$/.test(s) ? Number(s) : s)) : null,
  };
}

const PHASE_ORDER = { a: 0, b: 1, rc: 2 } as const;

function cmp(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareRelease(a: number[], b: number[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = cmp(a[i] ?? 0, b[i] ?? 0);
    if (c) return c;
  }
  return 0;
}

// The PEP's ordering keys: a dev release of a final sorts before its pre-releases, a final after them.
function preKey(v: Version): number[] {
  if (v.pre) return [PHASE_ORDER[v.pre.phase], v.pre.n];
  if (v.post === null && v.dev !== null) return [-Infinity];
  return [Infinity];
}

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const c = cmp(a[i] ?? -Infinity, b[i] ?? -Infinity);
    if (c) return c;
  }
  return 0;
}

function compareLocal(a: Version['local'], b: Version['local']): number {
  if (!a || !b) return a ? 1 : b ? -1 : 0;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined) return x === undefined ? (y === undefined ? 0 : -1) : 1;
    // A number segment sorts after a string one; strings compare as text.
    if (typeof x !== typeof y) return typeof x === 'number' ? 1 : -1;
    const c = typeof x === 'number' ? cmp(x, y as number) : x < (y as string) ? -1 : x > (y as string) ? 1 : 0;
    if (c) return c;
  }
  return 0;
}

/** PEP 440 order of two parsed versions: negative, zero or positive. */
export function compareParsed(a: Version, b: Version, opts: { ignoreLocal?: boolean } = {}): number {
  return (
    cmp(a.epoch, b.epoch) ||
    compareRelease(a.release, b.release) ||
    compareKeys(preKey(a), preKey(b)) ||
    cmp(a.post ?? -Infinity, b.post ?? -Infinity) ||
    cmp(a.dev ?? Infinity, b.dev ?? Infinity) ||
    (opts.ignoreLocal ? 0 : compareLocal(a.local, b.local))
  );
}

/** PEP 440 order of two version strings, or null when either is not a version. */
export function compareVersions(a: string, b: string): number | null {
  const x = parseVersion(a);
  const y = parseVersion(b);
  return x && y ? Math.sign(compareParsed(x, y)) : null;
}

const isPre = (v: Version) => v.pre !== null || v.dev !== null;

/** Same epoch and release (trailing zeros aside): "1.4rc1" and "1.4.0" share a base. */
const sameBase = (a: Version, b: Version) => a.epoch === b.epoch && compareRelease(a.release, b.release) === 0;

// One clause: an operator and its version (with a trailing ".*" for prefix matching).
const CLAUSE = /^\s*(~=|===|==|!=|<=|>=|<|>)\s*([^\s,;]+)\s*$/;

/** Prefix match for "==1.2.*": the candidate's release, padded with zeros, starts with the prefix. */
function prefixMatch(v: Version, prefixText: string): boolean | null {
  const prefix = parseVersion(prefixText);
  // Only a plain release (optionally with an epoch) makes sense before ".*" in real requirements.
  if (!prefix || prefix.pre || prefix.post !== null || prefix.dev !== null || prefix.local) return null;
  if (v.epoch !== prefix.epoch) return false;
  return prefix.release.every((n, i) => (v.release[i] ?? 0) === n);
}

function clauseHolds(v: Version, op: string, target: string): boolean | null {
  if (target.endsWith('.*')) {
    if (op !== '==' && op !== '!=') return null;
    const hit = prefixMatch(v, target.slice(0, -2));
    return hit === null ? null : op === '==' ? hit : !hit;
  }
  const t = parseVersion(target);
  if (!t) return null;
  // A specifier without a local label ignores the candidate's; one with a label only makes sense for == and !=.
  const ignoreLocal = t.local === null;
  if (t.local && op !== '==' && op !== '!=') return null;
  const c = compareParsed(v, t, { ignoreLocal });
  switch (op) {
    case '==':
      return c === 0;
    case '!=':
      return c !== 0;
    case '<=':
      return c <= 0;
    case '>=':
      return c >= 0;
    case '<':
      // "<2" does not admit 2.0rc1, unless the specifier is itself a pre-release.
      return c < 0 && (isPre(t) || !isPre(v) || !sameBase(v, t));
    case '>':
      // ">1.0" does not admit 1.0.post1 (unless the specifier is a post-release) or 1.0+local.
      if (c <= 0) return false;
      if (t.post === null && v.post !== null && sameBase(v, t)) return false;
      return !(v.local && sameBase(v, t));
    case '~=': {
      // "~=1.4.2" means ">=1.4.2, ==1.4.*"; it needs at least two release numbers.
      if (t.release.length < 2) return null;
      if (c < 0) return false;
      const prefix = t.release.slice(0, -1).join('.');
      return prefixMatch(v, t.epoch ? `${t.epoch}!${prefix}` : prefix);
    }
    default:
      return null;
  }
}

/**
 * Whether `version` satisfies every clause of `specifier` (">=1.15,<2", "~=1.4.2", "==1.2.*", "!=1.3", "===x").
 * An empty specifier admits any version. Null when it cannot tell: the version or a clause is not PEP 440, or a
 * clause is one the PEP forbids (such as "~=1" or ">=1.*"). A false clause decides even if another is unreadable.
 */
export function satisfies(version: string, specifier: string): boolean | null {
  const spec = specifier.trim().replace(/^\((.*)\)$/, '$1');
  const clauses = spec === '' ? [] : spec.split(',');
  const v = parseVersion(version);
  let unknown = false;
  for (const clause of clauses) {
    const m = CLAUSE.exec(clause);
    if (!m) {
      unknown = true;
      continue;
    }
    const op = m[1] as string;
    const target = m[2] as string;
    // "===" compares text, so it needs no parsed version; every other operator does.
    const held = op === '===' ? version.trim().toLowerCase() === target.toLowerCase() : v ? clauseHolds(v, op, target) : null;
    if (held === false) return false;
    if (held === null) unknown = true;
  }
  return unknown ? null : true;
}
