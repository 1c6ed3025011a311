/**
 * Reading Jupyter notebooks (nbformat 3 and 4) as Python: the code cells in order, with the IPython-only
 * lines a plain interpreter rejects taken out, and the markdown cells apart (they hold the notebook's prose).
 */
import { CodedistillError, errorMessage } from '../kernel/errors.js';

/** A notebook that cannot be read: invalid JSON or not an nbformat 3/4 document. */
export class NotebookError extends CodedistillError {
  readonly path: string | null;
  readonly reason: string;
  constructor(reason: string, path: string | null = null, options?: { cause?: unknown }) {
    super(
      'invalid_input',
      `${path ? `Notebook ${path}` : 'The notebook'} is broken: ${reason}.`,
      'It is skipped as an example source; open and save it in Jupyter to repair it.',
      options,
    );
    this.name = 'NotebookError';
    this.path = path;
    this.reason = reason;
  }
}

export interface NotebookContent {
  nbformat: number;
  /** Kernel language when the notebook says ("python", "R", ...). */
  language: string | null;
  /** Code cells in order, magics and shell escapes removed; empty cells left out. */
  codeCells: string[];
  markdownCells: string[];
}

const KEEP_CELL_MAGICS = /^%%(time|timeit|capture|prun)\b/;

function cellText(source: unknown): string {
  if (Array.isArray(source)) return source.map((s) => (typeof s === 'string' ? s : '')).join('');
  return typeof source === 'string' ? source : '';
}

/**
 * Drop IPython-only lines: `%magic`, `!shell`, `x = !cmd`, `obj?`, get_ipython(). A dropped line inside
 * an indented block becomes `pass` so the block stays valid Python.
 */
export function stripMagics(cell: string): string | null {
  const lines = cell.replace(/\r\n?/g, '\n').split('\n');
  const first = lines.find((l) => l.trim() !== '') ?? '';
  if (/^\s*%%/.test(first)) {
    if (!KEEP_CELL_MAGICS.test(first.trim())) return null; // %%bash, %%writefile, %%html: not Python
    lines.splice(lines.indexOf(first), 1);
  }
  const out: string[] = [];
  for (const line of lines) {
    const t = line.trim();
    const magic =
      /^[%!]/.test(t) ||
      /^[A-Za-z_][\w, ]*=\s*[!%]/.test(t) ||
      /^\?\??[\w.]+$/.test(t) ||
      /^[\w.]+\?\??$/.test(t) ||
      /\bget_ipython\(\)/.test(t);
    if (!magic) {
      out.push(line);
      continue;
    }
    const indent = /^\s*/.exec(line)![0];
    if (indent.length > 0) out.push(`${indent}pass`);
  }
  const text = out.join('\n').replace(/\s+$/, '');
  return text.trim() === '' ? null : text;
}

/** Parse a notebook; throws NotebookError when it is not valid JSON or not nbformat 3 or 4. */
export function readNotebookContent(text: string, notebookPath: string | null = null): NotebookContent {
  let doc: unknown;
  try {
    doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (cause) {
    throw new NotebookError(`not valid JSON (${errorMessage(cause)})`, notebookPath, { cause });
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new NotebookError('not a JSON object', notebookPath);
  const nb = doc as Record<string, unknown>;
  const nbformat = nb.nbformat;
  if (typeof nbformat !== 'number' || (nbformat !== 3 && nbformat !== 4)) {
    throw new NotebookError(`unsupported nbformat ${JSON.stringify(nbformat ?? null)} (3 or 4 expected)`, notebookPath);
  }
  let cells: unknown[];
  if (nbformat === 4) {
    if (!Array.isArray(nb.cells)) throw new NotebookError('no "cells" list', notebookPath);
    cells = nb.cells;
  } else {
    const ws = nb.worksheets;
    if (!Array.isArray(ws)) throw new NotebookError('no "worksheets" list (nbformat 3)', notebookPath);
    cells = ws.flatMap((w) => (w && typeof w === 'object' && Array.isArray((w as { cells?: unknown }).cells) ? (w as { cells: unknown[] }).cells : []));
  }
  const meta = (nb.metadata ?? {}) as Record<string, unknown>;
  const kernel = (meta.kernelspec ?? {}) as Record<string, unknown>;
  const langInfo = (meta.language_info ?? {}) as Record<string, unknown>;
  const language =
    (typeof kernel.language === 'string' && kernel.language) || (typeof langInfo.name === 'string' && langInfo.name) || (nbformat === 3 ? 'python' : null);
  const codeCells: string[] = [];
  const markdownCells: string[] = [];
  for (const c of cells) {
    if (!c || typeof c !== 'object') throw new NotebookError('a cell is not an object', notebookPath);
    const cell = c as Record<string, unknown>;
    const type = cell.cell_type;
    if (type === 'code') {
      const src = stripMagics(cellText(nbformat === 4 ? cell.source : (cell.input ?? cell.source)));
      if (src !== null) codeCells.push(src);
    } else if (type === 'markdown' || type === 'heading') {
      const src = cellText(cell.source).trim();
      if (src) markdownCells.push(type === 'heading' ? `# ${src}` : src);
    } else if (type === undefined) {
      throw new NotebookError('a cell has no cell_type', notebookPath);
    }
  }
  return { nbformat, language: language ? String(language) : null, codeCells, markdownCells };
}

/**
 * The code cells of a notebook in order, IPython magics and shell lines removed. A notebook whose kernel
 * is not Python yields no cells. Throws NotebookError for a broken notebook.
 */
export function readNotebook(text: string, notebookPath: string | null = null): string[] {
  return pythonCells(readNotebookContent(text, notebookPath));
}

/** The code cells of a read notebook, or none when its kernel is not Python. */
export function pythonCells(nb: NotebookContent): string[] {
  if (nb.language && !/^(python|ipython)/i.test(nb.language)) return [];
  return nb.codeCells;
}
