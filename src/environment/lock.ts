/**
 * The lock: an environment in pip freeze form ("name==version", one a line, sorted), under a header naming the
 * interpreter. `pip install -r` reads it as it is; its hash is the environmentHash of every run made in it.
 */
import { createHash } from 'node:crypto';
import { normaliseDistName } from '../python/distributions.js';

/** Marks the repository's own package: built from the snapshot, never asked of an index. */
export const OWN_PACKAGE_MARK = '# built from the library snapshot';

export interface LockInput {
  implementation: string;
  version: string;
  base: string;
  /** The base interpreter's distributions, "name==version". */
  baseDistributions: string[];
  /** What the environment itself installed (wins over the base). */
  installed: Array<{ name: string; version: string }>;
  /** The repository's own distribution, when it was built and installed. */
  own: string | null;
}

function parseLine(line: string): { name: string; version: string; own: boolean } | null {
  const own = line.includes(OWN_PACKAGE_MARK);
  const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s#;]+)/.exec(line);
  return m ? { name: normaliseDistName(m[1]!), version: m[2]!, own } : null;
}

export function renderLock(input: LockInput): string {
  const versions = new Map<string, string>();
  for (const d of input.baseDistributions) {
    const p = parseLine(d);
    if (p) versions.set(p.name, p.version);
  }
  for (const d of input.installed) versions.set(normaliseDistName(d.name), d.version);
  const own = input.own ? normaliseDistName(input.own) : null;
  const lines = [...versions.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([n, v]) => (n === own ? `${n}==${v}  ${OWN_PACKAGE_MARK}` : `${n}==${v}`));
  return [`# codedistill environment lock`, `# python: ${input.implementation} ${input.version} (base ${input.base})`, ...lines, ''].join('\n');
}

export function lockHash(lock: string): string {
  return createHash('sha256').update(lock).digest('hex');
}

/** name → version of a lock's lines; the repository's own package left out when `withOwn` is false. */
export function lockVersions(lock: string, withOwn = true): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of lock.split('\n')) {
    const p = parseLine(line);
    if (p && (withOwn || !p.own)) out.set(p.name, p.version);
  }
  return out;
}

/** The pins an environment is rebuilt from: every line of the lock but the own package and what the base has already. */
export function pinsToInstall(lock: string, baseDistributions: string[]): string[] {
  const base = new Map<string, string>();
  for (const d of baseDistributions) {
    const p = parseLine(d);
    if (p) base.set(p.name, p.version);
  }
  return [...lockVersions(lock, false)].filter(([n, v]) => base.get(n) !== v).map(([n, v]) => `${n}==${v}`);
}

/** What differs between two locks, by distribution (null: absent on that side). */
export function lockChanges(before: string | null, after: string): Array<{ name: string; before: string | null; after: string | null }> {
  const a = before ? lockVersions(before) : new Map<string, string>();
  const b = lockVersions(after);
  const names = [...new Set([...a.keys(), ...b.keys()])].sort();
  return names.filter((n) => a.get(n) !== b.get(n)).map((n) => ({ name: n, before: a.get(n) ?? null, after: b.get(n) ?? null }));
}
