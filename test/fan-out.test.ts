import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { temporaryDirectory } from '../harness/temporary-directory.js';
import { cleanupAfterEach } from './support/cleanup.js';
import { defaultPolling, runUntil, startOnManualClock } from './support/drive.js';
import { collectSubscription, createJob, startFakeSegmind, startGateway, statusOf } from './support/gateway.js';

const cleanup = cleanupAfterEach();

const subscription = 'subscription ($id: ID!) { videoJob(id: $id) { version status videoUrl } }';

/** Runs one job to completion on a manual clock with `subscribers` watching it; returns Segmind's call count. */
async function upstreamCallsWith(subscribers: number): Promise<{ calls: number; histories: string[][] }> {
  const { clock, upstream, gateway } = await startOnManualClock(
    { queueMs: 5000, processingMs: 60_000 },
    defaultPolling,
    cleanup,
  );

  const id = await createJob(gateway);
  // Up to ten subscriptions share each WebSocket, as the views of one app would.
  const clients = Array.from({ length: Math.ceil(subscribers / 10) }, () => gateway.wsClient());
  const watchers = Array.from({ length: subscribers }, (_, index) =>
    collectSubscription<{ videoJob: { status: string } }>(clients[index % clients.length] as never, subscription, {
      id,
    }),
  );
  // Every subscriber holds its snapshot before time moves.
  await expect.poll(() => watchers.every((watcher) => watcher.payloads.length > 0), { timeout: 10_000 }).toBe(true);
  await runUntil(clock, gateway, () => statusOf(gateway, id) === 'COMPLETED', 10 * 60_000);
  const histories = await Promise.all(
    watchers.map(async (watcher) => (await watcher.done).map((payload) => payload.videoJob.status)),
  );
  return { calls: upstream.calls.length, histories };
}

describe('one poller for every subscriber', () => {
  it('costs Segmind exactly as many calls for 100 subscribers as for 1, and tells all 100 everything', async () => {
    const alone = await upstreamCallsWith(1);
    const crowd = await upstreamCallsWith(100);
    expect(alone.calls).toBeGreaterThan(2);
    expect(crowd.calls).toBe(alone.calls);
    expect(crowd.histories).toHaveLength(100);
    for (const history of crowd.histories) expect(history).toEqual(alone.histories[0]);
    expect(alone.histories[0]).toEqual(['PENDING', 'QUEUED', 'PROCESSING', 'COMPLETED']);
  });
});

describe('limits on one connection', () => {
  it('refuses subscriptions past MAX_SUBSCRIPTIONS_PER_CONNECTION, and serves those within it', async () => {
    const folder = temporaryDirectory();
    const upstream = await startFakeSegmind();
    const gateway = await startGateway({
      upstream,
      databasePath: `${folder.path}/jobs.sqlite`,
      environment: { MAX_SUBSCRIPTIONS_PER_CONNECTION: '3' },
    });
    cleanup(
      folder.remove,
      () => upstream.close(),
      () => gateway.close(),
    );
    const id = await createJob(gateway);
    const client = gateway.wsClient();
    const watchers = Array.from({ length: 4 }, () => collectSubscription(client, subscription, { id }));
    await expect(watchers[3]?.done).rejects.toThrow(/TOO_MANY_SUBSCRIPTIONS/);
    for (const watcher of watchers.slice(0, 3)) expect((await watcher.done).length).toBeGreaterThan(0);
  });
});

describe('a client that stops reading', () => {
  it('holds no one else up: others complete while it is paused, and it gets everything once it reads again', async () => {
    const folder = temporaryDirectory();
    const upstream = await startFakeSegmind();
    const gateway = await startGateway({ upstream, databasePath: `${folder.path}/jobs.sqlite` });
    cleanup(
      folder.remove,
      () => upstream.close(),
      () => gateway.close(),
    );
    const id = await createJob(gateway);

    // A raw graphql-transport-ws client that subscribes, then stops reading its socket.
    const stalled = new WebSocket(gateway.wsUrl, 'graphql-transport-ws');
    cleanup(() => stalled.terminate());
    const received: { type: string; payload?: { data?: { videoJob: { status: string } } } }[] = [];
    stalled.on('message', (data) => received.push(JSON.parse(String(data))));
    await new Promise((resolve) => stalled.once('open', resolve));
    stalled.send(JSON.stringify({ type: 'connection_init' }));
    await expect.poll(() => received.some((message) => message.type === 'connection_ack')).toBe(true);
    stalled.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: subscription, variables: { id } } }));
    await expect.poll(() => received.some((message) => message.type === 'next')).toBe(true);
    stalled.pause();

    const prompt = collectSubscription<{ videoJob: { status: string } }>(gateway.wsClient(), subscription, { id });
    const history = (await prompt.done).map((payload) => payload.videoJob.status);
    expect(history.at(-1)).toBe('COMPLETED');

    stalled.resume();
    await expect.poll(() => received.some((message) => message.type === 'complete')).toBe(true);
    const statuses = received
      .filter((message) => message.type === 'next')
      .map((message) => message.payload?.data?.videoJob.status);
    expect(statuses.at(-1)).toBe('COMPLETED');
    expect(new Set(statuses).size).toBe(statuses.length);
  });
});
