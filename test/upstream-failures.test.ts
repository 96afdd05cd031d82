import { describe, expect, it } from 'vitest';
import { createJob, gatewayFixture, waitForTerminal } from './support/gateway.js';

const fixture = gatewayFixture('each');

describe('upstream answers that end a job', () => {
  it("FAILED (422) becomes GENERATION_FAILED with Segmind's text", async () => {
    const job = await waitForTerminal(
      fixture.gateway,
      await createJob(fixture.gateway, { prompt: 'a riot [sim:fail]' }),
    );
    expect(job.status).toBe('FAILED');
    expect(job.error?.code).toBe('GENERATION_FAILED');
    expect(job.error?.message).toMatch(/Content policy violation/);
    expect(job.events.at(-1)).toMatchObject({ status: 'FAILED', message: job.error?.message });
  });

  it('401 on submit becomes UPSTREAM_UNAUTHORIZED', async () => {
    fixture.upstream.faults.rejectKey = true;
    const job = await waitForTerminal(fixture.gateway, await createJob(fixture.gateway));
    expect(job.error?.code).toBe('UPSTREAM_UNAUTHORIZED');
    expect(job.error?.message).toMatch(/API key/);
    expect(job.upstreamRequestId).toBeNull();
  });

  it('401 while polling becomes UPSTREAM_UNAUTHORIZED', async () => {
    const id = await createJob(fixture.gateway, { prompt: 'slow one [sim:slow]' });
    await expect.poll(() => fixture.upstream.count('POST')).toBe(1);
    fixture.upstream.faults.rejectKey = true;
    const job = await waitForTerminal(fixture.gateway, id);
    expect(job.error?.code).toBe('UPSTREAM_UNAUTHORIZED');
    expect(job.upstreamRequestId).not.toBeNull();
  });

  it('406 becomes INSUFFICIENT_CREDITS', async () => {
    fixture.upstream.faults.outOfCredits = true;
    const job = await waitForTerminal(fixture.gateway, await createJob(fixture.gateway));
    expect(job.error?.code).toBe('INSUFFICIENT_CREDITS');
    expect(job.error?.message).toMatch(/credits/);
  });

  it('404 for a request id we hold becomes UPSTREAM_EXPIRED', async () => {
    fixture.upstream.faults.recordTtlMs = 0;
    const job = await waitForTerminal(fixture.gateway, await createJob(fixture.gateway));
    expect(job.error?.code).toBe('UPSTREAM_EXPIRED');
    expect(job.error?.message).toMatch(/no longer knows this request/);
    expect(fixture.upstream.count('POST')).toBe(1);
  });

  it('400 on submit becomes UPSTREAM_REJECTED, never retried', async () => {
    fixture.upstream.faults.inject({ kind: 'status', status: 400 }, 1, 'submit');
    const job = await waitForTerminal(fixture.gateway, await createJob(fixture.gateway));
    expect(job.error?.code).toBe('UPSTREAM_REJECTED');
    expect(fixture.upstream.count('POST')).toBe(1);
  });
});
