/**
 * Reads parameter descriptions and the documented return out of a cleaned Python docstring. Three styles are
 * common in scientific code and often mixed within one repository, so all three are tried: numpydoc
 * ("Parameters" underlined with dashes), Google ("Args:" with an indented list) and reST (":param x:").
 */

export interface DocInfo {
  /** Parameter name (without leading stars) → description, joined into one line. */
  params: Map<string, string>;
  /** Parameter name → the type the docstring states (numpydoc `x : float, optional`, Google `x (int):`, reST `:type x:`). */
  types: Map<string, string>;
  /** First line of the Returns/Yields section, or the :rtype:/:returns: field. */
  returns: string | null;
}

const PARAM_SECTIONS = new Set([
  'parameters',
  'params',
  'args',
  'arguments',
  'other parameters',
  'keyword arguments',
  'keyword args',
  'kwargs',
]);
const RETURN_SECTIONS = new Set(['returns', 'return', 'yields', 'yield']);

export function parseDocstring(doc: string): DocInfo {
  const lines = doc.split('\n');
  const params = new Map<string, string>();
  const types = new Map<string, string>();
  // Styles get mixed within one docstring (numpy sections plus a stray :param:), so every reader runs; the
  // first one to find a return wins.
  const numpy = numpyStyle(lines, params, types);
  const google = googleStyle(lines, params, types);
  const rest = restStyle(lines, params, types);
  return { params, types, returns: numpy ?? google ?? rest };
}

/** Names as written in docs ("*args", "\\*\\*kwargs", "x, y") → bare names. */
function bareNames(spec: string): string[] {
  return spec
    .split(',')
    .map((s) => s.trim().replace(/^[\\*]+/, '').replace(/\\/g, ''))
    .filter((s) => /^[\p{L}_][\p{L}\p{N}_.]*$/u.test(s));
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

function setOnce(params: Map<string, string>, names: string[], text: string | null): void {
  const desc = (text ?? '').replace(/\s+/g, ' ').trim();
  if (desc === '') return;
  for (const n of names) if (!params.has(n)) params.set(n, desc);
}

// ---------------------------------------------------------------- numpydoc

function isUnderline(line: string | undefined): boolean {
  return line !== undefined && /^\s*(-{3,}|={3,}|~{3,})\s*$/.test(line);
}

function numpyStyle(lines: string[], params: Map<string, string>, types: Map<string, string>): string | null {
  let returns: string | null = null;
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!isUnderline(lines[i + 1])) continue;
    const header = lines[i]!.trim().toLowerCase();
    if (header === '') continue;
    const start = i + 2;
    let end = start;
    // The section runs until the next underlined header.
    while (end < lines.length && !(lines[end]!.trim() !== '' && isUnderline(lines[end + 1]))) end++;
    const section = lines.slice(start, end);
    if (PARAM_SECTIONS.has(header)) readNumpyParams(section, params, types);
    else if (RETURN_SECTIONS.has(header) && returns === null) {
      const first = section.find((l) => l.trim() !== '');
      if (first !== undefined) returns = first.trim();
    }
    i = end - 1;
  }
  return returns;
}

function readNumpyParams(section: string[], params: Map<string, string>, types: Map<string, string>): void {
  readEntries(section, params, types, (line) => {
    const colon = line.indexOf(':');
    const type = colon >= 0 ? line.slice(colon + 1).trim() : '';
    return { names: bareNames(colon >= 0 ? line.slice(0, colon) : line), text: null, type: type || null };
  });
}

/**
 * Parameter sections of both numpy and Google docstrings: an entry starts at the least indented line and its
 * description is the rest of that line (Google) plus the more indented lines under it. Only how the entry line
 * names the parameters differs between the styles.
 */
function readEntries(
  section: string[],
  params: Map<string, string>,
  types: Map<string, string>,
  entryHead: (line: string) => { names: string[]; text: string | null; type: string | null },
): void {
  const firstEntry = section.find((l) => l.trim() !== '');
  if (firstEntry === undefined) return;
  const entryIndent = indentOf(firstEntry);
  let names: string[] = [];
  let desc: string[] = [];
  const flush = () => {
    if (names.length > 0) setOnce(params, names, desc.join(' '));
    names = [];
    desc = [];
  };
  for (const line of section) {
    if (line.trim() === '') continue;
    if (indentOf(line) <= entryIndent) {
      flush();
      const head = entryHead(line);
      names = head.names;
      if (head.text !== null) desc.push(head.text);
      setOnce(types, names, head.type);
    } else if (names.length > 0) {
      desc.push(line.trim());
    }
  }
  flush();
}

