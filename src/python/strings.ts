/** Python string literals read from source text, without running anything. */

/**
 * The value a Python string literal stands for, from its source text: prefix and quotes removed, escapes decoded
 * unless the literal is raw.
 */
export function stringLiteralValue(text: string): string {
  const prefix = stringPrefix(text);
  const body = text.slice(prefix.length);
  const quote = body.startsWith('"""') ? '"""' : body.startsWith("'''") ? "'''" : body.slice(0, 1);
  let inner = body.slice(quote.length);
  if (inner.endsWith(quote) && inner.length >= quote.length) inner = inner.slice(0, inner.length - quote.length);
  return /[rR]/.test(prefix) ? inner : unescapePython(inner);
}

/** The prefix letters of a string literal ("rb" in rb"...") */
export function stringPrefix(text: string): string {
  return /^[A-Za-z]*/.exec(text)![0];
}

const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  '\n': '',
};

function unescapePython(s: string): string {
  if (!s.includes('\\')) return s;
  return s.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[\s\S])/g, (whole, esc: string) => {
    if (esc.length > 1) {
      const cp = parseInt(esc.slice(1), 16);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : whole;
    }
    // Unknown escapes such as "\s" stay as written, as in Python.
    return SIMPLE_ESCAPES[esc] ?? whole;
  });
}
