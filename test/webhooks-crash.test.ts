import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { graphqlAt } from '../harness/graphql.js';
import { killHard, startGatewayProcess } from '../harness/process.js';
import { temporaryDirectory } from '../harness/temporary-directory.js';
import { cleanupAfterEach } from './support/cleanup.js';
import { endpointAt } from './support/endpoint.js';
import { createJob, startFakeSegmind, startGateway } from './support/gateway.js';
import { startWebhookReceiver } from './support/webhook-receiver.js';

const cleanup = cleanupAfterEach();

interface Deliveries {
  videoJob: { webhookDeliveries: { attempt: number; statusCode: number | null; ok: boolean }[] };
}
const deliveriesQuery = 'query ($id: ID!) { videoJob(id: $id) { webhookDeliveries { attempt statusCode ok } } }';

describe('the webhook outbox across kill -9 and shutdown', () => {
  it('delivers after a restart the webhook of a status change committed before the kill', async () => {
    const folder = temporaryDirectory();
    const upstream = await startFakeSegmind();
    // Holds the first attempt unanswered, so the process dies with the status change committed and the
    // delivery not done; answers every later one.
    const receiver = await startWebhookReceiver((index) => (index === 0 ? 'hang' : 200));
    cleanup(
      folder.remove,
      () => upstream.close(),
      () => receiver.close(),
    );
    const start = async () => {
      const server = await startGatewayProcess({
        databasePath: `${folder.path}/jobs.sqlite`,
        upstreamUrl: upstream.url,
        environment: { ALLOW_PRIVATE_URLS: 'true', WEBHOOK_RETRY_SCALE: '0.001' },
      });
      cleanup(() => (server.child.exitCode === null ? killHard(server) : undefined));
      return server;
    };

    const first = await start();
    const secretAnswer = await graphqlAt<{ viewer: { webhookSecret: string } }>(
      first.url,
      '{ viewer { webhookSecret } }',
    );
    const secret = secretAnswer.data?.viewer.webhookSecret as string;
    const id = await createJob(endpointAt(first.url), { webhookUrl: receiver.url });
    await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBe(1);
    await killHard(first);

    const second = await start();
    await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBe(2);
    const [cutOff, delivered] = receiver.received;
    expect(delivered?.headers['webhook-id']).toBe(cutOff?.headers['webhook-id']);
    expect(new Webhook(secret).verify(delivered?.body ?? '', delivered?.headers ?? {})).toMatchObject({
      type: 'video_job.completed',
      data: { id, status: 'COMPLETED' },
    });
    const answer = await graphqlAt<Deliveries>(second.url, deliveriesQuery, { id });
    // The attempt the kill cut off was never recorded: it is made again, as attempt 1, and succeeds once.
    expect(answer.data?.videoJob.webhookDeliveries).toEqual([{ attempt: 1, statusCode: 200, ok: true }]);
  });

  it('leaves an attempt cut off by a clean stop unrecorded, and makes it again after the restart', async () => {
    const folder = temporaryDirectory();
    const upstream = await startFakeSegmind();
    const receiver = await startWebhookReceiver((index) => (index === 0 ? 'hang' : 200));
    cleanup(
      folder.remove,
      () => upstream.close(),
      () => receiver.close(),
    );
    const start = async () => {
      const gateway = await startGateway({
        upstream,
        databasePath: `${folder.path}/jobs.sqlite`,
        environment: { ALLOW_PRIVATE_URLS: 'true' },
      });
      cleanup(() => gateway.close());
      return gateway;
    };

    const first = await start();
    const id = await createJob(first, { webhookUrl: receiver.url });
    await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBe(1);
    // Its grace period for attempts in flight (300 ms in tests) runs out on the hanging receiver.
    await first.close();

    const second = await start();
    await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBe(2);
    const answer = await second.graphql<Deliveries>(deliveriesQuery, { id });
    expect(answer.data?.videoJob.webhookDeliveries).toEqual([{ attempt: 1, statusCode: 200, ok: true }]);
  });
});
