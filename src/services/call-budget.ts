import type { Clock } from './clock.js';

/**
 * Upstream calls per minute as a sliding log: a call is allowed only while fewer than `callsPerMinute`
 * calls were made in the last 60 s, so no 60 s window, wherever it starts, ever holds more. (A token
 * bucket that starts full would let twice the budget through one window.)
 */
export class CallBudget {
  private readonly callTimes: number[] = [];
  private pausedUntil = 0;
  /**
   * The window counted, a little longer than Segmind's: calls reach Segmind a moment after they are counted
   * here, not all equally late, and its window must never see one call too many.
   */
  private readonly countedWindowMs: number;

  constructor(
    private readonly callsPerMinute: number,
    private readonly clock: Clock,
    /** The window the limit counts over: a minute, as Segmind counts; benchmarks compress time. */
    windowMs = 60_000,
  ) {
    this.countedWindowMs = windowMs * 1.02;
  }

  /** Takes one call from the budget if one is free now. */
  tryTake(): boolean {
    const now = this.clock.now();
    if (now < this.pausedUntil) return false;
    this.forgetBefore(now - this.countedWindowMs);
    if (this.callTimes.length >= this.callsPerMinute) return false;
    this.callTimes.push(now);
    return true;
  }

  /** When the next call can be taken (now, if one is free). */
  nextFreeAt(): number {
    const now = this.clock.now();
    this.forgetBefore(now - this.countedWindowMs);
    const oldest = this.callTimes[0];
    const windowFreeAt =
      this.callTimes.length < this.callsPerMinute || oldest === undefined ? now : oldest + this.countedWindowMs;
    return Math.max(now, this.pausedUntil, windowFreeAt);
  }

  /** No call at all before `time` (Segmind's rate-limit reset). */
  pauseUntil(time: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, time);
  }

  private forgetBefore(time: number): void {
    let expired = 0;
    while (expired < this.callTimes.length && (this.callTimes[expired] as number) <= time) expired++;
    if (expired > 0) this.callTimes.splice(0, expired);
  }
}
