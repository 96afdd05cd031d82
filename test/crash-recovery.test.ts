import { describe, expect, it } from 'vitest';
import { graphqlAt } from '../harness/graphql.js';
import { killHard, type RunningServer, startGatewayProcess } from '../harness/process.js';
import { temporaryDirectory } from '../harness/temporary-directory.js';
import type { Simulator } from '../src/simulator/index.js';
import { cleanupAfterEach } from './support/cleanup.js';
import { endpointAt } from './support/endpoint.js';
import {
  createJob,
  createVideoMutation,
  type JobView,
  jobFields,
  startFakeSegmind,
  waitForTerminal,
} from './support/gateway.js';

const cleanup = cleanupAfterEach();

async function setUp(simulator: { queueMs?: number; processingMs?: number } = {}) {
  const folder = temporaryDirectory();
  const upstream = await startFakeSegmind(simulator);
  cleanup(folder.remove, () => upstream.close());
  const databasePath = `${folder.path}/jobs.sqlite`;
  const start = async (environment: Record<string, string> = {}) => {
    const server = await startGatewayProcess({ databasePath, upstreamUrl: upstream.url, environment });
    cleanup(() => (server.child.exitCode === null ? killHard(server) : undefined));
    return server;
  };
  return { upstream, start };
}

/** Starts a gateway, creates a job, and returns once Segmind is generating it. */
async function jobProcessingOn(start: () => Promise<RunningServer>): Promise<{ first: RunningServer; id: string }> {
  const first = await start();
  const id = await createJob(endpointAt(first.url));
  await expect.poll(() => statusAt(first, id), { timeout: 10_000 }).toBe('PROCESSING');
  return { first, id };
}

async function statusAt(server: RunningServer, id: string): Promise<string | undefined> {
  const answer = await graphqlAt<{ videoJob: { status: string } | null }>(
    server.url,
    'query ($id: ID!) { videoJob(id: $id) { status } }',
    { id },
  );
  return answer.data?.videoJob?.status;
}

/** How many times Segmind took each prompt (a POST it answered 200: a billed request). */
function submitsByPrompt(upstream: Simulator): Map<string, number> {
  const counts = new Map<string, number>();
  for (const call of upstream.calls) {
    if (call.method === 'POST' && call.status === 200 && call.prompt !== undefined) {
      counts.set(call.prompt, (counts.get(call.prompt) ?? 0) + 1);
    }
  }
  return counts;
}

