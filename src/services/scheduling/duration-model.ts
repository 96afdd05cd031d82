import type { Resolution } from '../../domain/job.js';
import { normalCdf, QuantileTable } from './quantile-table.js';

/** The kind of job whose durations are learned together. */
export interface JobClass {
  duration: number;
  resolution: Resolution;
}

export interface DurationModelOptions {
  /** Finished jobs remembered per class; older ones are forgotten, so the model follows Segmind's speed. @default 50 */
  window?: number;
  /** Below this many samples, the prior still weighs in. @default 5 */
  minSamples?: number;
  /** The median duration assumed before any history. @default Segmind's ~129 s, scaled by duration and resolution */
  priorMedianMs?: (jobClass: JobClass) => number;
}

/** Seed page: "~129.07s" for the model's default job (5 s of 720p). */
const priorBaseMs = 129_070;
/** With no history the prior is wide: the real duration may be this far either side. */
const priorSpread = 0.35;
/** Outcomes (completed or failed, all classes together) the failure rate is learned from. */
const outcomeWindow = 200;
/**
 * Before any failure is seen, failures are assumed this common (as pseudo-counts: 1 in 20), at any time up
 * to `failurePriorEnd` of the class's median: content blocks can come at the start (the input) or the end
 * (the output), and the model learns which from the failures it sees.
 */
const failurePseudoFailures = 1;
const failurePseudoOutcomes = 20;
const failurePriorEnd = 1.2;
/** Pseudo-samples of that even prior in the failure timing, against the failures seen. */
const failurePriorWeight = 2;
/** Smoothing of failure times, as a share of the median. */
const failureBandwidth = 0.05;

/** The prior before any history: longer videos and 1080p take longer (a guess the first samples correct). */
function segmindPriorMs({ duration, resolution }: JobClass): number {
  return priorBaseMs * (duration / 5) ** 0.7 * (resolution === '1080p' ? 1.5 : 1);
}

const classKey = ({ duration, resolution }: JobClass) => `${duration}/${resolution}`;

/**
 * How long Segmind takes, from submit to finish, per (duration, resolution): recent finished jobs smoothed
 * into a distribution, blended with a wide prior while the history is short; and when failures come (as a
 * share of the class's median, all classes together) and how often. The scheduler asks it where a job's end
 * is likely; clients see its estimates as `estimatedFinishAt` and `progress`. Each class's distribution is a
 * table rebuilt when a sample arrives, so questions about 100,000 jobs cost lookups, not sample scans.
 */
export class DurationModel {
  private readonly samples = new Map<string, number[]>();
  private readonly tables = new Map<string, QuantileTable>();
  /** Recent outcomes, true for a failure. */
  private readonly outcomes: boolean[] = [];
  /** When recent failures came, as a share of their class's median. */
  private readonly failureShares: number[] = [];
  private failureTable: QuantileTable | undefined;
  private readonly window: number;
  private readonly minSamples: number;
  private readonly priorMedianMs: (jobClass: JobClass) => number;

  constructor(options: DurationModelOptions = {}) {
    this.window = options.window ?? 50;
    this.minSamples = options.minSamples ?? 5;
    this.priorMedianMs = options.priorMedianMs ?? segmindPriorMs;
  }

  /** Learns one completed job's duration (oldest first when replaying history). */
  record(jobClass: JobClass, durationMs: number): void {
    if (!(durationMs > 0)) return;
    const key = classKey(jobClass);
    const list = this.samples.get(key) ?? [];
    list.push(durationMs);
    if (list.length > this.window) list.shift();
    this.samples.set(key, list);
    this.tables.delete(key);
    this.recordOutcome(false);
  }

  /** Learns when one job FAILED upstream, `elapsedMs` after its submit. */
  recordFailure(jobClass: JobClass, elapsedMs: number): void {
    if (!(elapsedMs >= 0)) return;
    this.failureShares.push(elapsedMs / this.quantile(jobClass, 0.5));
    if (this.failureShares.length > this.window) this.failureShares.shift();
    this.failureTable = undefined;
    this.recordOutcome(true);
  }

  /** Whether any job of this class was seen to complete: until then the scheduler knows only the prior. */
  knows(jobClass: JobClass): boolean {
    return this.samples.has(classKey(jobClass));
  }

  /** The classes that some job was seen to complete in. */
  classes(): JobClass[] {
    return [...this.samples.keys()].map((key) => {
      const [duration, resolution] = key.split('/');
      return { duration: Number(duration), resolution: resolution as Resolution };
    });
  }

  /** The duration that a fraction `q` (0..1) of jobs of this class complete within. */
  quantile(jobClass: JobClass, q: number): number {
    return this.tableOf(jobClass).quantile(q);
  }

