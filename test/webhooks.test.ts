import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { temporaryDirectory } from '../harness/temporary-directory.js';
import type { ResolveHost } from '../src/services/outbound/guarded-fetch.js';
import { cleanupAfterEach } from './support/cleanup.js';
import { runFor, runUntil } from './support/drive.js';
import {
  type CreateVideoAnswer,
  createJob,
  createVideoMutation,
  type GatewayOptions,
  startFakeSegmind,
  startGateway,
  type TestGateway,
} from './support/gateway.js';
import { ManualClock } from './support/manual-clock.js';
import { type Answer, type ReceivedWebhook, startWebhookReceiver } from './support/webhook-receiver.js';

const cleanup = cleanupAfterEach();

interface Delivery {
  at: string;
  attempt: number;
  statusCode: number | null;
  ok: boolean;
  type: string;
  error: string | null;
}

/**
 * A gateway and a fake Segmind on one manual clock, and a loopback receiver. The clock starts at the real
 * time, since Standard Webhooks verifiers refuse a `webhook-timestamp` more than 5 minutes off their own.
 */
async function setUp(answer: Answer, environment: Record<string, string> = {}, app: GatewayOptions['app'] = {}) {
  const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
  const folder = temporaryDirectory();
  const upstream = await startFakeSegmind({ clock });
  const receiver = await startWebhookReceiver(answer);
  const gateway = await startGateway({
    upstream,
    clock,
    databasePath: `${folder.path}/jobs.sqlite`,
    environment: { ALLOW_PRIVATE_URLS: 'true', WEBHOOK_RETRY_SCALE: '0.01', ...environment },
    app,
  });
  cleanup(
    folder.remove,
    () => upstream.close(),
    () => receiver.close(),
    () => gateway.close(),
  );
  return { clock, receiver, gateway };
}

async function secretOf(gateway: TestGateway): Promise<string> {
  const answer = await gateway.graphql<{ viewer: { webhookSecret: string } }>('{ viewer { webhookSecret } }');
  return answer.data?.viewer.webhookSecret as string;
}

async function deliveriesOf(gateway: TestGateway, id: string): Promise<Delivery[]> {
  const answer = await gateway.graphql<{ videoJob: { webhookDeliveries: Delivery[] } }>(
    'query ($id: ID!) { videoJob(id: $id) { webhookDeliveries { at attempt statusCode ok type error } } }',
    { id },
  );
  return answer.data?.videoJob.webhookDeliveries ?? [];
}

/** Milliseconds from the first attempt to each. */
const offsets = (deliveries: Delivery[]) =>
  deliveries.map((delivery) => Date.parse(delivery.at) - Date.parse(deliveries[0]?.at ?? ''));

