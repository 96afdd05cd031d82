import type { Clock } from './clock.js';

const windowMs = 60_000;

/**
 * Upstream calls per minute as a sliding log: a call is allowed only while fewer than `callsPerMinute`
 * calls were made in the last 60 s, so no 60 s window, wherever it starts, ever holds more. (A token
 * bucket that starts full would let twice the budget through one window.)
 */
export class CallBudget {
  private readonly callTimes: number[] = [];
  private pausedUntil = 0;

  constructor(
    private readonly callsPerMinute: number,
    private readonly clock: Clock,
  ) {}

  /** Takes one call from the budget if one is free now. */
  tryTake(): boolean {
    const now = this.clock.now();
    if (now < this.pausedUntil) return false;
    this.forgetBefore(now - windowMs);
    if (this.callTimes.length >= this.callsPerMinute) return false;
    this.callTimes.push(now);
    return true;
  }

  /** When the next call can be taken (now, if one is free). */
  nextFreeAt(): number {
    const now = this.clock.now();
    this.forgetBefore(now - windowMs);
    const oldest = this.callTimes[0];
    const windowFreeAt = this.callTimes.length < this.callsPerMinute || oldest === undefined ? now : oldest + windowMs;
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
