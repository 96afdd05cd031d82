import { describe, expect, it } from 'vitest';
import { openViewer } from '../src/domain/access.js';
import { decodeJobId } from '../src/domain/job-id.js';
import { CallBudget } from '../src/services/upstream/call-budget.js';
import type { SimulatorCall } from '../src/simulator/index.js';
import { cleanupAfterEach } from './support/cleanup.js';
import { defaultPolling, runFor, startOnManualClock } from './support/drive.js';
import { createJob, type TestGateway } from './support/gateway.js';
import { ManualClock } from './support/manual-clock.js';

const cleanup = cleanupAfterEach();

const pollMaxIntervalMs = Number(defaultPolling.POLL_MAX_INTERVAL_MS);

/**
 * Each submitted job's longest time without a look: from its submit to its first poll, between two polls,
 * and, while it is not finished, from its last look until `now`.
 */
function longestGaps(gateway: TestGateway, calls: readonly SimulatorCall[], jobs: Map<string, number>, now: number) {
  return [...jobs].flatMap(([prompt, jobId]) => {
    const submit = calls.find((call) => call.method === 'POST' && call.prompt === prompt);
    const job = gateway.app.jobs.get(openViewer, jobId);
    if (!submit || !job?.upstreamRequestId) return [];
    const requestId = job.upstreamRequestId;
    const polls = calls.filter((call) => call.method === 'GET' && call.path.includes(requestId));
    const times = [submit.at, ...polls.map((call) => call.at)];
    if (job.status !== 'COMPLETED') times.push(now);
    const gaps = times.slice(1).map((time, index) => time - (times[index] as number));
    return [{ prompt, gapMs: Math.max(...gaps) }];
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
    // Twenty minutes: several generations of jobs come and go while most of the backlog still waits (without
    // the fairness rule the first submitted jobs went unpolled for six minutes and more).
    await runFor(clock, gateway, 20 * 60_000);

    // Submitted once each, in creation order; some finished, the rest wait their turn.
    const submits = upstream.calls.filter((call) => call.method === 'POST');
    expect(submits.map((call) => call.prompt)).toEqual([...jobs.keys()].slice(0, submits.length));
    const gaps = longestGaps(gateway, upstream.calls, jobs, clock.now());
    expect(gaps.length).toBeGreaterThan(30);
    const worst = gaps.reduce((a, b) => (b.gapMs > a.gapMs ? b : a));
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
