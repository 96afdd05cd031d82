import { describe, expect, it } from 'vitest';
import { openViewer } from '../src/domain/access.js';
import { decodeJobId } from '../src/domain/job-id.js';
import { CallBudget } from '../src/services/upstream/call-budget.js';
import type { SimulatorCall } from '../src/simulator/index.js';
import { cleanupAfterEach } from './support/cleanup.js';
import { defaultPolling, runUntil, startOnManualClock } from './support/drive.js';
import { createJob, type TestGateway } from './support/gateway.js';
import { ManualClock } from './support/manual-clock.js';

const cleanup = cleanupAfterEach();

const pollMaxIntervalMs = Number(defaultPolling.POLL_MAX_INTERVAL_MS);

/** Each submitted job's longest time without a look: from its submit to its first poll, or between two polls. */
function longestGaps(gateway: TestGateway, calls: readonly SimulatorCall[], jobs: Map<string, number>) {
  return [...jobs].map(([prompt, jobId]) => {
    const submit = calls.find((call) => call.method === 'POST' && call.prompt === prompt);
    const requestId = gateway.app.jobs.get(openViewer, jobId)?.upstreamRequestId;
    if (!submit || !requestId) throw new Error(`${prompt} was never submitted`);
    const polls = calls.filter((call) => call.method === 'GET' && call.path.includes(requestId));
    const times = [submit.at, ...polls.map((call) => call.at)];
    const gaps = times.slice(1).map((time, index) => time - (times[index] as number));
    return { prompt, gapMs: Math.max(...gaps) };
  });
}

describe('polls of submitted jobs behind a backlog of submits', () => {
  it('300 queued submits on SEGMIND_RPM=50 never leave a submitted job unpolled longer than POLL_MAX_INTERVAL_MS x 2', async () => {
    // Jobs of a few minutes: the backlog (six minutes of submits alone) outlasts each of them.
    const { clock, upstream, gateway } = await startOnManualClock(
      { queueMs: 5000, processingMs: 3 * 60_000 },
      defaultPolling,
      cleanup,
    );
    const jobs = new Map<string, number>();
    for (let index = 0; index < 300; index++) {
      const prompt = `backlog job ${index}`;
      jobs.set(prompt, decodeJobId(await createJob(gateway, { prompt })) ?? -1);
    }
    const ids = [...jobs.values()];
    const allCompleted = () => gateway.app.jobs.getMany(openViewer, ids).every((job) => job?.status === 'COMPLETED');
    await runUntil(clock, gateway, allCompleted, 3 * 60 * 60_000, 1000);

    // Submitted once each, in creation order.
    const submits = upstream.calls.filter((call) => call.method === 'POST');
    expect(submits.map((call) => call.prompt)).toEqual([...jobs.keys()]);
    const worst = longestGaps(gateway, upstream.calls, jobs).reduce((a, b) => (b.gapMs > a.gapMs ? b : a));
    expect(worst.gapMs, `${worst.prompt} went ${worst.gapMs} ms unpolled`).toBeLessThanOrEqual(2 * pollMaxIntervalMs);
  }, 240_000);
});

describe('waiting for the call budget', () => {
  it('tells a call the reserve holds back when it can go, rather than "now" again and again', () => {
    const clock = new ManualClock();
    const budget = new CallBudget(50, clock);
    while (budget.tryTake()) {}
    clock.advance(1500); // a call's worth of pacing: enough for a likely poll, not for a routine one
    expect(budget.tryTake(1)).toBe(false);
    const freeAt = budget.nextFreeAt(1);
    expect(freeAt).toBeGreaterThan(clock.now());
    clock.advance(freeAt - clock.now() - 1);
    expect(budget.tryTake(1)).toBe(false);
    clock.advance(1);
    expect(budget.tryTake(1)).toBe(true);
  });
});
