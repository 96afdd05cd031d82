/** The job's vocabulary: what the database stores, the services decide and the schema shows, defined once. */

/**
 * A job's life, in the only order it may move: a step may be skipped, never repeated or undone. CANCELLED
 * is reached from PENDING alone, before Segmind was sent anything (it has no cancel call).
 */
export const jobStatuses = ['PENDING', 'QUEUED', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;
export type JobStatus = (typeof jobStatuses)[number];

/** The statuses a job never leaves. */
export const terminalStatuses = ['COMPLETED', 'FAILED', 'CANCELLED'] as const satisfies readonly JobStatus[];

/** The statuses of a job still under way (what quotas count as active). */
export const activeStatuses = ['PENDING', 'QUEUED', 'PROCESSING'] as const satisfies readonly JobStatus[];

export const isTerminal = (status: JobStatus): boolean => (terminalStatuses as readonly JobStatus[]).includes(status);

/** What the rules of movement look at in a stored job. */
export interface JobPosition {
  status: JobStatus;
  /** Set once a submit starts (the POST may reach Segmind), cleared when Segmind certainly made no request. */
  submitStartedAt: Date | null;
}

/**
 * PENDING with no submit started: nothing of the job can have reached Segmind. Only such a job may start a
 * submit or be CANCELLED, each decided in the transaction that writes it, so no job is ever both.
 */
export const notYetSent = (job: JobPosition): boolean => job.status === 'PENDING' && job.submitStartedAt === null;

/**
 * Forward only: a step may be skipped, none repeated or undone. CANCELLED only before anything was sent,
 * since Segmind cannot stop a job it has: that job will finish and be billed.
 */
export function canMove(job: JobPosition, to: JobStatus): boolean {
  if (to === 'CANCELLED') return notYetSent(job);
  return !isTerminal(job.status) && jobStatuses.indexOf(to) > jobStatuses.indexOf(job.status);
}

/** Why a job FAILED (contract section 1). */
export const jobErrorCodes = [
  'GENERATION_FAILED',
  'UPSTREAM_REJECTED',
  'UPSTREAM_UNAUTHORIZED',
  'INSUFFICIENT_CREDITS',
  'UPSTREAM_EXPIRED',
  'UPSTREAM_UNAVAILABLE',
] as const;
export type JobErrorCode = (typeof jobErrorCodes)[number];

export interface JobError {
  code: JobErrorCode;
  message: string;
}

/** Output resolutions, as Segmind spells them. */
export const resolutions = ['720p', '1080p'] as const;
export type Resolution = (typeof resolutions)[number];

/** Seconds of video the model makes. */
export const durations = [5, 10, 15] as const;

/** One status change as the state machine takes it; what else it sets comes with it. */
export interface JobChange {
  status: JobStatus;
  /** Shown in the job's event list. */
  message?: string | undefined;
  upstreamRequestId?: string | undefined;
  videoUrl?: string | undefined;
  cost?: number | undefined;
  /** How long Segmind took, for the duration model. */
  upstreamDurationMs?: number | undefined;
  error?: JobError | undefined;
}

/** A change that ends the job as FAILED. */
export const failure = (code: JobErrorCode, message: string): JobChange => ({
  status: 'FAILED',
  error: { code, message },
});
