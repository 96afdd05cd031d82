/** The job's vocabulary: what the database stores, the services decide and the schema shows, defined once. */

/** A job's life, in the only order it may move: a step may be skipped, never repeated or undone. */
export const jobStatuses = ['PENDING', 'QUEUED', 'PROCESSING', 'COMPLETED', 'FAILED'] as const;
export type JobStatus = (typeof jobStatuses)[number];

/** The statuses a job never leaves. */
export const terminalStatuses = ['COMPLETED', 'FAILED'] as const satisfies readonly JobStatus[];

/** The statuses of a job still under way (what quotas count as active). */
export const activeStatuses = ['PENDING', 'QUEUED', 'PROCESSING'] as const satisfies readonly JobStatus[];

export const isTerminal = (status: JobStatus): boolean => (terminalStatuses as readonly JobStatus[]).includes(status);

/** Forward only: a step may be skipped, none repeated or undone. */
export function canMove(from: JobStatus, to: JobStatus): boolean {
  return !isTerminal(from) && jobStatuses.indexOf(to) > jobStatuses.indexOf(from);
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
