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
  /** What each of codeCells showed when the notebook was saved (same order). */
  outputs: SavedOutput[];
  /** Code cells left out of codeCells (cell magics such as %%bash, magic-only cells) that show saved output. */
  leftOutWithOutput: number;
  markdownCells: string[];
  /** For each of codeCells (same order): the markdown cells since the code cell before it, in order (the prose that introduces it). */
  markdownBefore: string[][];
}

/** The saved outputs of one code cell (nbformat 4; a version 3 cell reads as never run). */
export interface SavedOutput {
  /** The cell's execution count, null when it was never run. */
  executionCount: number | null;
  /** What it printed to stdout, the stream outputs joined. */
  stdout: string;
  /** text/plain of its execute_result (the value of its last expression), or null. */
  result: string | null;
  /** The execute_result's other representations (text/html, image/png, ...). */
  resultMimes: string[];
  /** An error output was saved (the cell raised). */
  error: boolean;
  /** stripMagics took lines out of or changed the cell (a saved output may come from them). */
  edited: boolean;
  /** How many cells left out of codeCells just before this one had been run (`%matplotlib inline`). */
  leftOutRunBefore: number;
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
  const outputs: SavedOutput[] = [];
  let leftOutWithOutput = 0;
  let leftOutRun = 0;
  const markdownCells: string[] = [];
  const markdownBefore: string[][] = [];
  let pending: string[] = [];
  for (const c of cells) {
    if (!c || typeof c !== 'object') throw new NotebookError('a cell is not an object', notebookPath);
    const cell = c as Record<string, unknown>;
    const type = cell.cell_type;
    if (type === 'code') {
      const text = cellText(nbformat === 4 ? cell.source : (cell.input ?? cell.source));
      const src = stripMagics(text);
      const saved = nbformat === 4 ? savedOutput(cell, src !== text.replace(/\r\n?/g, '\n').replace(/\s+$/, '')) : null;
      if (src !== null) {
        codeCells.push(src);
        markdownBefore.push(pending);
        pending = [];
        outputs.push({ ...(saved ?? { executionCount: null, stdout: '', result: null, resultMimes: [], error: false, edited: false }), leftOutRunBefore: leftOutRun });
        leftOutRun = 0;
      } else if (saved) {
        if (saved.executionCount !== null) leftOutRun++;
        if (saved.stdout || saved.result !== null || saved.error) leftOutWithOutput++;
      }
    } else if (type === 'markdown' || type === 'heading') {
      const src = cellText(cell.source).trim();
      if (src) {
        markdownCells.push(type === 'heading' ? `# ${src}` : src);
        pending.push(markdownCells[markdownCells.length - 1]!);
      }
    } else if (type === undefined) {
      throw new NotebookError('a cell has no cell_type', notebookPath);
    }
  }
  return { nbformat, language: language ? String(language) : null, codeCells, outputs, leftOutWithOutput, markdownCells, markdownBefore };
}

/** A version 4 code cell's saved outputs; malformed outputs read as absent. */
function savedOutput(cell: Record<string, unknown>, edited: boolean): Omit<SavedOutput, 'leftOutRunBefore'> {
  const count = typeof cell.execution_count === 'number' ? cell.execution_count : null;
  let stdout = '';
  let result: string | null = null;
  let resultMimes: string[] = [];
  let error = false;
  for (const o of Array.isArray(cell.outputs) ? cell.outputs : []) {
    if (!o || typeof o !== 'object') continue;
    const out = o as Record<string, unknown>;
    if (out.output_type === 'stream' && out.name === 'stdout') stdout += cellText(out.text);
    else if (out.output_type === 'error') error = true;
    else if (out.output_type === 'execute_result' && out.data && typeof out.data === 'object') {
      const data = out.data as Record<string, unknown>;
      resultMimes = Object.keys(data).filter((k) => k !== 'text/plain');
      if ('text/plain' in data) result = cellText(data['text/plain']);
    }
  }
  return { executionCount: count, stdout, result, resultMimes, error, edited };
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
