/**
 * The languages codedistill can parse. Adding one is a LanguageSupport file, its grammar package, and one
 * entry in SUPPORTS.
 */
import type { Language } from '../domain/block.js';
import { pythonSupport } from './python.js';
import { rSupport } from './r.js';
import type { LanguageSupport } from './types.js';

const SUPPORTS: readonly LanguageSupport[] = [pythonSupport, rSupport];

export function languageSupports(): LanguageSupport[] {
  return [...SUPPORTS];
}

function extensionOf(relPath: string): string {
  const base = relPath.slice(relPath.replace(/\\/g, '/').lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot) : '';
}

/** The support whose extension matches; exact case first (".R"), then lower case (".PY" is still Python). */
export function supportForPath(relPath: string, supports: readonly LanguageSupport[] = SUPPORTS): LanguageSupport | null {
  const ext = extensionOf(relPath);
  if (ext === '') return null;
  return (
    supports.find((s) => s.extensions.includes(ext)) ??
    supports.find((s) => s.extensions.some((e) => e.toLowerCase() === ext.toLowerCase())) ??
    null
  );
}

export function languageOfPath(relPath: string): Language | null {
  return supportForPath(relPath)?.language ?? null;
}
