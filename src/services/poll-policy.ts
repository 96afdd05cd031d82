/** What a poll policy knows of a job it schedules. */
export interface PolledJob {
  id: number;
  lastPolledAt: number;
}

/** Decides when each watched job is polled next; the poller enforces the budget and the minimum interval. */
export interface PollPolicy {
  /** The time at which `job` should be polled again, given how many jobs share the budget. */
  nextPollAt(job: PolledJob, activeJobs: number): number;
}

export interface RoundRobinOptions {
  callsPerMinute: number;
  minIntervalMs: number;
  maxIntervalMs: number;
}

/**
 * Fair round-robin: every active job gets an equal share of the budget, polled no more often than the
 * minimum interval and, where the budget allows, no less often than the maximum. The poller polls the
 * most overdue job first, so no job starves.
 */
export function roundRobinPolicy(options: RoundRobinOptions): PollPolicy {
  return {
    nextPollAt(job, activeJobs) {
      const fairShareMs = (Math.max(1, activeJobs) * 60_000) / options.callsPerMinute;
      const interval = Math.min(options.maxIntervalMs, Math.max(options.minIntervalMs, fairShareMs));
      return job.lastPolledAt + interval;
    },
  };
}
