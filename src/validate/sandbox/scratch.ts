/**
 * The scratch folder's first contents as a tar stream: the sandbox's launcher unpacks it from stdin into
 * /sandbox (a tmpfs), so nothing of a run is written to the host's disk.
 */
import tar from 'tar-stream';

export interface ScratchArchiveOptions {
  /** Owner recorded for every entry (root mode: the pool uid); null leaves 0 (unpacked without owners). */
  owner: number | null;
  /** Modification time of every entry, seconds since the epoch. */
  mtime: number;
}

/** Largest id a ustar header holds as tar-stream writes it (six octal digits); above it, pax records carry it. */
const USTAR_MAX_ID = 0o777777;

/**
 * A tar stream of what the scratch folder starts with: itself ("./", 0700), the folders the files need (0755)
 * and the files (0644). pax records carry what ustar fields cannot hold: long or non-ASCII names (tar-stream
 * writes those itself) and uids above the ustar range (the pool's are).
 */
export async function scratchArchive(files: Array<[string, string]>, opts: ScratchArchiveOptions): Promise<Buffer> {
  const id = opts.owner ?? 0;
  const mtime = new Date(Math.max(0, Math.floor(opts.mtime)) * 1000);
  const pax = id > USTAR_MAX_ID ? { uid: String(id), gid: String(id) } : undefined;
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  const add = (name: string, type: 'file' | 'directory', mode: number, data?: Buffer) =>
    new Promise<void>((resolve, reject) => {
      const header: Partial<tar.Header> & { name: string } = { name, type, mode, uid: id, gid: id, mtime, size: data?.length ?? 0, pax };
      const done = (err?: Error | null) => (err ? reject(err) : resolve());
      if (data) pack.entry(header, data, done);
      else pack.entry(header, done);
    });
  await add('./', 'directory', 0o700);
  const dirs = new Set<string>();
  for (const [name, content] of files) {
    const segments = name.split('/');
    for (let i = 1; i < segments.length; i++) {
      const dir = segments.slice(0, i).join('/');
      if (dirs.has(dir)) continue;
      dirs.add(dir);
      await add(`${dir}/`, 'directory', 0o755);
    }
    await add(name, 'file', 0o644, Buffer.from(content, 'utf8'));
  }
  pack.finalize();
  await collected;
  return Buffer.concat(chunks);
}
