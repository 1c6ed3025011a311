import type { RunRecord } from '../domain/validation.js';

export interface RunRequest {
  code: string;
  /** Absolute folders to put on PYTHONPATH, mounted read-only in the sandbox. */
  importRoots?: string[];
  /** Extra files to write in the scratch folder beside the snippet (name -> content). */
  files?: Record<string, string>;
  timeoutMs?: number;
  /** Stdout the code is expected to print (doctest output); compared with float tolerance. */
  expectedOutput?: string | null;
  signal?: AbortSignal;
}

export interface Runner {
  /** Never throws for a failure of the code itself: that is a RunRecord with a status. */
  run(req: RunRequest): Promise<RunRecord>;
  /** What isolation and interpreter runs use. */
  info(): Promise<{ sandbox: 'bwrap' | 'none'; interpreter: string | null; available: boolean; reason: string | null }>;
}
