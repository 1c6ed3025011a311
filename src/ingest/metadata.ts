/**
 * Reading the metadata files repositories declare things in (pyproject.toml, CITATION.cff,
 * environment.yml, setup.cfg, R's DESCRIPTION), tolerantly: one odd construct must not hide the
 * licence or the dependencies declared next to it. Nothing in the repository is run.
 *
 * TOML goes through smol-toml and YAML through yaml. setup.cfg and DESCRIPTION keep small readers:
 * setup.cfg is read the way setuptools' configparser reads it (indented lines continue a value, a
 * comment inside a list is dropped, keys are case- and dash-insensitive), which the INI packages
 * do not do; and DESCRIPTION is Debian's control format, for which there is no kept library.
 * Which files are read, and how much of them, is repo-metadata.ts's business.
 */
import { promises as fsp } from 'node:fs';
import { parse as parseTomlStrict, TomlError } from 'smol-toml';
import { parseDocument } from 'yaml';

export type MetaTable = Record<string, unknown>;

export const isTable = (v: unknown): v is MetaTable => typeof v === 'object' && v !== null && !Array.isArray(v);

export function asTable(v: unknown): MetaTable | null {
  return isTable(v) ? v : null;
}

export function asStrings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** The first `limit` bytes of a regular file as text (BOM dropped); null when it cannot be read. */
export async function readFileHead(file: string, limit: number): Promise<string | null> {
  let fh;
  try {
    fh = await fsp.open(file, 'r');
    const st = await fh.stat();
    if (!st.isFile()) return null;
    const buf = Buffer.alloc(Math.min(st.size, limit));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '');
  } catch {
    return null;
  } finally {
    await fh?.close();
  }
}

/** A whole regular file as text (BOM dropped); null when it is larger than `limit` or cannot be read. */
export async function readSmallFile(file: string, limit: number): Promise<string | null> {
  try {
    const st = await fsp.stat(file);
    if (!st.isFile() || st.size > limit) return null;
    return (await fsp.readFile(file, 'utf8')).replace(/^\uFEFF/, '');
  } catch {
    return null;
  }
}

/** How many broken lines a TOML file may have before the rest is given up on. */
const TOML_REPAIRS = 50;

/**
 * A TOML document. A line smol-toml rejects is blanked and the document read again, so a stray
 * line costs that line only, as it does for the tools that read pyproject.toml leniently.
 */
export function readToml(text: string): MetaTable {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  for (let attempt = 0; attempt <= TOML_REPAIRS; attempt++) {
    try {
      // smol-toml builds dotted-key tables without a prototype; callers get ordinary objects.
      return structuredClone(parseTomlStrict(lines.join('\n'))) as MetaTable;
    } catch (e) {
      if (!(e instanceof TomlError)) throw e;
      // An error found at the end (an array never closed) lies on the last line that has text.
      let at = Math.min(e.line - 1, lines.length - 1);
      while (at >= 0 && lines[at]!.trim() === '') at--;
      if (at < 0) return {};
      lines[at] = '';
    }
  }
  return {};
}

/**
 * The first YAML document as plain values; null when there is none. Errors do not throw: what
 * could be read is returned (a CITATION.cff with one bad line still names its title and authors).
 */
export function readYaml(text: string): unknown {
  try {
    const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false });
    return doc.toJS({ maxAliasCount: 100 }) ?? null;
  } catch {
    return null;
  }
}

/** Sections of an INI file; indented lines continue the previous value (joined with newlines). */
export function readIni(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let section: Record<string, string> | null = null;
  let lastKey: string | null = null;
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (/^\s*([#;].*)?$/.test(line)) {
      // A blank line does not end a value in setuptools' reader, but a comment inside one is skipped.
      continue;
    }
    const sec = /^\[([^\]]+)\]\s*$/.exec(line);
    if (sec) {
      const name = sec[1]!.trim();
      section = out[name] ?? (out[name] = {});
      lastKey = null;
      continue;
    }
    if (/^\s/.test(line) && section && lastKey !== null) {
      section[lastKey] = `${section[lastKey] ? `${section[lastKey]}\n` : ''}${line.trim()}`;
      continue;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (kv && section) {
      lastKey = kv[1]!.trim().toLowerCase().replace(/-/g, '_');
      section[lastKey] = kv[2]!.trim();
    }
  }
  return out;
}

/** Fields of a Debian-control-style file (R's DESCRIPTION): "Field: value" with indented continuations. */
export function readDcf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let last: string | null = null;
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (/^\s+\S/.test(line) && last) {
      out[last] += ` ${line.trim()}`;
      continue;
    }
    const m = /^([A-Za-z0-9@/._-]+):\s*(.*)$/.exec(line);
    if (m) {
      last = m[1]!;
      out[last] = m[2]!.trim();
    } else if (!line.trim()) {
      last = null;
    }
  }
  return out;
}