describe('webhooks', () => {
  it('retries a receiver down for three attempts and records exactly one success, verified by the standard library', async () => {
    const { clock, receiver, gateway } = await setUp((index) => (index < 3 ? 503 : 200));
    const secret = await secretOf(gateway);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const id = await createJob(gateway, { webhookUrl: receiver.url });
    await runUntil(clock, gateway, () => receiver.received.length === 4, 60_000);
    await runFor(clock, gateway, 7 * 60 * 60_000);
    expect(receiver.received).toHaveLength(4);

    const verifier = new Webhook(secret);
    for (const { body, headers } of receiver.received) expect(verifier.verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Set(receiver.received.map(({ headers }) => headers['webhook-id'])).size).toBe(1);
    const last = receiver.received[3];
    expect(last?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(last?.body ?? '')).toEqual({
      type: 'video_job.completed',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      data: {
        id,
        status: 'COMPLETED',
        version: 4,
        // The gateway's own signed link, as `videoUrl` reads, not Segmind's.
        videoUrl: expect.stringMatching(
          new RegExp(`^${gateway.url.replace(/\/graphql$/, '')}/media/.+\\.mp4\\?exp=\\d+&sig=`),
        ),
        error: null,
        cost: expect.any(Number),
        createdAt: expect.any(String),
        finishedAt: expect.any(String),
      },
    });
    const deliveries = await deliveriesOf(gateway, id);
    expect(deliveries.map(({ attempt, statusCode, ok }) => ({ attempt, statusCode, ok }))).toEqual([
      { attempt: 1, statusCode: 503, ok: false },
      { attempt: 2, statusCode: 503, ok: false },
      { attempt: 3, statusCode: 503, ok: false },
      { attempt: 4, statusCode: 200, ok: true },
    ]);
    // 5 s, 1 min, 10 min, scaled by WEBHOOK_RETRY_SCALE=0.01.
    expect(offsets(deliveries)).toEqual([0, 50, 650, 6650]);
  });

  it('reaches a receiver that is down for an hour, on the unscaled schedule', async () => {
    let upFrom = Number.POSITIVE_INFINITY;
    const { clock, receiver, gateway } = await setUp(() => (clock.now() >= upFrom ? 204 : 502), {
      WEBHOOK_RETRY_SCALE: '1',
    });
    const id = await createJob(gateway, { webhookUrl: receiver.url });
    await runUntil(clock, gateway, () => receiver.received.length === 1, 60_000);
    upFrom = clock.now() + 60 * 60_000;
    await runUntil(clock, gateway, () => receiver.received.at(-1)?.status === 204, 2 * 60 * 60_000, 60_000);
    const deliveries = await deliveriesOf(gateway, id);
    expect(offsets(deliveries)).toEqual([0, 5_000, 65_000, 665_000, 4_265_000]);
    expect(deliveries.map((delivery) => delivery.ok)).toEqual([false, false, false, false, true]);
  });

  it('tells the statuses asked for, in order, and every terminal one', async () => {
    const { clock, receiver, gateway } = await setUp(() => 200);
    const id = await createJob(gateway, { webhookUrl: receiver.url, webhookEvents: ['QUEUED', 'PROCESSING'] });
    const failed = await createJob(gateway, { webhookUrl: `${receiver.url}?job=failing`, prompt: 'a cat [sim:fail]' });
    await runUntil(clock, gateway, () => receiver.received.length === 4, 60_000);
    const bodies = receiver.received.map(({ body }) => JSON.parse(body));
    const forJob = bodies.filter((body) => body.data.id === id);
    expect(forJob.map((body) => [body.type, body.data.version])).toEqual([
      ['video_job.queued', 2],
      ['video_job.processing', 3],
      ['video_job.completed', 4],
    ]);
    const failure = bodies.find((body) => body.data.id === failed);
    expect(failure).toMatchObject({ type: 'video_job.failed', data: { error: { code: 'GENERATION_FAILED' } } });
    const answer = await gateway.graphql<{ videoJob: { webhookEvents: string[] } }>(
      'query ($id: ID!) { videoJob(id: $id) { webhookEvents } }',
      { id },
    );
    expect(answer.data?.videoJob.webhookEvents).toEqual(['QUEUED', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED']);
  });

  it('stops retrying a receiver that answers 410 Gone', async () => {
    const { clock, receiver, gateway } = await setUp(() => 410);
    const id = await createJob(gateway, { webhookUrl: receiver.url });
    await runUntil(clock, gateway, () => receiver.received.length === 1, 60_000);
    await runFor(clock, gateway, 60 * 60_000);
    expect(receiver.received).toHaveLength(1);
    expect(await deliveriesOf(gateway, id)).toMatchObject([{ attempt: 1, statusCode: 410, ok: false }]);
  });

  it('signs with the old and the new secret for 24 hours after a rotation, then with the new one alone', async () => {
    const { clock, receiver, gateway } = await setUp(() => 200);
    const old = await secretOf(gateway);
    const rotated = await gateway.graphql<{
      rotateWebhookSecret: { webhookSecret: string; previousSecretValidUntil: string };
    }>('mutation { rotateWebhookSecret { webhookSecret previousSecretValidUntil } }');
    const { webhookSecret: fresh, previousSecretValidUntil } = rotated.data?.rotateWebhookSecret ?? {};
    expect(fresh).not.toBe(old);
    expect(await secretOf(gateway)).toBe(fresh);
    expect(Date.parse(previousSecretValidUntil ?? '')).toBe(clock.now() + 24 * 60 * 60_000);

    await createJob(gateway, { webhookUrl: receiver.url });
    await runUntil(clock, gateway, () => receiver.received.length === 1, 60_000);
    const during = receiver.received[0] as ReceivedWebhook;
    expect(during.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(new Webhook(old).verify(during.body, during.headers)).toBeTruthy();
    expect(new Webhook(fresh ?? '').verify(during.body, during.headers)).toBeTruthy();

    clock.advance(24 * 60 * 60_000);
    await createJob(gateway, { webhookUrl: receiver.url });
    await runUntil(clock, gateway, () => receiver.received.length === 2, 60_000);
    const after = receiver.received[1];
    const {
      'webhook-id': messageId,
      'webhook-timestamp': timestamp,
      'webhook-signature': signature,
    } = after?.headers ?? {};
    // A day ahead of the real time, which a verifier's 5-minute window would refuse: compare with the signer.
    const signedAt = new Date(Number(timestamp) * 1000);
    expect(signature).toBe(new Webhook(fresh ?? '').sign(messageId ?? '', signedAt, after?.body ?? ''));
  });
});

describe('webhook URLs and the SSRF guard', () => {
  const refusals: [string, Record<string, unknown>, string, RegExp][] = [
    [
      'a loopback address',
      { webhookUrl: 'http://127.0.0.1:9/hook' },
      'webhookUrl',
      /^webhookUrl refused: address not allowed/,
    ],
    [
      'another scheme',
      { webhookUrl: 'ftp://hooks.example.com/' },
      'webhookUrl',
      /^webhookUrl must be an http\(s\) URL$/,
    ],
    ['credentials', { webhookUrl: 'https://me:pw@hooks.example.com/' }, 'webhookUrl', /must not carry credentials/],
    [
      'PENDING',
      { webhookUrl: 'https://hooks.example.com/', webhookEvents: ['PENDING'] },
      'webhookEvents',
      /cannot ask for PENDING/,
    ],
    ['events without a URL', { webhookEvents: ['QUEUED'] }, 'webhookEvents', /needs a webhookUrl/],
  ];
  it.each(refusals)('refuses %s at create time with a ValidationError', async (_case, input, field, message) => {
    const { gateway } = await setUp(() => 200, { ALLOW_PRIVATE_URLS: 'false' });
    const answer = await gateway.graphql<CreateVideoAnswer>(createVideoMutation, {
      input: { image: 'https://example.com/cat.png', prompt: 'a cat', ...input },
    });
    expect(answer.data?.createVideo).toEqual({
      __typename: 'ValidationError',
      message: expect.any(String),
      issues: [{ field, message: expect.stringMatching(message) }],
    });
  });

  it('checks the address again at each delivery: a name that now resolves to loopback gets nothing', async () => {
    let hooksAddress = '93.184.215.14';
    const resolveHost: ResolveHost = async () => [{ address: hooksAddress, family: 4 }];
    const { clock, receiver, gateway } = await setUp(() => 200, { ALLOW_PRIVATE_URLS: 'false' }, { resolveHost });
    const id = await createJob(gateway, { webhookUrl: `http://hooks.test:${receiver.port}/hook` });
    hooksAddress = '127.0.0.1';
    await runUntil(clock, gateway, () => gateway.warnings.length > 0, 60 * 60_000, 60_000);
    await runFor(clock, gateway, 7 * 60 * 60_000);
    expect(receiver.received).toEqual([]);
    const deliveries = await deliveriesOf(gateway, id);
    expect(deliveries).toHaveLength(6);
    expect(deliveries[0]).toMatchObject({
      statusCode: null,
      ok: false,
      error: 'address not allowed (hooks.test resolves to 127.0.0.1, loopback)',
    });
  });
});