// ---------------------------------------------------------------- Google

// Section headers are capitalised ("Args:", "Returns:"); requiring that keeps a numpydoc entry such as
// "returns : bool" (a parameter named returns) from reading as a Google section.
const GOOGLE_HEADER = /^(\s*)([A-Z][A-Za-z ]*?)\s*:\s*(.*)$/;
const GOOGLE_ENTRY = /^\s*([\\*]{0,4}[\p{L}_][\p{L}\p{N}_]*(?:\s*,\s*[\\*]{0,4}[\p{L}_][\p{L}\p{N}_]*)*)\s*(?:\(([^)]*)\))?\s*:\s*(.*)$/u;

function googleStyle(lines: string[], params: Map<string, string>, types: Map<string, string>): string | null {
  let returns: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const m = GOOGLE_HEADER.exec(lines[i]!);
    if (!m) continue;
    const header = m[2]!.toLowerCase();
    const isParams = PARAM_SECTIONS.has(header) && m[3]!.trim() === '';
    const isReturns = RETURN_SECTIONS.has(header);
    if (!isParams && !isReturns) continue;
    const headerIndent = m[1]!.length;
    let end = i + 1;
    while (end < lines.length && (lines[end]!.trim() === '' || indentOf(lines[end]!) > headerIndent)) end++;
    const section = lines.slice(i + 1, end);
    if (isParams) readGoogleParams(section, params, types);
    else if (returns === null) {
      const inline = m[3]!.trim();
      const first = section.find((l) => l.trim() !== '');
      returns = inline !== '' ? inline : first !== undefined ? first.trim() : null;
    }
    i = end - 1;
  }
  return returns;
}

function readGoogleParams(section: string[], params: Map<string, string>, types: Map<string, string>): void {
  readEntries(section, params, types, (line) => {
    const m = GOOGLE_ENTRY.exec(line);
    return m ? { names: bareNames(m[1]!), text: m[3]!.trim(), type: m[2]?.trim() || null } : { names: [], text: null, type: null };
  });
}

// ---------------------------------------------------------------- reST / Sphinx fields

const REST_PARAM = /^(\s*):(?:param|parameter|arg|argument|key|keyword)\s+(?:(.+?)\s+)?([\\*]{0,4}[\p{L}_][\p{L}\p{N}_]*)\s*:(.*)$/u;
const REST_RETURNS = /^\s*:returns?:(.*)$/;
const REST_RTYPE = /^\s*:rtype:(.*)$/;
const REST_TYPE = /^\s*:type\s+([\\*]{0,4}[\p{L}_][\p{L}\p{N}_]*)\s*:(.*)$/u;

function restStyle(lines: string[], params: Map<string, string>, types: Map<string, string>): string | null {
  let returnsText: string | null = null;
  let rtype: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const typed = REST_TYPE.exec(line);
    if (typed) {
      setOnce(types, bareNames(typed[1]!), typed[2]!);
      continue;
    }
    const pm = REST_PARAM.exec(line);
    const rm = pm ? null : REST_RETURNS.exec(line);
    const tm = pm || rm ? null : REST_RTYPE.exec(line);
    if (!pm && !rm && !tm) continue;
    const fieldIndent = indentOf(line);
    const parts = [(pm ? pm[4] : rm ? rm[1] : tm![1])!.trim()];
    let j = i + 1;
    while (j < lines.length) {
      const next = lines[j]!;
      if (next.trim() === '' || indentOf(next) <= fieldIndent || next.trim().startsWith(':')) break;
      parts.push(next.trim());
      j++;
    }
    const text = parts.join(' ').replace(/\s+/g, ' ').trim();
    if (pm) {
      setOnce(params, bareNames(pm[3]!), text);
      if (pm[2]) setOnce(types, bareNames(pm[3]!), pm[2]);
    }
    else if (rm && returnsText === null && text !== '') returnsText = text;
    else if (tm && rtype === null && text !== '') rtype = text;
    i = j - 1;
  }
  return rtype ?? returnsText;
}
