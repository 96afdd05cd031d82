import type { Clock } from '../../src/services/clock.js';

/** A clock that moves only when the test says, firing due timers in time order. */
export class ManualClock implements Clock {
  private current: number;
  private readonly timers = new Map<number, { at: number; callback: () => void }>();
  private nextTimerId = 0;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(callback: () => void, delayMs: number): () => void {
    const id = this.nextTimerId++;
    this.timers.set(id, { at: this.current + Math.max(0, delayMs), callback });
    return () => this.timers.delete(id);
  }

  /**
   * Moves time to the next timer due within `maxMs` and fires every timer due then; with none due, moves
   * `maxMs`. Stepping this way, whatever a timer starts happens at the time the timer fired.
   */
  tick(maxMs: number): void {
    const limit = this.current + maxMs;
    const next = Math.min(...[...this.timers.values()].map((timer) => timer.at));
    if (next > limit) {
      this.current = limit;
      return;
    }
    this.current = Math.max(this.current, next);
    for (const [id, timer] of [...this.timers.entries()].sort(([idA], [idB]) => idA - idB)) {
      if (timer.at > this.current) continue;
      this.timers.delete(id);
      timer.callback();
    }
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, each at its own time. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const due = [...this.timers.entries()]
        .filter(([, timer]) => timer.at <= target)
        .sort(([idA, a], [idB, b]) => a.at - b.at || idA - idB)[0];
      if (!due) break;
      const [id, timer] = due;
      this.timers.delete(id);
      this.current = Math.max(this.current, timer.at);
      timer.callback();
    }
    this.current = target;
  }
}
