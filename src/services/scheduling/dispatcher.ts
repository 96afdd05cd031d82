import type { Logger } from 'pino';
import { isStorageUnavailable } from '../../db/storage-errors.js';
import type { Clock } from '../clock.js';
import { withDefaults } from '../defaults.js';
import type { CallBudget } from '../upstream/call-budget.js';
import type { UpstreamBreaker } from '../upstream/upstream-breaker.js';
import { UpstreamError } from '../upstream/upstream-error.js';

/** Runs one upstream call under the dispatcher's rules (circuit breaker, rate-limit pauses). */
export type Send = <T>(call: () => Promise<T>) => Promise<T>;

/** One upstream call a step would make next. */
export interface Work {
  /** When it may run. */
  dueAt: number;
  /** Among work due at the same time, the lower rank goes first. */
  rank: number;
  /** 0..1: the chance the call finds something new; low-urgency work leaves the last call of the moment to likelier work. */
  urgency: number;
  /** Makes the call through `send`, and records what it answered. */
  run(send: Send): Promise<void>;
}

/** A kind of upstream work (submits, polls, later downloads and webhooks): it offers its most pressing call. */
export interface Step {
  nextWork(now: number): Work | undefined;
}

/** True when `a` should run before `b` at `now`: due sooner, then lower rank, then more urgent. */
export function runsBefore(a: Work, b: Work, now: number): boolean {
  const dueA = Math.max(a.dueAt, now);
  const dueB = Math.max(b.dueAt, now);
  if (dueA !== dueB) return dueA < dueB;
  return a.rank !== b.rank ? a.rank < b.rank : a.urgency > b.urgency;
}

/** Plans the steps' work ahead (the budget planner): run every `everyMs` while there is work. */
export interface Planner {
  everyMs: number;
  plan(now: number): void;
  /** Whether work may be waiting on the next plan (a submit held back for room): then it comes on time even with no other work. */
  awaited(): boolean;
}

export interface DispatcherOptions {
  steps: readonly Step[];
  /** @default none */
  planner?: Planner | undefined;
  budget: CallBudget;
  breaker: UpstreamBreaker;
  clock: Clock;
  logger: Logger;
  /** Fails every call in flight at once; used when the stop's grace period runs out. */
  abortCalls: () => Promise<void>;
  /** Told of every error that comes from our own code rather than from Segmind or the disk. */
  onUnexpectedError: (error: unknown) => void;
  /** Upstream calls in flight at once. @default 8 */
  maxConcurrentCalls?: number;
  /** On stop, how long calls in flight may take to finish before they are aborted. @default 5_000 */
  stopGraceMs?: number;
}

const defaults: { maxConcurrentCalls: number; stopGraceMs: number; planner: Planner | undefined } = {
  maxConcurrentCalls: 8,
  stopGraceMs: 5000,
  planner: undefined,
};

/** Below this chance of finding something, a call is a routine look that yields to likelier ones. */
const lowUrgency = 0.02;
/** After a 429 without a readable reset time, wait this long. */
const defaultRateLimitPauseMs = 60_000;

/**
 * Owns time, the call budget and the circuit breaker for every upstream call of the process: it starts
 * each step's work when it is due and affordable, sleeps until the next is, and drains on stop. It knows
 * nothing of jobs.
 */
export class Dispatcher {
  private readonly options: Required<Omit<DispatcherOptions, 'planner'>> & Pick<DispatcherOptions, 'planner'>;
  private plannedAt = Number.NEGATIVE_INFINITY;
  private readonly inFlight = new Set<Promise<void>>();
  private cancelTimer: (() => void) | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private running = false;

  constructor(options: DispatcherOptions) {
    this.options = withDefaults(defaults, options);
  }

  start(): void {
    this.running = true;
    this.wake();
  }

  /** Looks for due work now: new work arrived, or a call ended. */
  wake(): void {
    this.scheduleAt(this.options.clock.now());
  }

