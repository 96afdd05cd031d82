import type { Logger } from 'pino';
import type { Database } from '../db/connection.js';
import { findJob, findPayload, listActiveJobs, updateJob } from '../db/job-queries.js';
import type { JobErrorCode, JobRow } from '../db/tables.js';
import type { CallBudget } from './call-budget.js';
import type { Clock } from './clock.js';
import type { JobChange, JobStateMachine } from './job-state-machine.js';
import type { NewJobListener } from './jobs.js';
import type { PollPolicy } from './poll-policy.js';
import type { SegmindClient, SegmindInput, UpstreamJobState } from './segmind-client.js';
import { UpstreamError } from './upstream-error.js';

export interface PollerOptions {
  database: Database;
  client: SegmindClient;
  machine: JobStateMachine;
  budget: CallBudget;
  policy: PollPolicy;
  clock: Clock;
  logger: Logger;
  /** Never poll one job more often than this. */
  minIntervalMs: number;
  /** Submits tried at most this many times while Segmind answers "not made, try again". @default 5 */
  maxSubmitAttempts?: number;
  /** First wait before a submit is tried again; it doubles each time, with full jitter. @default 1_000 */
  retryBaseMs?: number;
  /** Upstream calls in flight at once. @default 8 */
  maxConcurrentCalls?: number;
  /** On stop, how long calls in flight may take to finish before they are aborted. @default 5_000 */
  stopGraceMs?: number;
}

/** A job waiting to be sent to Segmind. */
interface PendingJob {
  id: number;
  attempts: number;
  notBefore: number;
  busy: boolean;
}

/** A submitted job whose end the poller waits for. */
interface WatchedJob {
  id: number;
  requestId: string;
  lastPolledAt: number;
  /** Segmind said COMPLETED without the output: read the result next. */
  needsResult: boolean;
  busy: boolean;
}

type Work = { kind: 'submit'; job: PendingJob } | { kind: 'status' | 'result'; job: WatchedJob };

/** After a 429 without a readable reset time, wait this long. */
const defaultRateLimitPauseMs = 60_000;

export const unknownOutcomeMessage =
  'Outcome unknown: the submit may have reached Segmind but its answer was lost, so it was not sent again (that could bill twice).';

/**
 * The one upstream worker of the process: it sends PENDING jobs to Segmind in creation order and polls
 * every submitted, unfinished job, whether or not anyone watches it. Every call, submit or poll, is
 * taken from one budget, and every status change goes through the job state machine.
 */
export class Poller implements NewJobListener {
  private readonly pending = new Map<number, PendingJob>();
  private readonly watched = new Map<number, WatchedJob>();
  private readonly inFlight = new Set<Promise<void>>();
  private cancelTimer: (() => void) | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private running = false;
  private readonly maxSubmitAttempts: number;
  private readonly retryBaseMs: number;
  private readonly maxConcurrentCalls: number;

  constructor(private readonly options: PollerOptions) {
    this.maxSubmitAttempts = options.maxSubmitAttempts ?? 5;
    this.retryBaseMs = options.retryBaseMs ?? 1000;
    this.maxConcurrentCalls = options.maxConcurrentCalls ?? 8;
  }

  /** Picks up every unfinished job in the database, settles those whose submit outcome was lost, and starts. */
  start(): void {
    if (this.running) return;
    this.running = true;
    for (const job of listActiveJobs(this.options.database.db)) {
      if (job.status === 'PENDING' && job.submitStartedAt !== null) {
        this.finish(
          job.id,
          failure('UPSTREAM_UNAVAILABLE', `${unknownOutcomeMessage} (the gateway stopped mid-submit)`),
        );
      } else {
        this.track(job);
      }
    }
    this.options.logger.info({ pending: this.pending.size, watched: this.watched.size }, 'poller started');
    this.wake();
  }

  jobCreated(job: JobRow): void {
    this.track(job);
    this.wake();
  }

