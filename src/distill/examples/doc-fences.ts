/**
 * The Python code of a Markdown or reStructuredText document: fenced blocks, code directives, literal
 * blocks and doctest paragraphs, in order, with doctests already in script form.
 */
import { convertDoctest } from '../../python/doctest.js';
import { dedent } from '../../python/syntax.js';

export interface DocSnippet {
  code: string;
  expectedOutput: string | null;
  line: number;
  doctest: boolean;
}

/** Python code blocks of a Markdown or reStructuredText document, in order. */
export function docCodeBlocks(text: string, kind: 'md' | 'rst'): DocSnippet[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const raw: { code: string; line: number; lang: string }[] = [];
  if (kind === 'md') {
    for (let i = 0; i < lines.length; i++) {
      const open = /^( {0,3})(`{3,}|~{3,})\s*\{?([\w+-]*)\}?\s*([\w+-]*)/.exec(lines[i]!);
      if (!open) continue;
      const fence = open[2]!;
      let lang = (open[3] ?? '').toLowerCase();
      if (lang === 'code-cell' || lang === 'jupyter-execute') lang = (open[4] ?? 'python').toLowerCase();
      const body: string[] = [];
      let j = i + 1;
      while (j < lines.length && !new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`).test(lines[j]!)) body.push(lines[j++]!);
      raw.push({ code: dedent(body.join('\n')), line: i + 2, lang });
      i = j;
    }
  } else {
    for (let i = 0; i < lines.length; i++) {
      const dir = /^(\s*)\.\.\s+(code-block|code|sourcecode|testcode|doctest)::\s*(\w*)/.exec(lines[i]!);
      const literal = !dir && /::\s*$/.test(lines[i]!) && !/^\s*\.\./.test(lines[i]!);
      const doctestPara = !dir && /^\s*>>>/.test(lines[i]!) && (i === 0 || lines[i - 1]!.trim() === '');
      if (doctestPara) {
        const body: string[] = [];
        let j = i;
        while (j < lines.length && lines[j]!.trim() !== '') body.push(lines[j++]!);
        raw.push({ code: dedent(body.join('\n')), line: i + 1, lang: 'pycon' });
        i = j;
        continue;
      }
      if (!dir && !literal) continue;
      const baseIndent = dir ? dir[1]!.length : /^\s*/.exec(lines[i]!)![0].length;
      let j = i + 1;
      while (j < lines.length && (lines[j]!.trim() === '' || /^\s+:\w[\w-]*:/.test(lines[j]!))) j++;
      const body: string[] = [];
      while (j < lines.length && (lines[j]!.trim() === '' || /^\s*/.exec(lines[j]!)![0].length > baseIndent)) body.push(lines[j++]!);
      const lang = dir ? (dir[2] === 'doctest' ? 'pycon' : (dir[3] || 'python').toLowerCase()) : 'literal';
      raw.push({ code: dedent(body.join('\n')).replace(/\s+$/, ''), line: i + 1, lang });
      i = j - 1;
    }
  }
  const out: DocSnippet[] = [];
  for (const r of raw) {
    const isDoctest = /^\s*>>>/m.test(r.code);
    const pythonish = ['python', 'py', 'python3', 'pycon', 'ipython', 'ipython3', 'pyodide'].includes(r.lang);
    if (!pythonish && !(r.lang === '' || r.lang === 'literal')) continue;
    if (isDoctest) {
      const conv = convertDoctest(r.code);
      if (conv) out.push({ code: conv.code, expectedOutput: conv.expectedOutput, line: r.line, doctest: true });
      continue;
    }
    if (!pythonish && !/^\s*(import|from)\s+\w/m.test(r.code)) continue;
    // Shell sessions and IPython prompts are not scripts.
    if (/^\s*(\$ |In \[\d+\]:|pip install|conda )/m.test(r.code)) continue;
    out.push({ code: r.code, expectedOutput: null, line: r.line, doctest: false });
  }
  return out;
}
