/** What every long job (distill, revalidate, the index sync, example runs) takes and reports. */

/** Progress reported by long stages; the server turns it into MCP progress notifications. */
export interface Progress {
  stage: string;
  done: number;
  total?: number;
  message?: string;
}
export interface JobOptions {
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
}
