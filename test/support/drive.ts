import type { TestGateway } from './gateway.js';
import type { ManualClock } from './manual-clock.js';

/**
 * Runs the gateway on a manual clock until `done` holds: moves time timer by timer (at most `stepMs` at
 * once) and, after each, waits until every upstream call started then has been answered and recorded,
 * so each call happens at the very time it was scheduled and the run is the same every time.
 */
export async function runUntil(
  clock: ManualClock,
  gateway: TestGateway,
  done: () => boolean,
  limitMs: number,
  stepMs = 250,
): Promise<void> {
  const deadline = clock.now() + limitMs;
  while (!done()) {
    if (clock.now() >= deadline) throw new Error(`condition not reached within ${limitMs} ms of test time`);
    clock.tick(stepMs);
    await gateway.app.poller.whenIdle();
  }
}
