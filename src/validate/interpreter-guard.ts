/**
 * Which interpreters may be started at all. An interpreter named by a caller (distill_repo's or
 * build_environment's python, or one read back from a manifest) is started on the host to make a library's
 * environment, so it must be a real Python the user installed, never a file a repository wrote: a path inside a
 * repository being or once distilled, or inside CODEDISTILL_HOME (whose snapshots and checkouts are repository
 * files; its own envs/ are ours) is refused, and so is anything that is not an executable regular file. Every
 * hop of a symlink chain is judged, so a link out of a repository to /usr/bin/python3 is refused as well (the
 * repository chose it), and a link from elsewhere into a repository too.
 */
import { constants as fsc, promises as fsp } from 'node:fs';
import path from 'node:path';
import { CodedistillError, quoteInput as quoted } from '../kernel/errors.js';

export interface InterpreterTrust {
  /** Folders no interpreter may live in (repositories, CODEDISTILL_HOME). */
  untrusted: string[];
  /** Folders inside an untrusted one that are ours (CODEDISTILL_HOME/envs). */
  allowed: string[];
  /** PATH used to find a bare command such as python3. */
  pathEnv: string;
}

const WHAT_TO_PASS =
  "Pass nothing (the library's own environment, made from CODEDISTILL_PYTHON), or the absolute path of a Python installed on this machine outside any repository, such as /usr/bin/python3.";

function within(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent.endsWith('/') ? parent : `${parent}/`);
}


function refused(python: string, why: string): CodedistillError {
  return new CodedistillError('invalid_input', `Interpreter ${quoted(python)} is refused: ${why}.`, WHAT_TO_PASS);
}

async function onPath(command: string, pathEnv: string): Promise<string | null> {
  for (const dir of pathEnv.split(path.delimiter)) {
    if (!path.isAbsolute(dir)) continue;
    const candidate = path.join(dir, command);
    if (await fsp.access(candidate, fsc.X_OK).then(() => true, () => false)) return candidate;
  }
  return null;
}

/** The path itself, every link target on the way and the real file: each must be outside untrusted folders. */
async function hops(file: string): Promise<string[]> {
  const out = [file];
  let current = file;
  for (let hop = 0; hop < 32; hop++) {
    const target = await fsp.readlink(current).catch(() => null);
    if (target === null) break;
    current = path.resolve(path.dirname(current), target);
    out.push(current);
  }
  const real = await fsp.realpath(file).catch(() => null);
  if (real && !out.includes(real)) out.push(real);
  return out;
}

/**
 * The absolute path of `python` when it may be started; throws invalid_input saying what to pass instead. A
 * command that is not found is not this check's business (the probe reports it as missing). The interpreter the
 * user configured (CODEDISTILL_PYTHON, `configured`) may be a script such as a pyenv shim: the user chose it.
 */
export async function checkInterpreter(python: string, trust: InterpreterTrust, opts: { configured?: boolean } = {}): Promise<string | null> {
  if (!python || python.includes('\0') || python.length > 4096) throw refused(python, 'it is not a path or a command name');
  let file: string;
  if (!python.includes('/')) {
    const found = await onPath(python, trust.pathEnv);
    if (!found) return null;
    file = found;
  } else {
    if (!path.isAbsolute(python)) throw refused(python, 'a relative path depends on the folder the server was started in');
    file = path.normalize(python);
  }
  // A home at / would refuse every interpreter; the checks for / belong to the home's own validation.
  const untrusted = trust.untrusted.map((u) => path.resolve(u)).filter((u) => u !== '/');
  const allowed = trust.allowed.map((a) => path.resolve(a));
  for (const hop of await hops(file)) {
    const bad = untrusted.find((u) => within(hop, u));
    if (bad && !allowed.some((a) => within(hop, a))) {
      throw refused(python, `${hop === file ? 'it' : `its link target ${hop}`} lies inside ${bad}, which holds repository files`);
    }
  }
  const st = await fsp.stat(file).catch((e: NodeJS.ErrnoException) => e);
  if (st instanceof Error) {
    if (st.code === 'ENOENT' || st.code === 'ENOTDIR') return null;
    throw refused(python, `it cannot be read (${st.code ?? st.message})`);
  }
  if (!st.isFile()) throw refused(python, 'it is not a regular file');
  if (!(await fsp.access(file, fsc.X_OK).then(() => true, () => false))) throw refused(python, 'it is not executable');
  // A script (#!) may be anything and may lie to the probe about what it is; the environment's venv would be
  // made by running it on the host. Only a compiled executable is a Python interpreter here.
  if (!opts.configured && !isBinaryExecutable(await head(file))) throw refused(python, 'it is a script, not a Python executable (pass the interpreter the script starts)');
  return file;
}

async function head(file: string): Promise<Buffer> {
  const fh = await fsp.open(file, fsc.O_RDONLY | fsc.O_NONBLOCK).catch(() => null);
  if (!fh) return Buffer.alloc(0);
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await fh.read(buf, 0, 4, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** ELF, or Mach-O (thin either byte order, or universal). */
function isBinaryExecutable(magic: Buffer): boolean {
  if (magic.length < 4) return false;
  const hex = magic.toString('hex');
  return hex === '7f454c46' || ['feedface', 'feedfacf', 'cefaedfe', 'cffaedfe', 'cafebabe'].includes(hex);
}

/**
 * Folders to show the sandbox so the interpreter can describe itself before anything is known of it: for each
 * hop of its link chain the folder and the prefix above it (…/bin/python → …), and a virtual environment's base
 * (pyvenv.cfg's home). Read as text; nothing is started.
 */
export async function preliminaryMounts(file: string): Promise<string[]> {
  const out = new Set<string>();
  for (const hop of await hops(file)) {
    out.add(path.dirname(hop));
    out.add(path.dirname(path.dirname(hop)));
    const cfg = await fsp.readFile(path.join(path.dirname(path.dirname(hop)), 'pyvenv.cfg'), 'utf8').catch(() => '');
    const home = /^\s*home\s*=\s*(.+?)\s*$/m.exec(cfg)?.[1];
    if (home && path.isAbsolute(home)) {
      out.add(home);
      out.add(path.dirname(home));
    }
  }
  return [...out];
}
