import { describe, expect, it } from 'vitest';
import { temporaryDirectory } from '../harness/temporary-directory.js';
import { DurationModel } from '../src/services/scheduling/duration-model.js';
import { cleanupAfterEach } from './support/cleanup.js';
import { defaultPolling, runUntil, startOnManualClock } from './support/drive.js';
import { createJob, startFakeSegmind, startGateway, statusOf, type TestGateway } from './support/gateway.js';
import { ManualClock } from './support/manual-clock.js';

const cleanup = cleanupAfterEach();

describe('the duration model', () => {
  it('starts from the prior and follows the durations it learns', () => {
    const model = new DurationModel();
    const jobClass = { duration: 5, resolution: '720p' } as const;
    expect(model.quantile(jobClass, 0.5)).toBeCloseTo(129_070, -2);
    for (const ms of [60_000, 62_000, 58_000, 61_000, 59_000, 60_500]) model.record(jobClass, ms);
    expect(model.quantile(jobClass, 0.5)).toBeGreaterThan(59_000);
    expect(model.quantile(jobClass, 0.5)).toBeLessThan(61_000);
    expect(model.chanceToFinish(jobClass, 0, 50_000)).toBe(0);
    expect(model.chanceToFinish(jobClass, 0, 70_000)).toBe(1);
    expect(model.chanceToFinish(jobClass, 59_000, 61_000)).toBeGreaterThan(0.3);
    // Other classes keep their own prior.
    expect(model.quantile({ duration: 10, resolution: '1080p' }, 0.5)).toBeGreaterThan(200_000);
  });
});

describe('failures in the duration model', () => {
  it('learns when content blocks come and how often: seen early, the risk of an unseen failure is early', () => {
    const model = new DurationModel();
    const jobClass = { duration: 5, resolution: '720p' } as const;
    for (let index = 0; index < 20; index++) model.record(jobClass, 130_000 + 100 * index);
    // Before any failure: 1 in 20 is assumed, spread over the whole run.
    expect(model.failureRate()).toBeCloseTo(1 / 40, 3);
    // Blocks on the input come about 10 s after the submit.
    for (let index = 0; index < 10; index++) model.recordFailure(jobClass, 10_000 + 200 * index);
    expect(model.failureRate()).toBeCloseTo(11 / 50, 3);
    expect(model.failsWithChance(jobClass, 5000, 0.05, 120_000)).toBeLessThan(15_000);
    // Past the time blocks come, a job still running is far less likely to fail in the next 90 s than a
    // job was in the 10 s around them.
    expect(model.chanceToFail(jobClass, 5000, 15_000)).toBeGreaterThan(0.1);
    expect(model.chanceToFail(jobClass, 20_000, 110_000)).toBeLessThan(0.05);
  });
});

interface Run {
  calls: number;
  detectionDelayMs: number;
}

const jobFieldsWithEstimate = 'query ($id: ID!) { videoJob(id: $id) { status progress estimatedFinishAt finishedAt } }';

/** One job on the manual clock: Segmind's calls for it, and how late the gateway noticed its finish. */
async function runOneJob(clock: ManualClock, gateway: TestGateway, upstreamCalls: () => number): Promise<Run> {
  const before = upstreamCalls();
  const submittedAt = clock.now();
  const id = await createJob(gateway);
  await runUntil(clock, gateway, () => statusOf(gateway, id) === 'COMPLETED', 10 * 60_000, 100);
  // The fake finishes 5 s + 60 s after the submit, which goes out at once.
  return { calls: upstreamCalls() - before, detectionDelayMs: clock.now() - (submittedAt + 65_000) };
}

describe('the learned poll scheduler', () => {
  it('learns how long jobs take, then polls a few times around the finish; the lesson survives a restart', async () => {
    const clock = new ManualClock();
    const folder = temporaryDirectory();
    const upstream = await startFakeSegmind({ clock, queueMs: 5000, processingMs: 60_000 });
    const environment = {
      SEGMIND_RPM: '50',
      POLL_MIN_INTERVAL_MS: '1000',
      POLL_MAX_INTERVAL_MS: '15000',
      POLL_TARGET_DELAY_MS: '3000',
    };
    const start = async () => {
      const gateway = await startGateway({ upstream, clock, databasePath: `${folder.path}/jobs.sqlite`, environment });
      cleanup(() => gateway.close());
      return gateway;
    };
    cleanup(folder.remove, () => upstream.close());

    const first = await start();
    const runs: Run[] = [];
    for (let index = 0; index < 6; index++) runs.push(await runOneJob(clock, first, () => upstream.calls.length));
    await first.close();
    const second = await start();
    const afterRestart = await runOneJob(clock, second, () => upstream.calls.length);

    // Cold, the prior (129 s) has the gateway look every 15 s: late by up to 15 s.
    expect(runs[0]?.detectionDelayMs).toBeGreaterThan(3000);
    // Learned: the finish is seen within the target, for a handful of calls (the SDK's 2 s polling makes ~33).
    for (const run of [runs[5], afterRestart] as Run[]) {
      expect(run.detectionDelayMs).toBeLessThanOrEqual(3000);
      expect(run.calls).toBeLessThanOrEqual(10);
    }
  });

  it('gives clients an ETA and a progress that only grows, reaching 1 when COMPLETED', async () => {
    const { clock, upstream, gateway } = await startOnManualClock(
      { queueMs: 5000, processingMs: 60_000 },
      defaultPolling,
      cleanup,
    );
    for (let index = 0; index < 5; index++) await runOneJob(clock, gateway, () => upstream.calls.length);

    const id = await createJob(gateway);
    const seen: { status: string; progress: number; estimatedFinishAt: string | null }[] = [];
    const expectedFinish = clock.now() + 65_000;
    while (statusOf(gateway, id) !== 'COMPLETED') {
      const answer = await gateway.graphql<{ videoJob: (typeof seen)[number] }>(jobFieldsWithEstimate, { id });
      if (answer.data) seen.push(answer.data.videoJob);
      clock.advance(5000);
      await gateway.app.poller.whenIdle();
    }
    const done = await gateway.graphql<{ videoJob: (typeof seen)[number] }>(jobFieldsWithEstimate, { id });
    if (done.data) seen.push(done.data.videoJob);

    const progress = seen.map((entry) => entry.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(1);
    expect(progress.slice(0, -1).every((value) => value < 1)).toBe(true);
    // Taught by five jobs of 65 s, the ETA given early is within a few seconds of the real finish.
    const early = seen.find((entry) => entry.status !== 'PENDING');
    expect(Math.abs(Date.parse(early?.estimatedFinishAt ?? '') - expectedFinish)).toBeLessThan(5000);
  });
});
