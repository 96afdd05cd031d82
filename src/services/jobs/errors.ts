import type { JobRow } from '../../db/tables.js';
import type { QuotaName } from '../../domain/access.js';
import type { QuotaExceeded } from '../access/quotas.js';

/** The errors the job service raises that mean something to a client; the schema maps each to an answer. */

/** A field the client got wrong, found after the input rules passed (e.g. a reused idempotency key). */
export interface InputIssue {
  field: string;
  message: string;
}

export class InputRejectedError extends Error {
  override name = 'InputRejectedError';
  constructor(readonly issues: readonly InputIssue[]) {
    super(issues.map((issue) => `${issue.field}: ${issue.message}`).join('; '));
  }
}

/** The database cannot take the write now (disk full, read-only, locked too long): nothing was stored or sent. */
export class StorageUnavailableError extends Error {
  override name = 'StorageUnavailableError';
  /** SQLite's result code, e.g. SQLITE_FULL. */
  readonly reason: string;
  constructor(
    cause: { code: string },
    message = 'the gateway cannot store new jobs right now (its disk is full or read-only); nothing was sent to Segmind',
  ) {
    super(message, { cause });
    this.reason = cause.code;
  }
}

/** The gateway has too much of this work in flight to take more now: nothing was stored or sent; retry soon. */
export class ServiceBusyError extends Error {
  override name = 'ServiceBusyError';
}

export class JobNotFoundError extends Error {
  override name = 'JobNotFoundError';
  constructor(readonly jobId: number) {
    super(`no video job with id ${jobId}`);
  }
}

/** One more job would go over an owner's quota: nothing was stored or sent. */
export class QuotaExceededError extends Error {
  override name = 'QuotaExceededError';
  readonly quota: QuotaName;
  readonly limit: number;
  readonly retryAfterSeconds: number | null;
  constructor(exceeded: QuotaExceeded) {
    super(exceeded.message);
    this.quota = exceeded.quota;
    this.limit = exceeded.limit;
    this.retryAfterSeconds = exceeded.retryAfterSeconds;
  }
}

/** A cancel came too late: the job was sent to Segmind, which cannot stop it, or it has already ended. */
export class NotCancellableError extends Error {
  override name = 'NotCancellableError';
  constructor(readonly job: JobRow) {
    super(whyNotCancellable(job));
  }
}

function whyNotCancellable(job: JobRow): string {
  if (job.status === 'COMPLETED') return 'the job has already COMPLETED (and was billed); there is nothing to cancel';
  if (job.status === 'FAILED') return 'the job has already FAILED; there is nothing to cancel';
  return 'the job was already sent to Segmind, which cannot stop it: it will finish and be billed';
}
