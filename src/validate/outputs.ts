/**
 * Files a snippet leaves in its scratch folder (a plot, a small CSV), brought back to the host within caps.
 *
 * The scratch folder is a tmpfs inside the sandbox and is gone when the run ends, so the files are read out
 * from inside, after the code: the snippet's command is wrapped in a short shell script that runs it with the
 * out descriptor closed, then runs COLLECTOR (our own Python, `-I`: nothing of the scratch folder on its path)
 * which picks the files by suffix, size and count and writes them as one JSON document to that descriptor.
 * The descriptor is a file in the run folder on the host; RLIMIT_FSIZE bounds what can be written to it, and
 * the host reads at most MAX_DOCUMENT_BYTES of it. Code of the snippet that reaches the descriptor anyway
 * (through the wrapper's /proc entry) can only forge its own files, which it could write plainly.
 */
import { promises as fsp } from 'node:fs';
import { z } from 'zod';
import { ScratchFile, type ScratchFiles } from '../domain/snippet.js';

export interface OutputCaps {
  /** Largest file brought back. */
  maxFileBytes: number;
  /** Files brought back at most. */
  maxFiles: number;
  /** All files brought back together. */
  maxTotalBytes: number;
}

export const DEFAULT_OUTPUT_CAPS: OutputCaps = { maxFileBytes: 1024 * 1024, maxFiles: 8, maxTotalBytes: 4 * 1024 * 1024 };

/** The suffixes brought back and what they are: images as images, the rest as text (or bytes if not UTF-8). */
export const OUTPUT_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.csv': 'text/csv',
  '.tsv': 'text/tab-separated-values',
  '.txt': 'text/plain',
  '.dat': 'text/plain',
  '.log': 'text/plain',
  '.md': 'text/markdown',
  '.json': 'application/json',
  '.html': 'text/html',
};

/** Names of files left out listed at most (the rest counted). */
const MAX_LEFT_NAMED = 40;
/** Files looked at at most: a snippet that writes millions of files must not make the walk endless. */
const MAX_WALK = 5000;

const COLLECTOR = `
import base64, json, os, stat, sys
cfg = json.loads(sys.argv[1])
root, skip, types = cfg["root"], set(cfg["skip"]), cfg["types"]
found, walked = [], 0
for d, dirs, files in os.walk(root):
    dirs[:] = sorted(x for x in dirs if x != "__pycache__" and not x.startswith("."))
    for f in sorted(files):
        walked += 1
        p = os.path.join(d, f)
        rel = os.path.relpath(p, root)
        if rel in skip:
            continue
        try:
            st = os.lstat(p)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode):
            found.append((rel, p, st.st_size))
    if walked > cfg["maxWalk"]:
        break
out, total, left = [], 0, []
for rel, p, size in sorted(found):
    mime = types.get(os.path.splitext(rel)[1].lower())
    reason, data = None, b""
    if mime is None:
        reason = "type"
    elif size > cfg["maxFileBytes"]:
        reason = "size"
    elif len(out) >= cfg["maxFiles"]:
        reason = "count"
    elif total + size > cfg["maxTotalBytes"]:
        reason = "total"
    else:
        try:
            fd = os.open(p, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            with os.fdopen(fd, "rb") as fh:
                data = fh.read(cfg["maxFileBytes"] + 1)
            if len(data) > cfg["maxFileBytes"]:
                reason = "size"
        except OSError:
            reason = "unreadable"
    if reason:
        left.append({"name": rel, "bytes": size, "reason": reason})
        continue
    total += len(data)
    out.append({"name": rel, "mimeType": mime, "bytes": len(data), "base64": base64.b64encode(data).decode("ascii")})
sys.stdout.write(json.dumps({"files": out, "left": left[: cfg["maxLeft"]], "leftCount": len(left)}))
`;

/** The host reads no more of the document than all files at their cap could need, in base64, plus names. */
function maxDocumentBytes(caps: OutputCaps): number {
  return Math.ceil((caps.maxTotalBytes * 4) / 3) + 1024 * 1024;
}

/**
 * The command that runs `command` (the snippet) and then the collector, writing to descriptor `fd`. The exit
 * status is the snippet's; a snippet killed by a signal makes the wrapper kill itself with the same signal, so
 * GNU time reports it as before.
 */
export function collectingCommand(
  bash: string,
  python: string,
  fd: number,
  command: string[],
  opts: { inside: string; skip: string[]; caps: OutputCaps },
): string[] {
  if (!Number.isInteger(fd) || fd < 3 || fd > 9) throw new Error(`unexpected output descriptor ${fd}`);
  const cfg = JSON.stringify({ root: opts.inside, skip: opts.skip, types: OUTPUT_TYPES, maxWalk: MAX_WALK, maxLeft: MAX_LEFT_NAMED, ...opts.caps });
  const script =
    `collector=$1; cfg=$2; py=$3; shift 3; "$@" ${fd}>&-; rc=$?; ` +
    `"$py" -I -c "$collector" "$cfg" >&${fd} 2>/dev/null ${fd}>&-; ` +
    'if ((rc > 128)); then kill -n $((rc - 128)) $$; fi; exit $rc';
  return [bash, '--posix', '-c', script, 'codedistill-collect', COLLECTOR, cfg, python, ...command];
}

const Document = z.object({
  files: z.array(ScratchFile.extend({ base64: z.string() })),
  left: z.array(z.object({ name: z.string(), bytes: z.number(), reason: z.string() })),
  leftCount: z.number().int(),
});

/**
 * What the collector wrote, checked again on this side (the code may have written the file itself): names,
 * types and caps. Nothing written (a timeout killed the run first, the code ran without files) gives null.
 */
export async function readOutputs(file: string, caps: OutputCaps): Promise<ScratchFiles | null> {
  const handle = await fsp.open(file, 'r').catch(() => null);
  if (!handle) return null;
  let text: string;
  try {
    const buf = Buffer.alloc(maxDocumentBytes(caps));
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    text = buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
  if (!text) return null;
  let doc: z.infer<typeof Document>;
  try {
    doc = Document.parse(JSON.parse(text));
  } catch {
    return null;
  }
  const files: ScratchFiles['files'] = [];
  const left = doc.left.map((l) => ({ name: l.name, bytes: l.bytes, reason: l.reason }));
  let total = 0;
  for (const f of doc.files) {
    const data = Buffer.from(f.base64, 'base64');
    const suffix = /\.[^./]+$/.exec(f.name.toLowerCase())?.[0] ?? '';
    const mimeType = OUTPUT_TYPES[suffix];
    const reason = !mimeType ? 'type' : data.length > caps.maxFileBytes ? 'size' : files.length >= caps.maxFiles ? 'count' : total + data.length > caps.maxTotalBytes ? 'total' : null;
    if (reason || !mimeType) {
      left.push({ name: f.name, bytes: data.length, reason: reason ?? 'type' });
      continue;
    }
    total += data.length;
    // Images go back as images (SVG too); text as an embedded text resource when it is UTF-8.
    const isText = !mimeType.startsWith('image/');
    const asText = isText ? utf8(data) : null;
    files.push(asText !== null ? { name: f.name, mimeType, bytes: data.length, text: asText } : { name: f.name, mimeType, bytes: data.length, base64: data.toString('base64') });
  }
  return { files, left: left.slice(0, MAX_LEFT_NAMED), leftCount: doc.leftCount + (left.length - doc.left.length) };
}

function utf8(data: Buffer): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    return null;
  }
}
