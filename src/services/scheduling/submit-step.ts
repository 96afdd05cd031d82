import type { Logger } from 'pino';
import type { JobRow } from '../../db/tables.js';
import { failure } from '../../domain/job.js';
import type { Clock } from '../clock.js';
import type { JobStateMachine } from '../jobs/job-state-machine.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import type { Send, Step, Work } from './dispatcher.js';
import { DueQueue } from './due-queue.js';
import type { JobClass } from './duration-model.js';
import type { Submitter } from './submitter.js';

export interface SubmitStepOptions {
  submitter: Submitter;
  machine: JobStateMachine;
  clock: Clock;
  logger: Logger;
  /**
   * Whether Segmind may be given one more job of this class, `submitting` being already on their way: a
   * submit waits while the jobs it has would need every call the budget has for their polls.
   */
  hasRoom: (jobClass: JobClass, submitting: number) => boolean;
  /** Told of each job Segmind took, with its row as the state machine left it (QUEUED, with its request id). */
  onSubmitted: (job: JobRow, requestId: string) => void;
  /** Waits between tries of a submit Segmind did not take. */
  retries: Omit<BackoffOptions, 'jitter'>;
  /**
   * How long a job's submit keeps being tried while Segmind answers "not made" (429, 500, 502, 503,
   * refused connection) before the job ends UPSTREAM_UNAVAILABLE. Nothing is billed meanwhile.
   */
  retryWindowMs: number;
}

/** A job waiting to be sent to Segmind. */
interface PendingJob extends JobClass {
  id: number;
  attempts: number;
  /** When Segmind first answered "not made" for this job. */
  firstRefusedAt: number | undefined;
  /** Made at the first refusal: most jobs never need one. */
  retries: Backoff | undefined;
  notBefore: number;
  busy: boolean;
}

/** Submits go before every poll due at the same moment, but for an overdue one (see PollStep). */
const submitRank = 0;

/** Sends PENDING jobs to Segmind in creation order, retrying those Segmind certainly did not take. */
export class SubmitStep implements Step {
  private readonly pending = new Map<number, PendingJob>();
  /** The pending jobs not on their way: the due ones in creation (id) order, the others by due time. */
  private readonly queue = new DueQueue<PendingJob>({
    dueAt: (job) => job.notBefore,
    dueBefore: (a, b) => a.id < b.id,
  });
  private submitting = 0;

  constructor(private readonly options: SubmitStepOptions) {}

  get size(): number {
    return this.pending.size;
  }

  add(jobId: number, jobClass: JobClass): void {
    const job: PendingJob = {
      id: jobId,
      duration: jobClass.duration,
      resolution: jobClass.resolution,
      attempts: 0,
      firstRefusedAt: undefined,
      retries: undefined,
      notBefore: 0,
      busy: false,
    };
    this.pending.set(jobId, job);
    this.queue.add(job, this.options.clock.now());
  }

  /** Forgets a job that will never be sent (it was CANCELLED), so that it takes no call of the budget. */
  remove(jobId: number): void {
    this.pending.delete(jobId);
    this.queue.remove(jobId);
  }

  /** The oldest job whose submit is due; before any is, the one due soonest among those ahead of it. */
  nextWork(now: number): Work | undefined {
    // The oldest due submit wins; later ones wait their turn.
    const job = this.queue.firstDue(now) ?? this.queue.soonest();
    if (job && !this.options.hasRoom(job, this.submitting)) return undefined;
    return job && { dueAt: job.notBefore, rank: submitRank, urgency: 1, run: (send) => this.submit(job, send) };
  }

  /** The wait before the job's next try: about twice the last one. */
  private retryWait(job: PendingJob): number {
    job.retries ??= new Backoff({ ...this.options.retries, jitter: 'full' });
    return job.retries.next();
  }

  private async submit(job: PendingJob, send: Send): Promise<void> {
    job.busy = true;
    this.queue.remove(job.id);
    this.submitting++;
    try {
      await this.attempt(job, send);
    } finally {
      job.busy = false;
      this.submitting--;
      // Still pending (to be tried again): back in the queue, at its retry time.
      if (this.pending.get(job.id) === job) this.queue.add(job, this.options.clock.now());
    }
  }

  private async attempt(job: PendingJob, send: Send): Promise<void> {
    const { clock, logger } = this.options;
    const result = await this.options.submitter.submit(job.id, send);
    switch (result.kind) {
      case 'submitted':
        this.pending.delete(job.id);
        this.options.onSubmitted(result.job, result.requestId);
        return;
      case 'settled':
        this.pending.delete(job.id);
        return;
      case 'unrecorded':
        // Left PENDING with its submit start recorded: the next start settles it as outcome unknown.
        this.pending.delete(job.id);
        logger.error(
          { jobId: job.id, requestId: result.requestId, err: result.error },
          'submitted, but the request id could not be stored',
        );
        return;
      case 'not-started':
        job.notBefore = clock.now() + this.retryWait(job);
        logger.error(
          { jobId: job.id, err: result.error },
          'cannot read the upload or record the submit start; nothing sent, will retry',
        );
        return;
      case 'not-made':
        break;
    }
    job.attempts++;
    job.firstRefusedAt ??= clock.now();
    if (clock.now() - job.firstRefusedAt >= this.options.retryWindowMs) {
      const message = `Segmind did not accept the job in ${job.attempts} tries: ${result.error.message}`;
      this.pending.delete(job.id);
      this.options.machine.transition(job.id, failure('UPSTREAM_UNAVAILABLE', message));
      return;
    }
    job.notBefore = clock.now() + this.retryWait(job);
    logger.warn({ jobId: job.id, attempt: job.attempts, err: result.error.message }, 'submit not made, will retry');
  }
}
