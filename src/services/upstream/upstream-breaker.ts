import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  handleWhen,
  type IBackoff,
  type IHalfOpenAfterBackoffContext,
} from 'cockatiel';
import { UpstreamError } from './upstream-error.js';

export interface UpstreamBreakerOptions {
  /** Consecutive outage failures that open the circuit. @default 5 */
  failuresToOpen?: number;
  /** First pause once open; it doubles on each failed probe. @default 5_000 */
  firstPauseMs?: number;
  /** @default 60_000 */
  maxPauseMs?: number;
}

/** Failures that say Segmind is down, not that one job is bad; a 429 is the call budget's business. */
const isOutage = (error: unknown) =>
  error instanceof UpstreamError && error.isTransient && error.code !== 'RATE_LIMITED' && error.code !== 'CIRCUIT_OPEN';

/**
 * A circuit breaker around every upstream call: after a run of outage failures it stops all calls for a
 * pause that grows while Segmind stays down, then lets one probe through. Jobs keep their status meanwhile.
 */
export class UpstreamBreaker {
  private reopensAt = 0;
  private readonly policy;

  constructor(options: UpstreamBreakerOptions = {}) {
    const pauses = new ExponentialBackoff({
      initialDelay: options.firstPauseMs ?? 5000,
      maxDelay: options.maxPauseMs ?? 60_000,
    });
    // cockatiel keeps the pause to itself; this records when it ends, so the poller can sleep until then.
    const recorded = (backoff: IBackoff<IHalfOpenAfterBackoffContext>): IBackoff<IHalfOpenAfterBackoffContext> => {
      this.reopensAt = Date.now() + backoff.duration;
      return { duration: backoff.duration, next: (context) => recorded(backoff.next(context)) };
    };
    this.policy = circuitBreaker(handleWhen(isOutage), {
      breaker: new ConsecutiveBreaker(options.failuresToOpen ?? 5),
      halfOpenAfter: { next: () => recorded(pauses.next()) },
    });
  }

  /** Runs `call` unless the circuit is open; then it fails at once with CIRCUIT_OPEN, nothing sent. */
  async execute<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await this.policy.execute(call);
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        throw new UpstreamError('CIRCUIT_OPEN', 'Segmind looks down: calls are paused', { cause: error });
      }
      throw error;
    }
  }

  /**
   * Milliseconds until calls may go out again: 0 while closed; while open, the rest of the pause; while a
   * probe is in flight, undefined (wait for it).
   */
  waitMs(): number | undefined {
    switch (this.policy.state) {
      case CircuitState.Closed:
        return 0;
      case CircuitState.HalfOpen:
        return undefined;
      default:
        return Math.max(0, this.reopensAt - Date.now());
    }
  }

  onStateChange(listener: (open: boolean) => void): void {
    this.policy.onBreak(() => listener(true));
    this.policy.onReset(() => listener(false));
  }
}
