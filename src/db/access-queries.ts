import { and, asc, count, desc, eq, gte, isNotNull, notInArray } from 'drizzle-orm';
import { type Resolution, terminalStatuses } from '../domain/job.js';
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

/** The owner's jobs that are not terminal. */
export function countActiveJobs(db: Queryable, owner: string): number {
  return (
    db
      .select({ value: count() })
      .from(jobs)
      .where(and(eq(jobs.owner, owner), notInArray(jobs.status, [...terminalStatuses])))
      .get()?.value ?? 0
  );
}

/** The owner's jobs created at or after `since`, oldest first (their creation times). */
export function listCreatedSince(db: Queryable, owner: string, since: Date): Date[] {
  return db
    .select({ createdAt: jobs.createdAt })
    .from(jobs)
    .where(and(eq(jobs.owner, owner), gte(jobs.createdAt, since)))
    .orderBy(asc(jobs.createdAt))
    .all()
    .map((row) => row.createdAt);
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
