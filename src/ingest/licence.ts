/**
 * The licence of a repository, read from its files (licence texts, REUSE's LICENSES/, then the
 * metadata: pyproject.toml, setup.cfg, setup.py read as text, R's DESCRIPTION, as repo-metadata.ts
 * read them); nothing is run. Licence texts are read here, their first 512 KiB.
 *
 * SPDX ids and expressions are checked against the SPDX list (spdx-license-ids,
 * spdx-expression-parse). The free-text rules stay here because spdx-correct guesses where a
 * licence must not be guessed: it reads a bare "BSD" as BSD-2-Clause, "GPL (>= 2)" as
 * GPL-3.0-or-later and "BSD_3_clause" as BSD-2-Clause; it is asked only about names no rule knows,
 * and its answer is kept only when the name says it (see corrected()).
 */
import { createRequire } from 'node:module';
import spdxCorrect from 'spdx-correct';
import parseSpdx from 'spdx-expression-parse';
import { GuardedReader } from './guarded-read.js';
import { asStrings, asTable } from './metadata.js';
import { readRepoMetadata, type RepoMetadata } from './repo-metadata.js';
import { licenceClassifiers, licenceKeyword } from './setup-py.js';

export interface LicenceResult {
  /** SPDX id or expression; 'NOASSERTION' when none was recognised. */
  spdx: string;
  /** Repo-relative file it came from; for NOASSERTION, a licence file that was there but not recognised. */
  source: string | null;
}

const READ_LIMIT = 512 * 1024;

// ---------------------------------------------------------------------------------------------
// SPDX names

// The id lists are JSON files; the deprecated ids (GPL-3.0, LGPL-2.1, ...) are still what metadata says.
const requireJson = createRequire(import.meta.url);
const SPDX_IDS: ReadonlyMap<string, string> = new Map(
  [...(requireJson('spdx-license-ids') as string[]), ...(requireJson('spdx-license-ids/deprecated.json') as string[])].map((id) => [id.toLowerCase(), id]),
);

/** The SPDX id spelt as the list spells it, for any letter case; null when it is not one. */
export function spdxId(name: string): string | null {
  return SPDX_IDS.get(name.toLowerCase()) ?? null;
}

/** A valid SPDX expression over listed ids, written back canonically; null otherwise. */
function spdxExpression(s: string): string | null {
  let info: parseSpdx.Info;
  try {
    info = parseSpdx(s);
  } catch {
    return null;
  }
  const render = (node: parseSpdx.Info, parent: 'and' | 'or' | null): string | null => {
    if ('conjunction' in node) {
      const left = render(node.left, node.conjunction);
      const right = render(node.right, node.conjunction);
      if (!left || !right) return null;
      const text = `${left} ${node.conjunction.toUpperCase()} ${right}`;
      return parent && parent !== node.conjunction ? `(${text})` : text;
    }
    const id = spdxId(node.license);
    if (!id) return null; // LicenseRef-… names no licence anyone can look up
    // Deprecated SPDX forms with "+" mean "or later".
    const base = node.plus ? (/^(A|L)?GPL-\d\.\d$/.test(id) ? `${id}-or-later` : `${id}+`) : id;
    const exception = (node as { exception?: string }).exception;
    return exception ? `${base} WITH ${exception}` : base;
  };
  return render(info, null);
}

/**
 * spdx-correct's answer for a name no rule here knows, kept only when the name carries the
 * answer's family as a word and, if the answer has a version, its major version: "ZPL 2.1" is
 * ZPL-2.1, but "GNU Free Documentation License" is not GPL-3.0-or-later.
 */
function corrected(s: string): string | null {
  const raw = spdxCorrect(s, { upgrade: false });
  const guess = raw ? spdxId(raw) : null;
  if (!guess) return null;
  const family = /^[A-Za-z]+/.exec(guess)?.[0];
  if (!family || !new RegExp(`\\b${family}`, 'i').test(s)) return null;
  const major = /\d+/.exec(guess)?.[0];
  return !major || new RegExp(`(^|\\D)${major}(\\D|$)`).test(s) ? guess : null;
}

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
  const expression = spdxExpression(s);
  if (expression) return expression;
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
  const exact = spdxId(s);
  if (exact) return exact;
  const plus = /^((?:A|L)?GPL-\d\.\d)\+$/i.exec(s);
  if (plus?.[1]) return `${spdxId(plus[1]) ?? plus[1].toUpperCase()}-or-later`;
  const t = s.toLowerCase().replace(/_/g, ' ');
  const gpl = gplFamily(t);
  if (gpl) return gpl;
  if (/general public|gpl/.test(t)) return null;
  for (const [re, out] of FREE_TEXT) {
    if (re.test(t)) return typeof out === 'string' ? out : out(t);
  }
  return corrected(s);
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
      return spdxId(id);
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

