import type { CallBudget } from '../upstream/call-budget.js';
import type { DurationModel, JobClass } from './duration-model.js';
import type { PolledJob } from './poll-policy.js';

export interface BudgetPlannerOptions {
  model: DurationModel;
  budget: CallBudget;
  /** The window the budget counts over (a minute): the planner looks this far ahead. */
  windowMs: number;
  /** The poll interval through a finish window when the budget is not tight (POLL_TARGET_DELAY_MS). */
  targetDelayMs: number;
  /** POLL_MAX_INTERVAL_MS: the floor for classes the model knows nothing of, and the interval admission plans for. */
  maxIntervalMs: number;
}

/** Finishes are planned for between these quantiles, as the policy polls them. */
const windowFrom = 0.02;
const windowTo = 0.98;
/** The share of the calls of every `maxIntervalMs` that finish windows may claim: the rest is for submits and early looks. */
const windowShare = 0.75;
/** Jobs are grouped by class and by submit time rounded to this share of the target delay: the forecast costs per group. */
const bucketShare = 1 / 3;

interface Group extends JobClass {
  submittedAt: number;
  jobs: number;
  /** Jobs of the group still before their first look. */
  unlooked: number;
  known: boolean;
}

/**
 * Plans the minute ahead for every watched job at once. From the duration model's quantiles it forecasts the
 * calls the poll policy would make in the next window (finish windows, early looks, the floor of unknown
 * classes) and the calls submits need, and compares them with what the budget gives. Over budget, it
 * stretches every interval by the same factor (the policy reads `stretch`), so the calls that remain go where
 * finishes are; under budget, it lets the pacing bucket save the calls the forecast does not need, so that
 * several likely finishes due at once are polled in a burst. It also keeps a timeline of how many jobs will be
 * in their finish windows at each moment ahead, and admits a submit only where that stays within what the
 * budget can poll every `maxIntervalMs`. Runs every few seconds: O(jobs) of grouping, then per group.
 */
export class BudgetPlanner {
  /** How much every poll interval is stretched now: 1 while the budget covers the forecast. */
  stretch = 1;
  /** The calls the policy wanted in the window ahead, and what the budget gives, at the last plan. */
  forecast = { demand: 0, supply: 0 };
  /** Jobs in their finish window (or, for a class the model knows nothing of, alive) per time bucket ahead. */
  private occupancy = new Map<number, number>();
  private readonly bucketMs: number;

  constructor(private readonly options: BudgetPlannerOptions) {
    this.bucketMs = Math.max(1, options.targetDelayMs * bucketShare);
  }

  /** Plans the window ahead of `now` for these jobs, `pending` jobs waiting to be sent. */
  plan(now: number, jobs: Iterable<PolledJob>, pending: number): void {
    const { model, budget, windowMs, targetDelayMs, maxIntervalMs } = this.options;
    let demand = 0;
    let finishes = 0;
    this.occupancy = new Map();
    for (const group of this.groups(jobs)) {
      demand += group.jobs * this.callsAhead(group, now);
      const elapsed = now - group.submittedAt;
      finishes += group.jobs * model.chanceToFinish(group, elapsed, elapsed + windowMs);
      this.occupy(group, group.jobs, now);
    }
    const supply = budget.callsWithin(windowMs);
    // Each finish ahead makes room for a submit (admission keeps the rest waiting).
    const forPolls = Math.max(1, supply - Math.min(pending, Math.ceil(finishes)));
    // Stretched no further than POLL_MAX_INTERVAL_MS in a finish window: past it, polls are overdue anyway.
    this.stretch = Math.min(Math.max(1, maxIntervalMs / targetDelayMs), Math.max(1, demand / forPolls));
    this.forecast = { demand, supply };
    // Calls the forecast leaves over may be saved up, and spent at once when finishes bunch up.
    budget.allowBurst(Math.max(0, Math.floor(forPolls - demand)));
  }

  /** Counts a job just submitted in the timeline at once, before the next plan. */
  watched(job: JobClass & { submittedAt: number }, now: number): void {
    this.occupy(job, 1, now);
  }

  /**
   * Whether a job of this class may be submitted now, `submitting` others being on their way: only if no
   * moment of its finish window (of its whole life, for a class the model knows nothing of) would have more
   * jobs to poll than three quarters of the budget can poll every `maxIntervalMs` (the rest goes to submits
   * and early looks). Finishes then never pile up past what the budget can find.
   */
  hasRoom(jobClass: JobClass, now: number, submitting: number): boolean {
    const { budget, maxIntervalMs } = this.options;
    const room = Math.max(1, Math.floor(windowShare * budget.callsWithin(maxIntervalMs)));
    const [from, to] = this.windowOf(jobClass, now);
    let busiest = 0;
    for (let bucket = Math.floor(from / this.bucketMs); bucket <= Math.floor(to / this.bucketMs); bucket++) {
      busiest = Math.max(busiest, this.occupancy.get(bucket) ?? 0);
    }
    return busiest + submitting < room;
  }

  /** The span a job submitted at `submittedAt` is polled for closely: its finish window, or its whole life if unknown. */
  private windowOf(jobClass: JobClass, submittedAt: number): [number, number] {
    const { model } = this.options;
    const to = submittedAt + model.quantile(jobClass, windowTo);
    return [model.knows(jobClass) ? submittedAt + model.quantile(jobClass, windowFrom) : submittedAt, to];
  }

  private occupy(group: JobClass & { submittedAt: number }, jobs: number, now: number): void {
    const [from, to] = this.windowOf(group, group.submittedAt);
    // A job running past its window stays where it is now, until it is found.
    const first = Math.floor(Math.max(from, Math.min(now, to)) / this.bucketMs);
    const last = Math.floor(Math.max(to, now) / this.bucketMs);
    for (let bucket = first; bucket <= last; bucket++) {
      this.occupancy.set(bucket, (this.occupancy.get(bucket) ?? 0) + jobs);
    }
  }

  private groups(jobs: Iterable<PolledJob>): Iterable<Group> {
    const groups = new Map<string, Group>();
    for (const job of jobs) {
      const submittedAt = Math.floor(job.submittedAt / this.bucketMs) * this.bucketMs;
      const key = `${job.duration}/${job.resolution}/${submittedAt}`;
      let group = groups.get(key);
      if (!group) {
        const known = this.options.model.knows(job);
        group = { duration: job.duration, resolution: job.resolution, submittedAt, jobs: 0, unlooked: 0, known };
        groups.set(key, group);
      }
      group.jobs++;
      if (job.lastPolledAt <= job.submittedAt) group.unlooked++;
    }
    return groups.values();
  }

  /** The calls one job of the group would cost in the window ahead, unstretched. */
  private callsAhead(group: Group, now: number): number {
    const { model, windowMs, targetDelayMs, maxIntervalMs } = this.options;
    const early = group.unlooked / group.jobs;
    if (!group.known) return early + windowMs / maxIntervalMs;
    const [from, to] = this.windowOf(group, group.submittedAt);
    if (now > to) return windowMs / maxIntervalMs; // running late: polls back off toward the floor
    const start = Math.max(now, from);
    const stop = Math.min(now + windowMs, to);
    if (stop <= start) return early;
    // Polls every target delay while the job runs: the share still running halfway through the overlap.
    const elapsed = now - group.submittedAt;
    const running = 1 - model.chanceToFinish(group, elapsed, (start + stop) / 2 - group.submittedAt);
    return early + ((stop - start) / targetDelayMs) * running;
  }
}
