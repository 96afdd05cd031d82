import type { Database, Queryable } from '../../db/connection.js';
import { findJob, insertEvent, type JobUpdate, listEvents, updateJob } from '../../db/job-queries.js';
import { insertOwedVideoFile } from '../../db/media-queries.js';
import type { JobRow } from '../../db/tables.js';
import { canMove, isTerminal, type JobChange, notYetSent } from '../../domain/job.js';
import type { Clock } from '../clock.js';
import { notifies, recordWebhook } from '../webhooks/webhook-outbox.js';
import type { JobPubSub, PublishedJob } from './job-pubsub.js';

/** What a cancel found: the job CANCELLED (now or before), or, refused, the job as it stood then. */
export interface CancelOutcome {
  cancelled: boolean;
  job: JobRow;
}

/**
 * The one place a stored job changes. A status change, in one immediate transaction, checks the move,
 * updates the row, bumps the version, records the event and writes the webhook it calls for into the
 * outbox; only after the commit is it published (and the webhook deliverer woken).
 */
export class JobStateMachine {
  constructor(
    private readonly database: Database,
    private readonly pubsub: JobPubSub,
    private readonly clock: Clock,
    /** The video link clients are given for a job (the gateway's own, signed), as webhooks carry it. */
    private readonly videoUrlOf: (job: JobRow) => string | null,
    /** Told after a commit that wrote a webhook into the outbox. */
    private readonly webhookQueued: () => void,
  ) {}

  /**
   * Claims a job for a submit and commits, before the POST goes out, that the submit starts: a job found so
   * after a crash may be billed. Decided in one transaction with the check that nothing was sent yet, so a
   * cancel and a submit never both win. Returns the claimed job, or undefined when it is not there to send.
   */
  claimSubmit(jobId: number): JobRow | undefined {
    return this.database.writeTransaction((tx) => {
      const job = findJob(tx, jobId);
      if (!job || !notYetSent(job)) return undefined;
      return updateJob(tx, jobId, { submitStartedAt: new Date(this.clock.now()) });
    });
  }

  /** Undoes `claimSubmit` when Segmind certainly made no request: the job is as if never sent (and cancellable). */
  clearSubmitStart(jobId: number): void {
    updateJob(this.database.db, jobId, { submitStartedAt: null });
  }

  /** Returns the changed job, or undefined when the move is refused (unknown job, or not forward). */
  transition(jobId: number, change: JobChange): PublishedJob | undefined {
    const changed = this.database.writeTransaction((tx) => {
      const job = findJob(tx, jobId);
      return job && canMove(job, change.status) ? this.commit(tx, job, change) : undefined;
    });
    if (changed) this.published(changed);
    return changed;
  }

  /**
   * Ends a job CANCELLED if nothing of it was sent, in the same transaction that checks so (see
   * `claimSubmit`). A job already CANCELLED counts as cancelled; undefined for an unknown job.
   */
  cancel(jobId: number, message: string): CancelOutcome | undefined {
    let changed: PublishedJob | undefined;
    const outcome = this.database.writeTransaction((tx): CancelOutcome | undefined => {
      const job = findJob(tx, jobId);
      if (!job) return undefined;
      if (!canMove(job, 'CANCELLED')) return { cancelled: job.status === 'CANCELLED', job };
      changed = this.commit(tx, job, { status: 'CANCELLED', message });
      return { cancelled: true, job: changed };
    });
    if (changed) this.published(changed);
    return outcome;
  }

  private published(job: PublishedJob): void {
    this.pubsub.publish(job);
    if (notifies(job, job.status)) this.webhookQueued();
  }

  /** Writes a move already checked: the row, its version, its event; returns it as published. */
  private commit(tx: Queryable, job: JobRow, change: JobChange): PublishedJob {
    const now = new Date(this.clock.now());
    const update: JobUpdate = {
      status: change.status,
      version: job.version + 1,
      updatedAt: now,
    };
    if (change.upstreamRequestId !== undefined) {
      update.upstreamRequestId = change.upstreamRequestId;
      update.submittedAt = now;
    }
    if (change.status === 'PROCESSING') update.startedAt = now;
    if (isTerminal(change.status)) update.finishedAt = now;
    if (change.videoUrl !== undefined) update.videoUrl = change.videoUrl;
    if (change.cost !== undefined) update.cost = change.cost;
    if (change.upstreamDurationMs !== undefined) update.upstreamDurationMs = change.upstreamDurationMs;
    if (change.error) {
      update.errorCode = change.error.code;
      update.errorMessage = change.error.message;
    }
    const row = updateJob(tx, job.id, update);
    // In the same transaction: a job COMPLETED with its video is never left without the download it is owed.
    if (row.status === 'COMPLETED' && row.videoUrl !== null) insertOwedVideoFile(tx, job.id);
    insertEvent(tx, {
      jobId: job.id,
      version: row.version,
      status: row.status,
      at: now,
      message: change.message ?? change.error?.message ?? null,
    });
    recordWebhook(tx, row, now, this.videoUrlOf(row));
    // Read once here, in the same transaction, so no subscriber reads the database for this change.
    return { ...row, events: listEvents(tx, job.id) };
  }
}
