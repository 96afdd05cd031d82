import type { Logger } from 'pino';
import type { JobRow } from '../../db/tables.js';
import type { JobChange } from '../../domain/job.js';
import type { Clock } from '../clock.js';
import type { JobStateMachine } from '../jobs/job-state-machine.js';
import type { SegmindClient, UpstreamJobState } from '../upstream/segmind-client.js';
import { UpstreamError } from '../upstream/upstream-error.js';
import { changeFor, readFailure } from '../upstream/upstream-outcomes.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import type { Send, Step, Work } from './dispatcher.js';
import { DueQueue } from './due-queue.js';
import type { DurationModel } from './duration-model.js';
import type { PolledJob, PollPlan, PollPolicy } from './poll-policy.js';

export interface PollStepOptions {
  client: SegmindClient;
  machine: JobStateMachine;
  policy: PollPolicy;
  /** Learns each completed job's duration, and when failures come; the policy reads it. */
  model: DurationModel;
  clock: Clock;
  logger: Logger;
  /** Never poll one job more often than this. */
  minIntervalMs: number;
  /** Waits between reads of a job while they fail. */
  retries: Omit<BackoffOptions, 'jitter'>;
}

/** What watching a job needs of its row. */
export type WatchedRow = Pick<JobRow, 'id' | 'status' | 'duration' | 'resolution' | 'submittedAt'>;

/** A submitted job whose end is awaited. */
interface WatchedJob extends PolledJob {
  requestId: string;
  /** Segmind said COMPLETED without the output: read the result next. */
  needsResult: boolean;
  /** Set while reads of this job fail: when to try again. */
  retryAt: number | undefined;
  /** Made at the first failure: most jobs never need one. */
  retries: Backoff | undefined;
  busy: boolean;
  /** When it began to be watched, among all: breaks ties as a scan in that order did. */
  order: number;
  /** The policy's plan, made when the job is watched, after each read and at a replan; it stands until then. */
  plan: PollPlan;
}

/** A job's next read as planned, frozen in the queue until the job is read or replanned. */
interface PlannedRead {
  id: number;
  job: WatchedJob;
  kind: 'status' | 'result';
  dueAt: number;
  rank: number;
  urgency: number;
  /** Past this moment the read is overdue (the plan's `pollBy`). */
  pollBy: number;
}

/**
 * Ranks among equally due calls: an overdue poll first, since its job is paid for and Segmind forgets it an
 * hour after the submit; then submits (rank 0), a result Segmind owes us, and routine polls.
 */
const overdueRank = -1;
const owedResultRank = 1;
const pollRank = 2;

const plannedRead = (
  job: WatchedJob,
  kind: PlannedRead['kind'],
  dueAt: number,
  rank: number,
  urgency: number,
): PlannedRead => ({ id: job.id, job, kind, dueAt, rank, urgency, pollBy: job.plan.pollBy });

/** Among due reads: lower rank, then likelier, then watched earlier. */
const likelierFirst = (a: PlannedRead, b: PlannedRead) =>
  a.rank !== b.rank ? a.rank < b.rank : a.urgency !== b.urgency ? a.urgency > b.urgency : a.job.order < b.job.order;
/** Among due reads: the one overdue soonest first (the order overdue polls take turns in). */
const overdueSoonestFirst = (a: PlannedRead, b: PlannedRead) =>
  a.pollBy !== b.pollBy ? a.pollBy < b.pollBy : a.job.order < b.job.order;

/**
 * Polls every submitted, unfinished job, whether or not anyone watches it: when the policy says, the status
 * or (once a finish is likely) the result. Polling trouble never fails a job; Segmind saying the request is
 * gone, or refusing the key, does. Each job's next read is planned when it is watched, after each read, and
 * on `replan()`, and waits in a queue: finding the next one costs O(log n), however many jobs are watched.
 */
export class PollStep implements Step {
  private readonly watched = new Map<number, WatchedJob>();
  private readonly queue = new DueQueue<PlannedRead>({
    dueAt: (read) => read.dueAt,
    dueBefore: likelierFirst,
    alsoBefore: overdueSoonestFirst,
  });
  private watchedSoFar = 0;

  constructor(private readonly options: PollStepOptions) {}

  get size(): number {
    return this.watched.size;
  }

  /** Starts watching a submitted job; `lastPolledAt` -Infinity polls it at once (a job found at start). */
  watch(job: WatchedRow, requestId: string, lastPolledAt: number): void {
    const now = this.options.clock.now();
    const watched: WatchedJob = {
      id: job.id,
      requestId,
      duration: job.duration,
      resolution: job.resolution,
      submittedAt: job.submittedAt?.getTime() ?? now,
      lastPolledAt,
      processing: job.status === 'PROCESSING',
      needsResult: false,
      retryAt: undefined,
      retries: undefined,
      busy: false,
      order: this.watchedSoFar++,
      plan: { dueAt: now, urgency: 1, readResult: true, pollBy: now },
    };
    this.watched.set(job.id, watched);
    this.queue.add(this.planRead(watched, now), now);
  }

