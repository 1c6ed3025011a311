/**
 * The Python code of a Markdown or reStructuredText page, in order, with doctests already in script form:
 * fenced blocks and MyST directives (`{code-cell}`, `{eval-rst}`, ...), code directives (code-block, testcode
 * with its testoutput, testsetup, doctest, ipython, plot, jupyter-execute), literal blocks and `>>>` paragraphs;
 * and the names the page's autodoc directives document (`.. autofunction::`, mkdocstrings' `:::`), per section.
 */
import { convertDoctest } from '../../python/doctest.js';
import { stripMagics } from '../../python/notebook.js';
import { dedent, mask } from '../../python/syntax.js';

export interface DocSnippet {
  code: string;
  expectedOutput: string | null;
  line: number;
  doctest: boolean;
  /**
   * The page states all the snippet prints (a doctest; a testcode with its testoutput; an ipython block under
   * @doctest): a null expectedOutput then means it prints nothing. Other code may print what the page never shows.
   */
  statesOutput: boolean;
  /** Setup the page runs before its examples (`.. testsetup::`): context for later snippets, not an example. */
  setup: boolean;
  /** The page section it is in (a heading starts one), for autodoc links. */
  section: number;
  /** Sphinx doctest groups it belongs to (`.. testcode:: name`): `default` unless named; `*` for every group. */
  groups?: string[];
  /**
   * A file the directive runs instead of code on the page (`.. jupyter-execute:: ../examples/fit.py`), relative to
   * the page: its code is the reader's to fill in (code is empty until then); a setup snippet.
   */
  include?: string;
}

/** A name an autodoc directive documents, as the page spells it, with the module and class it is relative to. */
export interface DocumentedName {
  name: string;
  /** `.. currentmodule::` / `.. module::` in force, or null. */
  module: string | null;
  /** The enclosing `.. autoclass::` for a nested `.. automethod::`, or null. */
  inClass: string | null;
  section: number;
  /** Named by a cross-reference role in the prose (`:meth:`...``), not by an autodoc directive. */
  role?: boolean;
  /** The page line (1-based) of the directive, or of the prose line naming it. */
  line: number;
}

/** A heading: it starts its section (the section numbers of snippets and documented names). */
export interface DocHeading {
  section: number;
  title: string;
  /** 1 for the page title; deeper headings count up (Markdown `#` count; reStructuredText adornment styles in the order they appear). */
  level: number;
  /** The page line (1-based) of the heading's text. */
  line: number;
}

export interface DocPage {
  snippets: DocSnippet[];
  documented: DocumentedName[];
  headings: DocHeading[];
}

