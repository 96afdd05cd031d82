import { describe, expect, it } from 'vitest';
import { freePort } from '../harness/process.js';
import { temporaryDirectory } from '../harness/temporary-directory.js';
import { type Simulator, type SimulatorCall, startSimulator } from '../src/simulator/index.js';
import { cleanupAfterEach } from './support/cleanup.js';
import { defaultPolling, runFor, runUntil, startOnManualClock } from './support/drive.js';
import {
  collectSubscription,
  createJob,
  type GatewayOptions,
  type JobView,
  jobFields,
  startFakeSegmind,
  startGateway,
  statusOf,
  type TestGateway,
  waitForTerminal,
} from './support/gateway.js';

const cleanup = cleanupAfterEach();

async function setUp(
  options: Pick<GatewayOptions, 'environment' | 'app'> & { processingMs?: number } = {},
): Promise<{ upstream: Simulator; gateway: TestGateway }> {
  const folder = temporaryDirectory();
  const upstream = await startFakeSegmind({ processingMs: options.processingMs ?? 150 });
  const gateway = await startGateway({ ...options, upstream, databasePath: `${folder.path}/jobs.sqlite` });
  cleanup(
    folder.remove,
    () => upstream.close(),
    () => gateway.close(),
  );
  return { upstream, gateway };
}

const isTerminal = (status: string | undefined) => status === 'COMPLETED' || status === 'FAILED';

const okSubmits = (upstream: Simulator) =>
  upstream.calls.filter((call) => call.method === 'POST' && call.status === 200).length;

