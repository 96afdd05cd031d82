import { type Client, createClient } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { GraphQLPlugin } from '../src/http/yoga.js';
import { requestAs, subscribeOnceOverWebSocket } from './support/auth.js';
import { cleanupAfterEach } from './support/cleanup.js';
import { defaultPolling, runUntil, startOnManualClock } from './support/drive.js';
import { collectSubscription, createJob, createVideoMutation, statusOf } from './support/gateway.js';

const cleanup = cleanupAfterEach();

const subscription = 'subscription ($id: ID!) { videoJob(id: $id) { id version status updatedAt } }';
type Payload = { videoJob: { version: number; status: string } };

/** Counts, through Yoga's own plugin hooks, the subscriptions the gateway starts and the results they execute. */
function executionCounter() {
  const counts = { started: 0, results: 0, ended: 0 };
  const plugin: GraphQLPlugin = {
    onSubscribe: () => {
      counts.started++;
      return {
        onSubscribeResult: () => ({
          onNext: () => {
            counts.results++;
          },
          onEnd: () => {
            counts.ended++;
          },
        }),
      };
    },
  };
  return { counts, plugin };
}

/** `count` identical subscriptions, ten to a connection, as the views of many apps would open them. */
function crowd(connect: () => Client, count: number, id: string) {
  const clients = Array.from({ length: Math.ceil(count / 10) }, connect);
  return Array.from({ length: count }, (_, index) =>
    collectSubscription<Payload>(clients[Math.floor(index / 10)] as Client, subscription, { id }),
  );
}

describe('identical subscriptions share one execution', () => {
  it('executes once per change for 1,000 identical subscriptions, and each still gets every version in order', async () => {
    const { counts, plugin } = executionCounter();
    const { clock, gateway } = await startOnManualClock(
      { queueMs: 5000, processingMs: 60_000 },
      defaultPolling,
      cleanup,
      { graphqlPlugins: [plugin] },
    );
    const id = await createJob(gateway);
    const early = crowd(() => gateway.wsClient(), 1000, id);
    await expect.poll(() => early.every((watcher) => watcher.payloads.length > 0), { timeout: 20_000 }).toBe(true);

    // Ten more join once the job is QUEUED: their first payload is the job as it is then.
    await runUntil(clock, gateway, () => statusOf(gateway, id) === 'QUEUED', 60_000);
    await expect.poll(() => early.every((watcher) => watcher.payloads.length === 2)).toBe(true);
    const late = crowd(() => gateway.wsClient(), 10, id);
    await expect.poll(() => late.every((watcher) => watcher.payloads.length > 0)).toBe(true);

    await runUntil(clock, gateway, () => statusOf(gateway, id) === 'COMPLETED', 10 * 60_000);
    const histories = await Promise.all(early.map((watcher) => watcher.done));
    const lateHistories = await Promise.all(late.map((watcher) => watcher.done));

    const versions = (history: Payload[]) => history.map((payload) => payload.videoJob.version);
    const statuses = (histories[0] ?? []).map((payload) => payload.videoJob.status);
    expect(statuses).toEqual(['PENDING', 'QUEUED', 'PROCESSING', 'COMPLETED']);
    const all = versions(histories[0] ?? []);
    expect(all).toEqual([1, 2, 3, 4]);
    for (const history of histories) expect(history).toEqual(histories[0]);
    for (const history of lateHistories) expect(history).toEqual(histories[0]?.slice(1));
    // One subscription executed, one result per version, for 1,010 subscribers; it ended once, with the job.
    expect(counts).toEqual({ started: 1, results: all.length, ended: 1 });
  });

  it('stops when its last subscriber leaves (by complete or a closed socket), and starts again for a later one', async () => {
    const { counts, plugin } = executionCounter();
    const { gateway } = await startOnManualClock({ queueMs: 5000, processingMs: 60_000 }, defaultPolling, cleanup, {
      graphqlPlugins: [plugin],
    });
    const id = await createJob(gateway);
    const received: number[] = [];
    const watch = (client: Client) =>
      client.subscribe<Payload>(
        { query: subscription, variables: { id } },
        { next: ({ data }) => data && received.push(data.videoJob.version), error: () => {}, complete: () => {} },
      );
    const first = gateway.wsClient();
    const stopFirst = watch(first);
    await expect.poll(() => received.length).toBe(1);
    // Two join the running execution on another connection, which then closes.
    const other = gateway.wsClient();
    watch(other);
    const stopJoined = watch(other);
    await expect.poll(() => received.length).toBe(3);
    stopJoined();
    await other.dispose();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(counts).toMatchObject({ started: 1, ended: 0 });
    stopFirst();
    await expect.poll(() => counts.ended).toBe(1);
    const again = collectSubscription<Payload>(first, subscription, { id });
    await expect.poll(() => again.payloads.length).toBe(1);
    expect(counts).toMatchObject({ started: 2, ended: 1 });
  });
});

describe('sharing stays within one viewer scope', () => {
  it('never shares between owners, or between scopes of one owner: a hidden job stays NOT_FOUND', async () => {
    const { counts, plugin } = executionCounter();
    const { gateway } = await startOnManualClock(
      { queueMs: 5000, processingMs: 60_000 },
      { ...defaultPolling, AUTH_REQUIRED: 'true' },
      cleanup,
      { graphqlPlugins: [plugin] },
    );
    const token = (owner: string, scopes: ('jobs:read' | 'jobs:write' | 'admin')[]) =>
      gateway.app.tokens.create({ owner, scopes }).secret;
    const alice = token('alice', ['jobs:read', 'jobs:write']);
    const aliceReadOnly = token('alice', ['jobs:read']);
    const bob = token('bob', ['jobs:read', 'jobs:write']);
    const created = await requestAs(gateway.url, alice, createVideoMutation, {
      input: { image: 'https://example.com/cat.png', prompt: 'a cat surfing a wave' },
    });
    const id = (created.body.data as { createVideo: { job: { id: string } } }).createVideo.job.id;

    // Alice's subscription is running when Bob asks the very same thing.
    const aliceClient = createClient({
      url: gateway.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${alice}` },
    });
    cleanup(() => aliceClient.dispose());
    const alices = collectSubscription<Payload>(aliceClient, subscription, { id });
    await expect.poll(() => alices.payloads.length).toBe(1);

    const watch = (secret: string) => subscribeOnceOverWebSocket(gateway.url, secret, subscription, { id });
    expect(await watch(bob)).toMatchObject({ kind: 'error', code: 'NOT_FOUND' });
    expect(await watch(aliceReadOnly)).toMatchObject({ kind: 'next', data: { videoJob: { id, version: 1 } } });
    expect(counts.started).toBe(3);
  });
});
