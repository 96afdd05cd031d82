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
  /**
   * Jobs in their finish window (or, for a class the model knows nothing of, alive) ahead, as steps: from
   * `occupiedFrom[i]` on, `occupied[i]` jobs (until the next step).
   */
  private occupiedFrom: number[] = [];
  private occupied: number[] = [];
  /** Windows of jobs submitted since the last plan, counted whole where they meet a candidate's. */
  private recent: [number, number][] = [];
  private readonly bucketMs: number;

  constructor(private readonly options: BudgetPlannerOptions) {
    this.bucketMs = Math.max(1, options.targetDelayMs * bucketShare);
  }

  /** Plans the window ahead of `now` for these jobs, `pending` jobs waiting to be sent. */
  plan(now: number, jobs: Iterable<PolledJob>, pending: number): void {
    const { model, budget, windowMs, targetDelayMs, maxIntervalMs } = this.options;
    let demand = 0;
    let finishes = 0;
    const changes = new Map<number, number>();
    for (const group of this.groups(jobs)) {
      demand += group.jobs * this.callsAhead(group, now);
      const elapsed = now - group.submittedAt;
      finishes += group.jobs * model.chanceToFinish(group, elapsed, elapsed + windowMs);
      const [from, to] = this.span(group, now);
      changes.set(from, (changes.get(from) ?? 0) + group.jobs);
      changes.set(to, (changes.get(to) ?? 0) - group.jobs);
    }
    this.occupiedFrom = [...changes.keys()].sort((a, b) => a - b);
    let running = 0;
    this.occupied = this.occupiedFrom.map((time) => {
      running += changes.get(time) ?? 0;
      return running;
    });
    this.recent = [];
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
    this.recent.push(this.span(job, now));
  }

  /**
   * Whether a job of this class may be submitted now, `submitting` others being on their way: only if no
   * moment of its finish window (of its whole life, for a class the model knows nothing of) would have more
   * jobs to poll than three quarters of the budget can poll every `maxIntervalMs` (the rest goes to submits
   * and early looks). Finishes then never pile up past what the budget can find.
   */
  hasRoom(jobClass: JobClass, now: number, submitting: number): boolean {
    const { budget, maxIntervalMs } = this.options;
    // Knowing nothing of the class, the old rule: as many jobs as the budget can poll every `maxIntervalMs`.
    const share = this.options.model.knows(jobClass) ? windowShare : 1;
    const room = Math.max(1, Math.floor(share * budget.callsWithin(maxIntervalMs)));
    const [from, to] = this.windowOf(jobClass, now);
    let busiest = 0;
    // The step in force at `from` (the last one starting at or before it), then every step until `to`.
    let low = 0;
    let high = this.occupiedFrom.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.occupiedFrom[middle] as number) <= from) low = middle + 1;
      else high = middle;
    }
    for (let index = Math.max(0, low - 1); index < this.occupiedFrom.length; index++) {
      if ((this.occupiedFrom[index] as number) > to) break;
      busiest = Math.max(busiest, this.occupied[index] as number);
    }
    busiest += this.recent.filter(([start, end]) => start <= to && end >= from).length;
    return busiest + submitting < room;
  }

  /** The span a job submitted at `submittedAt` is polled for closely: its finish window, or its whole life if unknown. */
  private windowOf(jobClass: JobClass, submittedAt: number): [number, number] {
    const { model } = this.options;
    const to = submittedAt + model.quantile(jobClass, windowTo);
    return [model.knows(jobClass) ? submittedAt + model.quantile(jobClass, windowFrom) : submittedAt, to];
  }

  /** Where a job counts in the timeline: its window, or, running past it, where it is now until found. */
  private span(job: JobClass & { submittedAt: number }, now: number): [number, number] {
    const [from, to] = this.windowOf(job, job.submittedAt);
    return [Math.max(from, Math.min(now, to)), Math.max(to, now + this.bucketMs)];
  }

  private groups(jobs: Iterable<PolledJob>): Iterable<Group> {
    // By resolution, duration and submit bucket, without building a key string per job.
    const groups = new Map<string, Map<number, Map<number, Group>>>();
    const all: Group[] = [];
    for (const job of jobs) {
      const bucket = Math.floor(job.submittedAt / this.bucketMs);
      let byDuration = groups.get(job.resolution);
      if (!byDuration) {
        byDuration = new Map();
        groups.set(job.resolution, byDuration);
      }
      let byBucket = byDuration.get(job.duration);
      if (!byBucket) {
        byBucket = new Map();
        byDuration.set(job.duration, byBucket);
      }
      let group = byBucket.get(bucket);
      if (!group) {
        const known = this.options.model.knows(job);
        const submittedAt = bucket * this.bucketMs;
        group = { duration: job.duration, resolution: job.resolution, submittedAt, jobs: 0, unlooked: 0, known };
        byBucket.set(bucket, group);
        all.push(group);
      }
      group.jobs++;
      if (job.lastPolledAt <= job.submittedAt) group.unlooked++;
    }
    return all;
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
