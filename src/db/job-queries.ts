import { and, asc, desc, eq, gt, inArray, isNotNull, lt, type Placeholder, type SQL, sql } from 'drizzle-orm';
import { activeStatuses, type JobStatus } from '../domain/job.js';
import type { Queryable } from './connection.js';
import {
  type JobEventRow,
  type JobPayloadRow,
  type JobRow,
  jobEvents,
  jobPayloads,
  jobs,
  type NewJobRow,
} from './tables.js';

/** The columns a new job is inserted with. */
const newJobColumns = [
  'owner',
  'status',
  'version',
  'prompt',
  'image',
  'audio',
  'duration',
  'resolution',
  'multiShots',
  'negativePrompt',
  'enablePromptExpansion',
  'seed',
  'idempotencyKey',
  'inputFingerprint',
  'expectedDurationMs',
  'webhookUrl',
  'webhookEvents',
  'createdAt',
  'updatedAt',
] as const satisfies readonly (keyof NewJobRow)[];

export type NewJob = Pick<NewJobRow, (typeof newJobColumns)[number]>;

/** `{ name: sql.placeholder('name') }` for each name: the values of a prepared insert. */
function placeholders<K extends string>(names: readonly K[]): Record<K, Placeholder<K>> {
  return Object.fromEntries(names.map((name) => [name, sql.placeholder(name)])) as Record<K, Placeholder<K>>;
}

/**
 * Inserts a new job (row, payload, first event), with statements prepared once: creating jobs is the hot
 * path of `createVideo`, and building and preparing the SQL anew cost more than running it.
 */
export function prepareInsertJob(db: Queryable): (row: NewJob, payload: Omit<JobPayloadRow, 'jobId'>) => JobRow {
  const insertRow = db.insert(jobs).values(placeholders(newJobColumns)).returning().prepare();
  const insertPayload = db
    .insert(jobPayloads)
    .values(placeholders(['jobId', 'image', 'audio'] as const))
    .prepare();
  const insertFirstEvent = db
    .insert(jobEvents)
    .values(placeholders(['jobId', 'version', 'status', 'at', 'message'] as const))
    .prepare();
  // The statements belong to the connection: called inside a transaction, they are part of it.
  return (row, payload) => {
    const job = insertRow.get(row) as JobRow;
    insertPayload.run({ jobId: job.id, image: payload.image, audio: payload.audio });
    insertFirstEvent.run({
      jobId: job.id,
      version: job.version,
      status: job.status,
      at: job.createdAt,
      message: 'accepted',
    });
    return job;
  };
}

export function findJob(db: Queryable, id: number): JobRow | undefined {
  return db.select().from(jobs).where(eq(jobs.id, id)).get();
}

/** `findJob` with its statement prepared once, for reads by id on the hot path (a tenth of the time, or less). */
export function prepareFindJob(db: Queryable): (id: number) => JobRow | undefined {
  const statement = db
    .select()
    .from(jobs)
    .where(eq(jobs.id, sql.placeholder('id')))
    .prepare();
  return (id) => statement.get({ id });
}

export function findJobs(db: Queryable, ids: readonly number[]): JobRow[] {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(jobs)
    .where(inArray(jobs.id, [...ids]))
    .all();
}

export function findJobByIdempotencyKey(db: Queryable, owner: string, key: string): JobRow | undefined {
  return db
    .select()
    .from(jobs)
    .where(and(eq(jobs.owner, owner), eq(jobs.idempotencyKey, key)))
    .get();
}

export function findPayload(db: Queryable, jobId: number): JobPayloadRow | undefined {
  return db.select().from(jobPayloads).where(eq(jobPayloads.jobId, jobId)).get();
}

export function listEvents(db: Queryable, jobId: number): JobEventRow[] {
  return db.select().from(jobEvents).where(eq(jobEvents.jobId, jobId)).orderBy(asc(jobEvents.version)).all();
}

/** What the poller needs of an unfinished job at start. */
export type ActiveJob = Pick<
  JobRow,
  'id' | 'status' | 'duration' | 'resolution' | 'submitStartedAt' | 'upstreamRequestId' | 'submittedAt'
>;

/** Jobs that are not terminal, oldest first: the poller's work list at start (through the status index). */
export function listActiveJobs(db: Queryable): ActiveJob[] {
  return db
    .select({
      id: jobs.id,
      status: jobs.status,
      duration: jobs.duration,
      resolution: jobs.resolution,
      submitStartedAt: jobs.submitStartedAt,
      upstreamRequestId: jobs.upstreamRequestId,
      submittedAt: jobs.submittedAt,
    })
    .from(jobs)
    .where(inArray(jobs.status, [...activeStatuses]))
    .orderBy(asc(jobs.id))
    .all();
}

/** The durations of the latest finished jobs, oldest first: what the duration model learns from at start. */
export function listLearnedDurations(
  db: Queryable,
  limit: number,
): { duration: number; resolution: JobRow['resolution']; upstreamDurationMs: number; failed: boolean }[] {
  const rows = db
    .select({
      duration: jobs.duration,
      resolution: jobs.resolution,
      upstreamDurationMs: jobs.upstreamDurationMs,
      status: jobs.status,
    })
    .from(jobs)
    .where(isNotNull(jobs.upstreamDurationMs))
    .orderBy(desc(jobs.id))
    .limit(limit)
    .all();
  return rows.reverse().map(({ status, ...row }) => ({
    ...row,
    upstreamDurationMs: row.upstreamDurationMs ?? 0,
    failed: status === 'FAILED',
  }));
}

export interface JobPageQuery {
  /** Only this owner's jobs; undefined: every owner's. */
  owner: string | undefined;
  statuses?: readonly JobStatus[] | undefined;
  /** Only jobs with an id below this one (older). */
  idBelow?: number | undefined;
  /** Only jobs with an id above this one (newer). */
  idAbove?: number | undefined;
  limit: number;
  /** `newest`: highest ids first; `oldest`: lowest ids first (for `last`, reversed by the caller). */
  order: 'newest' | 'oldest';
}

export function listJobPage(db: Queryable, query: JobPageQuery): JobRow[] {
  const conditions: SQL[] = [];
  if (query.owner !== undefined) conditions.push(eq(jobs.owner, query.owner));
  if (query.statuses && query.statuses.length > 0) conditions.push(inArray(jobs.status, [...query.statuses]));
  if (query.idBelow !== undefined) conditions.push(lt(jobs.id, query.idBelow));
  if (query.idAbove !== undefined) conditions.push(gt(jobs.id, query.idAbove));
  return db
    .select()
    .from(jobs)
    .where(and(...conditions))
    .orderBy(query.order === 'newest' ? desc(jobs.id) : asc(jobs.id))
    .limit(query.limit)
    .all();
}

export type JobUpdate = Partial<Omit<JobRow, 'id' | 'createdAt'>>;

export function updateJob(tx: Queryable, id: number, update: JobUpdate): JobRow {
  const row = tx.update(jobs).set(update).where(eq(jobs.id, id)).returning().get();
  if (!row) throw new Error(`job ${id} vanished during an update`);
  return row;
}

export function insertEvent(tx: Queryable, event: Omit<JobEventRow, 'id'>): void {
  tx.insert(jobEvents).values(event).run();
}