  /** The probability that a job of this class, not completed at `fromMs` after submit, completes by `toMs`. */
  chanceToFinish(jobClass: JobClass, fromMs: number, toMs: number): number {
    const table = this.tableOf(jobClass);
    const before = table.cdf(fromMs);
    return before >= 1 ? 1 : Math.max(0, (table.cdf(toMs) - before) / (1 - before));
  }

  /** The probability that a job of this class, still running `fromMs` after submit, ends (completes or fails) by `toMs`. */
  chanceToEnd(jobClass: JobClass, fromMs: number, toMs: number): number {
    const before = this.ended(jobClass, fromMs);
    return before >= 1 ? 1 : Math.max(0, (this.ended(jobClass, toMs) - before) / (1 - before));
  }

  /** The probability that a job of this class, still running `fromMs` after submit, fails by `toMs`. */
  chanceToFail(jobClass: JobClass, fromMs: number, toMs: number): number {
    const before = this.ended(jobClass, fromMs);
    if (before >= 1) return 0;
    const median = this.quantile(jobClass, 0.5);
    const failures = this.failureTimes();
    const failed = failures.cdf(toMs / median) - failures.cdf(fromMs / median);
    return Math.max(0, (this.failureRate() * failed) / (1 - before));
  }

  /**
   * The first time after submit, within (`fromMs`, `untilMs`], by which a job still running at `fromMs` has
   * failed with probability `chance`; `untilMs` when it has not by then.
   */
  failsWithChance(jobClass: JobClass, fromMs: number, chance: number, untilMs: number): number {
    return firstTime((toMs) => this.chanceToFail(jobClass, fromMs, toMs), fromMs, chance, untilMs);
  }

  /** The share of outcomes that are failures, the prior's pseudo-counts included. */
  failureRate(): number {
    const failures = this.outcomes.filter(Boolean).length;
    return (failures + failurePseudoFailures) / (this.outcomes.length + failurePseudoOutcomes);
  }

  /** The share of jobs of this class that ended (completed or failed) within `elapsedMs`. */
  private ended(jobClass: JobClass, elapsedMs: number): number {
    const failureRate = this.failureRate();
    const failed = this.failureTimes().cdf(elapsedMs / this.quantile(jobClass, 0.5));
    return (1 - failureRate) * this.tableOf(jobClass).cdf(elapsedMs) + failureRate * failed;
  }

  private recordOutcome(failed: boolean): void {
    this.outcomes.push(failed);
    if (this.outcomes.length > outcomeWindow) this.outcomes.shift();
  }

  private tableOf(jobClass: JobClass): QuantileTable {
    const key = classKey(jobClass);
    let table = this.tables.get(key);
    if (table) return table;
    const median = this.priorMedianMs(jobClass);
    const prior = (q: number) => median * (1 + priorSpread * (2 * q - 1));
    const sorted = this.samples.get(key) ?? [];
    if (sorted.length === 0) table = QuantileTable.fromQuantiles(prior);
    else {
      const learned = QuantileTable.smoothed(sorted);
      // A prior the samples contradict (their median outside its whole range) is dropped at once.
      const contradicted = Math.abs(learned.quantile(0.5) / median - 1) > priorSpread;
      const weight = contradicted ? 1 : Math.min(1, sorted.length / this.minSamples);
      table = QuantileTable.fromQuantiles((q) => weight * learned.quantile(q) + (1 - weight) * prior(q));
    }
    this.tables.set(key, table);
    return table;
  }

  /** When failures come, as a share of the median: an even prior over (0, 1.2) blended with the failures seen. */
  private failureTimes(): QuantileTable {
    if (this.failureTable) return this.failureTable;
    const shares = this.failureShares;
    const weight = failurePriorWeight + shares.length;
    const cdf = (share: number) =>
      (failurePriorWeight * Math.min(1, Math.max(0, share / failurePriorEnd)) +
        shares.reduce((sum, seen) => sum + normalCdf((share - seen) / failureBandwidth), 0)) /
      weight;
    const high = Math.max(failurePriorEnd, ...shares) + 4 * failureBandwidth;
    this.failureTable = QuantileTable.fromCdf(cdf, 0, high);
    return this.failureTable;
  }
}

/** The first time in (`fromMs`, `untilMs`] where a growing chance reaches `chance` (bisection), else `untilMs`. */
function firstTime(chanceBy: (toMs: number) => number, fromMs: number, chance: number, untilMs: number): number {
  if (untilMs <= fromMs || chanceBy(untilMs) < chance) return untilMs;
  let low = fromMs;
  let high = untilMs;
  for (let step = 0; step < 24 && high - low > 1; step++) {
    const middle = (low + high) / 2;
    if (chanceBy(middle) >= chance) high = middle;
    else low = middle;
  }
  return high;
}
