/**
 * Blocks read one at a time from a library's blocks.jsonl, through an index of where each line starts: a home of
 * many libraries serves get_pattern without holding their blocks in memory. The index is one pass over the file's
 * bytes reading only each line's id (the first key writeLibrary writes).
 */
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Block } from '../domain/block.js';
import { fromZod } from '../kernel/errors.js';
import { BLOCKS_FILE } from './files.js';

/** Where each block's line is in blocks.jsonl: id → [byte offset, byte length]. */
export type BlockOffsets = Map<string, readonly [number, number]>;

const ID_PREFIX = /^\{"id":("(?:[^"\\]|\\.)*")/;
const NEWLINE = 0x0a;

export async function blockOffsets(dir: string): Promise<BlockOffsets> {
  const out: BlockOffsets = new Map();
  let offset = 0;
  let pending: Buffer[] = [];
  let lineStart = 0;
  const finish = (line: Buffer, start: number) => {
    if (!line.length) return;
    const head = line.subarray(0, Math.min(line.length, 512)).toString('utf8');
    const m = ID_PREFIX.exec(head);
    const id = m ? (JSON.parse(m[1]!) as string) : idOf(line.toString('utf8'));
    if (id) out.set(id, [start, line.length]);
  };
  for await (const chunk of createReadStream(path.join(dir, BLOCKS_FILE))) {
    const buf = chunk as Buffer;
    let from = 0;
    for (let i = buf.indexOf(NEWLINE); i !== -1; i = buf.indexOf(NEWLINE, i + 1)) {
      pending.push(buf.subarray(from, i));
      finish(Buffer.concat(pending), lineStart);
      pending = [];
      lineStart = offset + i + 1;
      from = i + 1;
    }
    if (from < buf.length) pending.push(buf.subarray(from));
    offset += buf.length;
  }
  if (pending.length) finish(Buffer.concat(pending), lineStart);
  return out;
}

function idOf(line: string): string | null {
  try {
    const v = JSON.parse(line) as { id?: unknown };
    return typeof v.id === 'string' ? v.id : null;
  } catch {
    return null;
  }
}

/** The block whose line is at this place in the library's blocks.jsonl. */
export async function readBlockAt(dir: string, [offset, length]: readonly [number, number]): Promise<Block> {
  const file = path.join(dir, BLOCKS_FILE);
  const fh = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(length);
    await fh.read(buf, 0, length, offset);
    let raw: unknown = null;
    try {
      raw = JSON.parse(buf.toString('utf8'));
    } catch {
      // reported below as not a valid block
    }
    const parsed = Block.safeParse(raw);
    if (!parsed.success) throw fromZod(`${file} at byte ${offset} is not a valid block`, parsed.error, 'Distill the repository again to rewrite it.', 1);
    return parsed.data;
  } finally {
    await fh.close();
  }
}