describe('kill -9 and restart on the same database', () => {
  it('keeps all 50 acknowledged jobs of a burst and submits each exactly once', async () => {
    const { upstream, start } = await setUp({ queueMs: 50, processingMs: 100 });
    // Segmind rate-limits for a minute; once the gateway has heard so, the burst can only be stored.
    upstream.faults.rateLimitUntil(Date.now() + 60_000);
    const first = await start();
    const probe = await createJob(endpointAt(first.url), { prompt: 'probe' });
    await expect.poll(() => upstream.calls[0]?.status).toBe(429);
    // Logged once the 429 has paused the gateway's call budget.
    await expect.poll(() => first.output(), { timeout: 10_000 }).toMatch(/submit not made, will retry/);
    const prompts = Array.from({ length: 50 }, (_, index) => `burst job ${index}`);
    const ids = await Promise.all(prompts.map((prompt) => createJob(endpointAt(first.url), { prompt })));
    await killHard(first);
    expect(upstream.count('POST')).toBe(1);

    upstream.faults.clear();
    const second = await start();
    const jobs = await Promise.all([probe, ...ids].map((id) => waitForTerminal(endpointAt(second.url), id, 20_000)));
    expect(jobs.filter((job) => job.status !== 'COMPLETED')).toEqual([]);
    const submits = submitsByPrompt(upstream);
    for (const prompt of ['probe', ...prompts]) expect(submits.get(prompt), prompt).toBe(1);
  });

  it('never sends a job twice when killed in the middle of a burst of submits', async () => {
    const { upstream, start } = await setUp({ queueMs: 50, processingMs: 100 });
    upstream.faults.latencyMs = 20;
    const first = await start();
    const prompts = Array.from({ length: 50 }, (_, index) => `racing job ${index}`);
    const ids = await Promise.all(prompts.map((prompt) => createJob(endpointAt(first.url), { prompt })));
    await expect.poll(() => upstream.count('POST'), { timeout: 10_000 }).toBeGreaterThan(5);
    await killHard(first);

    const second = await start();
    const jobs = await Promise.all(ids.map((id) => waitForTerminal(endpointAt(second.url), id, 20_000)));
    const submits = submitsByPrompt(upstream);
    jobs.forEach((job, index) => {
      const prompt = prompts[index] as string;
      expect(submits.get(prompt) ?? 0, prompt).toBeLessThanOrEqual(1);
      // Either it went through, or its submit was cut off by the kill and it says so.
      if (job.status !== 'COMPLETED') expect(job.error?.message).toMatch(/Outcome unknown/);
    });
    expect(jobs.filter((job) => job.status === 'COMPLETED').length).toBeGreaterThan(0);
  });

  it('completes a job killed while PROCESSING, with one submit', async () => {
    const { upstream, start } = await setUp({ queueMs: 50, processingMs: 1500 });
    const { first, id } = await jobProcessingOn(start);
    await killHard(first);

    const second = await start();
    const job = await waitForTerminal(endpointAt(second.url), id);
    expect(job.status).toBe('COMPLETED');
    expect(upstream.count('POST')).toBe(1);
    expect(job.events.map((event) => event.status)).toEqual(['PENDING', 'QUEUED', 'PROCESSING', 'COMPLETED']);
  });

  it('never resubmits a job whose POST was sent but whose request_id was not stored', async () => {
    const { upstream, start } = await setUp();
    upstream.faults.inject({ kind: 'hang' }, 1, 'submit');
    const first = await start();
    const id = await createJob(endpointAt(first.url));
    await expect.poll(() => upstream.count('POST'), { timeout: 10_000 }).toBe(1);
    await killHard(first);

    const second = await start();
    const job = await waitForTerminal(endpointAt(second.url), id);
    expect(job.status).toBe('FAILED');
    expect(job.error?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(job.error?.message).toMatch(/Outcome unknown.*not sent again/);
    // A clean stop waits until every call the gateway started is answered: none of them was a resubmit.
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(upstream.count('POST')).toBe(1);
  });

  it('marks a job UPSTREAM_EXPIRED when Segmind forgot it while the gateway was down', async () => {
    const { upstream, start } = await setUp({ queueMs: 50, processingMs: 60_000 });
    const { first, id } = await jobProcessingOn(start);
    await killHard(first);

    upstream.faults.recordTtlMs = 0; // an hour passes
    const second = await start();
    const job = await waitForTerminal(endpointAt(second.url), id);
    expect(job.error?.code).toBe('UPSTREAM_EXPIRED');
    expect(upstream.count('POST')).toBe(1);
  });
});

describe('shutdown on SIGTERM', () => {
  it('exits 0 within 10 s while polling, and the restarted gateway repeats no event', async () => {
    const { upstream, start } = await setUp({ queueMs: 50, processingMs: 1500 });
    const { first, id } = await jobProcessingOn(start);
    upstream.faults.latencyMs = 300; // a poll is in flight when the signal lands
    const slowCallsFrom = upstream.calls.length;
    await expect
      .poll(() => upstream.calls.slice(slowCallsFrom).some((call) => call.status === undefined), { timeout: 10_000 })
      .toBe(true);
    const signalledAt = Date.now();
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(10_000);

    upstream.faults.clear();
    const second = await start();
    const job: JobView = await waitForTerminal(endpointAt(second.url), id);
    expect(job.status).toBe('COMPLETED');
    expect(job.events.map((event) => event.status)).toEqual(['PENDING', 'QUEUED', 'PROCESSING', 'COMPLETED']);
    const detail = await graphqlAt<{ videoJob: { version: number } }>(
      second.url,
      `query ($id: ID!) { videoJob(id: $id) { ${jobFields} } }`,
      {
        id,
      },
    );
    expect(detail.data?.videoJob.version).toBe(4);
  });

  it('exits at once on a second signal while the first is still waiting for upstream calls', async () => {
    const { upstream, start } = await setUp();
    upstream.faults.inject({ kind: 'hang' }, 1, 'submit');
    const server = await start({ LOG_LEVEL: 'info' });
    await createJob(endpointAt(server.url));
    await expect.poll(() => upstream.count('POST')).toBe(1);
    server.child.kill('SIGTERM'); // waits up to 5 s for the hanging submit
    await expect.poll(() => server.output(), { timeout: 10_000 }).toContain('waiting for upstream calls in flight');
    expect(server.child.exitCode).toBeNull();
    const secondAt = Date.now();
    server.child.kill('SIGINT');
    expect(await server.exited).toBe(1);
    expect(Date.now() - secondAt).toBeLessThan(1000);
  });

  it('rejects nothing it acknowledged: a mutation answered before SIGTERM is submitted after restart', async () => {
    const { upstream, start } = await setUp();
    upstream.faults.rateLimitUntil(Date.now() + 60_000);
    const first = await start();
    const answer = await graphqlAt<{ createVideo: { job: { id: string } } }>(first.url, createVideoMutation, {
      input: { image: 'https://example.com/cat.png', prompt: 'acknowledged before shutdown' },
    });
    const id = answer.data?.createVideo.job.id as string;
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    upstream.faults.clear();
    const second = await start();
    expect((await waitForTerminal(endpointAt(second.url), id)).status).toBe('COMPLETED');
  });
});
