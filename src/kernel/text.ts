/** Small text helpers every floor may use. */

/** `s` with every regular-expression metacharacter escaped, to match it literally inside a RegExp. */
export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