/**
 * The licence of the repository at `root`; `files` (repo-relative, such as the walk's) limits which
 * files count. `meta` is the repository's metadata when the caller has read it already
 * (readRepoMetadata); without, it is read here. Files are read through `reader` (links out are skipped there).
 */
export async function detectLicence(root: string, files?: string[], meta?: RepoMetadata, reader: GuardedReader = new GuardedReader(root)): Promise<LicenceResult> {
  const readText = (rel: string) => reader.text(rel, { limit: READ_LIMIT, head: true });
  const top = files ? files.filter((f) => !f.includes('/')) : await reader.names('');

  const candidates = top
    .filter((f) => LICENCE_FILE.test(f) && !NOT_MAIN_LICENCE.test(f))
    .sort((a, b) => Number(!PRIMARY_FILE.test(a)) - Number(!PRIMARY_FILE.test(b)) || a.localeCompare(b));
  const found: Array<{ file: string; id: string }> = [];
  for (const f of candidates.slice(0, 8)) {
    const text = await readText(f);
    if (text === null) continue;
    const id = identifyLicenceText(text);
    if (id) found.push({ file: f, id });
  }
  // REUSE layout: LICENSES/<SPDX id>.txt; one file there is the repository's licence.
  if (found.length === 0 && candidates.length === 0) {
    const reuse = files
      ? files.filter((f) => /^LICENSES\/[^/]+\.(txt|md)$/i.test(f)).map((f) => f.slice('LICENSES/'.length))
      : await reader.names('LICENSES');
    const ids = [...new Set(reuse.map((f) => spdxId(f.replace(/\.(txt|md)$/i, ''))).filter((x): x is string => !!x))];
    if (ids.length === 1) return { spdx: ids[0]!, source: `LICENSES/${reuse.find((f) => f.toLowerCase().startsWith(ids[0]!.toLowerCase()))}` };
  }

  const fromMeta = await licenceFromMetadata(meta ?? (await readRepoMetadata(root, files, reader)), readText);
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

async function licenceFromMetadata(meta: RepoMetadata, readText: (rel: string) => Promise<string | null>): Promise<LicenceResult | null> {
  if (meta.pyproject) {
    const doc = meta.pyproject.doc;
    const project = asTable(doc.project);
    const poetry = asTable(asTable(doc.tool)?.poetry);
    const lic = project?.license;
    let id: string | null = null;
    if (typeof lic === 'string') id = normaliseLicenceName(lic);
    else if (asTable(lic)) {
      const t = asTable(lic)!;
      if (typeof t.text === 'string') id = normaliseLicenceName(t.text) ?? identifyLicenceText(t.text);
      else if (typeof t.file === 'string') {
        // A licence text, not metadata: read like the other licence files.
        const body = await readText(t.file);
        if (body) id = identifyLicenceText(body);
      }
    }
    if (!id && typeof poetry?.license === 'string') id = normaliseLicenceName(poetry.license);
    if (!id) id = fromClassifiers([...asStrings(project?.classifiers), ...asStrings(poetry?.classifiers)]);
    if (id) return { spdx: id, source: meta.pyproject.file };
  }
  if (meta.setupCfg) {
    const m = meta.setupCfg.sections.metadata ?? {};
    const lic = m.license ?? m.licence;
    const id = (lic ? normaliseLicenceName(lic) : null) ?? fromClassifiers((m.classifiers ?? '').split('\n').map((l) => l.trim()));
    if (id) return { spdx: id, source: meta.setupCfg.file };
  }
  if (meta.setupPy) {
    const lic = licenceKeyword(meta.setupPy);
    const id = (lic ? normaliseLicenceName(lic) : null) ?? fromClassifiers(licenceClassifiers(meta.setupPy));
    if (id) return { spdx: id, source: meta.setupPy.file };
  }
  if (meta.description) {
    const lic = meta.description.fields.License;
    const id = lic ? normaliseLicenceName(lic) : null;
    if (id) return { spdx: id, source: meta.description.file };
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

