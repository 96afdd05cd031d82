/** Time as a dependency, so that schedulers can be driven by a test's clock instead of real seconds. */
export interface Clock {
  now(): number;
  /** Calls `callback` after `delayMs`; the returned function cancels it. */
  setTimer(callback: () => void, delayMs: number): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (callback, delayMs) => {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    // A pending poll must not keep a stopping process alive.
    timer.unref();
    return () => clearTimeout(timer);
  },
};
