import type { Logger } from 'pino';
import type { JobRow } from '../../db/tables.js';
import type { JobChange } from '../../domain/job.js';
import type { Clock } from '../clock.js';
import type { JobStateMachine } from '../jobs/job-state-machine.js';
import type { SegmindClient, UpstreamJobState } from '../upstream/segmind-client.js';
import { UpstreamError } from '../upstream/upstream-error.js';
import { changeFor, readFailure } from '../upstream/upstream-outcomes.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { runsBefore, type Send, type Step, type Work } from './dispatcher.js';
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

/** A submitted job whose end is awaited. */
interface WatchedJob extends PolledJob {
  requestId: string;
  /** Segmind said COMPLETED without the output: read the result next. */
  needsResult: boolean;
  /** Set while reads of this job fail: when to try again. */
  retryAt: number | undefined;
  retries: Backoff;
  busy: boolean;
  /** The policy's plan, made when the job is watched, after each read and at a replan; it stands until then. */
  plan: PollPlan;
}

/**
 * Ranks among equally due calls: an overdue poll first, since its job is paid for and Segmind forgets it an
 * hour after the submit; then submits (rank 0), a result Segmind owes us, and routine polls.
 */
const overdueRank = -1;
const owedResultRank = 1;
const pollRank = 2;

interface Candidate {
  job: WatchedJob;
  work: Work;
}

/** Overdue polls due now take turns, the longest unpolled first; else the dispatcher's order. */
function goesBefore(a: Candidate, b: Candidate, now: number): boolean {
  const overdueNow = ({ work }: Candidate) => work.rank === overdueRank && work.dueAt <= now;
  if (overdueNow(a) && overdueNow(b)) return a.job.lastPolledAt < b.job.lastPolledAt;
  return runsBefore(a.work, b.work, now);
}

/**
 * Polls every submitted, unfinished job, whether or not anyone watches it: when the policy says, the status
 * or (once a finish is likely) the result. Polling trouble never fails a job; Segmind saying the request is
 * gone, or refusing the key, does.
 */
export class PollStep implements Step {
  private readonly watched = new Map<number, WatchedJob>();

  constructor(private readonly options: PollStepOptions) {}

  get size(): number {
    return this.watched.size;
  }

  /** The jobs watched, as the policy sees them (for the budget planner's forecast). */
  jobs(): Iterable<PolledJob> {
    return this.watched.values();
  }

  /** Plans every watched job again (the budget planner calls it every few seconds at most). */
  replan(now: number): void {
    for (const job of this.watched.values()) job.plan = this.options.policy.plan(job, now);
  }

  /** Starts watching a submitted job; `lastPolledAt` -Infinity polls it at once (a job found at start). */
  watch(job: JobRow, requestId: string, lastPolledAt: number): void {
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
      retries: new Backoff({ ...this.options.retries, jitter: 'full' }),
      busy: false,
      plan: { dueAt: now, urgency: 1, readResult: true, pollBy: now },
    };
    watched.plan = this.options.policy.plan(watched, now);
    this.watched.set(job.id, watched);
  }

  nextWork(now: number): Work | undefined {
    let best: Candidate | undefined;
    for (const job of this.watched.values()) {
      if (job.busy) continue;
      const candidate = { job, work: this.workFor(job, now) };
      if (!best || goesBefore(candidate, best, now)) best = candidate;
    }
    return best?.work;
  }

  private workFor(job: WatchedJob, now: number): Work {
    const notBefore = job.lastPolledAt + this.options.minIntervalMs;
    const { plan } = job;
    // Overdue, a poll is no routine look: the low-urgency reserve does not hold it back either.
    const overdue = now >= plan.pollBy;
    const work = (kind: 'status' | 'result', dueAt: number, rank: number, urgency: number): Work => ({
      dueAt: Math.max(notBefore, dueAt),
      rank: overdue ? overdueRank : rank,
      urgency: overdue ? 1 : urgency,
      run: (send) => this.read(job, kind, send),
    });
    if (job.retryAt !== undefined) return work(plan.readResult ? 'result' : 'status', job.retryAt, pollRank, 1);
    if (job.needsResult) return work('result', notBefore, owedResultRank, 1);
    return work(plan.readResult ? 'result' : 'status', plan.dueAt, pollRank, plan.urgency);
  }

  private async read(job: WatchedJob, kind: 'status' | 'result', send: Send): Promise<void> {
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
      const retryInMs = job.retries.next();
      job.retryAt = job.lastPolledAt + retryInMs;
      logger.warn({ jobId: job.id, err: thrown.message, retryInMs: Math.round(retryInMs) }, 'read failed');
      return;
    } finally {
      job.busy = false;
    }
    job.retryAt = undefined;
    job.retries.reset();
    this.record(job, state);
    if (this.watched.has(job.id)) job.plan = this.options.policy.plan(job, clock.now());
  }

  private record(job: WatchedJob, state: UpstreamJobState): void {
    const change = changeFor(state);
    if (state.status !== 'QUEUED') job.processing = true;
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
    this.options.machine.transition(jobId, change);
  }
}
