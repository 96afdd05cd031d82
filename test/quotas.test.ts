import { describe, expect, it } from 'vitest';
import { temporaryDirectory } from '../harness/temporary-directory.js';
import { dataField, requestAs } from './support/auth.js';
import { cleanupAfterEach } from './support/cleanup.js';
import { createVideoMutation, startFakeSegmind, startGateway } from './support/gateway.js';

const cleanup = cleanupAfterEach();

async function setUp(environment: Record<string, string>, processingMs = 60_000) {
  const folder = temporaryDirectory();
  const upstream = await startFakeSegmind({ queueMs: 10, processingMs });
  const gateway = await startGateway({
    upstream,
    databasePath: `${folder.path}/jobs.sqlite`,
    environment: { AUTH_REQUIRED: 'true', ...environment },
  });
  cleanup(
    folder.remove,
    () => upstream.close(),
    () => gateway.close(),
  );
  const token = gateway.app.tokens.create({ owner: 'alice', scopes: ['jobs:read', 'jobs:write'] }).secret;
  const create = async (prompt = 'a cat') => {
    const answer = await requestAs(
      gateway.url,
      token,
      createVideoMutation.replace(
        '__typename',
        '__typename ... on QuotaExceededError { message quota limit retryAfterSeconds }',
      ),
      {
        input: { image: 'https://example.com/cat.png', prompt },
      },
    );
    return answer.body.data?.createVideo as {
      __typename: string;
      quota?: string;
      limit?: number;
      retryAfterSeconds?: number | null;
      job?: { id: string };
    };
  };
  return { upstream, gateway, token, create };
}

describe('quotas, checked in the transaction that stores the job', () => {
  it('stores exactly 10 of 50 concurrent mutations with maxActiveJobs 10, and sends only those', async () => {
    const { upstream, gateway, create } = await setUp({ DEFAULT_MAX_ACTIVE_JOBS: '10' });
    const answers = await Promise.all(Array.from({ length: 50 }, (_, index) => create(`job ${index}`)));
    const kinds = answers.map((answer) => answer.__typename);
    expect(kinds.filter((kind) => kind === 'CreateVideoSuccess')).toHaveLength(10);
    const refused = answers.filter((answer) => answer.__typename === 'QuotaExceededError');
    expect(refused).toHaveLength(40);
    expect(refused[0]).toMatchObject({ quota: 'maxActiveJobs', limit: 10, retryAfterSeconds: null });
    await expect.poll(() => upstream.count('POST')).toBe(10);
    await gateway.app.poller.whenIdle();
    expect(upstream.count('POST')).toBe(10);
  });

  it('refuses the job over jobsPerMinute with a retry time inside the minute, alone and under 50 concurrent', async () => {
    const { create } = await setUp({ DEFAULT_JOBS_PER_MINUTE: '10' });
    const answers = await Promise.all(Array.from({ length: 50 }, (_, index) => create(`job ${index}`)));
    expect(answers.filter((answer) => answer.__typename === 'CreateVideoSuccess')).toHaveLength(10);
    const refused = await create('one more');
    expect(refused).toMatchObject({ __typename: 'QuotaExceededError', quota: 'jobsPerMinute', limit: 10 });
    expect(refused.retryAfterSeconds).toBeGreaterThan(0);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60);
  });

  it('an owner limit set for one owner overrides the default for that owner only', async () => {
    const { gateway, create } = await setUp({ DEFAULT_MAX_ACTIVE_JOBS: '100' });
    gateway.app.quotas.setLimits('alice', { maxActiveJobs: 1 });
    expect((await create()).__typename).toBe('CreateVideoSuccess');
    expect(await create()).toMatchObject({ __typename: 'QuotaExceededError', quota: 'maxActiveJobs', limit: 1 });
    const bob = gateway.app.tokens.create({ owner: 'bob', scopes: ['jobs:write'] }).secret;
    const answer = await requestAs(gateway.url, bob, createVideoMutation, {
      input: { image: 'https://example.com/cat.png', prompt: 'bob' },
    });
    expect(dataField<{ __typename: string }>(answer, 'createVideo').__typename).toBe('CreateVideoSuccess');
  });

  it('counts known costs and estimates unpriced jobs against dailySpendUsd', async () => {
    // The fake prices a 5 s video at 0.5 USD; before any price is known a job is estimated at PRICE_ESTIMATE_USD.
    const { gateway, token, create } = await setUp({ DEFAULT_DAILY_SPEND_USD: '1.2', PRICE_ESTIMATE_USD: '1' }, 300);
    const first = await create('first');
    expect(first.__typename).toBe('CreateVideoSuccess');
    // 1 (the first, not priced yet) + 1 (this one) > 1.2
    expect(await create('second')).toMatchObject({
      __typename: 'QuotaExceededError',
      quota: 'dailySpendUsd',
      limit: 1.2,
    });
    // Once the first job completes its price is known.
    await expect
      .poll(async () => {
        const viewer = await requestAs(gateway.url, token, '{ viewer { usage { spendTodayUsd } } }');
        return dataField<{ usage: { spendTodayUsd: number } }>(viewer, 'viewer').usage.spendTodayUsd;
      })
      .toBeCloseTo(0.5);
    // 0.5 (known) + 0.5 (estimated from the last price of a 5 s 720p job) = 1.0 <= 1.2
    expect((await create('third')).__typename).toBe('CreateVideoSuccess');
    // 0.5 + 0.5 (the third, unpriced) + 0.5 > 1.2
    const refused = await create('fourth');
    expect(refused).toMatchObject({ __typename: 'QuotaExceededError', quota: 'dailySpendUsd' });
    expect(refused.retryAfterSeconds).toBeGreaterThan(0);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(86_400);
  });

  it('shows usage and limits on viewer', async () => {
    const { token, gateway, create } = await setUp({ DEFAULT_MAX_ACTIVE_JOBS: '7', DEFAULT_JOBS_PER_MINUTE: '9' });
    await create();
    const answer = await requestAs(
      gateway.url,
      token,
      '{ viewer { owner scopes usage { activeJobs jobsLastMinute } limits { maxActiveJobs jobsPerMinute dailySpendUsd } } }',
    );
    expect(answer.body.data?.viewer).toEqual({
      owner: 'alice',
      scopes: ['jobs:read', 'jobs:write'],
      usage: { activeJobs: 1, jobsLastMinute: 1 },
      limits: { maxActiveJobs: 7, jobsPerMinute: 9, dailySpendUsd: null },
    });
  });
});
