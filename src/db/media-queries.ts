import { randomBytes } from 'node:crypto';
import { and, asc, eq, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import type { Queryable } from './connection.js';
import { gatewaySecrets, jobs, type VideoFileRow, videoFiles } from './tables.js';

/** Owes a job's video a download: written in the transaction that makes the job COMPLETED. */
export function insertOwedVideoFile(tx: Queryable, jobId: number): void {
  tx.insert(videoFiles).values({ jobId }).onConflictDoNothing().run();
}

export function findVideoFile(db: Queryable, jobId: number): VideoFileRow | undefined {
  return db.select().from(videoFiles).where(eq(videoFiles.jobId, jobId)).get();
}

/** Downloads still owed (neither done nor given up), oldest job first, with the URL to fetch. */
export function listOwedVideoFiles(db: Queryable): { jobId: number; attempts: number; url: string }[] {
  const rows = db
    .select({ jobId: videoFiles.jobId, attempts: videoFiles.attempts, url: jobs.videoUrl })
    .from(videoFiles)
    .innerJoin(jobs, eq(jobs.id, videoFiles.jobId))
    .where(and(isNull(videoFiles.mirroredAt), isNull(videoFiles.gaveUpAt)))
    .orderBy(asc(videoFiles.jobId))
    .all();
  return rows.flatMap((row) => (row.url === null ? [] : [{ ...row, url: row.url }]));
}

export type VideoFileUpdate = Partial<Omit<VideoFileRow, 'jobId'>>;

export function updateVideoFile(db: Queryable, jobId: number, update: VideoFileUpdate): void {
  db.update(videoFiles).set(update).where(eq(videoFiles.jobId, jobId)).run();
}

/** Copies made before `before` and not deleted yet: what the retention sweep removes. */
export function listVideoFilesMirroredBefore(db: Queryable, before: Date): VideoFileRow[] {
  return db
    .select()
    .from(videoFiles)
    .where(and(isNotNull(videoFiles.mirroredAt), lt(videoFiles.mirroredAt, before), isNull(videoFiles.deletedAt)))
    .all();
}

/** Whether a copy other than `jobId`'s still uses the stored file `sha256` (identical videos share one file). */
export function isFileShared(db: Queryable, sha256: string, jobId: number): boolean {
  const row = db
    .select({ count: sql<number>`count(*)` })
    .from(videoFiles)
    .where(and(eq(videoFiles.sha256, sha256), isNull(videoFiles.deletedAt), sql`${videoFiles.jobId} <> ${jobId}`))
    .get();
  return (row?.count ?? 0) > 0;
}

/** The secret named so, made (32 random bytes) the first time it is asked for and kept from then on. */
export function secretNamed(db: Queryable, name: string, now: Date): Buffer {
  db.insert(gatewaySecrets)
    .values({ name, value: randomBytes(32).toString('base64'), createdAt: now })
    .onConflictDoNothing()
    .run();
  const row = db.select().from(gatewaySecrets).where(eq(gatewaySecrets.name, name)).get();
  if (!row) throw new Error(`secret ${name} vanished after it was written`);
  return Buffer.from(row.value, 'base64');
}

/** A job's video as `/media/...` and `VideoJob.video` need it: Segmind's URL, and the copy if one is owed. */
export function findJobVideo(
  db: Queryable,
  jobId: number,
): { status: string; upstreamUrl: string | null; file: VideoFileRow | null } | undefined {
  return db
    .select({ status: jobs.status, upstreamUrl: jobs.videoUrl, file: videoFiles })
    .from(jobs)
    .leftJoin(videoFiles, eq(videoFiles.jobId, jobs.id))
    .where(eq(jobs.id, jobId))
    .get();
}
