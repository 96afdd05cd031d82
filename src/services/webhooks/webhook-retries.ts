/** Waits after a failed attempt, in order (contract section 6): 5 s, 1 min, 10 min, 1 h, 6 h. */
const retryDelaysMs = [5_000, 60_000, 600_000, 3_600_000, 21_600_000] as const;

/** Attempts at one delivery, the first included, before it is abandoned. */
export const maxWebhookAttempts = retryDelaysMs.length + 1;

/**
 * The wait before the next attempt after `attemptsMade` failed ones, scaled (`WEBHOOK_RETRY_SCALE`, for tests);
 * undefined once none is left. No jitter: each delivery's schedule starts at its own status change, which
 * already spreads a burst, and tests stay exact.
 */
export function retryDelayMs(attemptsMade: number, scale: number): number | undefined {
  const delay = retryDelaysMs[attemptsMade - 1];
  return delay === undefined ? undefined : Math.round(delay * scale);
}
