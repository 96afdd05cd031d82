import type { DurationModel, JobClass } from './duration-model.js';

/** What a poll policy knows of a job it schedules. */
export interface PolledJob extends JobClass {
  id: number;
  /** When the job was submitted to Segmind. */
  submittedAt: number;
  /** When it was last polled; -Infinity when not yet polled in this process. */
  lastPolledAt: number;
  /** Whether Segmind was seen working on it (PROCESSING): until then it may still be queued. */
  processing: boolean;
}

export interface PollPlan {
  /** When the job should be polled next. */
  dueAt: number;
  /** The chance the job has ended between its last poll and `dueAt` (or now, if later): where a tight budget is best spent. */
  urgency: number;
  /** Read the result endpoint rather than the status: it answers both, so a finish found costs no second call. */
  readResult: boolean;
  /**
   * Past this the poll is overdue and goes before any other (submits included: jobs paid for come first):
   * `POLL_MAX_INTERVAL_MS` after the last poll while the model knows nothing of the job's class or the job is
   * in (or past) its finish window; before that window, `POLL_MAX_INTERVAL_MS` after the window opens.
   */
  pollBy: number;
}

/** Decides when each watched job is polled; the poller enforces the budget and the minimum interval. */
export interface PollPolicy {
  /**
   * Called when a job is watched, after each of its reads, and at a replan (every few seconds at most): its
   * answer stands until then, so it must not depend on being asked again at every dispatch.
   */
  plan(job: PolledJob, now: number): PollPlan;
}

export interface LearnedPolicyOptions {
  model: DurationModel;
  minIntervalMs: number;
  /** POLL_MAX_INTERVAL_MS: the freshness cap while the model knows nothing of a job's class. */
  maxIntervalMs: number;
  /** How soon after Segmind finishes a job the gateway aims to notice: the poll interval where a finish is likely. */
  targetDelayMs: number;
  /**
   * How much the budget planner stretches every interval (1: not at all), read at each plan: the forecast
   * calls of the minute ahead over the budget, when they exceed it. @default () => 1
   */
  stretch?: () => number;
}

/** Past this quantile of the learned duration a job is running late: its polls back off. */
const likelyTo = 0.98;
/** Where the finish window opens, for the floor of `pollBy`. */
const likelyFrom = 0.02;
/** The first poll after a submit, as a share of the expected duration. */
const earlyLook = 0.1;
/**
 * Through the finish window polls come this share of the target delay apart: the rest of the target is the
 * time an answer takes to reach subscribers.
 */
const stepShare = 0.9;
/**
 * The share of jobs allowed to complete before the finish window opens (found a little over the target delay
 * late): the window opens a step after the learned duration's quantile of this. The p95 allows 5 %.
 */
export const earlyShare = 0.01;
/** Before its finish window, a job is looked at once the chance it failed unseen (a content block) reaches this. */
export const riskPerLook = 0.02;

/**
 * Polls where jobs end, by the chance a job has ended unseen rather than by a fixed floor: one early look
 * (QUEUED turning PROCESSING); before the finish window, a look only once the chance the job failed since the
 * last (failure timing is learned too) reaches `riskPerLook`, or every `maxIntervalMs` while the model knows
 * nothing of the class or the job is still queued; every step (90 % of the target delay) from a step after the
 * `earlyShare` quantile of the learned duration; backing off for jobs that run far past the window. Under a
 * tight budget the planner's stretch lengthens every step alike and raises the risk a look waits for.
 */
export function learnedPolicy(options: LearnedPolicyOptions): PollPolicy {
  const { model, minIntervalMs, maxIntervalMs } = options;
  const targetDelayMs = Math.min(options.targetDelayMs, maxIntervalMs);
  const stretchOf = options.stretch ?? (() => 1);
  return {
    plan(job, now) {
      const stretch = Math.max(1, stretchOf());
      const known = model.knows(job);
      const step = targetDelayMs * stepShare * stretch;
      const opensAt = model.quantile(job, earlyShare) + step;
      const windowEnd = model.quantile(job, likelyTo);
      const last = job.lastPolledAt;
      const elapsed = Number.isFinite(last) ? Math.max(0, last - job.submittedAt) : 0;
      // The cap of POLL_MAX_INTERVAL_MS holds where the model knows nothing, or the job may still be queued.
      const cap = known && job.processing ? Number.POSITIVE_INFINITY : maxIntervalMs * stretch;
      let next: number;
      if (last === Number.NEGATIVE_INFINITY) next = now - job.submittedAt;
      else if (elapsed > windowEnd) {
        const overrun = (elapsed - windowEnd) / Math.max(1, windowEnd);
        next = elapsed + Math.min(maxIntervalMs, targetDelayMs * (1 + 4 * overrun)) * stretch;
      } else if (elapsed + step >= opensAt) next = elapsed + step;
      else {
        const fails = model.failsWithChance(job, elapsed, riskPerLook * stretch, opensAt);
        next = Math.min(Math.max(elapsed + step, fails), elapsed + cap);
        // One early look, to tell clients when QUEUED turns PROCESSING (Segmind queues for seconds).
        if (last <= job.submittedAt)
          next = Math.min(next, Math.min(maxIntervalMs, earlyLook * model.quantile(job, 0.5)) * stretch);
      }
      const dueAt = Math.max(job.submittedAt + next, last + minIntervalMs);
      const windowStart = job.submittedAt + model.quantile(job, likelyFrom);
      return {
        dueAt,
        urgency: model.chanceToEnd(job, elapsed, Math.max(now, dueAt) - job.submittedAt),
        readResult: true,
        pollBy: known ? Math.max(last, windowStart) + maxIntervalMs : last + maxIntervalMs,
      };
    },
  };
}
