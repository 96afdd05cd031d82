import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  CreateVideoDocument,
  WatchVideoJobDocument,
  type WatchVideoJobSubscription,
} from '../../starter-kit/generated/graphql/graphql.js';
import { cleanupAfterEach } from '../support/cleanup.js';
import { clientsGatewayFixture } from './support/clients-gateway.js';

const fixture = clientsGatewayFixture();
const cleanup = cleanupAfterEach();

describe('the graphql-ws client on its own', () => {
  it('authenticates in connectionParams and iterates a job from its snapshot to COMPLETED', async () => {
    const authorization = `Bearer ${fixture.token('graphql-ws')}`;
    const created = await fetch(fixture.gateway.url, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({
        query: print(CreateVideoDocument),
        variables: { input: { image: 'https://example.com/cat.png', prompt: 'a cat surfing a wave' } },
      }),
    });
    const { data } = (await created.json()) as { data: { createVideo: { job: { id: string } } } };

    const client = createClient({
      url: fixture.gateway.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization },
      retryAttempts: 0,
    });
    cleanup(() => client.dispose());
    const updates = client.iterate<WatchVideoJobSubscription>({
      query: print(WatchVideoJobDocument),
      variables: { id: data.createVideo.job.id },
    });
    const statuses: string[] = [];
    const snapshot = await updates.next();
    statuses.push(snapshot.done ? 'none' : (snapshot.value.data?.videoJob.status ?? 'none'));
    await fixture.finishEveryJob();
    for await (const update of updates) statuses.push(update.data?.videoJob.status ?? JSON.stringify(update.errors));
    expect(statuses).toEqual(['PENDING', 'QUEUED', 'PROCESSING', 'COMPLETED']);
  });
});
