import type { Resolution } from '../../domain/job.js';

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

/** The prior before any history: longer videos and 1080p take longer (a guess the first samples correct). */
function segmindPriorMs({ duration, resolution }: JobClass): number {
  return priorBaseMs * (duration / 5) ** 0.7 * (resolution === '1080p' ? 1.5 : 1);
}

/** `cumulative` reads the distribution at this many quantiles. */
const gridSteps = 20;

const classKey = ({ duration, resolution }: JobClass) => `${duration}/${resolution}`;

/**
 * How long Segmind takes, from submit to finish, per (duration, resolution): the empirical distribution of
 * recent finished jobs, blended with a wide prior while the history is short. The scheduler asks it where a
 * completion is likely; clients see its estimates as `estimatedFinishAt` and `progress`.
 */
export class DurationModel {
  private readonly samples = new Map<string, number[]>();
  /** Samples in ascending order, per class, rebuilt when a sample arrives. */
  private readonly sorted = new Map<string, number[]>();
  /** Per class, the quantiles `cumulative` reads (0, 1/20, ... 1), made at first use after a sample arrives. */
  private readonly grids = new Map<string, number[]>();
  private readonly window: number;
  private readonly minSamples: number;
  private readonly priorMedianMs: (jobClass: JobClass) => number;

  constructor(options: DurationModelOptions = {}) {
    this.window = options.window ?? 50;
    this.minSamples = options.minSamples ?? 5;
    this.priorMedianMs = options.priorMedianMs ?? segmindPriorMs;
  }

  /** Learns one finished job's duration (oldest first when replaying history). */
  record(jobClass: JobClass, durationMs: number): void {
    if (!(durationMs > 0)) return;
    const key = classKey(jobClass);
    const list = this.samples.get(key) ?? [];
    list.push(durationMs);
    if (list.length > this.window) list.shift();
    this.samples.set(key, list);
    this.grids.delete(key);
    this.sorted.set(
      key,
      [...list].sort((a, b) => a - b),
    );
  }

  /** The duration that a fraction `q` (0..1) of jobs of this class finish within. */
  quantile(jobClass: JobClass, q: number): number {
    const sorted = this.sorted.get(classKey(jobClass)) ?? [];
    const prior = this.priorMedianMs(jobClass) * (1 + priorSpread * (2 * q - 1));
    if (sorted.length === 0) return prior;
    const position = q * (sorted.length - 1);
    const lower = sorted[Math.floor(position)] as number;
    const upper = sorted[Math.ceil(position)] as number;
    const empirical = lower + (upper - lower) * (position - Math.floor(position));
    const weight = Math.min(1, sorted.length / this.minSamples);
    return weight * empirical + (1 - weight) * prior;
  }

  /** The probability that a job of this class, unfinished at `fromMs` after submit, finishes by `toMs`. */
  chanceToFinish(jobClass: JobClass, fromMs: number, toMs: number): number {
    const before = this.cumulative(jobClass, fromMs);
    const by = this.cumulative(jobClass, toMs);
    return before >= 1 ? 1 : Math.max(0, (by - before) / (1 - before));
  }

  /** The share of jobs of this class finished within `elapsedMs`, read off the quantiles. */
  private cumulative(jobClass: JobClass, elapsedMs: number): number {
    const grid = this.grid(jobClass);
    let low = 0;
    if (elapsedMs <= (grid[0] as number)) return 0;
    for (let step = 1; step <= gridSteps; step++) {
      const q = step / gridSteps;
      const at = grid[step] as number;
      const previous = grid[step - 1] as number;
      if (elapsedMs <= at) {
        return at === previous ? q : low + ((elapsedMs - previous) / (at - previous)) * (q - low);
      }
      low = q;
    }
    return 1;
  }

  /** The quantiles at 0, 1/20, ... 1 of a class: computed once per sample, read by every plan of its jobs. */
  private grid(jobClass: JobClass): number[] {
    const key = classKey(jobClass);
    let grid = this.grids.get(key);
    if (!grid) {
      grid = Array.from({ length: gridSteps + 1 }, (_, step) => this.quantile(jobClass, step / gridSteps));
      this.grids.set(key, grid);
    }
    return grid;
  }
}