  /** Jobs the poller is responsible for: waiting to be submitted, and submitted but unfinished. */
  get activeJobs(): { pending: number; watched: number } {
    return { pending: this.pending.size, watched: this.watched.size };
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
        notBefore: 0,
        busy: false,
      });
    } else if (job.upstreamRequestId !== null) {
      const lastPolledAt = Number.NEGATIVE_INFINITY;
      this.watched.set(job.id, {
        id: job.id,
        requestId: job.upstreamRequestId,
        lastPolledAt,
        needsResult: false,
        busy: false,
      });
    }
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
    const { budget, clock } = this.options;
    while (this.running && this.inFlight.size < this.maxConcurrentCalls) {
      const next = this.nextWork();
      if (!next) return;
      if (next.dueAt > clock.now()) {
        this.scheduleAt(next.dueAt);
        return;
      }
      if (!budget.tryTake()) {
        this.scheduleAt(budget.nextFreeAt());
        return;
      }
      this.run(next.work);
    }
  }

  /** Submits first, in creation order; then result reads; then the most overdue poll. */
  private nextWork(): { work: Work; dueAt: number } | undefined {
    const now = this.options.clock.now();
    let best: { work: Work; dueAt: number; rank: number } | undefined;
    const consider = (work: Work, dueAt: number, rank: number) => {
      const effective = Math.max(dueAt, now);
      if (!best || effective < best.dueAt || (effective === best.dueAt && rank < best.rank)) {
        best = { work, dueAt: effective, rank };
      }
    };
    for (const job of this.pending.values()) {
      if (job.busy) continue;
      consider({ kind: 'submit', job }, job.notBefore, 0);
      if (job.notBefore <= now) break; // the oldest due submit wins; later ones wait their turn
    }
    for (const job of this.watched.values()) {
      if (job.busy) continue;
      const earliest = job.lastPolledAt + this.options.minIntervalMs;
      if (job.needsResult) consider({ kind: 'result', job }, earliest, 1);
      else consider({ kind: 'status', job }, Math.max(earliest, this.pollDueAt(job)), 2);
    }
    return best;
  }

  private pollDueAt(job: WatchedJob): number {
    return this.options.policy.nextPollAt(job, this.watched.size);
  }

  private run(work: Work): void {
    work.job.busy = true;
    const call = (work.kind === 'submit' ? this.submit(work.job) : this.poll(work.job, work.kind))
      .catch((error: unknown) => this.options.logger.error({ err: error, jobId: work.job.id }, 'upstream work failed'))
      .finally(() => {
        work.job.busy = false;
        this.inFlight.delete(call);
        this.wake();
      });
    this.inFlight.add(call);
  }

  private async submit(pending: PendingJob): Promise<void> {
    const { database, client, clock, logger } = this.options;
    const job = findJob(database.db, pending.id);
    const payload = findPayload(database.db, pending.id);
    if (!job || !payload || job.status !== 'PENDING') {
      this.pending.delete(pending.id);
      return;
    }
    // Committed before the POST: after a crash, this says the job may already be billed.
    updateJob(database.db, job.id, { submitStartedAt: new Date(clock.now()) });
    try {
      const { requestId } = await client.submit(toSegmindInput(job, payload.image, payload.audio));
      this.pending.delete(job.id);
      this.advance(job.id, {
        status: 'QUEUED',
        upstreamRequestId: requestId,
        message: 'submitted to Segmind',
      });
      this.watched.set(job.id, {
        id: job.id,
        requestId,
        lastPolledAt: clock.now(),
        needsResult: false,
        busy: false,
      });
    } catch (error) {
      const upstream = asUpstreamError(error);
      if (!upstream.submitMayBeRetried) {
        this.pending.delete(job.id);
        this.finish(job.id, submitFailure(upstream));
        return;
      }
      // Segmind made no request: the job is as if never sent.
      updateJob(database.db, job.id, { submitStartedAt: null });
      this.noteRateLimit(upstream);
      pending.attempts++;
      if (pending.attempts >= this.maxSubmitAttempts) {
        this.pending.delete(job.id);
        this.finish(
          job.id,
          failure(
            'UPSTREAM_UNAVAILABLE',
            `Segmind did not accept the job after ${pending.attempts} tries: ${upstream.message}`,
          ),
        );
        return;
      }
      pending.notBefore = clock.now() + this.backoffMs(pending.attempts);
      logger.warn(
        { jobId: job.id, attempt: pending.attempts, err: upstream.message },
        'submit not accepted, will retry',
      );
    }
  }

  private async poll(job: WatchedJob, kind: 'status' | 'result'): Promise<void> {
    const { client, clock, logger } = this.options;
    job.lastPolledAt = clock.now();
    let state: UpstreamJobState;
    try {
      state = kind === 'status' ? await client.status(job.requestId) : await client.result(job.requestId);
    } catch (error) {
      const upstream = asUpstreamError(error);
      if (upstream.isTransient) {
        this.noteRateLimit(upstream);
        logger.warn({ jobId: job.id, err: upstream.message }, 'poll failed, job keeps its status');
        return;
      }
      this.finish(job.id, pollFailure(upstream));
      return;
    }
    switch (state.status) {
      case 'QUEUED':
        return;
      case 'PROCESSING':
        this.advance(job.id, {
          status: 'PROCESSING',
          message: 'Segmind is generating the video',
        });
        return;
      case 'FAILED':
        this.finish(job.id, failure('GENERATION_FAILED', state.error));
        return;
      case 'COMPLETED':
        if (state.videoUrl === undefined) {
          job.needsResult = true;
          return;
        }
        this.finish(job.id, {
          status: 'COMPLETED',
          videoUrl: state.videoUrl,
          cost: state.cost,
          message: 'video ready',
        });
    }
  }

  private advance(jobId: number, change: JobChange): void {
    this.options.machine.transition(jobId, change);
  }

  /** A terminal change: the job leaves the poller's care whatever the state machine decides. */
  private finish(jobId: number, change: JobChange): void {
    this.pending.delete(jobId);
    this.watched.delete(jobId);
    this.options.machine.transition(jobId, change);
  }

  private noteRateLimit(error: UpstreamError): void {
    if (error.code !== 'RATE_LIMITED') return;
    const now = this.options.clock.now();
    const resetAt = error.resetAt?.getTime();
    this.options.budget.pauseUntil(resetAt !== undefined && resetAt > now ? resetAt : now + defaultRateLimitPauseMs);
  }

  /** Capped exponential backoff with full jitter. */
  private backoffMs(attempt: number): number {
    const ceiling = Math.min(60_000, this.retryBaseMs * 2 ** (attempt - 1));
    return Math.random() * ceiling;
  }
}

