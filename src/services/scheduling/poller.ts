import type { Logger } from 'pino';
import type { Database } from '../../db/connection.js';
import { listActiveJobs } from '../../db/job-queries.js';
import type { JobRow } from '../../db/tables.js';
import type { PendingJobListener } from '../jobs/job-service.js';
import type { Dispatcher } from './dispatcher.js';
import type { PollStep } from './poll-step.js';
import type { SubmitStep } from './submit-step.js';
import { Submitter } from './submitter.js';

export interface PollerParts {
  database: Database;
  submitter: Submitter;
  submits: SubmitStep;
  polls: PollStep;
  /** Runs both steps' calls; built with them as its steps. */
  dispatcher: Dispatcher;
  logger: Logger;
}

/**
 * The one upstream worker of the process: at start it picks up every unfinished job (settling those whose
 * submit outcome was lost), then the dispatcher sends PENDING jobs and polls submitted ones, whether or not
 * anyone watches them.
 */
export class Poller implements PendingJobListener {
  private running = false;

  constructor(private readonly parts: PollerParts) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    const { database, submitter, submits, polls, dispatcher, logger } = this.parts;
    const loadingSince = performance.now();
    for (const job of listActiveJobs(database.db)) {
      if (Submitter.outcomeLost(job)) submitter.settleLostOutcome(job.id);
      else if (job.status === 'PENDING') submits.add(job.id, job);
      else if (job.upstreamRequestId !== null) polls.watch(job, job.upstreamRequestId, Number.NEGATIVE_INFINITY);
    }
    const loadMs = Math.round(performance.now() - loadingSince);
    logger.info({ pending: submits.size, watched: polls.size, loadMs }, 'poller started');
    dispatcher.start();
  }

  jobCreated(job: JobRow): void {
    this.parts.submits.add(job.id, job);
    this.parts.dispatcher.wake();
  }

  jobCancelled(jobId: number): void {
    this.parts.submits.remove(jobId);
  }

  /** Resolves once no upstream call is in flight (and none started meanwhile). */
  whenIdle(): Promise<void> {
    return this.parts.dispatcher.whenIdle();
  }

  /** Stops starting calls; those in flight get a grace period to be recorded. Idempotent. */
  stop(): Promise<void> {
    this.running = false;
    return this.parts.dispatcher.stop();
  }
}
