/**
 * The state one mining pass shares between its collectors: the input, the call resolver, and each file's
 * text and module facts, read or built once however many collectors ask for them.
 */
import type { FileRole, RepoFile } from '../../ingest/types.js';
import type { ParsedFile } from '../../parse/types.js';
import type { NotebookContent } from '../../python/notebook.js';
import { CallResolver, type BlockRef } from './call-resolver.js';
import { buildModuleInfo, type ModuleInfo } from './module-info.js';
import { errorMessage } from '../../kernel/errors.js';
import type { ContentCache } from '../../kernel/content-cache.js';

export interface MineInput {
  blocks: BlockRef[];
  /** Library, test and example files, parsed. */
  parsedFiles: ParsedFile[];
  files: RepoFile[];
  readText(path: string): Promise<string>;
  /** Top-level packages the repository defines. */
  packageNames: string[];
  /** Notebooks the caller already read; when absent, .ipynb files are read with readNotebookContent. */
  notebooks?: { path: string; notebook: NotebookContent }[];
  /** Told of every file that could not be read or is broken (a NotebookError for a bad notebook). */
  onFileError?(path: string, error: unknown): void;
  /**
   * The distill cache, with the digest of what every file's mining depends on besides the files it reads (the
   * blocks, what the call resolver knows of the library, the package names, the code version): a collector keeps
   * each file's candidates under it with the files they were built from.
   */
  cache?: { store: ContentCache; context: string };
}

export interface MiningContext {
  readonly input: MineInput;
  readonly roles: ReadonlyMap<string, FileRole>;
  readonly libraryFiles: ParsedFile[];
  readonly calls: CallResolver;
  /** A file's text with LF line ends; null (reported once) when it cannot be read. */
  read(path: string): Promise<string | null>;
  /** What a parsed file defines and imports at top level. */
  moduleInfo(file: ParsedFile): Promise<ModuleInfo>;
  /** Runs `fn`; what it throws costs that one source (and is reported), never the whole pass. */
  guard(where: string, fn: () => Promise<void>): Promise<void>;
  reportError(path: string, error: unknown): void;
}

export function createMiningContext(input: MineInput): MiningContext {
  const roles = new Map(input.files.map((f) => [f.path, f.role]));
  const libraryFiles = input.parsedFiles.filter((f) => roles.get(f.path) === 'library');
  const calls = new CallResolver(input.blocks, libraryFiles, input.packageNames);
  const reportError = (p: string, e: unknown) => input.onFileError?.(p, e);
  const texts = new Map<string, Promise<string | null>>();
  const read = (p: string): Promise<string | null> => {
    let t = texts.get(p);
    if (!t) {
      t = input.readText(p).then(
        (s) => s.replace(/\r\n?/g, '\n'),
        (e: unknown) => {
          reportError(p, new Error(`could not be read for examples: ${errorMessage(e)}`, { cause: e }));
          return null;
        },
      );
      texts.set(p, t);
    }
    return t;
  };
  const infos = new Map<string, ModuleInfo>();
  const moduleInfo = async (f: ParsedFile): Promise<ModuleInfo> => {
    let info = infos.get(f.path);
    if (!info) {
      info = buildModuleInfo(f, roles.get(f.path) ?? 'other', await read(f.path));
      infos.set(f.path, info);
    }
    return info;
  };
  // A construct the text scans do not understand costs that one source, never the whole mining run.
  const guard = async (where: string, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (e) {
      reportError(where, new Error(`examples could not be mined: ${errorMessage(e)}`, { cause: e }));
    }
  };
  return { input, roles, libraryFiles, calls, read, moduleInfo, guard, reportError };
}
