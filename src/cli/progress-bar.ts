/**
 * The command line's progress: a bar on stderr (stdout carries the answer) through cli-progress, filled by the
 * same stage plan as the MCP notifications; nothing when stderr or stdout is not a terminal (logs, pipes, CI).
 */
import { SingleBar } from 'cli-progress';
import type { Progress } from '../domain/job.js';
import { overallProgress, progressMessage, type StagePlan } from '../server/progress.js';

export interface ProgressBar {
  onProgress: ((p: Progress) => void) | undefined;
  stop(): void;
}

export function progressBar(plan: StagePlan, tty = Boolean(process.stderr.isTTY && process.stdout.isTTY)): ProgressBar {
  if (!tty) return { onProgress: undefined, stop: () => {} };
  const bar = new SingleBar({
    stream: process.stderr,
    format: '{bar} {percentage}% | {stage}',
    hideCursor: true,
    clearOnComplete: true,
    barsize: 30,
  });
  const overall = overallProgress(plan);
  let started = false;
  return {
    onProgress: (p) => {
      const at = overall(p);
      if (!started) {
        bar.start(plan.length * 100, 0, { stage: progressMessage(p) });
        started = true;
      }
      if (at) bar.update(at.progress, { stage: progressMessage(p).slice(0, 60) });
      else bar.update({ stage: progressMessage(p).slice(0, 60) });
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
