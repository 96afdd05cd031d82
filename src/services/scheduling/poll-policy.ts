import type { DurationModel, JobClass } from './duration-model.js';

/** What a poll policy knows of a job it schedules. */
export interface PolledJob extends JobClass {
  id: number;
  /** When the job was submitted to Segmind. */
  submittedAt: number;
  /** When it was last polled; -Infinity when not yet polled in this process. */
  lastPolledAt: number;
}

export interface PollPlan {
  /** When the job should be polled next. */
  dueAt: number;
  /** The chance the job has finished since its last poll: where a tight budget is best spent. */
  urgency: number;
  /** Read the result endpoint rather than the status: when a completion is likely, it saves the second call. */
  readResult: boolean;
}

/** Decides when each watched job is polled; the poller enforces the budget and the minimum interval. */
export interface PollPolicy {
  plan(job: PolledJob, now: number): PollPlan;
}

export interface LearnedPolicyOptions {
  model: DurationModel;
  minIntervalMs: number;
  maxIntervalMs: number;
  /** How soon after Segmind finishes a job the gateway aims to notice: the poll interval where a finish is likely. */
  targetDelayMs: number;
}

/** Completion is "likely" between these quantiles of the learned duration. */
const likelyFrom = 0.02;
const likelyTo = 0.98;
/** The first poll after a submit, as a share of the expected duration. */
const earlyLook = 0.1;

/**
 * Polls where completions are: sparsely (every `maxIntervalMs`, enough to see QUEUED turn PROCESSING)
 * while a finish is unlikely, every `targetDelayMs` through the window where the learned model expects it,
 * then backing off for jobs that run far past it.
 */
export function learnedPolicy(options: LearnedPolicyOptions): PollPolicy {
  const { model, minIntervalMs, maxIntervalMs } = options;
  const targetDelayMs = Math.min(options.targetDelayMs, maxIntervalMs);
  return {
    plan(job, now) {
      const windowStart = job.submittedAt + model.quantile(job, likelyFrom);
      const windowEnd = job.submittedAt + model.quantile(job, likelyTo);
      const last = job.lastPolledAt;
      let dueAt: number;
      if (last === Number.NEGATIVE_INFINITY) dueAt = now;
      else if (last <= job.submittedAt) {
        // One early look, to tell clients when QUEUED turns PROCESSING (Segmind queues for seconds).
        dueAt =
          job.submittedAt +
          Math.min(maxIntervalMs, earlyLook * model.quantile(job, 0.5), windowStart - job.submittedAt);
      } else if (last + targetDelayMs < windowStart) dueAt = Math.min(windowStart, last + maxIntervalMs);
      else if (last <= windowEnd) dueAt = last + targetDelayMs;
      else {
        const overrun = (last - windowEnd) / Math.max(1, windowEnd - job.submittedAt);
        dueAt = last + Math.min(maxIntervalMs, targetDelayMs * (1 + 4 * overrun));
      }
      const sinceLastPoll = Number.isFinite(last) ? last - job.submittedAt : 0;
      const pollAt = Math.max(dueAt, last + minIntervalMs);
      return {
        dueAt: pollAt,
        // By the time the poll is due, not now: the plan is kept until the job is read or replanned.
        urgency: model.chanceToFinish(job, sinceLastPoll, Math.max(now, pollAt) - job.submittedAt),
        // Once a finish is likely, a finished job found through the status endpoint would cost a second call.
        readResult: Math.max(now, dueAt) >= windowStart,
      };
    },
  };
}
