/**
 * Read the exception that ended a Python run out of its stderr.
 */
import type { PythonError } from '../domain/validation.js';

export interface TracebackOptions {
  /**
   * Path of the snippet as Python saw it; the last frame in this file gives the line. When absent, any
   * file named snippet.py counts.
   */
  snippetPath?: string;
}

const HEADER = /^(?:Exception Group )?Traceback \(most recent call last\):\s*$/;
const CHAIN = [
  'During handling of the above exception, another exception occurred:',
  'The above exception was the direct cause of the following exception:',
];
const FRAME = /^\s*File "(.*)", line (\d+)(?:, in .*)?\s*$/;
const EXCEPTION_LINE = /^([A-Za-z_][\w.]*)(?::(?: (.*)|\s*))?$/;
const TOP_GROUP = /^ {2}\+ Exception Group Traceback \(most recent call last\):\s*$/;

/**
 * An exception group prints its own frames inside a `  | ` gutter. Keep only the outermost group's part,
 * without the gutter, so it parses like an ordinary traceback; the sub-exceptions are not the final one.
 */
function unwrapTopGroup(lines: string[]): string[] {
  let start = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (TOP_GROUP.test(lines[i] ?? '')) {
      start = i;
      break;
    }
  }
  if (start < 0) return lines;
  // A plain traceback or chain marker after the group means the group was not the final exception.
  for (let i = start + 1; i < lines.length; i++) {
    const l = lines[i] ?? '';
    if (HEADER.test(l) || CHAIN.includes(l.trim())) return lines;
  }
  const out = lines.slice(0, start);
  out.push('Exception Group Traceback (most recent call last):');
  for (let i = start + 1; i < lines.length; i++) {
    const l = lines[i] ?? '';
    if (l.startsWith('  +-')) break;
    if (l.startsWith('  | ')) out.push(l.slice(4));
    else if (l === '  |') out.push('');
    else break;
  }
  return out;
}

function isSnippetFrame(file: string, snippetPath: string | undefined): boolean {
  if (snippetPath) return file === snippetPath;
  return file === 'snippet.py' || file.endsWith('/snippet.py');
}

/**
 * The final exception in `stderr`: its class, its whole message (which may span lines) and the line in the
 * snippet it was raised from. For chained exceptions that is the last one printed. Null when stderr holds no
 * traceback.
 */
export function parseTraceback(stderr: string, opts: TracebackOptions = {}): PythonError | null {
  const lines = unwrapTopGroup(stderr.replace(/\r\n?/g, '\n').split('\n'));

  // The final exception's block starts after the last traceback header or chain marker.
  let start = -1;
  let sawHeader = false;
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i] ?? '';
    if (HEADER.test(l) || CHAIN.includes(l.trim())) {
      start = i + 1;
      sawHeader = true;
      break;
    }
  }
  if (!sawHeader) start = 0;

  let line: number | null = null;
  let sawFrame = false;
  for (let i = start; i < lines.length; i++) {
    const l = lines[i] ?? '';
    if (l.trim() === '') continue;
    const frame = FRAME.exec(l);
    if (frame) {
      sawFrame = true;
      if (isSnippetFrame(frame[1] ?? '', opts.snippetPath)) line = Number(frame[2]);
      continue;
    }
    // Frame bodies, carets and "[Previous line repeated N more times]" are indented; the exception is not.
    if (/^\s/.test(l)) continue;
    // A SyntaxError from compiling the script has no header, only a frame; other text is not a traceback.
    if (!sawHeader && !sawFrame) return null;
    const m = EXCEPTION_LINE.exec(l);
    if (!m) return null;
    const rest = lines.slice(i + 1);
    while (rest.length && (rest[rest.length - 1] ?? '').trim() === '') rest.pop();
    const first = m[2] ?? '';
    const message = [first, ...rest].join('\n').trim();
    return { type: (m[1] ?? '').replace(/^__main__\./, ''), message, line };
  }
  return null;
}

export interface Frame {
  file: string;
  line: number;
}

/**
 * The frames of the final exception in `stderr`, outermost first: the last one is where it was raised (the
 * snippet itself, the repository's code or a library). Empty when stderr holds no traceback.
 */
export function finalFrames(stderr: string): Frame[] {
  const lines = unwrapTopGroup(stderr.replace(/\r\n?/g, '\n').split('\n'));
  let start = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i] ?? '';
    if (HEADER.test(l) || CHAIN.includes(l.trim())) {
      start = i + 1;
      break;
    }
  }
  const frames: Frame[] = [];
  for (const l of lines.slice(start)) {
    const m = FRAME.exec(l);
    if (m) frames.push({ file: m[1] ?? '', line: Number(m[2]) });
  }
  return frames;
}

/** Whether the final exception was raised by code other than the snippet's own lines (a package it called). */
export function raisedOutsideSnippet(stderr: string, opts: TracebackOptions = {}): boolean {
  // Import machinery frames ("<frozen importlib._bootstrap>") belong to whoever ran the import statement.
  const last = finalFrames(stderr).filter((f) => !f.file.startsWith('<frozen ')).at(-1);
  return last !== undefined && !isSnippetFrame(last.file, opts.snippetPath);
}

/** The module named by a ModuleNotFoundError message ("No module named 'a.b'"), or null. */
export function missingModuleOf(err: PythonError | null): string | null {
  if (!err || err.type !== 'ModuleNotFoundError') return null;
  const m = /No module named '([^']+)'/.exec(err.message);
  return m?.[1] ?? null;
}

/** "ZeroDivisionError at line 3: division by zero", on one line. */
export function describePythonError(err: PythonError): string {
  const firstLine = err.message.split('\n')[0]?.trim() ?? '';
  const msg = firstLine.length > 300 ? `${firstLine.slice(0, 297)}...` : firstLine;
  const where = err.line !== null ? ` at line ${err.line}` : '';
  return msg ? `${err.type}${where}: ${msg}` : `${err.type}${where}`;
}

/** The last non-empty line of a program's output, shortened for a message. */
export function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const l = lines[lines.length - 1] ?? '';
  return l.length > 200 ? `${l.slice(0, 197)}...` : l;
}
