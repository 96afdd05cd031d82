import { ExponentialBackoff, fullJitterGenerator, type IBackoff } from 'cockatiel';
import type { Logger } from 'pino';
import type { Database } from '../../db/connection.js';
import { findJob, listActiveJobs } from '../../db/job-queries.js';
import type { JobRow } from '../../db/tables.js';
import type { JobChange } from '../../domain/job.js';
import { failure } from '../../domain/job.js';
import type { Clock } from '../clock.js';
import type { NewJobListener } from '../jobs/job-service.js';
import type { JobStateMachine } from '../jobs/job-state-machine.js';
import type { CallBudget } from '../upstream/call-budget.js';
import type { SegmindClient, UpstreamJobState } from '../upstream/segmind-client.js';
import type { UpstreamBreaker } from '../upstream/upstream-breaker.js';
import type { UpstreamError } from '../upstream/upstream-error.js';
import { asUpstreamError, changeFor, readFailure } from '../upstream/upstream-outcomes.js';
import type { DurationModel } from './duration-model.js';
import type { PolledJob, PollPolicy } from './poll-policy.js';
import { Submitter } from './submitter.js';

export interface PollerOptions {
  database: Database;
  client: SegmindClient;
  machine: JobStateMachine;
  budget: CallBudget;
  breaker: UpstreamBreaker;
  policy: PollPolicy;
  /** Learns each completed job's duration; the policy reads it. */
  model: DurationModel;
  clock: Clock;
  logger: Logger;
  /** Never poll one job more often than this. */
  minIntervalMs: number;
  /**
   * How long a job's submit keeps being tried while Segmind answers "not made" (429, 500, 502, 503,
   * refused connection) before the job ends UPSTREAM_UNAVAILABLE. Nothing is billed meanwhile.
   * @default 600_000 // 10 minutes
   */
  submitRetryWindowMs?: number;
  /** First wait before a failed call is tried again; it doubles each time (capped), with full jitter. @default 1_000 */
  retryBaseMs?: number;
  /** Longest wait between tries of one call. @default 30_000 */
  retryMaxMs?: number;
  /** Upstream calls in flight at once. @default 8 */
  maxConcurrentCalls?: number;
  /** On stop, how long calls in flight may take to finish before they are aborted. @default 5_000 */
  stopGraceMs?: number;
}

/** A job waiting to be sent to Segmind. */
interface PendingJob {
  id: number;
  attempts: number;
  /** When Segmind first answered "not made" for this job. */
  firstRefusedAt: number | undefined;
  /** Set while Segmind answers "not made": when to try again. */
  retry: IBackoff<unknown> | undefined;
  notBefore: number;
  busy: boolean;
}

/** A submitted job whose end the poller waits for. */
interface WatchedJob extends PolledJob {
  requestId: string;
  /** Segmind said COMPLETED without the output: read the result next. */
  needsResult: boolean;
  /** Set while reads of this job fail: when to try again. */
  retry: IBackoff<unknown> | undefined;
  busy: boolean;
}

type Work = { kind: 'submit'; job: PendingJob } | { kind: 'status' | 'result'; job: WatchedJob };

/** Below this chance of finding its job finished, a poll is a routine look that yields to likelier ones. */
const lowUrgency = 0.02;

/** After a 429 without a readable reset time, wait this long. */
const defaultRateLimitPauseMs = 60_000;

/**
 * The one upstream worker of the process: it sends PENDING jobs to Segmind in creation order and polls
 * every submitted, unfinished job, whether or not anyone watches it. Every call, submit or poll, is taken
 * from one budget and passes one circuit breaker; every status change goes through the job state machine.
 */
export class Poller implements NewJobListener {
  private readonly pending = new Map<number, PendingJob>();
  private readonly watched = new Map<number, WatchedJob>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly submitter: Submitter;
  private readonly retries: ExponentialBackoff<number>;
  private cancelTimer: (() => void) | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private running = false;

  constructor(private readonly options: PollerOptions) {
    this.submitter = new Submitter(options.database, options.client, options.machine, options.clock);
    this.retries = new ExponentialBackoff({
      initialDelay: options.retryBaseMs ?? 1000,
      maxDelay: options.retryMaxMs ?? 30_000,
      generator: fullJitterGenerator,
    });
    options.breaker.onStateChange((open) => {
      if (open) options.logger.warn('Segmind looks down: upstream calls paused');
      else options.logger.info('Segmind answers again: upstream calls resumed');
    });
  }

