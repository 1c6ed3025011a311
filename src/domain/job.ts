/** What every long job (distill, revalidate, the index sync, example runs) takes and reports. */

/** Progress reported by long stages; the server turns it into MCP progress notifications. */
export interface Progress {
  stage: string;
  done: number;
  /** Steps of this stage (1 for a stage that is one step), so that a client can show a share of it done. */
  total: number;
  message?: string;
}
export interface JobOptions {
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
}