  /** The jobs watched, as the policy sees them (for the budget planner's forecast). */
  jobs(): Iterable<PolledJob> {
    return this.watched.values();
  }

  /** Plans every job's next read again (O(n)): for when what the plans rest on changed, not on every call. */
  replan(now = this.options.clock.now()): void {
    const reads: PlannedRead[] = [];
    for (const job of this.watched.values()) if (!job.busy) reads.push(this.planRead(job, now));
    this.queue.rebuild(reads, now);
  }

  /**
   * An overdue read (past its plan's `pollBy`) due now, the one overdue soonest first; else the due read of
   * lowest rank and highest urgency; else the one due soonest.
   */
  nextWork(now: number): Work | undefined {
    const overdueSoonest = this.queue.firstDueAlso(now);
    if (overdueSoonest && now >= overdueSoonest.pollBy) return this.workFor(overdueSoonest, now);
    const next = this.queue.firstDue(now) ?? this.queue.soonest();
    return next && this.workFor(next, now);
  }

  private workFor(read: PlannedRead, now: number): Work {
    // Overdue, a poll is no routine look: the low-urgency reserve does not hold it back either.
    const overdue = now >= read.pollBy;
    return {
      dueAt: read.dueAt,
      rank: overdue ? overdueRank : read.rank,
      urgency: overdue ? 1 : read.urgency,
      run: (send) => this.read(read.job, read.kind, send),
    };
  }

  /** The job's next read: a retry, a result owed, or what the policy plans (kept as the job's plan). */
  private planRead(job: WatchedJob, now: number): PlannedRead {
    const notBefore = job.lastPolledAt + this.options.minIntervalMs;
    const plan = this.options.policy.plan(job, now);
    job.plan = plan;
    const kind = plan.readResult ? 'result' : 'status';
    if (job.retryAt !== undefined) return plannedRead(job, kind, Math.max(notBefore, job.retryAt), pollRank, 1);
    if (job.needsResult) return plannedRead(job, 'result', notBefore, owedResultRank, 1);
    return plannedRead(job, kind, Math.max(notBefore, plan.dueAt), pollRank, plan.urgency);
  }

  private async read(job: WatchedJob, kind: 'status' | 'result', send: Send): Promise<void> {
    this.queue.remove(job.id);
    try {
      await this.readOnce(job, kind, send);
    } finally {
      // Still watched (not settled): its next read is planned from what this one found.
      if (this.watched.get(job.id) === job) {
        const now = this.options.clock.now();
        this.queue.add(this.planRead(job, now), now);
      }
    }
  }

  private async readOnce(job: WatchedJob, kind: 'status' | 'result', send: Send): Promise<void> {
    const { client, clock, logger } = this.options;
    job.busy = true;
    job.lastPolledAt = clock.now();
    let state: UpstreamJobState;
    try {
      state = await send(() => (kind === 'status' ? client.status(job.requestId) : client.result(job.requestId)));
    } catch (thrown) {
      if (!(thrown instanceof UpstreamError)) throw thrown;
      if (!thrown.isTransient) return this.settle(job.id, readFailure(thrown));
      // Polling trouble never fails a job: it keeps its status and is read again later.
      job.retries ??= new Backoff({ ...this.options.retries, jitter: 'full' });
      const retryInMs = job.retries.next();
      job.retryAt = job.lastPolledAt + retryInMs;
      logger.warn({ jobId: job.id, err: thrown.message, retryInMs: Math.round(retryInMs) }, 'read failed');
      return;
    } finally {
      job.busy = false;
    }
    job.retryAt = undefined;
    job.retries = undefined;
    this.record(job, state);
  }

  private record(job: WatchedJob, state: UpstreamJobState): void {
    if (state.status !== 'QUEUED') job.processing = true;
    const change = changeFor(state);
    if (change === 'read-result') job.needsResult = true;
    else if (change?.status === 'COMPLETED') {
      // Segmind's own timing when it gives it; else what we saw, a poll interval late at most.
      const tookMs = change.upstreamDurationMs ?? this.options.clock.now() - job.submittedAt;
      this.options.model.record(job, tookMs);
      this.settle(job.id, { ...change, upstreamDurationMs: tookMs });
    } else if (change?.status === 'FAILED') {
      // When content blocks come is learned too: the policy polls by the risk of an unseen end.
      const tookMs = (state.status === 'FAILED' && state.upstreamMs) || this.options.clock.now() - job.submittedAt;
      this.options.model.recordFailure(job, tookMs);
      this.settle(job.id, { ...change, upstreamDurationMs: tookMs });
    } else if (change) this.options.machine.transition(job.id, change);
  }

  /** A terminal change: the job leaves the step's care whatever the state machine decides. */
  private settle(jobId: number, change: JobChange): void {
    this.watched.delete(jobId);
    this.queue.remove(jobId);
    this.options.machine.transition(jobId, change);
  }
}