  /** Picks up every unfinished job in the database, settles those whose submit outcome was lost, and starts. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const loadingSince = performance.now();
    for (const job of listActiveJobs(this.options.database.db)) {
      if (Submitter.outcomeLost(job)) this.submitter.settleLostOutcome(job.id);
      else this.track(job);
    }
    const loadMs = Math.round(performance.now() - loadingSince);
    this.options.logger.info({ pending: this.pending.size, watched: this.watched.size, loadMs }, 'poller started');
    this.wake();
  }

  jobCreated(job: JobRow): void {
    this.track(job);
    this.wake();
  }

  /** Resolves once no upstream call is in flight (and none started meanwhile). */
  async whenIdle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /**
   * Stops starting calls and waits for those in flight to be recorded; past the grace period they are
   * aborted (an aborted submit leaves its job's outcome unknown, never resent). Idempotent.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const idle = this.whenIdle();
    let graceTimer: NodeJS.Timeout | undefined;
    // Wall-clock time, not the poller's clock: shutdown must end whatever clock drives the schedule.
    const graceOver = new Promise<'grace over'>((resolve) => {
      graceTimer = setTimeout(() => resolve('grace over'), this.options.stopGraceMs ?? 5000);
    });
    if ((await Promise.race([idle, graceOver])) === 'grace over') {
      this.options.logger.warn({ inFlight: this.inFlight.size }, 'aborting upstream calls still in flight');
      await this.options.client.abortAll();
      await idle;
    }
    clearTimeout(graceTimer);
  }

  private track(job: JobRow): void {
    if (job.status === 'PENDING') {
      this.pending.set(job.id, {
        id: job.id,
        attempts: 0,
        firstRefusedAt: undefined,
        retry: undefined,
        notBefore: 0,
        busy: false,
      });
    } else if (job.upstreamRequestId !== null) {
      this.watch(job, job.upstreamRequestId, Number.NEGATIVE_INFINITY);
    }
  }

  private watch(job: JobRow, requestId: string, lastPolledAt: number): void {
    this.watched.set(job.id, {
      id: job.id,
      requestId,
      duration: job.duration,
      resolution: job.resolution,
      submittedAt: job.submittedAt?.getTime() ?? this.options.clock.now(),
      lastPolledAt,
      needsResult: false,
      retry: undefined,
      busy: false,
    });
  }

  private wake(): void {
    this.scheduleAt(this.options.clock.now());
  }

  private scheduleAt(time: number): void {
    if (!this.running || time >= this.timerAt) return;
    this.cancelTimer?.();
    this.timerAt = time;
    this.cancelTimer = this.options.clock.setTimer(() => {
      this.timerAt = Number.POSITIVE_INFINITY;
      this.cancelTimer = undefined;
      this.dispatchDueWork();
    }, time - this.options.clock.now());
  }

  /** Starts every call that is due and affordable now, then sleeps until the next one is. */
  private dispatchDueWork(): void {
    const { budget, breaker, clock } = this.options;
    while (this.running && this.inFlight.size < (this.options.maxConcurrentCalls ?? 8)) {
      const breakerWaitMs = breaker.waitMs();
      if (breakerWaitMs === undefined) return; // a probe is in flight; its end wakes the poller
      if (breakerWaitMs > 0) {
        this.scheduleAt(clock.now() + breakerWaitMs);
        return;
      }
      const next = this.nextWork();
      if (!next) return;
      if (next.dueAt > clock.now()) {
        this.scheduleAt(next.dueAt);
        return;
      }
      // A poll unlikely to find anything leaves the last call of the moment to one that might.
      const reserve = next.urgency < lowUrgency ? 1 : 0;
      if (!budget.tryTake(reserve)) {
        this.scheduleAt(budget.nextFreeAt());
        return;
      }
      this.run(next.work);
    }
  }

  /**
   * Submits first, in creation order; then result reads Segmind owes us; then, among due polls, the one
   * most likely to find its job finished. With nothing due, whatever falls due first.
   */
  private nextWork(): { work: Work; dueAt: number; urgency: number } | undefined {
    const now = this.options.clock.now();
    let best: { work: Work; dueAt: number; rank: number; urgency: number } | undefined;
    const consider = (work: Work, dueAt: number, rank: number, urgency: number) => {
      const effective = Math.max(dueAt, now);
      const better =
        !best ||
        effective < best.dueAt ||
        (effective === best.dueAt && (rank < best.rank || (rank === best.rank && urgency > best.urgency)));
      if (better) best = { work, dueAt: effective, rank, urgency };
    };
    for (const job of this.pending.values()) {
      if (job.busy) continue;
      consider({ kind: 'submit', job }, job.notBefore, 0, 1);
      if (job.notBefore <= now) break; // the oldest due submit wins; later ones wait their turn
    }
    for (const job of this.watched.values()) {
      if (job.busy) continue;
      const notBefore = job.lastPolledAt + this.options.minIntervalMs;
      if (job.retry)
        consider({ kind: 'status', job }, Math.max(notBefore, job.lastPolledAt + job.retry.duration), 2, 1);
      else if (job.needsResult) consider({ kind: 'result', job }, notBefore, 1, 1);
      else {
        const plan = this.options.policy.plan(job, now);
        consider(
          { kind: plan.readResult ? 'result' : 'status', job },
          Math.max(notBefore, plan.dueAt),
          2,
          plan.urgency,
        );
      }
    }
    return best;
  }

