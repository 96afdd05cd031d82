import {
  findOwnerLimits,
  latestCost,
  listSpendSince,
  newestCreatedSinceAt,
  prepareQuotaCounts,
  upsertOwnerLimits,
} from '../../db/access-queries.js';
import type { Database, Queryable } from '../../db/connection.js';
import type { OwnerLimits, QuotaName } from '../../domain/access.js';
import type { Resolution } from '../../domain/job.js';
import type { Clock } from '../clock.js';

export interface QuotaSettings {
  /** Every owner's limits unless set for the owner. */
  defaults: OwnerLimits;
  /** The cost assumed for a kind of job never priced yet. */
  priceEstimateUsd: number;
}

/** What an owner uses of its quotas now. */
export interface QuotaUsage {
  activeJobs: number;
  jobsLastMinute: number;
  spendTodayUsd: number;
}

/** A job refused because it would go over a quota: nothing stored, nothing sent. */
export interface QuotaExceeded {
  quota: QuotaName;
  limit: number;
  /** When trying again can succeed; null when it depends on a job finishing. */
  retryAfterSeconds: number | null;
  message: string;
}

const minuteMs = 60_000;
/** SQLite's LIMIT for "no limit": what `viewer.usage` counts with. */
const uncapped = -1;
const dayMs = 86_400_000;

/** The kind of job a price is learned for. */
interface PricedClass {
  duration: number;
  resolution: Resolution;
}

/**
 * Per-owner quotas: active jobs, jobs per minute, and daily spend (known costs of today's jobs, UTC,
 * plus for each job not priced yet the last cost seen for its kind, else the configured estimate).
 * `check` runs inside the transaction that stores the job, so concurrent requests cannot both pass.
 */
export class QuotaService {
  private readonly counts: ReturnType<typeof prepareQuotaCounts>;

  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly settings: QuotaSettings,
  ) {
    // Prepared on the connection: used inside a transaction, they are part of it.
    this.counts = prepareQuotaCounts(database.db);
  }

  limitsFor(owner: string): OwnerLimits {
    const set = this.counts.limits(owner);
    const { defaults } = this.settings;
    return {
      maxActiveJobs: set?.maxActiveJobs ?? defaults.maxActiveJobs,
      jobsPerMinute: set?.jobsPerMinute ?? defaults.jobsPerMinute,
      dailySpendUsd: set?.dailySpendUsd ?? defaults.dailySpendUsd,
    };
  }

  /** Sets an owner's limits; a field left undefined keeps what was set, null goes back to the default. */
  setLimits(owner: string, limits: Partial<OwnerLimits>): OwnerLimits {
    return this.database.writeTransaction((tx) => {
      const current = findOwnerLimits(tx, owner);
      upsertOwnerLimits(tx, {
        owner,
        maxActiveJobs: limits.maxActiveJobs === undefined ? (current?.maxActiveJobs ?? null) : limits.maxActiveJobs,
        jobsPerMinute: limits.jobsPerMinute === undefined ? (current?.jobsPerMinute ?? null) : limits.jobsPerMinute,
        dailySpendUsd: limits.dailySpendUsd === undefined ? (current?.dailySpendUsd ?? null) : limits.dailySpendUsd,
      });
      return this.limitsFor(owner);
    });
  }

  usage(owner: string, db: Queryable = this.database.db): QuotaUsage {
    const now = this.clock.now();
    return {
      activeJobs: this.counts.activeJobs(owner, uncapped),
      jobsLastMinute: this.counts.createdSince(owner, new Date(now - minuteMs), uncapped),
      spendTodayUsd: this.spendToday(db, owner, now),
    };
  }

  /** Whether one more job of this kind fits the owner's quotas; call it inside the storing transaction. */
  check(tx: Queryable, owner: string, job: PricedClass): QuotaExceeded | undefined {
    const limits = this.limitsFor(owner);
    const now = this.clock.now();
    const { maxActiveJobs } = limits;
    if (maxActiveJobs !== null && this.counts.activeJobs(owner, maxActiveJobs) >= maxActiveJobs) {
      return {
        quota: 'maxActiveJobs',
        limit: maxActiveJobs,
        retryAfterSeconds: null,
        message: `at most ${maxActiveJobs} unfinished jobs at once; wait for one to finish`,
      };
    }
    if (limits.jobsPerMinute !== null) {
      const since = new Date(now - minuteMs);
      if (this.counts.createdSince(owner, since, limits.jobsPerMinute) >= limits.jobsPerMinute) {
        // The window has room again once its limit-th newest job has left it.
        const leaving = newestCreatedSinceAt(tx, owner, since, limits.jobsPerMinute - 1);
        const freeAt = (leaving?.getTime() ?? now) + minuteMs;
        return {
          quota: 'jobsPerMinute',
          limit: limits.jobsPerMinute,
          retryAfterSeconds: Math.max(1, Math.ceil((freeAt - now) / 1000)),
          message: `at most ${limits.jobsPerMinute} new jobs a minute`,
        };
      }
    }
    if (limits.dailySpendUsd !== null) {
      const spend = this.spendToday(tx, owner, now) + this.priceOf(tx, job);
      if (spend > limits.dailySpendUsd + 1e-9) {
        const nextDay = (Math.floor(now / dayMs) + 1) * dayMs;
        return {
          quota: 'dailySpendUsd',
          limit: limits.dailySpendUsd,
          retryAfterSeconds: Math.ceil((nextDay - now) / 1000),
          message: `this job would take today's spend to about ${spend.toFixed(2)} USD, over the ${limits.dailySpendUsd} USD cap (UTC day)`,
        };
      }
    }
    return undefined;
  }

  /** Known costs of the owner's jobs since 00:00 UTC, plus an estimate for those not priced yet. */
  private spendToday(db: Queryable, owner: string, now: number): number {
    let spend = 0;
    const prices = new Map<string, number>();
    for (const job of listSpendSince(db, owner, new Date(Math.floor(now / dayMs) * dayMs))) {
      if (job.cost !== null) spend += job.cost;
      // A job that FAILED without a price is taken as not billed; a CANCELLED one never reached Segmind.
      else if (job.status !== 'FAILED' && job.status !== 'CANCELLED') {
        const key = `${job.duration}/${job.resolution}`;
        const price = prices.get(key) ?? this.priceOf(db, job);
        prices.set(key, price);
        spend += price;
      }
    }
    return spend;
  }

  private priceOf(db: Queryable, job: PricedClass): number {
    return latestCost(db, job.duration, job.resolution) ?? this.settings.priceEstimateUsd;
  }
}
