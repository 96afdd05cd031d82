import type { JobRow } from '../../db/tables.js';

export interface JobEstimate {
  /** When Segmind is expected to finish the job; null once it FAILED or was CANCELLED. */
  finishAt: Date | null;
  /** 0..1, never decreasing; 1 only when COMPLETED. */
  progress: number;
}

/** Progress at the expected duration; the rest is approached, never reached, while the job runs late. */
const progressAtExpected = 0.95;
const progressCeiling = 0.99;
/** However late a job runs, its estimate stays a little ahead. */
const minimumRemainingMs = 1000;

/**
 * A job's ETA and progress, from the duration the model expected when the job was created. Being fixed per
 * job, that expectation keeps progress a function of elapsed time alone, so it never goes backwards.
 */
export function estimateJob(job: JobRow, now: number): JobEstimate {
  if (job.status === 'COMPLETED') return { finishAt: job.finishedAt, progress: 1 };
  // Never sent, so never started.
  if (job.status === 'CANCELLED') return { finishAt: null, progress: 0 };
  if (job.status === 'PENDING' || job.expectedDurationMs === null) {
    return { finishAt: new Date(now + (job.expectedDurationMs ?? 0)), progress: 0 };
  }
  const start = (job.submittedAt ?? job.createdAt).getTime();
  const until = job.status === 'FAILED' ? (job.finishedAt?.getTime() ?? now) : now;
  const progress = progressAt(Math.max(0, until - start), job.expectedDurationMs);
  if (job.status === 'FAILED') return { finishAt: null, progress };
  return { finishAt: new Date(Math.max(start + job.expectedDurationMs, now + minimumRemainingMs)), progress };
}

function progressAt(elapsedMs: number, expectedMs: number): number {
  if (elapsedMs <= expectedMs) return (progressAtExpected * elapsedMs) / expectedMs;
  const overrun = (elapsedMs - expectedMs) / expectedMs;
  return progressAtExpected + (progressCeiling - progressAtExpected) * (1 - Math.exp(-3 * overrun));
}
