import { spawnSync } from 'node:child_process';
import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { graphqlAt } from '../harness/graphql.js';
import { killHard, type RunningServer, startGatewayProcess } from '../harness/process.js';
import { temporaryDirectory } from '../harness/temporary-directory.js';
import { cleanupAfterEach } from './support/cleanup.js';
import { endpointAt } from './support/endpoint.js';
import {
  type CreateVideoAnswer,
  createJob,
  createVideoMutation,
  startFakeSegmind,
  waitForTerminal,
} from './support/gateway.js';
import { dataUri, tinyPng } from './support/media.js';

const cleanup = cleanupAfterEach();

/** A private mount namespace with a small tmpfs needs root; CI and the developer machines run as root. */
const canMountPrivately = spawnSync('unshare', ['-m', 'true']).status === 0;

async function startGatewayOn(
  databaseFolder: string,
  options: { tmpfsSize?: string } = {},
): Promise<{ server: RunningServer; upstream: Awaited<ReturnType<typeof startFakeSegmind>> }> {
  const upstream = await startFakeSegmind();
  const server = await startGatewayProcess({
    databasePath: `${databaseFolder}/jobs.sqlite`,
    upstreamUrl: upstream.url,
    // The database lives on its own small file system, mounted for this process only.
    wrap: options.tmpfsSize
      ? (command) => [
          'unshare',
          '-m',
          'sh',
          '-c',
          `mount -t tmpfs -o size=${options.tmpfsSize} tmpfs "${databaseFolder}" && exec "$0" "$@"`,
          ...command,
        ]
      : undefined,
  });
  cleanup(
    () => upstream.close(),
    () => (server.child.exitCode === null ? killHard(server) : undefined),
  );
  return { server, upstream };
}

const bigImage = () => dataUri('image/png', Buffer.concat([tinyPng, Buffer.alloc(3 * 1024 * 1024, 7)]));

async function createWith(server: RunningServer, image: string) {
  return graphqlAt<CreateVideoAnswer>(server.url, createVideoMutation, {
    input: { image, prompt: 'a cat surfing a wave' },
  });
}

describe('storage faults', () => {
  it('waits for a database locked by another connection, then succeeds', async () => {
    const folder = temporaryDirectory();
    cleanup(folder.remove);
    const { server, upstream } = await startGatewayOn(folder.path);
    const other = new SQLite(`${folder.path}/jobs.sqlite`);
    cleanup(() => {
      other.close();
    });
    other.exec('BEGIN IMMEDIATE'); // holds the write lock
    const releaseAt = Date.now() + 2000;
    setTimeout(() => other.exec('COMMIT'), 2000);

    const answer = await createWith(server, 'https://example.com/cat.png');
    expect(Date.now()).toBeGreaterThanOrEqual(releaseAt - 50);
    expect(answer.data?.createVideo.__typename).toBe('CreateVideoSuccess');
    if (answer.data?.createVideo.__typename !== 'CreateVideoSuccess') return;
    expect((await waitForTerminal(endpointAt(server.url), answer.data.createVideo.job.id)).status).toBe('COMPLETED');
    expect(upstream.count('POST')).toBe(1);
  });

  it.skipIf(!canMountPrivately)('answers a full disk with a clear retryable error and sends nothing', async () => {
    const folder = temporaryDirectory();
    cleanup(folder.remove);
    const { server, upstream } = await startGatewayOn(folder.path, { tmpfsSize: '2m' });

    const answer = await createWith(server, bigImage());
    expect(answer.data).toBeFalsy();
    expect(answer.errors?.[0]?.message).toMatch(/cannot store new jobs right now.*Retry later/);
    expect(answer.errors?.[0]?.extensions).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      retryable: true,
      reason: 'SQLITE_FULL',
    });
    expect(upstream.count('POST')).toBe(0);

    // Space for a small job is still there: the gateway kept serving.
    const small = await createJob(endpointAt(server.url));
    expect((await waitForTerminal(endpointAt(server.url), small)).status).toBe('COMPLETED');
    // Until then, through a whole job's life, the refused one was never sent.
    expect(upstream.count('POST')).toBe(1);
  });

  it('answers a database file that turned read-only with a clear retryable error and sends nothing', async () => {
    const folder = temporaryDirectory();
    const files = ['jobs.sqlite', 'jobs.sqlite-wal'].map((name) => `${folder.path}/${name}`);
    cleanup(folder.remove);
    const { server, upstream } = await startGatewayOn(folder.path);
    // The immutable attribute refuses writes even to files already open, even for root.
    const locked = spawnSync('chattr', ['+i', ...files]).status === 0;
    cleanup(() => void spawnSync('chattr', ['-i', ...files]));
    if (!locked) return expect.fail('chattr +i is not supported on the temporary folder');

    const answer = await createWith(server, 'https://example.com/cat.png');
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryable: true });
    expect(answer.errors?.[0]?.message).toMatch(/cannot store new jobs right now/);
    expect(upstream.count('POST')).toBe(0);
    expect((await fetch(server.url.replace('/graphql', '/healthz'))).status).toBe(200);

    spawnSync('chattr', ['-i', ...files]);
    const later = await createJob(endpointAt(server.url));
    expect((await waitForTerminal(endpointAt(server.url), later)).status).toBe('COMPLETED');
    // Until then, through a whole job's life, the refused one was never sent.
    expect(upstream.count('POST')).toBe(1);
  });
});
