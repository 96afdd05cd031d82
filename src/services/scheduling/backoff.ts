import { decorrelatedJitterGenerator, ExponentialBackoff, fullJitterGenerator, type IBackoff } from 'cockatiel';

export interface BackoffOptions {
  /** The first wait. */
  firstMs: number;
  /** The longest wait. */
  maxMs: number;
  /**
   * `full`: a random wait up to the doubling cap, so many retries do not fall due together; `decorrelated`:
   * cockatiel's default, waits that grow about twice each time, each drawn from around the last.
   */
  jitter: 'full' | 'decorrelated';
}

/** Doubling waits, capped, for one thing being retried (cockatiel's exponential backoff). */
export class Backoff {
  private current: IBackoff<unknown> | undefined;
  private readonly first: ExponentialBackoff<unknown>;

  constructor(options: BackoffOptions) {
    const delays = { initialDelay: options.firstMs, maxDelay: options.maxMs };
    this.first =
      options.jitter === 'full'
        ? new ExponentialBackoff({ ...delays, generator: fullJitterGenerator })
        : new ExponentialBackoff({ ...delays, generator: decorrelatedJitterGenerator });
  }

  /** The wait before the next try: the first one after a reset, then each time about twice as long. */
  next(): number {
    this.current = this.current ? this.current.next(undefined) : this.first.next();
    return this.current.duration;
  }

  reset(): void {
    this.current = undefined;
  }
}