function toSegmindInput(job: JobRow, image: string, audio: string | null): SegmindInput {
  return {
    image,
    prompt: job.prompt,
    ...(audio === null ? {} : { audio }),
    duration: job.duration,
    resolution: job.resolution,
    multi_shots: job.multiShots,
    negative_prompt: job.negativePrompt,
    enable_prompt_expansion: job.enablePromptExpansion,
    ...(job.seed === null ? {} : { seed: job.seed }),
  };
}

const failure = (code: JobErrorCode, message: string): JobChange => ({
  status: 'FAILED',
  error: { code, message },
});

function asUpstreamError(error: unknown): UpstreamError {
  return error instanceof UpstreamError
    ? error
    : new UpstreamError('BAD_RESPONSE', `unexpected failure: ${String(error)}`, { cause: error });
}

/** Error codes every call shares: the account, not the job, is at fault. */
function accountFailure(error: UpstreamError): JobChange | undefined {
  if (error.code === 'UNAUTHORIZED')
    return failure('UPSTREAM_UNAUTHORIZED', `Segmind refused the API key: ${error.message}`);
  if (error.code === 'INSUFFICIENT_CREDITS')
    return failure('INSUFFICIENT_CREDITS', `Segmind account is out of credits: ${error.message}`);
  return undefined;
}

function submitFailure(error: UpstreamError): JobChange {
  const account = accountFailure(error);
  if (account) return account;
  if (error.code === 'OUTCOME_UNKNOWN' || error.isTransient) {
    return failure('UPSTREAM_UNAVAILABLE', `${unknownOutcomeMessage} (${error.message})`);
  }
  return failure('UPSTREAM_REJECTED', `Segmind rejected the job: ${error.message}`);
}

function pollFailure(error: UpstreamError): JobChange {
  const account = accountFailure(error);
  if (account) return account;
  if (error.code === 'NOT_FOUND') {
    return failure(
      'UPSTREAM_EXPIRED',
      `Segmind no longer knows this request (records expire 1 h after submission): ${error.message}`,
    );
  }
  return failure('UPSTREAM_REJECTED', `Segmind refused to report on the job: ${error.message}`);
}
