import type { Database } from '../../db/connection.js';
import { findJob, insertEvent, type JobUpdate, listEvents, updateJob } from '../../db/job-queries.js';
import { canMove, isTerminal, type JobChange } from '../../domain/job.js';
import type { Clock } from '../clock.js';
import type { JobPubSub, PublishedJob } from './job-pubsub.js';

/**
 * The one place a stored job changes. A status change, in one immediate transaction, checks the move,
 * updates the row, bumps the version and records the event; only after the commit is it published.
 */
export class JobStateMachine {
  constructor(
    private readonly database: Database,
    private readonly pubsub: JobPubSub,
    private readonly clock: Clock,
  ) {}

  /** Commits, before the POST goes out, that a submit starts: a job found so after a crash may be billed. */
  recordSubmitStart(jobId: number): void {
    updateJob(this.database.db, jobId, { submitStartedAt: new Date(this.clock.now()) });
  }

  /** Undoes `recordSubmitStart` when Segmind certainly made no request: the job is as if never sent. */
  clearSubmitStart(jobId: number): void {
    updateJob(this.database.db, jobId, { submitStartedAt: null });
  }

  /** Returns the changed job, or undefined when the move is refused (unknown job, or not forward). */
  transition(jobId: number, change: JobChange): PublishedJob | undefined {
    const changed = this.database.writeTransaction((tx) => {
      const job = findJob(tx, jobId);
      if (!job || !canMove(job.status, change.status)) return undefined;
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
      const row = updateJob(tx, jobId, update);
      insertEvent(tx, {
        jobId,
        version: row.version,
        status: row.status,
        at: now,
        message: change.message ?? change.error?.message ?? null,
      });
      // Read once here, in the same transaction, so no subscriber reads the database for this change.
      return { ...row, events: listEvents(tx, jobId) };
    });
    if (changed) this.pubsub.publish(changed);
    return changed;
  }
}
