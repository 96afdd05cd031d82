import { and, asc, count, desc, eq, gte, inArray, isNotNull, type SQL, sql } from 'drizzle-orm';
import { activeStatuses, type Resolution } from '../domain/job.js';
import type { Queryable } from './connection.js';
import { type ApiTokenRow, apiTokens, jobs, type OwnerLimitsRow, ownerLimits } from './tables.js';

export function insertToken(db: Queryable, token: Omit<ApiTokenRow, 'id'>): ApiTokenRow {
  return db.insert(apiTokens).values(token).returning().get();
}

export function findToken(db: Queryable, id: number): ApiTokenRow | undefined {
  return db.select().from(apiTokens).where(eq(apiTokens.id, id)).get();
}

export function findTokenByHash(db: Queryable, secretHash: string): ApiTokenRow | undefined {
  return db.select().from(apiTokens).where(eq(apiTokens.secretHash, secretHash)).get();
}

export function listTokens(db: Queryable): ApiTokenRow[] {
  return db.select().from(apiTokens).orderBy(asc(apiTokens.id)).all();
}

export function updateToken(
  db: Queryable,
  id: number,
  update: Partial<Pick<ApiTokenRow, 'lastUsedAt' | 'revokedAt'>>,
): ApiTokenRow | undefined {
  return db.update(apiTokens).set(update).where(eq(apiTokens.id, id)).returning().get();
}

export function findOwnerLimits(db: Queryable, owner: string): OwnerLimitsRow | undefined {
  return db.select().from(ownerLimits).where(eq(ownerLimits.owner, owner)).get();
}

export function upsertOwnerLimits(db: Queryable, row: OwnerLimitsRow): OwnerLimitsRow {
  const { owner, ...limits } = row;
  return db
    .insert(ownerLimits)
    .values(row)
    .onConflictDoUpdate({ target: ownerLimits.owner, set: limits })
    .returning()
    .get();
}

/**
 * The quota checks of `createVideo`, prepared once (building and preparing the SQL on every call cost more
 * than running it). Counts stop at `cap` (-1: no cap), so a check costs what its limit is, not what the
 * owner has: an owner at 10 active jobs is counted to 10, however many it ran before.
 */
export function prepareQuotaCounts(db: Queryable) {
  const owner = sql.placeholder('owner');
  const cap = sql.placeholder('cap');
  const limitsOf = db.select().from(ownerLimits).where(eq(ownerLimits.owner, owner)).prepare();
  const counted = (condition: SQL) =>
    db
      .select({ value: count() })
      .from(db.select({ one: sql`1` }).from(jobs).where(condition).limit(cap).as('counted'))
      .prepare();
  const active = counted(and(eq(jobs.owner, owner), inArray(jobs.status, [...activeStatuses])) as SQL);
  const since = sql.placeholder('since');
  const recent = counted(and(eq(jobs.owner, owner), gte(jobs.createdAt, since)) as SQL);
  return {
    limits: (name: string): OwnerLimitsRow | undefined => limitsOf.get({ owner: name }),
    /** The owner's jobs not yet terminal, counted on the owner-and-status index. */
    activeJobs: (name: string, upTo: number): number => active.get({ owner: name, cap: upTo })?.value ?? 0,
    /** The owner's jobs created at or after `from`, counted on the owner-and-creation index. */
    createdSince: (name: string, from: Date, upTo: number): number =>
      recent.get({ owner: name, since: from.getTime(), cap: upTo })?.value ?? 0,
  };
}

/** When the owner's `index`-th newest job (0: the newest) created at or after `since` was created. */
export function newestCreatedSinceAt(db: Queryable, owner: string, since: Date, index: number): Date | undefined {
  return db
    .select({ createdAt: jobs.createdAt })
    .from(jobs)
    .where(and(eq(jobs.owner, owner), gte(jobs.createdAt, since)))
    .orderBy(desc(jobs.createdAt))
    .limit(1)
    .offset(index)
    .get()?.createdAt;
}

/** What the owner's jobs created since `since` cost or will cost: one row per job. */
export function listSpendSince(db: Queryable, owner: string, since: Date) {
  return db
    .select({ status: jobs.status, duration: jobs.duration, resolution: jobs.resolution, cost: jobs.cost })
    .from(jobs)
    .where(and(eq(jobs.owner, owner), gte(jobs.createdAt, since)))
    .all();
}

/** The latest cost Segmind reported for a job of this kind, any owner's. */
export function latestCost(db: Queryable, duration: number, resolution: Resolution): number | undefined {
  return (
    db
      .select({ cost: jobs.cost })
      .from(jobs)
      .where(
        and(
          eq(jobs.duration, duration),
          eq(jobs.resolution, resolution),
          // Every priced job has its duration learned: this condition lets SQLite use that partial index.
          isNotNull(jobs.upstreamDurationMs),
          isNotNull(jobs.cost),
        ),
      )
      .orderBy(desc(jobs.id))
      .limit(1)
      .get()?.cost ?? undefined
  );
}
