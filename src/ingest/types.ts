import type { Language } from '../domain/block.js';
import type { SkippedFile } from '../domain/library.js';

export type FileRole = 'library' | 'test' | 'example' | 'notebook' | 'docs' | 'config' | 'data' | 'build' | 'other';

export interface RepoFile {
  /** Repo-relative path with forward slashes. */
  path: string;
  absPath: string;
  size: number;
  role: FileRole;
  /** Why this role, e.g. "under tests/", "name test_*.py". */
  roleReason: string;
  language: Language | null;
}

export interface WalkResult {
  files: RepoFile[];
  skipped: SkippedFile[];
  /** Folders to put on the import path: "" for a flat layout, "src" for a src layout. */
  importRoots: string[];
}

/** A source resolved to a folder on disk, ready to walk. */
export interface ResolvedSource {
  kind: 'local' | 'github';
  location: string;
  root: string;
  repo: string;
  ref: string | null;
  commit: string;
  url: string | null;
  description: string | null;
  licenceHint: string | null;
  topics: string[];
}
