import { temporaryDirectory } from '../../harness/temporary-directory.js';
import type { Simulator, SimulatorOptions } from '../../src/simulator/index.js';
import { type GatewayOptions, startFakeSegmind, startGateway, type TestGateway } from './gateway.js';
import { ManualClock } from './manual-clock.js';

/**
 * Runs the gateway on a manual clock until `done` holds: moves time timer by timer (at most `stepMs` at
 * once) and, after each, waits until every upstream call and webhook attempt started then has been answered
 * and recorded, so each happens at the very time it was scheduled and the run is the same every time.
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
    await gateway.app.webhooks.whenIdle();
  }
}

/** Runs the gateway on a manual clock for `ms` of test time, as {@link runUntil} does: to show what it does not do. */
export async function runFor(clock: ManualClock, gateway: TestGateway, ms: number): Promise<void> {
  const until = clock.now() + ms;
  await runUntil(clock, gateway, () => clock.now() >= until, ms);
}

/** The contract's default pacing (Segmind Pro's 50 calls a minute), for manual-clock runs that mimic production. */
export const defaultPolling = {
  SEGMIND_RPM: '50',
  POLL_MIN_INTERVAL_MS: '1000',
  POLL_MAX_INTERVAL_MS: '15000',
  POLL_TARGET_DELAY_MS: '3000',
};

/** A fake Segmind and a gateway sharing one manual clock, each on its own port and database file. */
export async function startOnManualClock(
  simulator: Omit<SimulatorOptions, 'clock'>,
  environment: Record<string, string>,
  cleanup: (...cleanups: (() => unknown)[]) => void,
  app?: GatewayOptions['app'],
): Promise<{ clock: ManualClock; upstream: Simulator; gateway: TestGateway }> {
  const clock = new ManualClock();
  const folder = temporaryDirectory();
  const upstream = await startFakeSegmind({ ...simulator, clock });
  const gateway = await startGateway({ upstream, clock, databasePath: `${folder.path}/jobs.sqlite`, environment, app });
  cleanup(
    folder.remove,
    () => upstream.close(),
    () => gateway.close(),
  );
  return { clock, upstream, gateway };
}
