import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen } from 'cockatiel';
import type { Clock } from '../clock.js';
import { withDefaults } from '../defaults.js';
import { Backoff } from '../scheduling/backoff.js';
import { UpstreamError } from './upstream-error.js';

export interface UpstreamBreakerOptions {
  /** Consecutive outage failures that open the circuit. @default 5 */
  failuresToOpen?: number;
  /** First pause once open; it doubles on each failed probe. @default 5_000 */
  firstPauseMs?: number;
  /** @default 60_000 */
  maxPauseMs?: number;
}

const defaults: Required<UpstreamBreakerOptions> = { failuresToOpen: 5, firstPauseMs: 5000, maxPauseMs: 60_000 };

/** Failures that say Segmind is down, not that one job is bad; a 429 is the call budget's business. */
const isOutage = (error: unknown) =>
  error instanceof UpstreamError && error.isTransient && error.code !== 'RATE_LIMITED' && error.code !== 'CIRCUIT_OPEN';

/**
 * A circuit breaker around every upstream call: after a run of outage failures it stops all calls for a
 * pause that grows while Segmind stays down, then lets one probe through. Jobs keep their status meanwhile.
 * cockatiel counts the failures and runs the probe; the pause is timed here, on the app's clock, because
 * cockatiel would time it with Date.now() (so cockatiel itself is given no pause).
 */
export class UpstreamBreaker {
  private reopensAt = 0;
  private readonly pauses: Backoff;
  private readonly policy;

  constructor(
    private readonly clock: Clock,
    options: UpstreamBreakerOptions = {},
  ) {
    const settings = withDefaults(defaults, options);
    this.pauses = new Backoff({ firstMs: settings.firstPauseMs, maxMs: settings.maxPauseMs, jitter: 'decorrelated' });
    this.policy = circuitBreaker(handleWhen(isOutage), {
      breaker: new ConsecutiveBreaker(settings.failuresToOpen),
      halfOpenAfter: 0,
    });
    this.policy.onBreak(() => {
      this.reopensAt = clock.now() + this.pauses.next();
    });
    this.policy.onReset(() => this.pauses.reset());
  }

  /** Runs `call` unless the circuit is open; then it fails at once with CIRCUIT_OPEN, nothing sent. */
  async execute<T>(call: () => Promise<T>): Promise<T> {
    if (this.policy.state === CircuitState.Open && this.clock.now() < this.reopensAt) throw circuitOpen();
    try {
      return await this.policy.execute(call);
    } catch (error) {
      if (error instanceof BrokenCircuitError) throw circuitOpen(error);
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
        return Math.max(0, this.reopensAt - this.clock.now());
    }
  }

  onStateChange(listener: (open: boolean) => void): void {
    this.policy.onBreak(() => listener(true));
    this.policy.onReset(() => listener(false));
  }
}

const circuitOpen = (cause?: unknown) =>
  new UpstreamError('CIRCUIT_OPEN', 'Segmind looks down: calls are paused', { cause });
