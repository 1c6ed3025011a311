/**
 * `codedistill validate --out DIR`: the files a snippet wrote in its scratch folder (a plot, a CSV), written where
 * the user can open them. Their names come from code that ran in the sandbox, so each is checked to stay inside
 * DIR: no absolute paths, no `..`, nothing but plain relative names.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ScratchFiles } from '../domain/snippet.js';

/** The folder used without --out: beside where the user is, named after the snippet. */
export function defaultOutputDir(snippet: string, cwd = process.cwd()): string {
  const base = snippet === '-' ? 'snippet' : path.basename(snippet).replace(/\.[^.]*$/, '') || 'snippet';
  return path.resolve(cwd, `${base}-outputs`);
}

export interface WrittenOutputs {
  dir: string;
  written: { name: string; path: string; bytes: number }[];
  refused: { name: string; reason: string }[];
}

/** A scratch name as a path under `dir`, or null when it would leave it. */
export function safeTarget(dir: string, name: string): string | null {
  if (!name || name.includes('\0') || path.isAbsolute(name) || name.split(/[\\/]/).some((p) => p === '..' || p === '')) return null;
  const target = path.resolve(dir, name);
  return target.startsWith(path.resolve(dir) + path.sep) ? target : null;
}

export async function writeOutputs(outputs: ScratchFiles, folder: string): Promise<WrittenOutputs> {
  const dir = path.resolve(folder);
  const result: WrittenOutputs = { dir, written: [], refused: [] };
  for (const f of outputs.files) {
    const target = safeTarget(dir, f.name);
    if (!target) {
      result.refused.push({ name: f.name, reason: 'its name leaves the folder' });
      continue;
    }
    const content = f.base64 !== undefined ? Buffer.from(f.base64, 'base64') : f.text !== undefined ? Buffer.from(f.text, 'utf8') : null;
    if (!content) {
      result.refused.push({ name: f.name, reason: 'no content came back' });
      continue;
    }
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content);
    result.written.push({ name: f.name, path: target, bytes: content.length });
  }
  return result;
}

/** The lines the CLI prints about them. */
export function outputsText(w: WrittenOutputs, outputs: ScratchFiles): string {
  const lines: string[] = [];
  if (w.written.length) lines.push(`wrote ${w.written.length} file${w.written.length === 1 ? '' : 's'} to ${w.dir}: ${w.written.map((f) => `${f.name} (${f.bytes} bytes)`).join(', ')}`);
  for (const r of w.refused) lines.push(`not written: ${r.name} (${r.reason})`);
  if (outputs.leftCount) {
    const more = outputs.leftCount > outputs.left.length ? ` and ${outputs.leftCount - outputs.left.length} more` : '';
    lines.push(`not brought back from the sandbox: ${outputs.left.map((l) => `${l.name} (${l.reason})`).join(', ')}${more}`);
  }
  return lines.join('\n');
}
