import { describe, expect, it } from 'vitest';
import { openViewer } from '../src/domain/access.js';
import { decodeJobId } from '../src/domain/job-id.js';
import { CallBudget } from '../src/services/upstream/call-budget.js';
import type { Simulator } from '../src/simulator/index.js';
import { cleanupAfterEach } from './support/cleanup.js';
import { defaultPolling, runFor, startOnManualClock } from './support/drive.js';
import { createJob, type TestGateway } from './support/gateway.js';
import { ManualClock } from './support/manual-clock.js';

const cleanup = cleanupAfterEach();

const pollMaxIntervalMs = Number(defaultPolling.POLL_MAX_INTERVAL_MS);

/**
 * Each submitted job's longest time without a look while the model knew nothing of its class (from its submit
 * until the first job of its class was found finished, `learnedAt`), and how late its finish was found.
 */
function looks(gateway: TestGateway, upstream: Simulator, jobs: Map<string, number>, learnedAt: number) {
  const { calls } = upstream;
  return [...jobs].flatMap(([prompt, jobId]) => {
    const submit = calls.find((call) => call.method === 'POST' && call.prompt === prompt);
    const job = gateway.app.jobs.get(openViewer, jobId);
    if (!submit || !job?.upstreamRequestId) return [];
    const requestId = job.upstreamRequestId;
    const polls = calls.filter((call) => call.method === 'GET' && call.path.includes(requestId));
    const times = [submit.at, ...polls.map((call) => call.at)].filter((time) => time <= learnedAt);
    const blindGapMs = Math.max(0, ...times.slice(1).map((time, index) => time - (times[index] as number)));
    const finishedAt = upstream.finishesAt(requestId) ?? Number.NaN;
    const foundAt = polls.find((call) => call.at >= finishedAt)?.at;
    return [{ prompt, blindGapMs, findDelayMs: foundAt === undefined ? undefined : foundAt - finishedAt }];
  });
}

describe('polls of submitted jobs behind a backlog of submits', () => {
  it('300 queued submits on SEGMIND_RPM=50: every finish is found within POLL_MAX_INTERVAL_MS x 2, and no job goes unpolled longer while the model knows nothing', async () => {
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
    // Twenty minutes: several generations of jobs come and go (without the fairness rule the first submitted
    // jobs went unpolled for six minutes and more; with the old fixed floor, most of the backlog still waited).
    await runFor(clock, gateway, 20 * 60_000);

    // Submitted once each, in creation order.
    const submits = upstream.calls.filter((call) => call.method === 'POST');
    expect(submits.map((call) => call.prompt)).toEqual([...jobs.keys()].slice(0, submits.length));
    const learnedAt = Math.min(
      ...[...jobs.values()].map((jobId) => gateway.app.jobs.get(openViewer, jobId)?.finishedAt?.getTime() ?? Infinity),
    );
    const seen = looks(gateway, upstream, jobs, learnedAt);
    expect(seen.length).toBeGreaterThan(30);
    const blindest = seen.reduce((a, b) => (b.blindGapMs > a.blindGapMs ? b : a));
    expect(blindest.blindGapMs, `${blindest.prompt} went unpolled too long`).toBeLessThanOrEqual(2 * pollMaxIntervalMs);
    // Once the model knows the class, jobs wait for their finish window unpolled, but each finish is found soon.
    const found = seen.flatMap((job) => (job.findDelayMs === undefined ? [] : [job]));
    expect(found.length).toBeGreaterThan(100);
    const latest = found.reduce((a, b) => ((b.findDelayMs ?? 0) > (a.findDelayMs ?? 0) ? b : a));
    expect(latest.findDelayMs, `${latest.prompt} was found late`).toBeLessThanOrEqual(2 * pollMaxIntervalMs);
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