  private run(work: Work): void {
    work.job.busy = true;
    const call = (work.kind === 'submit' ? this.submit(work.job) : this.read(work.job, work.kind))
      .catch((error: unknown) => this.options.logger.error({ err: error, jobId: work.job.id }, 'upstream work failed'))
      .finally(() => {
        work.job.busy = false;
        this.inFlight.delete(call);
        this.wake();
      });
    this.inFlight.add(call);
  }

  private async submit(pending: PendingJob): Promise<void> {
    const { breaker, clock, logger } = this.options;
    const result = await this.submitter.submit(pending.id, (call) => breaker.execute(call));
    switch (result.kind) {
      case 'submitted':
        this.pending.delete(pending.id);
        this.watchSubmitted(pending.id, result.requestId);
        return;
      case 'settled':
        this.pending.delete(pending.id);
        return;
      case 'unrecorded':
        // Left PENDING with its submit start recorded: the next start settles it as outcome unknown.
        this.pending.delete(pending.id);
        logger.error(
          { jobId: pending.id, requestId: result.requestId, err: result.error },
          'submitted, but the request id could not be stored',
        );
        return;
      case 'not-started':
        pending.retry = pending.retry ? pending.retry.next(undefined) : this.retries.next();
        pending.notBefore = clock.now() + pending.retry.duration;
        logger.error(
          { jobId: pending.id, err: result.error },
          'cannot record a submit start; nothing sent, will retry',
        );
        return;
    }
    this.noteRateLimit(result.error);
    pending.attempts++;
    pending.firstRefusedAt ??= clock.now();
    if (clock.now() - pending.firstRefusedAt >= (this.options.submitRetryWindowMs ?? 600_000)) {
      const message = `Segmind did not accept the job in ${pending.attempts} tries: ${result.error.message}`;
      this.settle(pending.id, failure('UPSTREAM_UNAVAILABLE', message));
      return;
    }
    pending.retry = pending.retry ? pending.retry.next(undefined) : this.retries.next();
    pending.notBefore = clock.now() + pending.retry.duration;
    logger.warn(
      { jobId: pending.id, attempt: pending.attempts, err: result.error.message },
      'submit not made, will retry',
    );
  }

  private watchSubmitted(jobId: number, requestId: string): void {
    const job = findJob(this.options.database.db, jobId);
    if (job) this.watch(job, requestId, this.options.clock.now());
  }

  private async read(job: WatchedJob, kind: 'status' | 'result'): Promise<void> {
    const { breaker, client, clock, logger } = this.options;
    job.lastPolledAt = clock.now();
    let state: UpstreamJobState;
    try {
      state = await breaker.execute(() =>
        kind === 'status' ? client.status(job.requestId) : client.result(job.requestId),
      );
    } catch (thrown) {
      const error = asUpstreamError(thrown);
      if (!error.isTransient) {
        this.settle(job.id, readFailure(error));
        return;
      }
      // Polling trouble never fails a job: it keeps its status and is read again later.
      this.noteRateLimit(error);
      job.retry = job.retry ? job.retry.next(undefined) : this.retries.next();
      logger.warn({ jobId: job.id, err: error.message, retryInMs: Math.round(job.retry.duration) }, 'read failed');
      return;
    }
    job.retry = undefined;
    const change = changeFor(state);
    if (change === 'read-result') job.needsResult = true;
    else if (change?.status === 'COMPLETED') {
      // Segmind's own timing when it gives it; else what we saw, a poll interval late at most.
      const tookMs = change.upstreamDurationMs ?? clock.now() - job.submittedAt;
      this.options.model.record(job, tookMs);
      this.settle(job.id, { ...change, upstreamDurationMs: tookMs });
    } else if (change?.status === 'FAILED') this.settle(job.id, change);
    else if (change) this.options.machine.transition(job.id, change);
  }

  /** A terminal change: the job leaves the poller's care whatever the state machine decides. */
  private settle(jobId: number, change: JobChange): void {
    this.pending.delete(jobId);
    this.watched.delete(jobId);
    this.options.machine.transition(jobId, change);
  }

  private noteRateLimit(error: UpstreamError): void {
    if (error.code !== 'RATE_LIMITED') return;
    const now = this.options.clock.now();
    // A reset time already past (the answer took a moment to arrive) means: go on now. Only a missing one is guessed.
    this.options.budget.pauseUntil(error.resetAt?.getTime() ?? now + defaultRateLimitPauseMs);
  }
}
