/**
 * Licence and citation of a repository, read from its files; nothing in the repository is run.
 *
 * Also home of the small readers for the metadata formats these need (TOML, a YAML subset, INI,
 * Debian-style control files): no parser dependency for a few fields each.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';

export interface LicenceResult {
  /** SPDX id or expression; 'NOASSERTION' when none was recognised. */
  spdx: string;
  /** Repo-relative file it came from; for NOASSERTION, a licence file that was there but not recognised. */
  source: string | null;
}

const READ_LIMIT = 512 * 1024;

async function readText(file: string, limit = READ_LIMIT): Promise<string | null> {
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

// ---------------------------------------------------------------------------------------------
// SPDX names

const KNOWN_IDS = [
  'MIT', 'MIT-0', 'BSD-2-Clause', 'BSD-3-Clause', 'BSD-4-Clause', '0BSD', 'Apache-2.0', 'Apache-1.1',
  'GPL-1.0', 'GPL-2.0', 'GPL-2.0-only', 'GPL-2.0-or-later', 'GPL-3.0', 'GPL-3.0-only', 'GPL-3.0-or-later',
  'LGPL-2.0', 'LGPL-2.0-only', 'LGPL-2.0-or-later', 'LGPL-2.1', 'LGPL-2.1-only', 'LGPL-2.1-or-later',
  'LGPL-3.0', 'LGPL-3.0-only', 'LGPL-3.0-or-later', 'AGPL-3.0', 'AGPL-3.0-only', 'AGPL-3.0-or-later',
  'MPL-2.0', 'MPL-1.1', 'ISC', 'Unlicense', 'CC0-1.0', 'CC-BY-4.0', 'CC-BY-SA-4.0', 'CC-BY-NC-4.0',
  'CC-BY-NC-SA-4.0', 'BSL-1.0', 'Zlib', 'PSF-2.0', 'Python-2.0', 'Artistic-2.0', 'EPL-1.0', 'EPL-2.0',
  'EUPL-1.2', 'CECILL-2.1', 'CECILL-B', 'CECILL-C', 'WTFPL', 'NCSA', 'HPND', 'PostgreSQL', 'Unicode-DFS-2016',
];
const CANON = new Map(KNOWN_IDS.map((id) => [id.toLowerCase(), id]));

function gplFamily(s: string): string | null {
  const t = s.toLowerCase();
  let fam: 'AGPL' | 'LGPL' | 'GPL';
  if (/affero|\bagpl/.test(t)) fam = 'AGPL';
  else if (/lesser|library general|\blgpl/.test(t)) fam = 'LGPL';
  else if (/general public licen[cs]e|\bgpl/.test(t)) fam = 'GPL';
  else return null;
  const v = /(\d)(?:\.(\d))?/.exec(t);
  if (!v) return null;
  const major = v[1]!;
  const minor = v[2] ?? '0';
  const version = `${major}.${minor}`;
  const known = fam === 'LGPL' ? ['2.0', '2.1', '3.0'] : fam === 'AGPL' ? ['1.0', '3.0'] : ['1.0', '2.0', '3.0'];
  if (!known.includes(version)) return null;
  const q = /\+|or[ -]later|>=|any later/.test(t) ? '-or-later' : /\bonly\b/.test(t) ? '-only' : '';
  return `${fam}-${version}${q}`;
}

const FREE_TEXT: Array<[RegExp, string | ((t: string) => string | null)]> = [
  [/\bmit\b|^expat$/, 'MIT'],
  [/apache/, (t) => (/\b1\.1\b/.test(t) ? 'Apache-1.1' : /\b1\.0\b/.test(t) ? null : 'Apache-2.0')],
  [/mozilla|\bmpl\b/, (t) => (/\b2(\.0)?\b/.test(t) ? 'MPL-2.0' : /\b1\.1\b/.test(t) ? 'MPL-1.1' : null)],
  [/\bisc\b/, 'ISC'],
  [/unlicen[cs]e/, 'Unlicense'],
  [/\bcc0\b|cc[- ]?zero|public domain dedication/, 'CC0-1.0'],
  [/\bcc[- ]by[- ]nc[- ]sa\b|attribution-noncommercial-sharealike/, 'CC-BY-NC-SA-4.0'],
  [/\bcc[- ]by[- ]nc\b|attribution-noncommercial/, 'CC-BY-NC-4.0'],
  [/\bcc[- ]by[- ]sa\b|attribution-sharealike/, 'CC-BY-SA-4.0'],
  [/\bcc[- ]by\b|creative commons attribution/, 'CC-BY-4.0'],
  [/boost|\bbsl\b/, 'BSL-1.0'],
  [
    /\bbsd\b|berkeley/,
    (t) =>
      /3[- _]?clause|\bnew\b|modified|revised|bsd[-_ ]?3/.test(t)
        ? 'BSD-3-Clause'
        : /2[- _]?clause|simplified|freebsd|bsd[-_ ]?2/.test(t)
          ? 'BSD-2-Clause'
          : /4[- _]?clause|original/.test(t)
            ? 'BSD-4-Clause'
            : /0[- _]?clause|zero/.test(t)
              ? '0BSD'
              : null,
  ],
  [/python software foundation|\bpsf\b/, 'PSF-2.0'],
  [/\bzlib\b/, 'Zlib'],
  [/artistic/, 'Artistic-2.0'],
  [/eclipse|\bepl\b/, (t) => (/\b2(\.0)?\b/.test(t) ? 'EPL-2.0' : /\b1(\.0)?\b/.test(t) ? 'EPL-1.0' : null)],
  [/\beupl\b/, (t) => (/1\.2/.test(t) ? 'EUPL-1.2' : null)],
  [/cecill/, (t) => (/cecill[- ]?b\b/.test(t) ? 'CECILL-B' : /cecill[- ]?c\b/.test(t) ? 'CECILL-C' : 'CECILL-2.1')],
  [/wtfpl/, 'WTFPL'],
];

/**
 * An SPDX id (or expression) for a licence as projects write it in metadata: SPDX ids, PyPI
 * classifiers ("License :: OSI Approved :: MIT License"), R's "GPL (>= 2)" or "MIT + file LICENSE",
 * free text ("Apache 2.0", "new BSD"). Null when it cannot be told (e.g. a bare "BSD" or "GPL").
 */
export function normaliseLicenceName(raw: string): string | null {
  let s = raw.trim().replace(/\s+/g, ' ');
  if (!s || s.length > 300) return null;
  if (/^licen[cs]e\s*::/i.test(s)) s = (s.split('::').pop() ?? '').trim();
  s = s.replace(/\s*\+\s*file\s+LICEN[CS]E\b.*$/i, '').trim();
  s = s.replace(/^\((.*)\)$/, '$1').trim();
  if (!s) return null;
  // SPDX operators are upper case; "v3 or later" is not an expression.
  const parts = s.split(/\s+(OR|AND)\s+|\s*(\|)\s*/);
  if (parts.length > 1) {
    const ids: string[] = [];
    const ops: string[] = [];
    for (let i = 0; i < parts.length; i += 3) {
      const id = normaliseLicenceName(parts[i] ?? '');
      if (!id) return null;
      ids.push(id);
      const op = parts[i + 1] ?? parts[i + 2];
      if (op) ops.push(op === '|' ? 'OR' : op.toUpperCase());
    }
    return ids.map((id, i) => (i === 0 ? id : `${ops[i - 1] ?? 'OR'} ${id}`)).join(' ');
  }
  const exact = CANON.get(s.toLowerCase());
  if (exact) return exact;
  // Deprecated SPDX forms with "+" mean "or later".
  const plus = /^((?:A|L)?GPL-\d\.\d)\+$/i.exec(s);
  if (plus?.[1]) return `${CANON.get(plus[1].toLowerCase()) ?? plus[1].toUpperCase()}-or-later`;
  const t = s.toLowerCase().replace(/_/g, ' ');
  const gpl = gplFamily(t);
  if (gpl) return gpl;
  if (/general public|gpl/.test(t)) return null;
  for (const [re, out] of FREE_TEXT) {
    if (re.test(t)) return typeof out === 'string' ? out : out(t);
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// licence texts

interface TextDetector {
  re: RegExp;
  id: (text: string, at: number, m: RegExpExecArray) => string | null;
}

/** Whether a GPL-family text says "or later" or "only" outside the licence's own body. */
function gplQualifier(text: string, at: number): string {
  // The full GPL texts themselves mention "any later version" (section 14 and the appendix), so
  // only a notice written before the licence title, or a short notice without the terms, counts.
  const hasTerms = /TERMS AND CONDITIONS/i.test(text);
  const notice = hasTerms ? text.slice(0, at) : text;
  if (/any later version|or[- ]later/i.test(notice)) return '-or-later';
  if (/\bonly\b/i.test(notice) && /version \d/i.test(notice)) return '-only';
  return '';
}

const gplText = (fam: string, version: string) => (text: string, at: number) => `${fam}-${version}${gplQualifier(text, at)}`;

function bsdClauses(text: string, at: number): string {
  const block = text.slice(at, at + 3000);
  if (/all advertising materials/i.test(block)) return 'BSD-4-Clause';
  if (/neither the name|names? of (its|the) contributors may be used|may not be used to endorse/i.test(block)) return 'BSD-3-Clause';
  return 'BSD-2-Clause';
}

// Most specific first: ties on position go to the earlier detector.
const TEXT_DETECTORS: TextDetector[] = [
  {
    re: /SPDX-License-Identifier:\s*([A-Za-z0-9.+-]+(?:\s+(?:OR|AND|WITH)\s+[A-Za-z0-9.+-]+)*)/,
    id: (_t, _a, m) => normaliseLicenceName(m[1] ?? ''),
  },
  { re: /GNU AFFERO GENERAL PUBLIC LICENSE\s+Version 3/i, id: gplText('AGPL', '3.0') },
  { re: /GNU LESSER GENERAL PUBLIC LICENSE\s+Version 3/i, id: gplText('LGPL', '3.0') },
  { re: /GNU LESSER GENERAL PUBLIC LICENSE\s+Version 2\.1/i, id: gplText('LGPL', '2.1') },
  { re: /GNU LIBRARY GENERAL PUBLIC LICENSE\s+Version 2/i, id: gplText('LGPL', '2.0') },
  { re: /GNU GENERAL PUBLIC LICENSE\s+Version 3/i, id: gplText('GPL', '3.0') },
  { re: /GNU GENERAL PUBLIC LICENSE\s+Version 2/i, id: gplText('GPL', '2.0') },
  {
    // A short notice instead of the full text: "...under the terms of the GNU General Public License
    // as published by the Free Software Foundation, either version 3 of the License, or ...".
    re: /under the terms of the GNU (Affero |Lesser |Library )?General Public License[\s\S]{0,200}?version (\d(?:\.\d)?)/i,
    id: (text, _at, m) => {
      const fam = /affero/i.test(m[1] ?? '') ? 'AGPL' : m[1] ? 'LGPL' : 'GPL';
      const v = m[2]!.includes('.') ? m[2]! : `${m[2]}.0`;
      const tail = text.slice(m.index, m.index + m[0].length + 120);
      const q = /any later version|or[- ]later/i.test(tail) ? '-or-later' : /\bonly\b/i.test(tail) ? '-only' : '';
      const id = `${fam}-${v}${q}`;
      return CANON.has(id.toLowerCase()) ? id : null;
    },
  },
  { re: /Apache License,?\s+Version 2\.0/i, id: () => 'Apache-2.0' },
  { re: /Mozilla Public License,?\s+(?:Version|v\.?)\s*2\.0/i, id: () => 'MPL-2.0' },
  { re: /Eclipse Public License\s*-?\s*v(?:ersion)?\s*2\.0/i, id: () => 'EPL-2.0' },
  { re: /Boost Software License\s*-?\s*Version 1\.0/i, id: () => 'BSL-1.0' },
  { re: /PYTHON SOFTWARE FOUNDATION LICENSE VERSION 2/i, id: () => 'PSF-2.0' },
  { re: /This is free and unencumbered software released into the public domain/i, id: () => 'Unlicense' },
  { re: /CC0 1\.0 Universal|Creative Commons Zero/i, id: () => 'CC0-1.0' },
  { re: /Attribution-NonCommercial-ShareAlike 4\.0 International/i, id: () => 'CC-BY-NC-SA-4.0' },
  { re: /Attribution-NonCommercial 4\.0 International/i, id: () => 'CC-BY-NC-4.0' },
  { re: /Attribution-ShareAlike 4\.0 International/i, id: () => 'CC-BY-SA-4.0' },
  { re: /Attribution 4\.0 International/i, id: () => 'CC-BY-4.0' },
  { re: /Permission to use, copy, modify, and(?:\/or)? distribute this software for any purpose with or without fee is hereby granted/i, id: () => 'ISC' },
  { re: /Permission is hereby granted, free of charge, to any person obtaining a copy/i, id: () => 'MIT' },
  { re: /Redistribution and use in source and binary forms/i, id: (t, at) => bsdClauses(t, at) },
  { re: /^\s*(?:The )?MIT Licen[cs]e\b/im, id: () => 'MIT' },
  { re: /^\s*BSD ([234])-Clause Licen[cs]e\b/im, id: (_t, _a, m) => `BSD-${m[1]}-Clause` },
  { re: /^\s*ISC Licen[cs]e\b/im, id: () => 'ISC' },
];

/** SPDX id from the text of a licence file; the licence that starts earliest wins (bundled ones follow the main one). */
export function identifyLicenceText(raw: string): string | null {
  // Markdown and line breaks split the phrases; match on a flattened copy.
  const text = raw
    .replace(/\r/g, '')
    .replace(/[*#>`]+/g, ' ')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/([^\n])\n(?!\n)/g, '$1 ')
    .replace(/[ \t]+/g, ' ');
  let best: { at: number; rank: number; id: string } | null = null;
  TEXT_DETECTORS.forEach((d, rank) => {
    const re = new RegExp(d.re.source, d.re.flags.replace('g', ''));
    const m = re.exec(text);
    if (!m) return;
    if (best && (m.index > best.at || (m.index === best.at && rank > best.rank))) return;
    const id = d.id(text, m.index, m);
    if (id) best = { at: m.index, rank, id };
  });
  return (best as { id: string } | null)?.id ?? null;
}

const LICENCE_FILE = /^(licen[cs]e|copying|unlicen[cs]e)([-._][^/]*)?$/i;
const NOT_MAIN_LICENCE = /third|3rd|bundled|vendor|notice|exception|header|author|template/i;
const PRIMARY_FILE = /^(licen[cs]e|copying|unlicen[cs]e)(\.(md|txt|rst|markdown))?$/i;

export async function detectLicence(root: string, files?: string[]): Promise<LicenceResult> {
  const top = files ? files.filter((f) => !f.includes('/')) : await fsp.readdir(root).catch(() => [] as string[]);
  const has = (name: string) => top.find((f) => f.toLowerCase() === name.toLowerCase()) ?? null;

  const candidates = top
    .filter((f) => LICENCE_FILE.test(f) && !NOT_MAIN_LICENCE.test(f))
    .sort((a, b) => Number(!PRIMARY_FILE.test(a)) - Number(!PRIMARY_FILE.test(b)) || a.localeCompare(b));
  const found: Array<{ file: string; id: string }> = [];
  for (const f of candidates.slice(0, 8)) {
    const text = await readText(path.join(root, f));
    if (text === null) continue;
    const id = identifyLicenceText(text);
    if (id) found.push({ file: f, id });
  }
  // REUSE layout: LICENSES/<SPDX id>.txt; one file there is the repository's licence.
  if (found.length === 0 && candidates.length === 0) {
    const reuse = files
      ? files.filter((f) => /^LICENSES\/[^/]+\.(txt|md)$/i.test(f)).map((f) => f.slice('LICENSES/'.length))
      : await fsp.readdir(path.join(root, 'LICENSES')).catch(() => [] as string[]);
    const ids = [...new Set(reuse.map((f) => CANON.get(f.replace(/\.(txt|md)$/i, '').toLowerCase())).filter((x): x is string => !!x))];
    if (ids.length === 1) return { spdx: ids[0]!, source: `LICENSES/${reuse.find((f) => f.toLowerCase().startsWith(ids[0]!.toLowerCase()))}` };
  }

  const fromMeta = await licenceFromMetadata(root, has);
  if (found.length > 0) {
    // GPL text in COPYING plus the LGPL's additional permissions in COPYING.LESSER: the project is LGPL.
    const lgpl = found.find((x) => x.id.startsWith('LGPL'));
    let pick = lgpl && found.some((x) => x.id.startsWith('GPL')) ? lgpl : found[0]!;
    // LICENSE-MIT + LICENSE-APACHE and the like: the project's choice of either.
    const dual = found.filter((x) => !PRIMARY_FILE.test(x.file));
    if (!found.some((x) => PRIMARY_FILE.test(x.file)) && new Set(dual.map((x) => x.id)).size > 1) {
      return { spdx: [...new Set(dual.map((x) => x.id))].join(' OR '), source: dual[0]!.file };
    }
    // The text may not say whether "or later" applies; the metadata may.
    if (/^(A|L)?GPL-\d\.\d$/.test(pick.id) && fromMeta?.spdx.startsWith(`${pick.id}-`)) pick = { file: pick.file, id: fromMeta.spdx };
    return { spdx: pick.id, source: pick.file };
  }
  if (fromMeta) return fromMeta;
  return { spdx: 'NOASSERTION', source: candidates[0] ?? null };
}

async function licenceFromMetadata(root: string, has: (n: string) => string | null): Promise<LicenceResult | null> {
  const pyproject = has('pyproject.toml');
  if (pyproject) {
    const text = await readText(path.join(root, pyproject));
    if (text) {
      const doc = parseTomlSubset(text);
      const project = asTable(doc.project);
      const poetry = asTable(asTable(doc.tool)?.poetry);
      const lic = project?.license;
      let id: string | null = null;
      if (typeof lic === 'string') id = normaliseLicenceName(lic);
      else if (asTable(lic)) {
        const t = asTable(lic)!;
        if (typeof t.text === 'string') id = normaliseLicenceName(t.text) ?? identifyLicenceText(t.text);
        else if (typeof t.file === 'string' && !t.file.includes('..')) {
          const body = await readText(path.join(root, t.file));
          if (body) id = identifyLicenceText(body);
        }
      }
      if (!id && typeof poetry?.license === 'string') id = normaliseLicenceName(poetry.license);
      if (!id) id = fromClassifiers([...asStrings(project?.classifiers), ...asStrings(poetry?.classifiers)]);
      if (id) return { spdx: id, source: pyproject };
    }
  }
  const setupCfg = has('setup.cfg');
  if (setupCfg) {
    const text = await readText(path.join(root, setupCfg));
    if (text) {
      const meta = parseIniSubset(text).metadata ?? {};
      const lic = meta.license ?? meta.licence;
      const id =
        (lic ? normaliseLicenceName(lic) : null) ??
        fromClassifiers((meta.classifiers ?? '').split('\n').map((l) => l.trim()));
      if (id) return { spdx: id, source: setupCfg };
    }
  }
  const setupPy = has('setup.py');
  if (setupPy) {
    const text = await readText(path.join(root, setupPy));
    if (text) {
      // Read as text: setup.py is never run.
      const m = /\blicen[cs]e\s*=\s*[rRuU]?(['"])([^'"\n]{1,200})\1/.exec(text);
      const classifiers = [...text.matchAll(/['"](License\s*::[^'"\n]+)['"]/g)].map((x) => x[1]!);
      const id = (m?.[2] ? normaliseLicenceName(m[2]) : null) ?? fromClassifiers(classifiers);
      if (id) return { spdx: id, source: setupPy };
    }
  }
  const description = has('DESCRIPTION');
  if (description) {
    const text = await readText(path.join(root, description));
    if (text) {
      const lic = parseDcf(text).License;
      const id = lic ? normaliseLicenceName(lic) : null;
      if (id) return { spdx: id, source: description };
    }
  }
  return null;
}

function fromClassifiers(classifiers: string[]): string | null {
  for (const c of classifiers) {
    if (!/^License\s*::/i.test(c)) continue;
    const id = normaliseLicenceName(c);
    if (id) return id;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// citation

/**
 * How the repository asks to be cited: CITATION.cff rendered as "Authors (year). Title. Version.
 * doi:…", else the first BibTeX entry in CITATION.bib, a README or docs/.
 */
export async function detectCitation(root: string): Promise<string | null> {
  const cff = await readText(path.join(root, 'CITATION.cff'));
  if (cff) {
    const rendered = renderCff(cff);
    if (rendered) return rendered;
  }
  const top = await fsp.readdir(root).catch(() => [] as string[]);
  const ordered = [
    ...top.filter((f) => /^citation(\.bib|\.txt|\.md)?$/i.test(f)),
    ...top.filter((f) => /^readme(\.[a-z]+)?$/i.test(f)).sort(),
  ].map((f) => f);
  const docs = (await fsp.readdir(path.join(root, 'docs')).catch(() => [] as string[]))
    .filter((f) => /\.(md|rst|txt|bib|tex)$/i.test(f))
    .sort()
    .map((f) => `docs/${f}`);
  for (const rel of [...ordered, ...docs].slice(0, 40)) {
    const text = await readText(path.join(root, rel));
    if (!text) continue;
    const bib = findBibtex(text);
    if (bib) return bib;
  }
  return null;
}

const BIB_TYPES = 'article|software|misc|inproceedings|proceedings|book|techreport|phdthesis|mastersthesis|manual|incollection|inbook|unpublished|online|dataset|report';

/** The first BibTeX entry in a text, dedented; null when there is none. */
export function findBibtex(text: string): string | null {
  const re = new RegExp(`@(${BIB_TYPES})\\s*\\{`, 'gi');
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const open = m.index + m[0].length - 1;
    let depth = 0;
    let end = -1;
    for (let i = open; i < text.length && i < open + 20_000; i++) {
      const c = text[i];
      if (c === '\\') {
        i++;
        continue;
      }
      if (c === '{') depth++;
      else if (c === '}' && --depth === 0) {
        end = i;
        break;
      }
    }
    if (end < 0) continue;
    const block = text.slice(m.index, end + 1);
    // A real entry has a key and at least one field, not just "@article{" in prose.
    if (!/^@\w+\s*\{\s*[^,\s{}]+\s*,[\s\S]*=/.test(block)) continue;
    const lines = block.split('\n');
    const indents = lines.slice(1).filter((l) => l.trim()).map((l) => /^[ \t]*/.exec(l)![0].length);
    const common = Math.min(...indents, /^[ \t]*/.exec(text.slice(text.lastIndexOf('\n', m.index) + 1, m.index))![0].length);
    const out = [lines[0]!, ...lines.slice(1).map((l) => l.slice(Math.min(common, /^[ \t]*/.exec(l)![0].length)))].join('\n').trim();
    return out.length > 6000 ? null : out;
  }
  return null;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? String(v) : null);

function renderPerson(p: unknown): string | null {
  if (typeof p === 'string') return p.trim() || null;
  if (!isObj(p)) return null;
  const family = str(p['family-names']);
  const particle = str(p['name-particle']);
  const suffix = str(p['name-suffix']);
  const given = str(p['given-names']);
  if (family) {
    const initials = given
      ? given
          .split(/\s+/)
          .filter(Boolean)
          .map((g) => g.split('-').map((x) => `${x[0]!.toUpperCase()}.`).join('-'))
          .join(' ')
      : '';
    const fam = [particle, family].filter(Boolean).join(' ');
    return [fam + (suffix ? ` ${suffix}` : ''), initials].filter(Boolean).join(', ');
  }
  return str(p.name) ?? given;
}

/** "Authors (year). Title. Version v. Journal. doi:…" from the text of a CITATION.cff. */
export function renderCff(text: string): string | null {
  const doc = parseYamlSubset(text);
  if (!isObj(doc)) return null;
  const pref = isObj(doc['preferred-citation']) ? doc['preferred-citation'] : null;
  const src: Obj = pref ?? doc;
  const title = str(src.title) ?? str(doc.title);
  if (!title) return null;
  const authorsRaw = Array.isArray(src.authors) ? src.authors : Array.isArray(doc.authors) ? doc.authors : [];
  const names = authorsRaw.map(renderPerson).filter((x): x is string => !!x);
  const authors = names.length > 8 ? `${names.slice(0, 8).join(', ')}, et al.` : names.join(', ');
  const yearOf = (v: unknown) => /\b(\d{4})\b/.exec(str(v) ?? '')?.[1] ?? null;
  const year = str(src.year) ?? yearOf(src['date-published']) ?? yearOf(src['date-released']) ?? yearOf(doc['date-released']);
  const version = pref ? null : str(doc.version);
  const journal = pref ? (str(pref.journal) ?? (isObj(pref.conference) ? str(pref.conference.name) : null)) : null;
  const idDoi = (ids: unknown) =>
    Array.isArray(ids) ? (ids.filter(isObj).find((i) => str(i.type)?.toLowerCase() === 'doi')?.value as string | undefined) ?? null : null;
  const doi = str(src.doi) ?? idDoi(src.identifiers) ?? str(doc.doi) ?? idDoi(doc.identifiers);
  const head = authors ? `${authors}${year ? ` (${year})` : ''}. ` : year ? `(${year}). ` : '';
  const parts = [`${head}${title.replace(/\.$/, '')}.`];
  if (version) parts.push(`Version ${version}.`);
  if (journal) parts.push(`${journal.replace(/\.$/, '')}.`);
  if (doi) parts.push(`doi:${str(doi)!.replace(/^https?:\/\/(dx\.)?doi\.org\//i, '')}`);
  return parts.join(' ');
}

// ---------------------------------------------------------------------------------------------
// TOML (the part pyproject.toml uses)

export type TomlValue = string | number | boolean | TomlValue[] | TomlTable;
export interface TomlTable {
  [key: string]: TomlValue;
}

export function asTable(v: unknown): TomlTable | null {
  return isObj(v) ? (v as TomlTable) : null;
}
export function asStrings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

class TomlSyntax extends Error {}

/**
 * A tolerant TOML reader: tables, arrays of tables, dotted keys, all string forms, arrays over
 * several lines, inline tables. A line it cannot read is skipped, not fatal: one odd construct
 * must not hide the dependencies declared next to it.
 */
export function parseTomlSubset(text: string): TomlTable {
  const src = text.replace(/\r\n?/g, '\n');
  const rootTable: TomlTable = {};
  let current: TomlTable = rootTable;
  let i = 0;
  const n = src.length;

  const skipWs = () => {
    while (i < n && (src[i] === ' ' || src[i] === '\t')) i++;
  };
  const skipComment = () => {
    if (src[i] === '#') while (i < n && src[i] !== '\n') i++;
  };
  const skipAll = () => {
    for (;;) {
      skipWs();
      if (src[i] === '#') skipComment();
      else if (src[i] === '\n') i++;
      else return;
    }
  };
  const toEol = () => {
    while (i < n && src[i] !== '\n') i++;
  };

  const readBasic = (): string => {
    // at opening quote
    i++;
    let out = '';
    while (i < n && src[i] !== '"') {
      if (src[i] === '\n') throw new TomlSyntax('newline in string');
      if (src[i] === '\\') {
        out += readEscape();
        continue;
      }
      out += src[i++];
    }
    if (i >= n) throw new TomlSyntax('unterminated string');
    i++;
    return out;
  };
  const readEscape = (): string => {
    const c = src[i + 1];
    i += 2;
    switch (c) {
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case '"':
        return '"';
      case '\\':
        return '\\';
      case 'u':
      case 'U': {
        const len = c === 'u' ? 4 : 8;
        const hex = src.slice(i, i + len);
        i += len;
        const cp = parseInt(hex, 16);
        return Number.isFinite(cp) ? String.fromCodePoint(cp) : '';
      }
      default:
        return c ?? '';
    }
  };
  const readLiteral = (): string => {
    const end = src.indexOf("'", i + 1);
    const nl = src.indexOf('\n', i + 1);
    if (end < 0 || (nl >= 0 && nl < end)) throw new TomlSyntax('unterminated literal');
    const s = src.slice(i + 1, end);
    i = end + 1;
    return s;
  };
  const readMulti = (q: '"""' | "'''"): string => {
    i += 3;
    if (src[i] === '\n') i++;
    let out = '';
    while (i < n) {
      if (src.startsWith(q, i)) {
        // Up to two quotes may sit right before the closing three.
        let extra = 0;
        while (src[i + 3 + extra] === q[0] && extra < 2) extra++;
        out += q[0]!.repeat(extra);
        i += 3 + extra;
        return out;
      }
      if (q === '"""' && src[i] === '\\') {
        if (/^\\[ \t]*\n/.test(src.slice(i, i + 64))) {
          i++;
          while (i < n && /[\s]/.test(src[i]!)) i++;
          continue;
        }
        out += readEscape();
        continue;
      }
      out += src[i++];
    }
    throw new TomlSyntax('unterminated multi-line string');
  };

  const readKeyPart = (): string => {
    skipWs();
    if (src[i] === '"') return readBasic();
    if (src[i] === "'") return readLiteral();
    const m = /^[A-Za-z0-9_-]+/.exec(src.slice(i, i + 256));
    if (!m) throw new TomlSyntax('bad key');
    i += m[0].length;
    return m[0];
  };
  const readKey = (): string[] => {
    const parts = [readKeyPart()];
    for (;;) {
      skipWs();
      if (src[i] !== '.') return parts;
      i++;
      parts.push(readKeyPart());
    }
  };

  const readValue = (depth: number): TomlValue => {
    if (depth > 32) throw new TomlSyntax('too deep');
    skipWs();
    const c = src[i];
    if (src.startsWith('"""', i)) return readMulti('"""');
    if (src.startsWith("'''", i)) return readMulti("'''");
    if (c === '"') return readBasic();
    if (c === "'") return readLiteral();
    if (c === '[') {
      i++;
      const arr: TomlValue[] = [];
      for (;;) {
        skipAll();
        if (i >= n) throw new TomlSyntax('unterminated array');
        if (src[i] === ']') {
          i++;
          return arr;
        }
        arr.push(readValue(depth + 1));
        skipAll();
        if (src[i] === ',') i++;
        else if (src[i] !== ']') throw new TomlSyntax('expected , or ]');
      }
    }
    if (c === '{') {
      i++;
      const t: TomlTable = {};
      for (;;) {
        skipAll();
        if (src[i] === '}') {
          i++;
          return t;
        }
        const key = readKey();
        skipWs();
        if (src[i] !== '=') throw new TomlSyntax('expected =');
        i++;
        setPath(t, key, readValue(depth + 1));
        skipAll();
        if (src[i] === ',') i++;
        else if (src[i] !== '}') throw new TomlSyntax('expected , or }');
      }
    }
    const m = /^[^,\]}\n#]+/.exec(src.slice(i, i + 256));
    if (!m) throw new TomlSyntax('bad value');
    i += m[0].length;
    const raw = m[0].trim();
    if (raw === 'true') return true;
    if (raw === 'false') return false;
    const num = Number(raw.replace(/_/g, ''));
    return /^[+-]?[\d_]+(\.[\d_]+)?([eE][+-]?\d+)?$/.test(raw) && Number.isFinite(num) ? num : raw;
  };

  const setPath = (table: TomlTable, keys: string[], value: TomlValue) => {
    let t = table;
    for (const k of keys.slice(0, -1)) {
      const next = t[k];
      if (isObj(next)) t = next as TomlTable;
      else {
        const fresh: TomlTable = {};
        t[k] = fresh;
        t = fresh;
      }
    }
    t[keys[keys.length - 1]!] = value;
  };
  const tableAt = (keys: string[], arrayTable: boolean): TomlTable => {
    let t = rootTable;
    keys.forEach((k, idx) => {
      const last = idx === keys.length - 1;
      let next = t[k];
      if (last && arrayTable) {
        if (!Array.isArray(next)) {
          next = [];
          t[k] = next;
        }
        const fresh: TomlTable = {};
        next.push(fresh);
        t = fresh;
        return;
      }
      if (Array.isArray(next) && isObj(next[next.length - 1])) {
        t = next[next.length - 1] as TomlTable;
        return;
      }
      if (!isObj(next)) {
        next = {};
        t[k] = next;
      }
      t = next as TomlTable;
    });
    return t;
  };

  while (i < n) {
    skipAll();
    if (i >= n) break;
    const lineStart = i;
    try {
      if (src[i] === '[') {
        const arrayTable = src[i + 1] === '[';
        i += arrayTable ? 2 : 1;
        const key = readKey();
        skipWs();
        if (!src.startsWith(arrayTable ? ']]' : ']', i)) throw new TomlSyntax('bad table header');
        i += arrayTable ? 2 : 1;
        current = tableAt(key, arrayTable);
      } else {
        const key = readKey();
        skipWs();
        if (src[i] !== '=') throw new TomlSyntax('expected =');
        i++;
        setPath(current, key, readValue(0));
      }
      skipWs();
      skipComment();
      if (i < n && src[i] !== '\n') throw new TomlSyntax('trailing text');
    } catch (e) {
      if (!(e instanceof TomlSyntax)) throw e;
      i = lineStart;
      toEol();
    }
  }
  return rootTable;
}

// ---------------------------------------------------------------------------------------------
// YAML (block mappings and sequences, scalars, simple flow sequences: CITATION.cff, environment.yml)

interface YLine {
  indent: number;
  text: string;
  /** Index into the raw lines, for block scalars. */
  raw: number;
}

function stripYamlComment(s: string): string {
  let q: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === '\\' && q === '"') i++;
      else if (c === q) q = null;
    } else if ((c === '"' || c === "'") && (i === 0 || /[\s:[{,-]/.test(s[i - 1]!))) {
      q = c;
    } else if (c === '#' && (i === 0 || /\s/.test(s[i - 1]!))) {
      return s.slice(0, i).trimEnd();
    }
  }
  return s.trimEnd();
}

function yamlScalar(raw: string): unknown {
  const s = raw.trim();
  if (s === '' || s === '~' || s === 'null') return null;
  if (s.startsWith('"') && s.endsWith('"') && s.length >= 2) {
    try {
      return JSON.parse(s.replace(/\\'/g, "'").replace(/\t/g, '\\t'));
    } catch {
      return s.slice(1, -1);
    }
  }
  if (s.startsWith("'") && s.endsWith("'") && s.length >= 2) return s.slice(1, -1).replace(/''/g, "'");
  if (s.startsWith('[') && s.endsWith(']')) {
    const inner = s.slice(1, -1).trim();
    if (!inner) return [];
    const items: string[] = [];
    let q: string | null = null;
    let cur = '';
    for (const c of inner) {
      if (q) {
        if (c === q) q = null;
        cur += c;
      } else if (c === '"' || c === "'") {
        q = c;
        cur += c;
      } else if (c === ',') {
        items.push(cur);
        cur = '';
      } else cur += c;
    }
    items.push(cur);
    return items.map((x) => yamlScalar(x));
  }
  return s;
}

const MAP_ENTRY = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s"'#][^#]*?)[ \t]*:(?:[ \t]+(.*))?$/;
const isSeqItem = (t: string) => t === '-' || t.startsWith('- ');

export function parseYamlSubset(text: string): unknown {
  const rawLines = text.replace(/\r\n?/g, '\n').split('\n');
  const lines: Array<YLine | null> = rawLines.map((raw, idx) => {
    if (/^\s*(#.*)?$/.test(raw) || /^(---|\.\.\.)\s*$/.test(raw) || /^%/.test(raw)) return null;
    const indent = /^ */.exec(raw)![0].length;
    const t = stripYamlComment(raw.slice(indent));
    return t ? { indent, text: t, raw: idx } : null;
  });
  let i = 0;
  const peek = (): YLine | null => {
    while (i < lines.length && lines[i] === null) i++;
    return i < lines.length ? lines[i]! : null;
  };

  const blockScalar = (parentIndent: number, header: string, startRaw: number): string => {
    const folded = header.startsWith('>');
    const out: string[] = [];
    let r = startRaw + 1;
    let blockIndent = -1;
    for (; r < rawLines.length; r++) {
      const l = rawLines[r]!;
      if (!l.trim()) {
        out.push('');
        continue;
      }
      const ind = /^ */.exec(l)![0].length;
      if (ind <= parentIndent) break;
      if (blockIndent < 0) blockIndent = ind;
      out.push(l.slice(Math.min(ind, blockIndent)));
    }
    while (i < lines.length && (lines[i] === null || lines[i]!.raw < r)) i++;
    while (out.length && out[out.length - 1] === '') out.pop();
    return folded ? out.join('\n').replace(/([^\n])\n(?=[^\n])/g, '$1 ') : out.join('\n');
  };

  // Plain or quoted scalars may continue on more-indented lines.
  const continued = (first: string, parentIndent: number): string => {
    let s = first;
    for (;;) {
      const nx = peek();
      if (!nx || nx.indent <= parentIndent || isSeqItem(nx.text) || (MAP_ENTRY.test(nx.text) && !/^["']/.test(s))) return s;
      s += ` ${nx.text}`;
      i++;
    }
  };

  const parseNode = (indent: number, depth: number): unknown => {
    const l = peek();
    if (!l || depth > 64) return null;
    if (isSeqItem(l.text)) return parseSeq(l.indent, depth);
    if (MAP_ENTRY.test(l.text)) return parseMap(l.indent, depth);
    i++;
    return yamlScalar(continued(l.text, indent - 1));
  };

  const parseSeq = (indent: number, depth: number): unknown[] => {
    const arr: unknown[] = [];
    for (;;) {
      const l = peek();
      if (!l || l.indent !== indent || !isSeqItem(l.text)) return arr;
      const content = l.text === '-' ? '' : l.text.slice(2).trimStart();
      if (!content) {
        i++;
        const nx = peek();
        arr.push(nx && nx.indent > indent ? parseNode(nx.indent, depth + 1) : null);
        continue;
      }
      // "- key: value": the item is a mapping whose keys line up with "key".
      const offset = l.text.length - content.length;
      lines[i] = { indent: indent + offset, text: content, raw: l.raw };
      arr.push(parseNode(indent + offset, depth + 1));
    }
  };

  const parseMap = (indent: number, depth: number): Obj => {
    const obj: Obj = {};
    for (;;) {
      const l = peek();
      if (!l || l.indent !== indent || isSeqItem(l.text)) return obj;
      const m = MAP_ENTRY.exec(l.text);
      if (!m) {
        i++;
        continue;
      }
      i++;
      const key = String(yamlScalar(m[1]!) ?? '');
      const rest = (m[2] ?? '').trim();
      let value: unknown;
      if (rest === '') {
        const nx = peek();
        if (nx && nx.indent > indent) value = parseNode(nx.indent, depth + 1);
        else if (nx && nx.indent === indent && isSeqItem(nx.text)) value = parseSeq(indent, depth + 1);
        else value = null;
      } else if (/^[|>][-+0-9]*$/.test(rest)) {
        value = blockScalar(indent, rest, l.raw);
      } else {
        value = yamlScalar(continued(rest, indent));
      }
      obj[key] = value;
    }
  };

  const first = peek();
  if (!first) return null;
  return parseNode(first.indent, 0);
}

// ---------------------------------------------------------------------------------------------
// INI (setup.cfg) and DCF (R's DESCRIPTION)

/** Sections of an INI file; indented lines continue the previous value (joined with newlines). */
export function parseIniSubset(text: string): Record<string, Record<string, string>> {
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
export function parseDcf(text: string): Record<string, string> {
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
