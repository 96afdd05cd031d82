import { createClient } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { freePort, killHard, startGatewayProcess } from '../harness/process.js';
import { temporaryDirectory } from '../harness/temporary-directory.js';
import { cleanupAfterEach } from './support/cleanup.js';
import { endpointAt } from './support/endpoint.js';
import { createJob, startFakeSegmind } from './support/gateway.js';

const cleanup = cleanupAfterEach();

interface Seen {
  version: number;
  status: string;
}

const subscription =
  'subscription ($id: ID!, $after: Int) { videoJob(id: $id, afterVersion: $after) { version status } }';

/** Subscribes and records every payload; `ended` settles when the stream completes or breaks. */
function watch(url: string, variables: Record<string, unknown>) {
  const client = createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
  cleanup(() => client.dispose());
  const seen: Seen[] = [];
  const ended = new Promise<'complete' | 'error'>((resolve) => {
    client.subscribe<{ videoJob: Seen }>(
      { query: subscription, variables },
      {
        next: (result) => {
          if (result.data) seen.push(result.data.videoJob);
        },
        error: () => resolve('error'),
        complete: () => resolve('complete'),
      },
    );
  });
  return { seen, ended };
}

describe('subscribers across a gateway crash', () => {
  it('get the current state first on reconnecting, and nothing twice or out of order when resuming', async () => {
    const folder = temporaryDirectory();
    const upstream = await startFakeSegmind({ queueMs: 50, processingMs: 3000 });
    cleanup(folder.remove, () => upstream.close());
    const port = await freePort();
    const start = async () => {
      const server = await startGatewayProcess({
        databasePath: `${folder.path}/jobs.sqlite`,
        upstreamUrl: upstream.url,
        port,
      });
      cleanup(() => (server.child.exitCode === null ? killHard(server) : undefined));
      return server;
    };

    const first = await start();
    const id = await createJob(endpointAt(first.url));
    const before = watch(first.url, { id });
    await expect.poll(() => before.seen.at(-1)?.status, { timeout: 10_000 }).toBe('PROCESSING');
    await killHard(first);
    expect(await before.ended).toBe('error');
    const lastSeen = before.seen.at(-1) as Seen;

    const second = await start();
    const fresh = watch(second.url, { id }); // a client that lost everything
    const resumed = watch(second.url, { id, after: lastSeen.version }); // a client that kept its last version
    expect(await fresh.ended).toBe('complete');
    expect(await resumed.ended).toBe('complete');

    expect(fresh.seen[0]?.version).toBeGreaterThanOrEqual(lastSeen.version);
    expect(fresh.seen.at(-1)?.status).toBe('COMPLETED');
    const all = [...before.seen, ...resumed.seen];
    expect(all.map((payload) => payload.status)).toEqual(
      ['PENDING', 'QUEUED', 'PROCESSING', 'COMPLETED'].slice(-all.length),
    );
    expect(all.map((payload) => payload.version)).toEqual(all.map((_, index) => (all[0]?.version ?? 0) + index));
  });
});
