import { Client, cacheExchange, fetchExchange, subscriptionExchange } from '@urql/core';
import { createClient } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CreateVideoDocument, WatchVideoJobDocument } from '../../starter-kit/generated/graphql/graphql.js';
import { cleanupAfterEach } from '../support/cleanup.js';
import { clientsGatewayFixture } from './support/clients-gateway.js';

const fixture = clientsGatewayFixture();
const cleanup = cleanupAfterEach();

/** urql as the README sets it up: HTTP with the token in `Authorization`, subscriptions over graphql-ws. */
function urqlClient(url: string, token: string): Client {
  const authorization = `Bearer ${token}`;
  const socket = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization },
    retryAttempts: 0,
  });
  cleanup(() => socket.dispose());
  return new Client({
    url,
    fetchOptions: { headers: { authorization } },
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: socket.subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
    ],
  });
}

describe('urql with a graphql-ws subscriptionExchange', () => {
  it('creates a job and watches it to COMPLETED', async () => {
    const client = urqlClient(fixture.gateway.url, fixture.token('urql'));
    const input = { image: 'https://example.com/cat.png', prompt: 'a cat surfing a wave' };
    const created = await client.mutation(CreateVideoDocument, { input }).toPromise();
    const result = created.data?.createVideo;
    if (result?.__typename !== 'CreateVideoSuccess') throw new Error(`createVideo: ${JSON.stringify(created)}`);

    const statuses: string[] = [];
    let subscribed: () => void = () => undefined;
    const snapshot = new Promise<void>((resolve) => {
      subscribed = resolve;
    });
    const ended = new Promise<void>((resolve, reject) => {
      const watching = client.subscription(WatchVideoJobDocument, { id: result.job.id }).subscribe((update) => {
        if (update.error) reject(update.error);
        subscribed();
        // urql ends a subscription by repeating its last result with hasNext false.
        if (!update.hasNext) resolve();
        else statuses.push(update.data?.videoJob.status ?? 'none');
      });
      cleanup(() => watching.unsubscribe());
    });
    await snapshot;
    await fixture.finishEveryJob();
    await ended;
    expect(statuses).toEqual(['PENDING', 'QUEUED', 'PROCESSING', 'COMPLETED']);
  });
});