const PYTHON_LANGS = new Set(['python', 'py', 'python3', 'pycon', 'ipython', 'ipython3', 'pyodide']);
/** Directives whose content is Python code the docs build runs or shows. */
const CODE_DIRECTIVES = 'code-block|code|sourcecode|testcode|testoutput|testsetup|testcleanup|doctest|ipython|plot|jupyter-execute|code-cell';
const DIRECTIVE = new RegExp(`^(\\s*)\\.\\.\\s+(${CODE_DIRECTIVES})::[ \\t]*(.*)$`);
/** Directives that document one object (autosummary lists several: read apart). */
const AUTODOC = /^(\s*)\.\.\s+(?:auto(?:function|class|method|attribute|property|data|exception|decorator)|py:(?:function|class|method))::\s*([A-Za-z_][\w.]*)/;
/** MyST directives read as reStructuredText. */
const RST_READ = new RegExp(`^(${CODE_DIRECTIVES}|auto\\w+|py:\\w+|currentmodule|module)$`);
export const CURRENT_MODULE = /^\s*\.\.\s+(?:py:)?(?:currentmodule|module)::\s*([A-Za-z_][\w.]*)\s*$/;
const RST_UNDERLINE = /^([=\-~^"'`#*+_.:<>])\1{2,}\s*$/;
/** Illustrative code, not a program: `x = ...  # your data`, `kwargs = {...}`. */
const PLACEHOLDER = /^[ \t]*[\w.]+[ \t]*=[ \t]*(?:\.\.\.|\{\.\.\.\}|\[\.\.\.\]|\(\.\.\.\))[ \t]*(?:#.*)?$/m;
/** IPython directive pseudo-decorators (they annotate the next input, they are not Python). */
const IPY_DECORATOR = /^@(suppress|savefig|doctest|verbatim|okexcept|okwarning)\b/;

interface Raw {
  code: string;
  line: number;
  lang: string;
  expected?: string | null;
  statesOutput?: boolean;
  setup?: boolean;
  section: number;
  include?: string;
  groups?: string[];
}

/** Python code blocks of a Markdown or reStructuredText document, in order. */
export function docCodeBlocks(text: string, kind: 'md' | 'rst'): DocSnippet[] {
  return readDocPage(text, kind).snippets;
}

/** A page's code snippets and the names its autodoc directives document. */
export function readDocPage(text: string, kind: 'md' | 'rst'): DocPage {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const raw: Raw[] = [];
  const documented: DocumentedName[] = [];
  const headings: DocHeading[] = [];
  if (kind === 'md') readMarkdown(lines, 0, 0, raw, documented, headings);
  else readRst(lines, 0, 0, raw, documented, headings);
  return { snippets: raw.flatMap((r) => toSnippet(r) ?? []), documented, headings };
}

/** Reads Markdown lines (a page, or a MyST directive's body); returns the section it ends in. */
function readMarkdown(lines: string[], lineOffset: number, firstSection: number, raw: Raw[], documented: DocumentedName[], headings: DocHeading[]): number {
  let section = firstSection;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(l);
    if (heading) headings.push({ section: ++section, title: heading[2]!, level: heading[1]!.length, line: lineOffset + i + 1 });
    const mkdocstrings = /^:::\s*([A-Za-z_][\w.]*)\s*$/.exec(l);
    if (mkdocstrings) documented.push({ name: mkdocstrings[1]!, module: null, inClass: null, section, line: lineOffset + i + 1 });
    const open = /^( {0,3})(`{3,}|~{3,})\s*(\{[\w:-]+\}|[\w+-]*)[ \t]*(.*)$/.exec(l);
    if (!open) continue;
    const fence = open[2]!;
    const close = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !close.test(lines[j]!)) body.push(lines[j++]!);
    const info = open[3]!.toLowerCase();
    const arg = open[4]!.trim();
    const directive = /^\{(?:[\w-]+:)?([\w-]+)\}$/.exec(info)?.[1];
    if (directive === 'eval-rst') {
      readRst(body, lineOffset + i + 1, section, raw, documented, headings);
    } else if (directive === 'code-cell' || directive === 'jupyter-execute') {
      const { options, rest } = mystOptions(body);
      if (!/raises-exception|skip-execution/.test(options)) raw.push({ code: dedent(rest.join('\n')), line: lineOffset + i + 2, lang: `cell:${(arg || 'python').toLowerCase()}`, section });
    } else if (directive && RST_READ.test(directive)) {
      // A code or autodoc directive reads as its reStructuredText form: `{testcode}`, `{doctest}`, `{autofunction} f`.
      const { rest, options } = mystOptions(body);
      const rst = [`.. ${directive}:: ${arg}`, ...options.split('\n').filter(Boolean).map((o) => `   ${o}`), '', ...rest.map((b) => `   ${b}`)];
      readRst(rst, lineOffset + i, section, raw, documented, headings);
    } else if (directive) {
      // Admonitions, tabs, dropdowns: Markdown inside.
      section = readMarkdown(body, lineOffset + i + 1, section, raw, documented, headings);
    } else {
      raw.push({ code: dedent(body.join('\n')), line: lineOffset + i + 2, lang: (info || arg.split(/\s/)[0] || '').toLowerCase(), section });
    }
    i = j;
  }
  return section;
}

/** A MyST directive's options (`:key: value` lines or a `---` YAML block at the top) and the rest of its body. */
function mystOptions(body: string[]): { options: string; rest: string[] } {
  let k = 0;
  const opts: string[] = [];
  if (body[0]?.trim() === '---') {
    const end = body.findIndex((b, n) => n > 0 && b.trim() === '---');
    if (end > 0) return { options: body.slice(1, end).join('\n'), rest: body.slice(end + 1) };
  }
  while (k < body.length && /^\s*:[\w-]+:/.test(body[k]!)) opts.push(body[k++]!.trim());
  return { options: opts.join('\n'), rest: body.slice(k) };
}

/** Section number of each line: a reStructuredText heading is a line of text over an underline of punctuation. */
function rstSections(lines: string[], first: number, lineOffset: number, headings: DocHeading[]): number[] {
  const out: number[] = [];
  let s = first;
  // A level is an adornment style (its character, with or without an overline), in the order styles first appear.
  const styles: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const next = lines[i + 1] ?? '';
    if (/^\S/.test(l) && !RST_UNDERLINE.test(l) && RST_UNDERLINE.test(next) && next.trim().length >= Math.min(l.trim().length, 3)) {
      s++;
      const style = next.trim()[0]! + (i > 0 && lines[i - 1]!.trim()[0] === next.trim()[0] && RST_UNDERLINE.test(lines[i - 1]!) ? 'o' : '');
      if (!styles.includes(style)) styles.push(style);
      headings.push({ section: s, title: l.trim(), level: styles.indexOf(style) + 1, line: lineOffset + i + 1 });
    }
    out.push(s);
  }
  return out;
}

function readRst(lines: string[], lineOffset: number, firstSection: number, raw: Raw[], documented: DocumentedName[], headings: DocHeading[]): void {
  const sections = rstSections(lines, firstSection, lineOffset, headings);
  let module: string | null = null;
  let cls: { name: string; indent: number } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const section = sections[i]!;
    const cur = CURRENT_MODULE.exec(line);
    if (cur) module = cur[1]!;
    for (const m of line.matchAll(/:(?:py:)?(?:func|meth|class|obj):`~?\.?([A-Za-z_][\w.]*)(?:\(\))?`/g)) documented.push({ name: m[1]!, module, inClass: null, section, role: true, line: lineOffset + i + 1 });
    const summary = /^(\s*)\.\.\s+autosummary::/.exec(line);
    if (summary) {
      // Its entries, one a line after the options: `~StateSpace.poles`, `control.tf`.
      let j = i + 1;
      while (j < lines.length && (lines[j]!.trim() === '' || /^\s+:[\w-]+:/.test(lines[j]!))) j++;
      for (; j < lines.length && (lines[j]!.trim() === '' || /^\s*/.exec(lines[j]!)![0].length > summary[1]!.length); j++) {
        const entry = /^\s+~?([A-Za-z_][\w.]*)\s*$/.exec(lines[j]!);
        if (entry) documented.push({ name: entry[1]!, module, inClass: null, section, line: lineOffset + i + 1 });
      }
      i = j - 1;
      continue;
    }
    const auto = AUTODOC.exec(line);
    if (auto) {
      const indent = auto[1]!.length;
      if (cls && indent <= cls.indent) cls = null;
      documented.push({ name: auto[2]!, module, inClass: cls && indent > cls.indent ? cls.name : null, section, line: lineOffset + i + 1 });
      if (/auto(class|exception)|py:class/.test(line)) {
        cls = { name: auto[2]!, indent };
        // `:members: a, b` documents those methods too.
        for (let j = i + 1; j < lines.length && /^\s+:[\w-]+:/.test(lines[j]!); j++) {
          const members = /^\s+:members:\s*(.+)$/.exec(lines[j]!);
          if (members) for (const m of members[1]!.split(',')) if (/^\s*[A-Za-z_]\w*\s*$/.test(m)) documented.push({ name: m.trim(), module, inClass: auto[2]!, section, line: lineOffset + i + 1 });
        }
      }
      continue;
    }
    const dir = DIRECTIVE.exec(line);
    const literal = !dir && /::\s*$/.test(line) && !/^\s*\.\./.test(line);
    // Python's doctest (Sphinx's doctest builder, pytest --doctest-glob) takes a `>>>` line wherever it is, also
    // right under a line of prose (an rst definition list: "Gradient of the Rosenbrock function" / `>>> ...`).
    const doctestPara = !dir && /^\s*>>>/.test(line);
    if (doctestPara) {
      const body: string[] = [];
      let j = i;
      while (j < lines.length && lines[j]!.trim() !== '') body.push(lines[j++]!);
      raw.push({ code: dedent(body.join('\n')), line: lineOffset + i + 1, lang: 'pycon', section });
      i = j;
      continue;
    }
    if (!dir && !literal) continue;
    const baseIndent = dir ? dir[1]!.length : /^\s*/.exec(line)![0].length;
    let j = i + 1;
    const options: string[] = [];
    while (j < lines.length && (lines[j]!.trim() === '' || /^\s+:\w[\w-]*:/.test(lines[j]!))) {
      if (lines[j]!.trim()) options.push(lines[j]!.trim());
      j++;
    }
    const body: string[] = [];
    while (j < lines.length && (lines[j]!.trim() === '' || /^\s*/.exec(lines[j]!)![0].length > baseIndent)) body.push(lines[j++]!);
    const code = dedentFirst(dedent(body.join('\n'))).replace(/\s+$/, '');
    const at = lineOffset + i + 1;
    i = j - 1;
    if (!dir) {
      raw.push({ code, line: at, lang: 'literal', section });
      continue;
    }
    const name = dir[2]!;
    const arg = dir[3]!.trim().toLowerCase();
    const opts = options.join('\n');
    if (/^:options:.*\+SKIP/im.test(opts) || name === 'testcleanup') continue;
    if (name === 'testoutput') {
      // The output of the testcode before it: what the page states that code prints.
      const prev = raw[raw.length - 1];
      if (prev && prev.lang === 'testcode' && prev.statesOutput === undefined && code) {
        prev.expected = code.split('\n').map((l) => (l.trim() === '<BLANKLINE>' ? '' : l)).join('\n') + '\n';
        prev.statesOutput = true;
      }
      continue;
    }
    if (name === 'plot' && (arg !== '' || !code)) continue; // `.. plot:: file.py` shows a file, not code here
    if (name === 'jupyter-execute' && /^:raises:/m.test(opts)) continue;
    if (name === 'jupyter-execute' && /\.py$/.test(arg) && !code) {
      raw.push({ code: '', line: at, lang: 'include', section, setup: true, include: dir[3]!.trim() });
      continue;
    }
    let lang: string;
    if (name === 'doctest') lang = 'pycon';
    else if (name === 'testcode' || name === 'testsetup') lang = 'testcode';
    else if (name === 'ipython') lang = 'ipython-directive';
    else if (name === 'jupyter-execute' || name === 'code-cell') lang = `cell:${arg || 'python'}`;
    else if (name === 'plot') lang = 'python';
    else lang = (arg.split(/\s/)[0] || 'python').toLowerCase();
    const groups = /^(testcode|testsetup|doctest)$/.test(name) ? (dir[3]!.trim() || 'default').split(/\s*,\s*/) : undefined;
    raw.push({ code, line: at, lang, section, setup: name === 'testsetup', ...(groups ? { groups } : {}), ...(name === 'ipython' && /^:doctest:/m.test(opts) ? { statesOutput: true } : {}) });
  }
}

/**
 * Code whose first line is still indented after dedent (continuation lines inside brackets written further left):
 * the first line's indent comes off every line that has it, as Python reads a statement from its first line.
 */
function dedentFirst(code: string): string {
  const lines = code.split('\n');
  const first = lines.find((l) => l.trim() !== '');
  const k = first ? /^ */.exec(first)![0].length : 0;
  if (k === 0) return code;
  return lines.map((l) => l.replace(new RegExp(`^ {0,${k}}`), '')).join('\n');
}

function toSnippet(r: Raw): DocSnippet | null {
  const base = { line: r.line, section: r.section, setup: r.setup === true, ...(r.groups ? { groups: r.groups } : {}) };
  if (r.include) return { ...base, code: '', expectedOutput: null, doctest: false, statesOutput: false, include: r.include };
  if (r.lang === 'ipython-directive' || ((r.lang === 'ipython' || r.lang === 'ipython3') && /^\s*In \[\d*\]:/m.test(r.code))) {
    const conv = ipythonSession(r.code, r.lang === 'ipython-directive' && r.statesOutput === true);
    return conv && { ...base, ...conv };
  }
  if (r.lang.startsWith('cell:')) {
    if (!PYTHON_LANGS.has(r.lang.slice(5))) return null;
    const code = cellCode(r.code);
    return code === null ? null : { ...base, code, expectedOutput: null, doctest: false, statesOutput: false };
  }
  const isDoctest = /^\s*>>>/m.test(r.code);
  const pythonish = PYTHON_LANGS.has(r.lang) || r.lang === 'testcode';
  if (!pythonish && !(r.lang === '' || r.lang === 'literal')) return null;
  if (isDoctest) {
    const conv = convertDoctest(r.code);
    return conv && { ...base, code: conv.code, expectedOutput: conv.expectedOutput, doctest: true, statesOutput: true };
  }
  if (!pythonish && !/^\s*(import|from)\s+\w/m.test(r.code)) return null;
  // Shell sessions and IPython prompts are not scripts.
  if (/^\s*(\$ |In \[\d+\]:|pip install|conda )/m.test(r.code)) return null;
  if (!r.code.trim() || PLACEHOLDER.test(mask(r.code))) return null;
  return { ...base, code: r.code, expectedOutput: r.expected ?? null, doctest: false, statesOutput: r.statesOutput === true };
}

/** A notebook-like cell (jupyter-execute, MyST code-cell) as Python: IPython magics and shell lines taken out. */
function cellCode(code: string): string | null {
  return stripMagics(code);
}

/**
 * An IPython session (`.. ipython::` content, or an ipython code block with In/Out prompts) as a script. Inputs
 * marked `@verbatim` are not run; `@suppress` and `@savefig` inputs run. What the session shows after an input is
 * expected output only when every input run is under `@doctest` (or the directive's `:doctest:`): otherwise the
 * docs build makes it.
 * Content without prompts is plain code.
 */
function ipythonSession(code: string, doctestAll: boolean): Omit<DocSnippet, 'line' | 'section' | 'setup'> | null {
  const lines = code.split('\n');
  if (!lines.some((l) => /^\s*In \[\d*\]:/.test(l))) {
    const plain = stripMagics(lines.filter((l) => !IPY_DECORATOR.test(l.trim())).join('\n'));
    return plain === null ? null : { code: plain, expectedOutput: null, doctest: false, statesOutput: false };
  }
  interface Input {
    src: string[];
    out: string[];
    doctest: boolean;
    verbatim: boolean;
  }
  const inputs: Input[] = [];
  let pending = { doctest: false, verbatim: false };
  let cur: Input | null = null;
  for (const l of lines) {
    const t = l.trim();
    const dec = IPY_DECORATOR.exec(t);
    const inp = /^\s*In \[\d*\]:\s?(.*)$/.exec(l);
    const cont = /^\s*\.\.\.+:\s?(.*)$/.exec(l);
    const out = /^\s*Out\[\d*\]:\s?(.*)$/.exec(l);
    if (dec && !cur?.src.length) {
      if (dec[1] === 'doctest') pending.doctest = true;
      if (dec[1] === 'verbatim') pending.verbatim = true;
    } else if (inp) {
      // A decorator may stand on the input line itself: `In [1]: @savefig a.png`.
      const src = inp[1]!;
      const d = IPY_DECORATOR.exec(src.trim());
      if (d) {
        if (d[1] === 'doctest') pending.doctest = true;
        if (d[1] === 'verbatim') pending.verbatim = true;
      }
      cur = { src: d ? [] : [src], out: [], ...pending };
      pending = { doctest: false, verbatim: false };
      inputs.push(cur);
    } else if (cont && cur && cur.out.length === 0) {
      cur.src.push(cont[1]!);
    } else if (out && cur) {
      cur.out.push(out[1]!);
    } else if (dec && cur) {
      if (dec[1] === 'doctest') pending.doctest = true;
      if (dec[1] === 'verbatim') pending.verbatim = true;
    } else if (cur && t !== '') {
      cur.out.push(l);
    }
  }
  const run = inputs.filter((x) => !x.verbatim && x.src.join('').trim() !== '');
  if (run.length === 0) return null;
  const stated = run.every((x) => x.doctest || doctestAll);
  // As a doctest: each input a statement, what follows it its expected output when the page checks it.
  const doctest: string[] = [];
  for (const x of run) {
    const src = stripMagics(x.src.join('\n'));
    if (src === null) continue;
    const [head, ...rest] = src.split('\n');
    doctest.push(`>>> ${head}`, ...rest.map((r) => (r.trim() ? `... ${r}` : '...')));
    if (stated) doctest.push(...dedent(x.out.join('\n')).split('\n').filter((o) => o.trim() !== ''));
    doctest.push('');
  }
  const conv = convertDoctest(doctest.join('\n'));
  if (!conv) return null;
  return { code: conv.code, expectedOutput: stated ? conv.expectedOutput : null, doctest: stated, statesOutput: stated };
}
