/**
 * Whether an installed set already satisfies a PEP 508 requirement (so nothing needs installing): true, false,
 * or null when the requirement cannot be judged here (markers, URLs), in which case the installer decides.
 */
import { normaliseDistName } from '../python/distributions.js';
import { satisfies } from '../python/versions.js';

export function requirementSatisfied(requirement: string, installed: ReadonlyMap<string, string>): boolean | null {
  const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([^;@]*)(;.*)?$/.exec(requirement);
  if (!m || m[4] || requirement.includes('@')) return null;
  // Extras pull in more requirements than the name says: the installer decides.
  if (m[2]) return null;
  const version = installed.get(normaliseDistName(m[1]!));
  if (version === undefined) return false;
  const spec = m[3]!.trim().replace(/^\((.*)\)$/, '$1');
  return spec ? satisfies(version, spec) : true;
}
