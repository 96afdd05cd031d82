import type { Clock } from '../clock.js';

/**
 * Upstream calls per minute, enforced twice over:
 * - a sliding log: a call is allowed only while fewer than `callsPerMinute` calls were made in the last
 *   window, so no window, wherever it starts, ever holds more (a token bucket alone, starting full, would
 *   let twice the budget through one window);
 * - pacing: a small token bucket (a fifth of the budget) spreads the calls out, since a greedy poller would
 *   otherwise spend the whole minute's budget in a burst and then sit blind until it expires. The budget
 *   planner may let it save more (`allowBurst`, up to half the budget) when its forecast of the minute ahead
 *   leaves calls over, so that several likely finishes due at once are polled together.
 */
export class CallBudget {
  private readonly callTimes: number[] = [];
  private pausedUntil = 0;
  /**
   * The window counted, a little longer than Segmind's: calls reach Segmind a moment after they are counted
   * here, not all equally late, and its window must never see one call too many.
   */
  private readonly countedWindowMs: number;
  private readonly burst: number;
  /** The bucket's size now: `burst`, plus what the planner allows. */
  private capacity: number;
  private readonly tokensPerMs: number;
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly callsPerMinute: number,
    private readonly clock: Clock,
    /** The window the limit counts over: a minute, as Segmind counts; benchmarks compress time. */
    windowMs = 60_000,
  ) {
    this.countedWindowMs = windowMs * 1.05;
    this.burst = Math.max(1, Math.ceil(callsPerMinute / 5));
    this.tokensPerMs = callsPerMinute / this.countedWindowMs;
    this.capacity = this.burst;
    this.tokens = this.burst;
    this.refilledAt = clock.now();
  }

  /**
   * Takes one call from the budget if one is free now, leaving at least `reserve` more for calls that
   * matter more (the poller keeps one back from polls unlikely to find anything).
   */
  tryTake(reserve = 0): boolean {
    const now = this.clock.now();
    if (now < this.pausedUntil) return false;
    this.refill(now);
    this.forgetBefore(now - this.countedWindowMs);
    if (this.tokens < 1 + reserve || this.callTimes.length >= this.callsPerMinute - reserve) return false;
    this.tokens -= 1;
    this.callTimes.push(now);
    return true;
  }

  /**
   * When `tryTake(reserve)` can next succeed (now, if it can): answering "now" for a call the reserve holds
   * back would have the caller ask again at once, and again.
   */
  nextFreeAt(reserve = 0): number {
    const now = this.clock.now();
    this.refill(now);
    this.forgetBefore(now - this.countedWindowMs);
    const allowed = this.callsPerMinute - reserve;
    // The window frees a call when its oldest calls leave it.
    const leaving = this.callTimes[Math.max(0, this.callTimes.length - allowed)];
    const windowFreeAt =
      this.callTimes.length < allowed || leaving === undefined ? now : leaving + this.countedWindowMs;
    const needed = 1 + reserve;
    const tokenFreeAt = this.tokens >= needed ? now : now + Math.ceil((needed - this.tokens) / this.tokensPerMs);
    return Math.max(now, this.pausedUntil, windowFreeAt, tokenFreeAt);
  }

  /** How many calls the pacing lets through in `ms`, once the first burst is spent. */
  callsWithin(ms: number): number {
    return Math.floor(ms * this.tokensPerMs);
  }

  /**
   * Lets the bucket save up to `extra` calls more than its usual burst, as the forecast of the minute ahead
   * allows (at most half the budget in all); calls saved beyond a later, smaller allowance stay until spent.
   */
  allowBurst(extra: number): void {
    this.refill(this.clock.now());
    this.capacity = Math.max(this.burst, Math.min(this.burst + extra, Math.floor(this.callsPerMinute / 2)));
  }

  /** No call at all before `time` (Segmind's rate-limit reset). */
  pauseUntil(time: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, time);
  }

  private refill(now: number): void {
    if (this.tokens < this.capacity) {
      this.tokens = Math.min(this.capacity, this.tokens + (now - this.refilledAt) * this.tokensPerMs);
    }
    this.refilledAt = now;
  }

  private forgetBefore(time: number): void {
    let expired = 0;
    while (expired < this.callTimes.length && (this.callTimes[expired] as number) <= time) expired++;
    if (expired > 0) this.callTimes.splice(0, expired);
  }
}
