import type { Language } from '../domain/block.js';
import type { SkippedFile } from '../domain/library.js';
import type { ModuleRoot } from '../python/modules.js';
import type { RepoMetadata } from './repo-metadata.js';

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
  /**
   * Regular files kept off parsing because they are binary or too large (still listed in `skipped`), with
   * their role and size: the snapshot may need them (package data, a generated module over the size limit).
   */
  withheld: RepoFile[];
  /** Folders to put on the import path: "" for a flat layout, "src" for a src layout (layout.importRoots). */
  importRoots: string[];
  /** Where the packages live and how file paths become module names (layout.ts). */
  layout: Layout;
  /** The repository's metadata files, read once (repo-metadata.ts), for everything that asks about them. */
  metadata: RepoMetadata;
}

/** Where a repository's packages live (layout.ts). */
export interface Layout {
  /** Folders (repository-relative, "" the root) to put on the import path, deepest naming first. */
  importRoots: string[];
  /**
   * How file paths become module names: the import roots, plus folders imported under another name
   * ({ dir: '', prefix: 'mypkg' } when the root is the package). What parse/ names modules with.
   */
  moduleRoots: ModuleRoot[];
  /**
   * Packages whose folder cannot be put on the import path by a root, because its name differs from the
   * package's (the root-is-package case): importable only once the repository is installed.
   */
  unrootable: Array<{ package: string; dir: string }>;
  /** Where the layout was read from, e.g. "package_dir in setup.cfg" or "src/ layout". */
  reason: string;
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