describe('submits (POST: retried only where no request was made)', () => {
  it('retries a submit answered 500 twice, then completes one job', async () => {
    const { upstream, gateway } = await setUp();
    upstream.faults.inject({ kind: 'status', status: 500 }, 2, 'submit');
    const job = await waitForTerminal(gateway, await createJob(gateway));
    expect(job.status).toBe('COMPLETED');
    expect(upstream.count('POST')).toBe(3);
    expect(okSubmits(upstream)).toBe(1);
  });

  it('retries when the connection is refused, until Segmind listens', async () => {
    const port = await freePort();
    const down = await startFakeSegmind();
    await down.close(); // a fake that is not there: its port refuses connections
    const folder = temporaryDirectory();
    const gateway = await startGateway({
      upstream: { ...down, url: `http://127.0.0.1:${port}` },
      databasePath: `${folder.path}/jobs.sqlite`,
    });
    cleanup(folder.remove, () => gateway.close());
    const id = await createJob(gateway);
    await expect
      .poll(() => gateway.warnings.some((line) => line.includes('submit not made, will retry')), { timeout: 10_000 })
      .toBe(true);
    expect(statusOf(gateway, id)).toBe('PENDING');
    const upstream = await startSimulator({ port, queueMs: 50, processingMs: 100 });
    cleanup(() => upstream.close());
    expect((await waitForTerminal(gateway, id)).status).toBe('COMPLETED');
    expect(upstream.count('POST')).toBe(1);
  });

  it.each([
    ['answered 504', { kind: 'status', status: 504 }, {}],
    ['timed out', { kind: 'hang' }, { SEGMIND_TIMEOUT_MS: '300' }],
    ['dropped after it was sent', { kind: 'lose-answer' }, {}],
  ] as const)('never retries a submit %s: the outcome is unknown', async (_name, fault, environment) => {
    const { clock, upstream, gateway } = await startOnManualClock({}, environment, cleanup);
    upstream.faults.inject(fault, 1, 'submit');
    const id = await createJob(gateway);
    await runUntil(clock, gateway, () => isTerminal(statusOf(gateway, id)), 60_000);
    const job = await waitForTerminal(gateway, id);
    expect(job.status).toBe('FAILED');
    expect(job.error?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(job.error?.message).toMatch(/Outcome unknown/);
    // Ten minutes on, past any retry of a submit Segmind did not take, it was still sent once.
    await runFor(clock, gateway, 10 * 60_000);
    expect(upstream.count('POST')).toBe(1);
  });

  it('gives up with UPSTREAM_UNAVAILABLE when Segmind keeps answering "not made" past the retry window', async () => {
    const { upstream, gateway } = await setUp({ app: { submitRetryWindowMs: 300 } });
    upstream.faults.inject({ kind: 'status', status: 503 }, 10_000, 'submit');
    const job = await waitForTerminal(gateway, await createJob(gateway));
    expect(job.error?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(job.error?.message).toMatch(/did not accept the job in \d+ tries: .*503/);
    expect(okSubmits(upstream)).toBe(0);
  });
});

describe('polls (GET: retried freely, never failing a job by themselves)', () => {
  it('rides out failing polls (5xx, resets): the job completes and its status never goes back', async () => {
    // Six failures in a row open the circuit; on the manual clock its pauses cannot eat the PROCESSING window.
    const { clock, upstream, gateway } = await startOnManualClock({ processingMs: 3000 }, {}, cleanup);
    const id = await createJob(gateway);
    const watcher = collectSubscription<{ videoJob: JobView }>(
      gateway.wsClient(),
      `subscription ($id: ID!) { videoJob(id: $id) { ${jobFields} } }`,
      { id },
    );
    await runUntil(clock, gateway, () => upstream.count('POST') === 1, 60_000);
    // Polls read the result endpoint (it answers every status, and the output once COMPLETED).
    upstream.faults.inject({ kind: 'status', status: 502 }, 2, 'result');
    upstream.faults.inject({ kind: 'reset' }, 2, 'result');
    upstream.faults.inject({ kind: 'status', status: 500 }, 2, 'any');
    await runUntil(clock, gateway, () => isTerminal(statusOf(gateway, id)), 5 * 60_000);
    const history = (await watcher.done).map((payload) => payload.videoJob);
    expect(history.at(-1)?.status).toBe('COMPLETED');
    const versions = history.map((job) => job.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(new Set(versions).size).toBe(versions.length);
    // The snapshot may already be QUEUED; after it, every status once and forward only.
    expect(history.map((job) => job.status).filter((status) => status !== 'PENDING')).toEqual([
      'QUEUED',
      'PROCESSING',
      'COMPLETED',
    ]);
    expect(history.at(-1)?.events.map((event) => event.status)).toEqual([
      'PENDING',
      'QUEUED',
      'PROCESSING',
      'COMPLETED',
    ]);
    expect(
      upstream.calls.filter((call) => call.status !== undefined && call.status >= 500).length,
    ).toBeGreaterThanOrEqual(3);
  });

  it('stops hammering Segmind while it is down, keeps the jobs, and resumes when it is back', async () => {
    // The production breaker (5 failures open it; pauses from ~5 s growing to a minute) and pacing, on the manual clock.
    const { clock, upstream, gateway } = await startOnManualClock(
      { processingMs: 12 * 60_000 },
      defaultPolling,
      cleanup,
      {
        breaker: {},
      },
    );
    const ids = await Promise.all(
      Array.from({ length: 5 }, (_, index) => createJob(gateway, { prompt: `job ${index}` })),
    );
    await runUntil(clock, gateway, () => ids.every((id) => statusOf(gateway, id) === 'PROCESSING'), 60_000);
    upstream.faults.inject({ kind: 'status', status: 503 }, 100_000, 'any');
    const outageStart = upstream.calls.length;
    await runFor(clock, gateway, 10 * 60_000);
    const outage = upstream.calls.slice(outageStart);
    // Five failing polls would each be retried every 30 s at most: ~100 calls in ten minutes without a breaker.
    // With it: five to open it, then one probe per pause, the pauses growing.
    expect(outage.length).toBeLessThanOrEqual(25);
    const lastGaps = outage
      .slice(-3)
      .map((call, index, calls) => (index === 0 ? 0 : call.at - (calls[index - 1] as SimulatorCall).at));
    expect(Math.min(...lastGaps.slice(1))).toBeGreaterThanOrEqual(20_000);
    for (const id of ids) expect(statusOf(gateway, id)).toBe('PROCESSING');
    upstream.faults.clear();
    await runUntil(clock, gateway, () => ids.every((id) => isTerminal(statusOf(gateway, id))), 60 * 60_000, 5000);
    for (const id of ids) expect(statusOf(gateway, id)).toBe('COMPLETED');
  });

  it('sends no call of any kind between a 429 and its reset time', async () => {
    const { clock, upstream, gateway } = await startOnManualClock({ processingMs: 5000 }, {}, cleanup);
    const ids = [await createJob(gateway), await createJob(gateway)];
    await runUntil(clock, gateway, () => ids.every((id) => statusOf(gateway, id) === 'PROCESSING'), 60_000);
    const resetAt = clock.now() + 3000;
    upstream.faults.rateLimitUntil(resetAt);
    await runUntil(clock, gateway, () => upstream.calls.some((call) => call.status === 429), 60_000);
    const first429 = upstream.calls.find((call) => call.status === 429);
    await runFor(clock, gateway, resetAt - clock.now() + 500);
    const limited = upstream.calls.filter((call) => call.at > (first429?.at ?? 0) && call.at < resetAt);
    // At most the other job's poll, if it was already on its way when the 429 came back.
    expect(limited.length).toBeLessThanOrEqual(1);
    expect(upstream.calls.some((call) => call.at >= resetAt)).toBe(true);
    await runUntil(clock, gateway, () => ids.every((id) => isTerminal(statusOf(gateway, id))), 5 * 60_000);
    for (const id of ids) expect((await waitForTerminal(gateway, id)).status).toBe('COMPLETED');
  });
});
