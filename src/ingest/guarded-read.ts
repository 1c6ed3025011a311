/**
 * The one reader of repository files during ingest (metadata, requirements folders, citation, licence, README,
 * docs, notebooks, sources). The repository's boundary is the walk's: a path whose real location (every link
 * on the way resolved) leaves the repository root is refused, and so are links that loop, special files (FIFOs,
 * devices, sockets), names too long for the system and files over the caller's size cap. What is refused is
 * recorded as skipped, with the reason, like the files the walk leaves out; nothing refused is ever opened.
 * Git carries symlinks, absolute ones too, so any repository (a GitHub one included) can hold such links.
 */
import { constants as fsc, promises as fsp } from 'node:fs';
import path from 'node:path';
import type { SkippedFile } from '../domain/library.js';
import { throwIfAborted } from '../kernel/errors.js';

export interface ReadOptions {
  /** Largest size read; a larger file is refused (or only its head read, with `head`). */
  limit: number;
  /** Read the first `limit` bytes of a larger file instead of refusing it. */
  head?: boolean;
}

function within(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent.endsWith('/') ? parent : `${parent}/`);
}

function code(e: unknown): string {
  return (e as NodeJS.ErrnoException)?.code ?? String(e);
}

export class GuardedReader {
  /** Files refused, in the order asked; a path is recorded once. */
  readonly skipped: SkippedFile[] = [];
  private readonly seen = new Set<string>();
  private realRoot: Promise<string> | null = null;

  constructor(
    /** The repository's root folder (absolute). */
    readonly root: string,
    private readonly signal?: AbortSignal,
  ) {}

  private skip(rel: string, reason: string): null {
    if (!this.seen.has(rel)) {
      this.seen.add(rel);
      this.skipped.push({ path: rel, reason });
    }
    return null;
  }

  private rootReal(): Promise<string> {
    this.realRoot ??= fsp.realpath(this.root).catch(() => path.resolve(this.root));
    return this.realRoot;
  }

  /**
   * The real path of `rel` when it stays inside the repository; else null with the reason recorded (`quiet`:
   * a missing path is not worth a line, it is merely absent).
   */
  private async resolve(rel: string): Promise<string | null> {
    throwIfAborted(this.signal);
    const norm = path.posix.normalize(rel.replace(/\\/g, '/'));
    if (!rel || rel.includes('\0') || path.posix.isAbsolute(norm) || norm === '..' || norm.startsWith('../')) {
      return this.skip(rel.replace(/\0/g, '?'), 'path outside the repository');
    }
    const abs = path.join(this.root, norm);
    let real: string;
    try {
      real = await fsp.realpath(abs);
    } catch (e) {
      const c = code(e);
      if (c === 'ENOENT' || c === 'ENOTDIR') {
        // A dangling link is a link all the same: say so rather than treat it as absent.
        const isLink = await fsp.lstat(abs).then((s) => s.isSymbolicLink(), () => false);
        return isLink ? this.skip(norm, 'symlink to a missing target (not followed)') : null;
      }
      if (c === 'ELOOP') return this.skip(norm, 'symlink loop (not followed)');
      if (c === 'ENAMETOOLONG') return this.skip(norm, 'path too long for this system');
      return this.skip(norm, `unreadable: ${c}`);
    }
    if (!within(real, await this.rootReal())) return this.skip(norm, 'symlink to outside the repository (not followed)');
    return real;
  }

  /** A repository file as text (BOM dropped), or null: absent, or refused and recorded. */
  async text(rel: string, opts: ReadOptions): Promise<string | null> {
    const real = await this.resolve(rel);
    if (!real) return null;
    let fh: fsp.FileHandle | undefined;
    try {
      // O_NONBLOCK: a FIFO put in place of the file after the check must not hang the open.
      fh = await fsp.open(real, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
      const st = await fh.stat();
      if (!st.isFile()) return this.skip(rel, 'not a regular file');
      if (st.size > opts.limit && !opts.head) return this.skip(rel, `too large: ${st.size} bytes > ${opts.limit}`);
      const buf = Buffer.alloc(Math.min(st.size, opts.limit));
      let got = 0;
      while (got < buf.length) {
        const { bytesRead } = await fh.read(buf, got, buf.length - got, got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return buf.subarray(0, got).toString('utf8').replace(/^\uFEFF/, '');
    } catch (e) {
      const c = code(e);
      return c === 'ENOENT' ? null : this.skip(rel, c === 'ENAMETOOLONG' ? 'path too long for this system' : `unreadable: ${c}`);
    } finally {
      await fh?.close();
    }
  }

  /** The names in a repository folder ('' for the root), or [] when it is absent or refused. */
  async names(relDir: string): Promise<string[]> {
    const real = relDir === '' ? await this.rootReal() : await this.resolve(relDir);
    if (!real) return [];
    return fsp.readdir(real).catch(() => [] as string[]);
  }
}