  /** Resolves once no call is in flight (and none started meanwhile). */
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
    this.timerAt = Number.POSITIVE_INFINITY;
    if (this.inFlight.size > 0) {
      this.options.logger.info({ inFlight: this.inFlight.size }, 'waiting for upstream calls in flight');
    }
    const idle = this.whenIdle();
    let graceTimer: NodeJS.Timeout | undefined;
    // Wall-clock time, not the app's clock: shutdown must end whatever clock drives the schedule.
    const graceOver = new Promise<'grace over'>((resolve) => {
      graceTimer = setTimeout(() => resolve('grace over'), this.options.stopGraceMs);
    });
    if ((await Promise.race([idle, graceOver])) === 'grace over') {
      this.options.logger.warn({ inFlight: this.inFlight.size }, 'aborting upstream calls still in flight');
      await this.options.abortCalls();
      await idle;
    }
    clearTimeout(graceTimer);
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

  private dispatchDueWork(): void {
    const { planner, clock } = this.options;
    if (planner && clock.now() - this.plannedAt >= planner.everyMs) {
      this.plannedAt = clock.now();
      planner.plan(this.plannedAt);
    }
    const wakeAt = this.startDueWork();
    // While work waits, the plan is renewed on time even if nothing falls due meanwhile.
    if (wakeAt !== undefined) this.scheduleAt(planner ? Math.min(wakeAt, this.plannedAt + planner.everyMs) : wakeAt);
  }

  /**
   * Starts every call that is due and affordable now; returns when to look again, or undefined when the end
   * of a call in flight (or new work) will wake the dispatcher anyway.
   */
  private startDueWork(): number | undefined {
    const { budget, breaker, clock } = this.options;
    while (this.running && this.inFlight.size < this.options.maxConcurrentCalls) {
      const breakerWaitMs = breaker.waitMs();
      if (breakerWaitMs === undefined) return undefined; // a probe is in flight
      if (breakerWaitMs > 0) return clock.now() + breakerWaitMs;
      const next = this.nextWork();
      if (!next) return this.options.planner?.awaited() ? this.plannedAt + this.options.planner.everyMs : undefined;
      if (next.dueAt > clock.now()) return next.dueAt;
      // A routine call leaves the last call of the moment to one that might find something.
      const reserve = next.urgency < lowUrgency ? 1 : 0;
      if (!budget.tryTake(reserve)) return budget.nextFreeAt(reserve);
      this.run(next);
    }
    return undefined;
  }

  private nextWork(): Work | undefined {
    const now = this.options.clock.now();
    let best: Work | undefined;
    for (const step of this.options.steps) {
      const work = step.nextWork(now);
      if (work && (!best || runsBefore(work, best, now))) best = work;
    }
    return best;
  }

  private run(work: Work): void {
    const call = work
      .run(this.send)
      .catch((error: unknown) => this.failed(error))
      .finally(() => {
        this.inFlight.delete(call);
        this.wake();
      });
    this.inFlight.add(call);
  }

  private readonly send: Send = async (call) => {
    try {
      return await this.options.breaker.execute(call);
    } catch (error) {
      if (error instanceof UpstreamError && error.code === 'RATE_LIMITED') {
        // A reset time already past (the answer took a moment to arrive) means: go on now. Only a missing one is guessed.
        const now = this.options.clock.now();
        this.options.budget.pauseUntil(error.resetAt?.getTime() ?? now + defaultRateLimitPauseMs);
      }
      throw error;
    }
  };

  /** A step let an error escape: the disk failing (logged), or a bug (logged and reported loudly). */
  private failed(error: unknown): void {
    if (isStorageUnavailable(error)) {
      this.options.logger.error({ err: error }, 'upstream work could not be recorded: storage unavailable');
      return;
    }
    this.options.logger.error({ err: error }, 'upstream work failed unexpectedly');
    this.options.onUnexpectedError(error);
  }
}
